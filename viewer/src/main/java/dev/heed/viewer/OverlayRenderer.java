package dev.heed.viewer;

import com.jogamp.opengl.GL;
import com.jogamp.opengl.GL3;
import com.jogamp.opengl.GLAutoDrawable;
import com.jogamp.opengl.GLEventListener;
import dev.heed.toolkit.render.Colormap;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Draws {@link Frame} snapshots with one GLSL pass per pane (image, float heat texture upsampled by the sampler,
 * colour lookup, alpha, threshold, contour) and the {@link Hud} on top. A pure {@code GLEventListener}: it reads the
 * latest frame from a supplier and owns only GL objects, which it creates in {@code init} and deletes in
 * {@code dispose}. Changing the colormap, alpha or threshold changes uniforms (and at most a 256-texel LUT), never
 * the maps.
 */
public final class OverlayRenderer implements GLEventListener {
    private final Supplier<Frame> frames;
    private volatile Consumer<BufferedImage> screenshot;
    private final FrameTimes times = new FrameTimes();
    private int program;
    private int vao;
    private int vbo;
    private int imageTexture;
    private MapSource.DisplayImage uploadedImage;
    private final Map<float[], Integer> heatTextures = new IdentityHashMap<>();
    private final Map<Colormap, Integer> lutTextures = new HashMap<>();
    private int hudTexture;
    private String hudKey = "";
    private final Map<String, Integer> uniforms = new HashMap<>();

    public OverlayRenderer(Supplier<Frame> frames) {
        this.frames = frames;
    }

    public FrameTimes times() {
        return times;
    }

    /** Reads the next drawn frame back (window pixels, top row first) and hands it to {@code consumer} once. */
    public void captureNext(Consumer<BufferedImage> consumer) {
        this.screenshot = consumer;
    }

    @Override
    public void init(GLAutoDrawable drawable) {
        GL3 gl = drawable.getGL().getGL3();
        program = link(gl, source("overlay.vert"), source("overlay.frag"));
        int[] quad = quad(gl);
        vao = quad[0];
        vbo = quad[1];
        imageTexture = texture(gl, GL.GL_NEAREST);
        hudTexture = texture(gl, GL.GL_NEAREST);
        gl.glPixelStorei(GL.GL_UNPACK_ALIGNMENT, 1);
        gl.glPixelStorei(GL.GL_PACK_ALIGNMENT, 1);
    }

    @Override
    public void display(GLAutoDrawable drawable) {
        long start = System.nanoTime();
        GL3 gl = drawable.getGL().getGL3();
        int width = drawable.getSurfaceWidth();
        int height = drawable.getSurfaceHeight();
        gl.glViewport(0, 0, width, height);
        gl.glClearColor(0.07f, 0.07f, 0.08f, 1f);
        gl.glClear(GL.GL_COLOR_BUFFER_BIT);
        Frame frame = frames.get();
        if (frame != null) {
            draw(gl, frame, width, height);
        }
        Consumer<BufferedImage> wanted = screenshot;
        if (wanted != null) {
            gl.glFinish();
            screenshot = null;
            wanted.accept(readPixels(gl, width, height));
        }
        times.add(start);
    }

