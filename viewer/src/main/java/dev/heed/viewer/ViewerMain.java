package dev.heed.viewer;

import com.jogamp.newt.event.KeyAdapter;
import com.jogamp.newt.event.KeyEvent;
import com.jogamp.newt.event.MouseAdapter;
import com.jogamp.newt.event.MouseEvent;
import com.jogamp.newt.opengl.GLWindow;
import com.jogamp.opengl.GLProfile;
import dev.heed.toolkit.backend.Backend;
import dev.heed.toolkit.backend.Backends;
import dev.heed.toolkit.cli.BackendMixin;
import dev.heed.toolkit.cli.LibraryChatter;
import dev.heed.toolkit.engine.source.ModelOptions;
import dev.heed.toolkit.engine.source.ModelSources;
import dev.heed.toolkit.render.Images;
import java.awt.image.BufferedImage;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine;

/** {@code heed view}: the interactive viewer. Without arguments it opens the bundled model and images. */
@Command(name = "heed view", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Saliency (a DL4J classifier) or attention (a Heed ViT zip) over images, interactively; each pane has its own "
                + "colour bar in its colormap and raw units. Press ? (or F1) to show or hide the keys.",
                "Needs a display with OpenGL 3; without one, run it under xvfb-run.",
                "Exit code: 0 done, 1 maps still computing when --screenshot gave up, 2 the viewer could not start "
                + "(bad option, path or model, or no OpenGL 3)."},
        footer = {"%nExamples:",
                "  heed view --grid",
                "  heed view --model toolkit/models/fashion-vit.zip --side-by-side",
                "  xvfb-run -a heed view --grid --screenshot grid.png",
                "  heed view --diagram resnet50 --expand stage2"})
public final class ViewerMain implements Callable<Integer> {
    /** Window sizes outside these are refused: below, a grid of nine panes with their bars and the key help does not fit; above, no screen shows it. */
    static final int MIN_WIDTH = 640;
    static final int MIN_HEIGHT = 480;
    static final int MAX_SIDE = 8192;
    static final int MAX_FPS_REPORT_SECONDS = 600;

    @Option(names = "--model", description = "a DL4J classifier zip with a heed.json card, a ViT zip, or an ONNX image classifier "
            + "(default: the bundled Fashion-MNIST CNN)")
    Path model;

    @Option(names = "--preset", description = "ONNX: imagenet (torchvision's mean and std, pixels/255, ImageNet class names) or none "
            + "(default: the card file NAME.heed.json beside the model, else none)")
    String preset;

    @Option(names = "--labels", description = "ONNX: text file with one class name per line")
    Path labels;

    @Option(names = "--input", description = "an image file or a folder of images (default: the bundled Fashion-MNIST samples)")
    Path input;

    @Mixin
    BackendMixin backend;

    @Option(names = "--size", description = "window size WxH, from " + MIN_WIDTH + "x" + MIN_HEIGHT + " to " + MAX_SIDE + "x" + MAX_SIDE
            + " (default: ${DEFAULT-VALUE})")
    String size = "1280x800";

    @Option(names = "--grid", description = "start in the method grid (g toggles it)")
    boolean grid;

    @Option(names = "--side-by-side", description = "start with the first two methods side by side (s toggles it, 2 picks the second)")
    boolean sideBySide;

    @Option(names = "--diagram", description = "show an architecture diagram instead: resnet50, vgg16, alexnet, squeezenet, fashion-cnn or a DL4J zip")
    String diagram;

    @Option(names = "--style", description = "with --diagram: blocks | nodes | 3d (default: ${DEFAULT-VALUE})")
    String style = "blocks";

    @Option(names = "--depth", description = "with --diagram: stages | blocks | layers (default: ${DEFAULT-VALUE})")
    String depth = "stages";

    @Option(names = "--expand", split = ",", description = "with --diagram: stages or blocks to open")
    List<String> expand = List.of();

    @Option(names = "--curves", description = "show the training curves of a train.jsonl (or its folder), following it while `heed train --log` writes")
    Path curves;

    @Option(names = "--playground", description = "the interactive Playground")
    boolean playground;

    @Option(names = "--dataset", description = "with --playground: circle | xor | gauss | spiral (default: ${DEFAULT-VALUE})")
    String dataset = "circle";

