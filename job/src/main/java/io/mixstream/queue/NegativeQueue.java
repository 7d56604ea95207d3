package io.mixstream.queue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import java.util.random.RandomGenerator;

/**
 * A queue of K negatives as a [dim, K] matrix of unit columns (§1.4). Starts with normalised
 * standard-normal columns; each enqueue overwrites columns [ptr, ptr+B) with the new keys and moves
 * ptr on by B, modulo K.
 */
public final class NegativeQueue {
  private final NDArray matrix;
  private final int size;
  private int pointer;

  public NegativeQueue(NDManager m, int dim, int size, RandomGenerator rng) {
    float[] v = new float[dim * size];
    for (int i = 0; i < v.length; i++) {
      v[i] = (float) rng.nextGaussian();
    }
    for (int col = 0; col < size; col++) {
      double norm = 0;
      for (int row = 0; row < dim; row++) {
        norm += (double) v[row * size + col] * v[row * size + col];
      }
      float inv = (float) (1 / Math.max(Math.sqrt(norm), 1e-12));
      for (int row = 0; row < dim; row++) {
        v[row * size + col] *= inv;
      }
    }
    this.matrix = m.create(v, new Shape(dim, size));
    this.size = size;
  }

  /** The negatives [dim, K], as they are before this step's enqueue. */
  public NDArray matrix() {
    return matrix;
  }

  public int size() {
    return size;
  }

  public int pointer() {
    return pointer;
  }

  /**
   * Writes {@code keys} [B, dim] (unit rows) at the pointer.
   *
   * @return the first column written (the pointer before)
   * @throws IllegalArgumentException when B does not divide K's remaining space
   */
  public int enqueue(NDArray keys) {
    int batch = (int) keys.getShape().get(0);
    if (pointer + batch > size) {
      throw new IllegalArgumentException(
          "enqueueing %d keys at %d overruns the queue of %d; K must be a multiple of the batch"
              .formatted(batch, pointer, size));
    }
    matrix.set(new NDIndex(":, {}:{}", pointer, pointer + batch), keys.transpose());
    int start = pointer;
    pointer = (pointer + batch) % size;
    return start;
  }

  /** Columns [start, start+count) as [dim, count] row-major floats. */
  public float[] columns(int start, int count) {
    return matrix.get(new NDIndex(":, {}:{}", start, start + count)).toFloatArray();
  }

  /** Overwrites columns [start, start+count) with [dim, count] row-major floats. */
  public void setColumns(int start, float[] values) {
    long dim = matrix.getShape().get(0);
    int count = (int) (values.length / dim);
    if (count * dim != values.length || start < 0 || start + count > size) {
      throw new IllegalArgumentException(
          "%d values are not whole columns at %d of a [%d, %d] queue"
              .formatted(values.length, start, dim, size));
    }
    try (NDArray v = matrix.getManager().create(values, new Shape(dim, count))) {
      matrix.set(new NDIndex(":, {}:{}", start, start + count), v);
    }
  }

  /** Moves the pointer (restoring a checkpoint whose contents are restored column by column). */
  public void setPointer(int pointer) {
    if (pointer < 0 || pointer >= size) {
      throw new IllegalArgumentException("queue pointer " + pointer + " outside [0, " + size + ")");
    }
    this.pointer = pointer;
  }

  /** Overwrites the contents and pointer (restoring a checkpoint). */
  public void restore(float[] values, int pointer) {
    if (values.length != matrix.getShape().size() || pointer < 0 || pointer >= size) {
      throw new IllegalArgumentException(
          "queue state does not fit a queue of " + matrix.getShape());
    }
    matrix.set(values);
    this.pointer = pointer;
  }
}