    private void draw(GL3 gl, Frame frame, int width, int height) {
        MapSource.DisplayImage image = frame.image();
        List<Layout.Rect> rects = frame.layout(width, height);
        if (uploadedImage != image) {
            uploadRgb(gl, imageTexture, image.rgb(), image.width(), image.height());
            uploadedImage = image;
        }
        gl.glUseProgram(program);
        gl.glBindVertexArray(vao);
        gl.glUniform1i(uniform(gl, "image"), 0);
        gl.glUniform1i(uniform(gl, "heat"), 1);
        gl.glUniform1i(uniform(gl, "lut"), 2);
        gl.glUniform1i(uniform(gl, "hud"), 3);
        ViewState s = frame.state();
        gl.glUniform1f(uniform(gl, "alpha"), s.alpha());
        gl.glUniform1f(uniform(gl, "threshold"), s.threshold());
        gl.glUniform1f(uniform(gl, "zoom"), s.zoom());
        gl.glUniform2f(uniform(gl, "pan"), s.panX(), s.panY());
        retireHeatTextures(gl, frame);
        for (int i = 0; i < rects.size(); i++) {
            Layout.Rect r = rects.get(i);
            Frame.Pane pane = frame.panes().get(i);
            gl.glViewport(r.x(), height - r.y() - r.height(), r.width(), r.height());
            gl.glActiveTexture(GL.GL_TEXTURE0);
            gl.glBindTexture(GL.GL_TEXTURE_2D, imageTexture);
            if (pane == null) {
                gl.glUniform1i(uniform(gl, "mode"), 1);
            } else {
                gl.glUniform1i(uniform(gl, "mode"), 0);
                gl.glActiveTexture(GL.GL_TEXTURE1);
                gl.glBindTexture(GL.GL_TEXTURE_2D, heatTexture(gl, pane));
                gl.glActiveTexture(GL.GL_TEXTURE2);
                gl.glBindTexture(GL.GL_TEXTURE_2D, lutTexture(gl, pane.colormap()));
                gl.glUniform1f(uniform(gl, "lo"), pane.lo());
                gl.glUniform1f(uniform(gl, "hi"), pane.hi());
            }
            gl.glDrawArrays(GL.GL_TRIANGLE_STRIP, 0, 4);
        }
        drawHud(gl, frame, rects, width, height);
        gl.glBindVertexArray(0);
        gl.glUseProgram(0);
    }

    private void drawHud(GL3 gl, Frame frame, List<Layout.Rect> rects, int width, int height) {
        StringBuilder key = new StringBuilder().append(width).append('x').append(height).append(frame.status()).append(frame.hover())
                .append(frame.busy()).append(frame.help().size());
        frame.panes().forEach(p -> key.append(p == null ? "-" : p.title() + p.stale() + p.lo() + p.hi() + p.colormap()));
        if (!key.toString().equals(hudKey)) {
            BufferedImage hud = Hud.draw(frame, rects, width, height);
            uploadArgb(gl, hudTexture, hud);
            hudKey = key.toString();
        }
        gl.glEnable(GL.GL_BLEND);
        gl.glBlendFunc(GL.GL_SRC_ALPHA, GL.GL_ONE_MINUS_SRC_ALPHA);
        gl.glActiveTexture(GL.GL_TEXTURE3);
        gl.glBindTexture(GL.GL_TEXTURE_2D, hudTexture);
        gl.glUniform1i(uniform(gl, "mode"), 2);
        // blend only where the HUD draws (a full-window blended pass costs a software rasteriser about a third of a frame)
        List<Layout.Rect> parts = new java.util.ArrayList<>(List.of(new Layout.Rect(0, 0, width, Layout.STATUS_HEIGHT)));
        for (Layout.Rect r : rects) {
            // the title row over the pane and its bar, and the bar column with its labels
            parts.add(new Layout.Rect(r.x(), r.y() - Layout.TITLE_HEIGHT, r.width() + Layout.PANE_BAR_SPACE, Layout.TITLE_HEIGHT));
            parts.add(new Layout.Rect(r.x() + r.width(), r.y(), Layout.PANE_BAR_SPACE, r.height() + 10));
        }
        if (!frame.help().isEmpty()) {
            parts.add(Layout.help(width, height));
        }
        for (Layout.Rect r : parts) {
            int x = Math.max(0, r.x());
            int y = Math.max(0, r.y());
            int w = Math.min(width - x, r.width());
            int h = Math.min(height - y, r.height());
            if (w <= 0 || h <= 0) {
                continue;
            }
            gl.glViewport(x, height - y - h, w, h);
            gl.glUniform4f(uniform(gl, "hudRect"), x / (float) width, y / (float) height, (x + w) / (float) width, (y + h) / (float) height);
            gl.glDrawArrays(GL.GL_TRIANGLE_STRIP, 0, 4);
        }
        gl.glDisable(GL.GL_BLEND);
    }

    /** Heat textures live as long as a frame shows their map; others are deleted. */
    private void retireHeatTextures(GL3 gl, Frame frame) {
        var it = heatTextures.entrySet().iterator();
        while (it.hasNext()) {
            var e = it.next();
            boolean shown = frame.panes().stream().anyMatch(p -> p != null && p.values() == e.getKey());
            if (!shown) {
                gl.glDeleteTextures(1, new int[] {e.getValue()}, 0);
                it.remove();
            }
        }
    }