    /** Acted on in {@link #main} by {@link LibraryChatter}, before the libraries start. */
    @Option(names = "--verbose", description = "show the libraries' own logging (DL4J, ND4J, SameDiff)")
    boolean verbose;

    @Option(names = "--fps-report", paramLabel = "SECONDS", description = "run this many seconds (1 to " + MAX_FPS_REPORT_SECONDS
            + ") with vsync off, print p50 and p99 frame times and map latencies, and exit")
    int fpsReport;

    @Option(names = "--screenshot", description = "write the window to this PNG once every map is on screen, then exit")
    Path screenshot;

    @Spec
    CommandSpec spec;

    public static void main(String[] args) {
        LibraryChatter.configure(LibraryChatter.verboseRequested(args));
        System.exit(commandLine().execute(args));
    }

    /**
     * The command with one-line errors: a bad option or path prints {@code heed view: <what>: <problem>} and exits 2,
     * and an unexpected failure prints its message, never a stack trace.
     */
    static CommandLine commandLine() {
        CommandLine cli = new CommandLine(new ViewerMain());
        cli.setParameterExceptionHandler((e, args) -> {
            e.getCommandLine().getErr().println("heed view: " + e.getMessage() + " (see 'heed view --help')");
            return 2;
        });
        cli.setExecutionExceptionHandler((e, line, parsed) -> {
            line.getErr().println("heed view: " + (e.getMessage() != null ? e.getMessage() : e.toString()));
            return 2;
        });
        return cli;
    }

    @Override
    public Integer call() throws Exception {
        PrintWriter err = spec.commandLine().getErr();
        Path home = Path.of(System.getenv().getOrDefault("HEED_HOME", "."));
        Path modelFile = model != null ? model : home.resolve("toolkit/models/fashion-cnn.zip");
        Path images = input != null ? input : home.resolve("toolkit/samples/fashion-mnist");
        int[] wh = parseSize(size);
        checkOptions();
        boolean pictureMode = diagram != null || curves != null || playground;
        if (!pictureMode) {
            // without --model or --input the bundled files are used; where they are missing, HEED_HOME is wrong
            requireReadable(model != null ? "--model" : "bundled model (HEED_HOME)", modelFile, false);
            requireReadable(input != null ? "--input" : "bundled images (HEED_HOME)", images, true);
        }
        if (pictureMode) {
            PictureSource picture;
            try {
                picture = diagram != null ? new DiagramPicture(dev.heed.toolkit.diagram.Drawings.draw(diagram, style, depth, expand, null).scene())
                        : curves != null ? new CurvesPicture(curves)
                        : new PlaygroundPicture(dev.heed.toolkit.playground.PlaygroundSettings.defaults()
                                .withDataset(dev.heed.toolkit.playground.PlaygroundDataset.fromId(dataset)));
            } catch (java.io.IOException | RuntimeException e) {
                err.println("heed view: " + e.getMessage());
                return 2;
            }
            try (picture) {
                GLProfile profile = openGl3OrNull(err);
                return profile == null ? 2 : runPicture(picture, profile, wh[0], wh[1]);
            }
        }
        // the backend's choice is reported once the model and images have loaded, so a bad input is the only line
        List<String> backendLog = new java.util.ArrayList<>();
        Backend ops;
        try {
            ops = Backends.open(backend.backend, Runtime.getRuntime().availableProcessors(), backendLog::add);
        } catch (RuntimeException e) {
            err.println("heed view: --backend: " + e.getMessage());
            return 2;
        }
        Card card = card(modelFile);
        if (card == Card.MISSING) {
            // the loader's advice (--input-shape, --labels) is for heed overlay; the viewer has no such options
            ops.close();
            err.println("heed view: " + modelFile + ": the model has no heed.json card, which the viewer needs for the input shape"
                    + " and labels (heed overlay takes --input-shape and --labels instead)");
            return 2;
        }
        MapSource source;
        try {
            source = card == Card.VIT ? new VitSource(modelFile, images, ops, backend.backend, line -> backendLog.add("heed view: " + line))
                    : new CnnSource(modelFile, new ModelOptions(null, null, labels, preset, null, null), images, ops, backend.backend,
                            line -> backendLog.add("heed view: " + line));
        } catch (java.io.IOException | RuntimeException e) {
            ops.close();
            err.println("heed view: " + (e.getMessage() != null ? e.getMessage() : modelFile + ": " + e));
            return 2;
        }
        backendLog.forEach(err::println);
        source.skipped().forEach(line -> err.println("heed view: warning: skipped " + line));
        err.flush();
        GLProfile profile = openGl3OrNull(err);
        if (profile == null) {
            source.close();
            ops.close();
            return 2;
        }
        try (ViewModel view = new ViewModel(source)) {
            if (grid) {
                view.apply(ViewModel.Command.TOGGLE_GRID);
            }
            if (sideBySide) {
                view.apply(ViewModel.Command.TOGGLE_SIDE_BY_SIDE);
            }
            return run(view, profile, wh[0], wh[1]);
        } finally {
            ops.close();
        }
    }

