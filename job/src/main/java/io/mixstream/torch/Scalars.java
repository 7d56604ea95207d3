package io.mixstream.torch;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * 0-d float operands for operations that autograd records.
 *
 * <p>DJL's {@code x.mul(2f)} creates the 2 as a CPU tensor over a direct ByteBuffer that only the
 * Java array keeps alive (libtorch's from_blob, not owning the memory), and closes that array as
 * soon as the operation returns. Autograd saved the tensor for the backward pass, so after the next
 * GC frees the buffer, backward reads whatever the memory then holds: gradients that depend on GC
 * timing. A tensor from {@code full} owns memory that libtorch allocated, which autograd's
 * reference keeps alive.
 */
public final class Scalars {
  private Scalars() {}

  /** x·v, safe to differentiate. */
  public static NDArray mul(NDArray x, float v) {
    try (NDArray s = x.getManager().full(new Shape(), v, DataType.FLOAT32)) {
      return x.mul(s);
    }
  }

  /** x / v, safe to differentiate. */
  public static NDArray div(NDArray x, float v) {
    try (NDArray s = x.getManager().full(new Shape(), v, DataType.FLOAT32)) {
      return x.div(s);
    }
  }
}