    private int heatTexture(GL3 gl, Frame.Pane pane) {
        Integer id = heatTextures.get(pane.values());
        if (id == null) {
            id = texture(gl, GL.GL_LINEAR);
            gl.glBindTexture(GL.GL_TEXTURE_2D, id);
            gl.glTexImage2D(GL.GL_TEXTURE_2D, 0, GL3.GL_R32F, pane.width(), pane.height(), 0, GL3.GL_RED, GL.GL_FLOAT,
                    FloatBuffer.wrap(pane.values()));
            heatTextures.put(pane.values(), id);
        }
        return id;
    }

    private int lutTexture(GL3 gl, Colormap cmap) {
        return lutTextures.computeIfAbsent(cmap, c -> {
            int id = texture(gl, GL.GL_NEAREST);
            uploadRgb(gl, id, c.packedLut(), 256, 1);
            return id;
        });
    }

    /** A vertex array holding the unit quad as a triangle strip, attribute 0: {@code {vao, vbo}}. */
    static int[] quad(GL3 gl) {
        int[] ids = new int[2];
        gl.glGenVertexArrays(1, ids, 0);
        gl.glGenBuffers(1, ids, 1);
        gl.glBindVertexArray(ids[0]);
        gl.glBindBuffer(GL.GL_ARRAY_BUFFER, ids[1]);
        gl.glBufferData(GL.GL_ARRAY_BUFFER, 8L * Float.BYTES, FloatBuffer.wrap(new float[] {0, 0, 1, 0, 0, 1, 1, 1}), GL.GL_STATIC_DRAW);
        gl.glEnableVertexAttribArray(0);
        gl.glVertexAttribPointer(0, 2, GL.GL_FLOAT, false, 0, 0);
        gl.glBindVertexArray(0);
        return ids;
    }

    static int texture(GL3 gl, int filter) {
        int[] id = new int[1];
        gl.glGenTextures(1, id, 0);
        gl.glBindTexture(GL.GL_TEXTURE_2D, id[0]);
        gl.glTexParameteri(GL.GL_TEXTURE_2D, GL.GL_TEXTURE_MIN_FILTER, filter);
        gl.glTexParameteri(GL.GL_TEXTURE_2D, GL.GL_TEXTURE_MAG_FILTER, filter);
        gl.glTexParameteri(GL.GL_TEXTURE_2D, GL.GL_TEXTURE_WRAP_S, GL.GL_CLAMP_TO_EDGE);
        gl.glTexParameteri(GL.GL_TEXTURE_2D, GL.GL_TEXTURE_WRAP_T, GL.GL_CLAMP_TO_EDGE);
        return id[0];
    }

    /** Packed 0xRRGGBB pixels, row 0 first, as RGBA8. */
    private static void uploadRgb(GL3 gl, int texture, int[] rgb, int width, int height) {
        ByteBuffer bytes = ByteBuffer.allocateDirect(rgb.length * 4);
        for (int p : rgb) {
            bytes.put((byte) (p >> 16)).put((byte) (p >> 8)).put((byte) p).put((byte) 0xFF);
        }
        bytes.flip();
        gl.glBindTexture(GL.GL_TEXTURE_2D, texture);
        gl.glTexImage2D(GL.GL_TEXTURE_2D, 0, GL.GL_RGBA8, width, height, 0, GL.GL_RGBA, GL.GL_UNSIGNED_BYTE, bytes);
    }

    static void uploadArgb(GL3 gl, int texture, BufferedImage image) {
        int w = image.getWidth();
        int h = image.getHeight();
        int[] argb = image.getRGB(0, 0, w, h, null, 0, w);
        ByteBuffer bytes = ByteBuffer.allocateDirect(argb.length * 4);
        for (int p : argb) {
            bytes.put((byte) (p >> 16)).put((byte) (p >> 8)).put((byte) p).put((byte) (p >>> 24));
        }
        bytes.flip();
        gl.glBindTexture(GL.GL_TEXTURE_2D, texture);
        gl.glTexImage2D(GL.GL_TEXTURE_2D, 0, GL.GL_RGBA8, w, h, 0, GL.GL_RGBA, GL.GL_UNSIGNED_BYTE, bytes);
    }

