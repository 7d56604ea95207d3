package io.mixstream.serve;

import ai.djl.Device;
import io.mixstream.eval.LoadedEncoder;
import io.mixstream.snapshot.EncoderSnapshot;
import io.mixstream.torch.DeviceChoice;

/**
 * The model an embedding service uses now, and the swap to a newer one: the embeddings of §2 (eval
 * mode, the evaluation transform done by the caller, the head's output L2-normalised), the same
 * numbers {@link LoadedEncoder#embed} gives.
 */
public final class ServingModel implements AutoCloseable {
  private final Device device;
  private LoadedEncoder encoder;

  /**
   * @param device auto, cpu or gpu ({@link DeviceChoice}), chosen once here
   */
  public ServingModel(String device) {
    this.device = DeviceChoice.resolve(device);
  }

  /** The device in use, in words. */
  public String device() {
    return device.toString();
  }

  public boolean hasModel() {
    return encoder != null;
  }

  /** The step of the model in use; -1 before the first. */
  public long step() {
    return encoder == null ? -1 : encoder.snapshot().step();
  }

  /** The side S of the images {@link #embed} takes (the model's input side). */
  public int imageSize() {
    return snapshot().imageSize();
  }

  public EncoderSnapshot snapshot() {
    if (encoder == null) {
      throw new IllegalStateException("no model yet");
    }
    return encoder.snapshot();
  }

  /** Uses {@code s} from now on; the previous model's native memory is freed. */
  public void use(EncoderSnapshot s) {
    LoadedEncoder next = new LoadedEncoder(s, device);
    if (encoder != null) {
      encoder.close();
    }
    encoder = next;
  }

  /**
   * Rows a batch is padded to a multiple of. Measured with libtorch's CPU kernels: an image's
   * vector has the same bits in any batch of 8 or more rows, wherever it sits and whatever is
   * beside it, but not in batches of 1 to 7 (the last rows of a short batch take another kernel's
   * rounding). The service closes batches by size, by time and at checkpoints, so without the
   * padding the bits of a vector would depend on when its batch closed.
   */
  static final int ROWS = 8;

  /**
   * One embedding per image, in order: the bits {@link LoadedEncoder#embed} gives for the image in
   * a batch of any multiple of {@link #ROWS} rows, whatever the size of this batch.
   *
   * @param squareImages S×S planar RGB bytes each, S = {@link #imageSize()}
   */
  public float[][] embed(byte[][] squareImages) {
    int n = squareImages.length;
    if (n == 0) {
      return new float[0][];
    }
    int padded = (n + ROWS - 1) / ROWS * ROWS;
    byte[][] rows = java.util.Arrays.copyOf(squareImages, padded);
    for (int i = n; i < padded; i++) {
      rows[i] = new byte[squareImages[0].length]; // black; its vector is dropped
    }
    float[] flat = encoder.embed(rows);
    int dim = flat.length / padded;
    float[][] out = new float[n][];
    for (int i = 0; i < n; i++) {
      out[i] = java.util.Arrays.copyOfRange(flat, i * dim, (i + 1) * dim);
    }
    return out;
  }

  @Override
  public void close() {
    if (encoder != null) {
      encoder.close();
      encoder = null;
    }
  }
}
