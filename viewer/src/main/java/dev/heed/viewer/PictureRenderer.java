package dev.heed.viewer;

import com.jogamp.opengl.GL;
import com.jogamp.opengl.GL3;
import com.jogamp.opengl.GLAutoDrawable;
import com.jogamp.opengl.GLEventListener;
import java.awt.image.BufferedImage;

/** Draws a {@link PictureSource} full-window with the overlay program's plain-texture mode; owns its GL objects. */
final class PictureRenderer implements GLEventListener {
    private final PictureSource source;
    private int program;
    private int vao;
    private int vbo;
    private int texture;
    private long shownVersion = -1;
    private int shownWidth;
    private int shownHeight;
    private final OverlayRenderer.FrameTimes times = new OverlayRenderer.FrameTimes();

    PictureRenderer(PictureSource source) {
        this.source = source;
    }

    OverlayRenderer.FrameTimes times() {
        return times;
    }

    @Override
    public void init(GLAutoDrawable drawable) {
        GL3 gl = drawable.getGL().getGL3();
        program = OverlayRenderer.link(gl, OverlayRenderer.source("overlay.vert"), OverlayRenderer.source("overlay.frag"));
        int[] quad = OverlayRenderer.quad(gl);
        vao = quad[0];
        vbo = quad[1];
        texture = OverlayRenderer.texture(gl, GL.GL_NEAREST);
    }

    @Override
    public void display(GLAutoDrawable drawable) {
        times.add(System.nanoTime());
        GL3 gl = drawable.getGL().getGL3();
        int width = drawable.getSurfaceWidth();
        int height = drawable.getSurfaceHeight();
        long version = source.version();
        if (version != shownVersion || width != shownWidth || height != shownHeight) {
            BufferedImage picture = source.render(width, height);
            OverlayRenderer.uploadArgb(gl, texture, picture);
            shownVersion = version;
            shownWidth = width;
            shownHeight = height;
        }
        gl.glViewport(0, 0, width, height);
        gl.glClearColor(1f, 1f, 1f, 1f);
        gl.glClear(GL.GL_COLOR_BUFFER_BIT);
        gl.glUseProgram(program);
        gl.glBindVertexArray(vao);
        gl.glActiveTexture(GL.GL_TEXTURE3);
        gl.glBindTexture(GL.GL_TEXTURE_2D, texture);
        gl.glUniform1i(gl.glGetUniformLocation(program, "hud"), 3);
        gl.glUniform1i(gl.glGetUniformLocation(program, "mode"), 2);
        gl.glUniform4f(gl.glGetUniformLocation(program, "hudRect"), 0f, 0f, 1f, 1f);
        gl.glDrawArrays(GL.GL_TRIANGLE_STRIP, 0, 4);
        gl.glBindVertexArray(0);
        gl.glUseProgram(0);
    }

    @Override
    public void reshape(GLAutoDrawable drawable, int x, int y, int width, int height) {
    }

    @Override
    public void dispose(GLAutoDrawable drawable) {
        GL3 gl = drawable.getGL().getGL3();
        gl.glDeleteTextures(1, new int[] {texture}, 0);
        gl.glDeleteBuffers(1, new int[] {vbo}, 0);
        gl.glDeleteVertexArrays(1, new int[] {vao}, 0);
        gl.glDeleteProgram(program);
    }
}
