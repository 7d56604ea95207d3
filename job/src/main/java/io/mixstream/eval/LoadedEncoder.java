package io.mixstream.eval;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import io.mixstream.model.NamedTensor;
import io.mixstream.model.ResNet18Encoder;
import io.mixstream.snapshot.EncoderSnapshot;
import io.mixstream.snapshot.Safetensors.Tensor;
import io.mixstream.torch.GradMode;
import java.util.Arrays;
import java.util.SplittableRandom;

/** An encoder rebuilt from a snapshot, in eval mode, owning its own native memory. */
public final class LoadedEncoder implements AutoCloseable {
  private final NDManager manager;
  private final ResNet18Encoder encoder;
  private final EncoderSnapshot snapshot;

  /**
   * @throws IllegalArgumentException when a tensor is missing or has another shape
   */
  public LoadedEncoder(EncoderSnapshot snapshot, Device device) {
    this.snapshot = snapshot;
    this.manager = NDManager.newBaseManager(device);
    try (GradMode off = GradMode.off()) {
      // the initial weights are overwritten below; BN groups do not matter in eval mode
      encoder =
          new ResNet18Encoder(
              manager,
              snapshot.width(),
              snapshot.hasFc() ? snapshot.embeddingDim() : 0,
              1,
              snapshot.stem(),
              new SplittableRandom(0));
      load(snapshot, encoder, manager);
    }
  }

  private static void load(EncoderSnapshot snapshot, ResNet18Encoder encoder, NDManager manager) {
    for (NamedTensor t : encoder.tensors()) {
      Tensor saved = snapshot.tensors().get(t.name());
      long[] shape = t.array().getShape().getShape();
      if (saved == null || saved.floats() == null || !Arrays.equals(saved.shape(), shape)) {
        manager.close();
        throw new IllegalArgumentException(
            "snapshot at step %d has no F32 tensor %s of shape %s"
                .formatted(snapshot.step(), t.name(), Arrays.toString(shape)));
      }
      t.array().set(saved.floats());
    }
  }

  public EncoderSnapshot snapshot() {
    return snapshot;
  }

  public ResNet18Encoder encoder() {
    return encoder;
  }

  public NDManager manager() {
    return manager;
  }

  /**
   * The kNN features of {@link Embeddings#of}, [n, dim] row-major.
   *
   * @param squareImages the snapshot's image size squared, planar RGB bytes each
   */
  public float[] embed(byte[][] squareImages) {
    return Embeddings.of(
        manager, encoder, squareImages, snapshot.imageSize(), snapshot.channelStats());
  }

  /** {@link #embed} with the pooled backbone feature beside it ({@link Embeddings#both}). */
  public Embeddings.Both embedBoth(byte[][] squareImages) {
    return Embeddings.both(
        manager, encoder, squareImages, snapshot.imageSize(), snapshot.channelStats());
  }

  @Override
  public void close() {
    manager.close();
  }
}