    /** The framebuffer as an image, top row first (GL hands rows bottom-up). */
    static BufferedImage readPixels(GL3 gl, int width, int height) {
        ByteBuffer pixels = ByteBuffer.allocateDirect(width * height * 4).order(ByteOrder.nativeOrder());
        gl.glReadPixels(0, 0, width, height, GL.GL_RGBA, GL.GL_UNSIGNED_BYTE, pixels);
        BufferedImage out = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                int i = ((height - 1 - y) * width + x) * 4;
                out.setRGB(x, y, (pixels.get(i) & 0xFF) << 16 | (pixels.get(i + 1) & 0xFF) << 8 | (pixels.get(i + 2) & 0xFF));
            }
        }
        return out;
    }

    private int uniform(GL3 gl, String name) {
        return uniforms.computeIfAbsent(name, n -> gl.glGetUniformLocation(program, n));
    }

    @Override
    public void reshape(GLAutoDrawable drawable, int x, int y, int width, int height) {
        hudKey = "";
    }

    @Override
    public void dispose(GLAutoDrawable drawable) {
        GL3 gl = drawable.getGL().getGL3();
        heatTextures.values().forEach(id -> gl.glDeleteTextures(1, new int[] {id}, 0));
        lutTextures.values().forEach(id -> gl.glDeleteTextures(1, new int[] {id}, 0));
        gl.glDeleteTextures(2, new int[] {imageTexture, hudTexture}, 0);
        gl.glDeleteBuffers(1, new int[] {vbo}, 0);
        gl.glDeleteVertexArrays(1, new int[] {vao}, 0);
        gl.glDeleteProgram(program);
        heatTextures.clear();
        lutTextures.clear();
    }

    static String source(String name) {
        try (InputStream in = OverlayRenderer.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("shader " + name + " is missing from the viewer jar");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read shader " + name, e);
        }
    }

    static int link(GL3 gl, String vertex, String fragment) {
        int program = gl.glCreateProgram();
        int vs = compile(gl, GL3.GL_VERTEX_SHADER, vertex);
        int fs = compile(gl, GL3.GL_FRAGMENT_SHADER, fragment);
        gl.glAttachShader(program, vs);
        gl.glAttachShader(program, fs);
        gl.glLinkProgram(program);
        int[] ok = new int[1];
        gl.glGetProgramiv(program, GL3.GL_LINK_STATUS, ok, 0);
        if (ok[0] == 0) {
            throw new IllegalStateException("shader program does not link: " + programLog(gl, program));
        }
        gl.glDeleteShader(vs);
        gl.glDeleteShader(fs);
        return program;
    }

    private static int compile(GL3 gl, int type, String text) {
        int shader = gl.glCreateShader(type);
        gl.glShaderSource(shader, 1, new String[] {text}, null);
        gl.glCompileShader(shader);
        int[] ok = new int[1];
        gl.glGetShaderiv(shader, GL3.GL_COMPILE_STATUS, ok, 0);
        if (ok[0] == 0) {
            int[] length = new int[1];
            gl.glGetShaderiv(shader, GL3.GL_INFO_LOG_LENGTH, length, 0);
            byte[] log = new byte[Math.max(1, length[0])];
            gl.glGetShaderInfoLog(shader, log.length, null, 0, log, 0);
            throw new IllegalStateException("shader does not compile: " + new String(log, StandardCharsets.UTF_8).trim());
        }
        return shader;
    }

    private static String programLog(GL3 gl, int program) {
        int[] length = new int[1];
        gl.glGetProgramiv(program, GL3.GL_INFO_LOG_LENGTH, length, 0);
        byte[] log = new byte[Math.max(1, length[0])];
        gl.glGetProgramInfoLog(program, log.length, null, 0, log, 0);
        return new String(log, StandardCharsets.UTF_8).trim();
    }

    /** When each frame started drawing ({@code System.nanoTime()}), for the fps report. */
    public static final class FrameTimes {
        private final java.util.concurrent.ConcurrentLinkedQueue<Long> starts = new java.util.concurrent.ConcurrentLinkedQueue<>();

        void add(long nanos) {
            starts.add(nanos);
        }

        public List<Long> drain() {
            List<Long> out = new java.util.ArrayList<>();
            for (Long v = starts.poll(); v != null; v = starts.poll()) {
                out.add(v);
            }
            return out;
        }
    }
}
