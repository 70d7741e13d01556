package dev.heed.toolkit.engine.onednn;

/**
 * The one error this package's native boundary raises: a oneDNN call failed (a status other than success, which the
 * C++ API reports as an exception). It names the primitive or step ({@code convolution forward of 'conv1'}) and
 * carries oneDNN's own message.
 */
public final class OneDnnException extends RuntimeException {
    private final String primitive;

    public OneDnnException(String primitive, String message, Throwable cause) {
        super("oneDNN " + primitive + ": " + message, cause);
        this.primitive = primitive;
    }

    /** The primitive or step that failed, as the message names it. */
    public String primitive() {
        return primitive;
    }
}
