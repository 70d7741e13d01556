package dev.heed.kernels;

/** The one exception type thrown at the native boundary: it names the operation and the CUDA error text. */
public final class CudaException extends RuntimeException {
    private final String operation;
    private final boolean outOfMemory;

    public CudaException(String operation, String message) {
        this(operation, message, false);
    }

    public CudaException(String operation, String message, boolean outOfMemory) {
        super(operation + ": " + message);
        this.operation = operation;
        this.outOfMemory = outOfMemory;
    }

    /** CUDA_ERROR_OUT_OF_MEMORY: the caller may split the batch and retry. */
    public boolean outOfMemory() {
        return outOfMemory;
    }

    public String operation() {
        return operation;
    }
}