    private int run(ViewModel view, GLProfile profile, int width, int height) throws Exception {
        OverlayRenderer renderer = new OverlayRenderer(view::frame);
        ViewerWindow shown = new ViewerWindow(profile, renderer, "Heed viewer", width, height);
        GLWindow window = shown.window();
        window.addKeyListener(new KeyAdapter() {
            @Override
            public void keyPressed(KeyEvent e) {
                if (e.isAutoRepeat() && e.getKeyCode() != KeyEvent.VK_LEFT && e.getKeyCode() != KeyEvent.VK_RIGHT) {
                    return;
                }
                if (e.getKeyChar() == 'q' || e.getKeyCode() == KeyEvent.VK_ESCAPE) {
                    window.destroy();
                    return;
                }
                if (e.getKeyChar() == 'p') {
                    export(renderer, view);
                    return;
                }
                ViewModel.Command c = command(e);
                if (c != null) {
                    view.apply(c);
                }
            }
        });
        int[] drag = new int[2];
        window.addMouseListener(new MouseAdapter() {
            @Override
            public void mousePressed(MouseEvent e) {
                drag[0] = e.getX();
                drag[1] = e.getY();
            }

            @Override
            public void mouseDragged(MouseEvent e) {
                List<Layout.Rect> panes = view.frame().layout(window.getSurfaceWidth(), window.getSurfaceHeight());
                if (!panes.isEmpty()) {
                    view.pan((e.getX() - drag[0]) / (float) panes.get(0).width(), (e.getY() - drag[1]) / (float) panes.get(0).height());
                }
                drag[0] = e.getX();
                drag[1] = e.getY();
            }

            @Override
            public void mouseWheelMoved(MouseEvent e) {
                float[] rotation = e.getRotation();
                view.zoomBy(rotation[1] > 0 ? 1.15f : 1 / 1.15f);
            }

            @Override
            public void mouseMoved(MouseEvent e) {
                view.pointAt(e.getX(), e.getY(), window.getSurfaceWidth(), window.getSurfaceHeight());
            }

            @Override
            public void mouseExited(MouseEvent e) {
                view.pointerLeft();
            }
        });
        try (shown) {
            if (fpsReport > 0) {
                return fpsReport(view, renderer, shown);
            }
            if (screenshot != null) {
                return screenshot(view, renderer);
            }
            shown.awaitClosed();
            return 0;
        }
    }

    private int runPicture(PictureSource picture, GLProfile profile, int width, int height) throws Exception {
        PictureRenderer renderer = new PictureRenderer(picture);
        ViewerWindow shown = new ViewerWindow(profile, renderer, "Heed · " + picture.keys(), width, height);
        GLWindow window = shown.window();
        window.addKeyListener(new KeyAdapter() {
            @Override
            public void keyPressed(KeyEvent e) {
                if (e.getKeyChar() == 'q' || e.getKeyCode() == KeyEvent.VK_ESCAPE) {
                    window.destroy();
                } else if (!e.isAutoRepeat()) {
                    picture.key(e.getKeyChar());
                }
            }
        });
        try (shown) {
            if (screenshot != null) {
                if (playground) {
                    picture.key(' ');
                    Thread.sleep(4000); // let it train a little first
                } else {
                    Thread.sleep(1500);
                }
                Images.writePngAtomically(picture.render(window.getSurfaceWidth(), window.getSurfaceHeight()), screenshot);
                System.out.println("wrote " + screenshot);
                return 0;
            }
            if (fpsReport > 0) {
                List<Long> frames = shown.frameIntervals(renderer.times(), fpsReport);
                System.out.printf(Locale.ROOT, "frames: %d in %d s, frame time p50 %.2f ms, p99 %.2f ms%n", frames.size() + 1, fpsReport,
                        percentile(frames, 50) / 1e6, percentile(frames, 99) / 1e6);
                return 0;
            }
            shown.awaitClosed();
            return 0;
        }
    }

