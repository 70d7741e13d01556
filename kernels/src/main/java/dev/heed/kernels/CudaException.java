package dev.heed.kernels;

/** The one exception type thrown at the native boundary: it names the operation and the CUDA error text. */
public final class CudaException extends RuntimeException {
    private final String operation;

    public CudaException(String operation, String message) {
        super(operation + ": " + message);
        this.operation = operation;
    }

    public String operation() {
        return operation;
    }
}