    static ViewModel.Command command(KeyEvent e) {
        switch (e.getKeyCode()) {
            case KeyEvent.VK_RIGHT:
                return ViewModel.Command.NEXT_IMAGE;
            case KeyEvent.VK_LEFT:
                return ViewModel.Command.PREVIOUS_IMAGE;
            case KeyEvent.VK_F1:
                return ViewModel.Command.TOGGLE_HELP;
            default:
                break;
        }
        return switch (e.getKeyChar()) {
            case 'm' -> ViewModel.Command.NEXT_METHOD;
            case 'M' -> ViewModel.Command.PREVIOUS_METHOD;
            case '2' -> ViewModel.Command.NEXT_SECOND_METHOD;
            case 't' -> ViewModel.Command.NEXT_TARGET;
            case 'l' -> ViewModel.Command.NEXT_LAYER;
            case 'h' -> ViewModel.Command.NEXT_HEAD;
            case 'c' -> ViewModel.Command.NEXT_COLORMAP;
            case 'a' -> ViewModel.Command.MORE_ALPHA;
            case 'A' -> ViewModel.Command.LESS_ALPHA;
            case ']' -> ViewModel.Command.MORE_THRESHOLD;
            case '[' -> ViewModel.Command.LESS_THRESHOLD;
            case 'n' -> ViewModel.Command.NEXT_NORMALISATION;
            case 's' -> ViewModel.Command.TOGGLE_SIDE_BY_SIDE;
            case 'd' -> ViewModel.Command.TOGGLE_DIFFERENCE;
            case 'g' -> ViewModel.Command.TOGGLE_GRID;
            case '?' -> ViewModel.Command.TOGGLE_HELP;
            case '+', '=' -> ViewModel.Command.ZOOM_IN;
            case '-' -> ViewModel.Command.ZOOM_OUT;
            case '0' -> ViewModel.Command.RESET_VIEW;
            default -> null;
        };
    }

    private static void export(OverlayRenderer renderer, ViewModel view) {
        String stamp = java.time.LocalDateTime.now().format(java.time.format.DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
        Path png = Path.of("heed-view-" + stamp + ".png");
        java.util.Map<String, Object> provenance = view.provenance();
        renderer.captureNext(image -> {
            try {
                Images.writePngAtomically(image, png);
                dev.heed.toolkit.io.AtomicFiles.write(Path.of("heed-view-" + stamp + ".json"),
                        new org.nd4j.shade.jackson.databind.ObjectMapper().writerWithDefaultPrettyPrinter()
                                .writeValueAsString(provenance).getBytes(StandardCharsets.UTF_8));
                System.err.println("exported " + png.toAbsolutePath());
            } catch (java.io.IOException e) {
                System.err.println("heed view: cannot export " + png + " (" + e.getMessage() + ")");
            }
        });
    }

    private int screenshot(ViewModel view, OverlayRenderer renderer) throws Exception {
        if (!view.awaitMaps(120_000)) {
            System.err.println("heed view: maps still computing after 2 minutes");
            return 1;
        }
        Thread.sleep(300); // let the animator draw the finished maps
        CompletableFuture<BufferedImage> shot = new CompletableFuture<>();
        renderer.captureNext(shot::complete);
        Images.writePngAtomically(shot.get(10, TimeUnit.SECONDS), screenshot);
        System.out.println("wrote " + screenshot);
        return 0;
    }

    /** Frame times with vsync off, then the time from a method change to its map being ready, per method. */
    private int fpsReport(ViewModel view, OverlayRenderer renderer, ViewerWindow shown) throws Exception {
        view.awaitMaps(120_000);
        List<Long> whole = shown.frameIntervals(renderer.times(), fpsReport);
        GLWindow window = shown.window();
        System.out.printf(Locale.ROOT, "frames: %d in %d s at %dx%d, frame time p50 %.2f ms, p99 %.2f ms (%.0f fps at p50)%n",
                whole.size() + 1, fpsReport, window.getSurfaceWidth(), window.getSurfaceHeight(), percentile(whole, 50) / 1e6,
                percentile(whole, 99) / 1e6, 1e9 / Math.max(1, percentile(whole, 50)));
        // the first image warms the JIT and builds each method; the second image shows what a user sees from then on
        int methods = view.frame().panes().size() == 1 ? view.methodCount() : 0;
        for (int round = 0; round < 2 && methods > 0; round++) {
            StringBuilder line = new StringBuilder(round == 0 ? "map latency, first use:" : "map latency, warm (next image):");
            for (int m = 0; m < methods; m++) {
                int before = view.latencies().size();
                view.apply(m == 0 && round == 1 ? ViewModel.Command.NEXT_IMAGE : ViewModel.Command.NEXT_METHOD);
                view.awaitMaps(120_000);
                List<Long> l = view.latencies();
                line.append(String.format(Locale.ROOT, " %s %s", view.methodName(view.state().method()),
                        l.size() > before ? String.format(Locale.ROOT, "%.0f ms", l.get(l.size() - 1) / 1e6) : "(cached)"));
            }
            System.out.println(line);
        }
        return 0;
    }

    private static double percentile(List<Long> values, double p) {
        if (values.isEmpty()) {
            return Double.NaN;
        }
        long[] sorted = values.stream().mapToLong(Long::longValue).sorted().toArray();
        int index = (int) Math.min(sorted.length - 1, Math.max(0, Math.ceil(p / 100 * sorted.length) - 1));
        return sorted[index];
    }

    /** What a model zip's heed.json card says it is; a file that is no zip (ONNX) or cannot be read is left to the loader. */
    enum Card { VIT, CLASSIFIER, MISSING, UNREADABLE }

    static Card card(Path zip) {
        try {
            if (!ModelSources.isZip(zip)) {
                return Card.UNREADABLE;
            }
        } catch (java.io.IOException e) {
            return Card.UNREADABLE; // the loader names the problem
        }
        try (java.util.zip.ZipFile file = new java.util.zip.ZipFile(zip.toFile())) {
            var card = file.getEntry("heed.json");
            if (card == null) {
                return Card.MISSING;
            }
            return new String(file.getInputStream(card).readAllBytes(), StandardCharsets.UTF_8).contains("\"vit\"") ? Card.VIT : Card.CLASSIFIER;
        } catch (java.io.IOException e) {
            return Card.UNREADABLE; // the DL4J loader names the problem
        }
    }

    /** GL3 core, or a message saying what was found instead and how to get a display. */
    static GLProfile openGl3() {
        String display = System.getenv("DISPLAY");
        if (display == null || display.isEmpty()) {
            throw new IllegalStateException("no display (DISPLAY is not set); run it as `xvfb-run -a ./heed view` or set DISPLAY");
        }
        try {
            if (!GLProfile.isAvailable(GLProfile.GL3)) {
                GLProfile found = GLProfile.getDefault();
                throw new IllegalStateException("OpenGL 3 (core profile) is not available on display " + display + "; found "
                        + found.getImplName() + " (" + found.getGLImplBaseClassName() + "). Mesa's llvmpipe provides it in software.");
            }
            return GLProfile.get(GLProfile.GL3);
        } catch (com.jogamp.opengl.GLException | com.jogamp.nativewindow.NativeWindowException e) {
            throw new IllegalStateException("cannot open OpenGL on display " + display + " (" + e.getMessage()
                    + "); run it as `xvfb-run -a ./heed view` or check DISPLAY");
        }
    }

    /** GL3, or null after one line saying why not. */
    private static GLProfile openGl3OrNull(PrintWriter err) {
        try {
            return openGl3();
        } catch (IllegalStateException e) {
            err.println("heed view: " + e.getMessage());
            return null;
        }
    }

    /** {@code WxH} within {@link #MIN_WIDTH}x{@link #MIN_HEIGHT} and {@link #MAX_SIDE} on each side. */
    int[] parseSize(String text) {
        String[] parts = text.toLowerCase(Locale.ROOT).split("x", -1);
        int[] wh;
        try {
            if (parts.length != 2) {
                throw new NumberFormatException();
            }
            wh = new int[] {Integer.parseInt(parts[0].trim()), Integer.parseInt(parts[1].trim())};
        } catch (NumberFormatException e) {
            throw bad("--size: '" + text + "' is not WxH (e.g. 1280x800)");
        }
        if (wh[0] < MIN_WIDTH || wh[1] < MIN_HEIGHT) {
            throw bad("--size: " + text + " is too small; at least " + MIN_WIDTH + "x" + MIN_HEIGHT);
        }
        if (wh[0] > MAX_SIDE || wh[1] > MAX_SIDE) {
            throw bad("--size: " + text + " is too large; at most " + MAX_SIDE + "x" + MAX_SIDE);
        }
        return wh;
    }

    /** Options that would otherwise be silently ignored or misread. */
    void checkOptions() {
        CommandLine.ParseResult parsed = spec.commandLine().getParseResult();
        List<String> backends = Backends.providers().stream().map(dev.heed.toolkit.backend.BackendProvider::id).toList();
        Backends.Choice choice;
        try {
            choice = Backends.Choice.parse(backend.backend);
        } catch (IllegalArgumentException e) {
            throw bad("--backend: " + e.getMessage());
        }
        if (!choice.name().equals("auto") && !backends.contains(choice.name())) {
            throw bad("--backend: unknown backend '" + backend.backend + "'; valid: auto, " + String.join(", ", backends) + " (cuda:N for device N)");
        }
        if (parsed.hasMatchedOption("--fps-report") && (fpsReport < 1 || fpsReport > MAX_FPS_REPORT_SECONDS)) {
            throw bad("--fps-report: " + fpsReport + " seconds is out of range; 1 to " + MAX_FPS_REPORT_SECONDS);
        }
        if (parsed.hasMatchedOption("--fps-report") && screenshot != null) {
            throw bad("--fps-report and --screenshot: choose one");
        }
        int pictures = (diagram != null ? 1 : 0) + (curves != null ? 1 : 0) + (playground ? 1 : 0);
        if (pictures > 1) {
            throw bad("--diagram, --curves and --playground: choose one");
        }
        for (String option : List.of("--style", "--depth", "--expand")) {
            if (parsed.hasMatchedOption(option) && diagram == null) {
                throw bad(option + ": only with --diagram");
            }
        }
        if (grid && sideBySide) {
            throw bad("--grid and --side-by-side: choose one");
        }
        if (parsed.hasMatchedOption("--dataset") && !playground) {
            throw bad("--dataset: only with --playground");
        }
        if (pictures > 0) {
            for (String option : List.of("--model", "--input", "--grid", "--side-by-side", "--backend")) {
                if (parsed.hasMatchedOption(option)) {
                    throw bad(option + ": not with --diagram, --curves or --playground (it is for saliency and attention maps)");
                }
            }
        }
        if (curves != null && !Files.exists(curves) && (curves.toAbsolutePath().getParent() == null
                || !Files.isDirectory(curves.toAbsolutePath().getParent()))) {
            // a log not written yet is fine (the viewer waits for it), but not in a folder that does not exist
            throw bad("--curves: " + curves + ": no such file or folder");
        }
        if (screenshot != null) {
            Path folder = screenshot.toAbsolutePath().getParent();
            if (Files.isDirectory(screenshot)) {
                throw bad("--screenshot: " + screenshot + ": is a folder; give a PNG file name");
            }
            if (folder == null || !Files.isDirectory(folder)) {
                throw bad("--screenshot: " + screenshot + ": the folder " + folder + " does not exist");
            }
            if (!Files.isWritable(folder)) {
                throw bad("--screenshot: " + screenshot + ": the folder " + folder + " is not writable");
            }
        }
    }

    /** A file ({@code folderAllowed}: or folder) that exists and can be read, checked before anything loads. */
    void requireReadable(String option, Path path, boolean folderAllowed) {
        if (!Files.exists(path)) {
            throw bad(option + ": " + path + ": no such " + (folderAllowed ? "file or folder" : "file"));
        }
        if (!folderAllowed && Files.isDirectory(path)) {
            throw bad(option + ": " + path + ": is a folder, not a model zip");
        }
        if (!Files.isReadable(path)) {
            throw bad(option + ": " + path + ": not readable (permissions)");
        }
    }

    private CommandLine.ParameterException bad(String message) {
        return new CommandLine.ParameterException(spec.commandLine(), message);
    }
}
