package io.mixstream.eval;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import io.mixstream.snapshot.EncoderSnapshot;
import io.mixstream.torch.DeviceChoice;

/**
 * §2's kNN monitor of one encoder snapshot: the snapshot's encoder in eval mode embeds the bank and
 * the test images (L2-normalised head output), each test image takes the votes of its top-k bank
 * neighbours by cosine, weighted exp(s/t). One entry for the job's evaluator and for {@code
 * mixstream quality}.
 */
public final class KnnEvaluation {
  private final Device device;
  private final Protocol protocol;

  /**
   * The evaluation's constants.
   *
   * @param k neighbours that vote
   * @param temperature t of the votes exp(s/t)
   * @param classes labels are 0 to classes-1
   */
  public record Protocol(int k, double temperature, int classes) {
    /** ALGORITHM.md §2 on CIFAR-10: k = 200, t = 0.1. */
    public static final Protocol PAPER = new Protocol(200, 0.1, 10);

    public Protocol {
      if (k < 1 || !(temperature > 0) || classes < 1) {
        throw new IllegalArgumentException(
            "kNN needs k >= 1, a positive temperature and classes >= 1; got k %d, t %s, %d classes"
                .formatted(k, temperature, classes));
      }
    }
  }

  /** Images with their labels, planar RGB as the encoder takes them. */
  public record LabelledImages(byte[][] pixels, int[] labels) {
    public LabelledImages {
      if (pixels.length != labels.length) {
        throw new IllegalArgumentException(
            "%d images but %d labels".formatted(pixels.length, labels.length));
      }
    }
  }

  /**
   * The embeddings it computed, [n, dim] row-major, and the accuracy.
   *
   * @param dim the embedding's dimension
   * @param pooledAccuracy the same kNN on the pooled backbone features, for an encoder with a head
   *     (§15: Table 1 compares every method on those); NaN for one without (SimCLR, BYOL), whose
   *     {@code accuracy} is already that
   */
  public record Result(
      float[] bankFeatures,
      float[] testFeatures,
      int dim,
      double accuracy,
      double pooledAccuracy) {}

  /**
   * @param device auto, cpu or gpu ({@link DeviceChoice}), chosen once here
   */
  public KnnEvaluation(String device, Protocol protocol) {
    this.device = DeviceChoice.resolve(device);
    this.protocol = protocol;
  }

  public Protocol protocol() {
    return protocol;
  }

  public Result run(EncoderSnapshot snapshot, LabelledImages bank, LabelledImages test) {
    try (Session s = open(snapshot)) {
      s.addBank(bank);
      s.addTest(test);
      return s.finish();
    }
  }

  /**
   * An evaluation fed in chunks, so that only the features and one chunk of images are in memory at
   * a time, whatever the image side. Call from one thread.
   */
  public Session open(EncoderSnapshot snapshot) {
    return new Session(snapshot);
  }

  /** One snapshot's evaluation in progress: bank and test chunks in, the result out. */
  public final class Session implements AutoCloseable {
    private final LoadedEncoder encoder;
    private final int dim;
    private final Features bank = new Features();
    private final Features test = new Features();
    private final Features bankPooled = new Features();
    private final Features testPooled = new Features();

    private Session(EncoderSnapshot snapshot) {
      this.encoder = new LoadedEncoder(snapshot, device);
      this.dim = snapshot.embeddingDim();
    }

    public void addBank(LabelledImages chunk) {
      add(chunk, bank, bankPooled);
    }

    public void addTest(LabelledImages chunk) {
      add(chunk, test, testPooled);
    }

    private void add(LabelledImages chunk, Features own, Features pooled) {
      Embeddings.Both e = encoder.embedBoth(chunk.pixels());
      own.add(e.own(), chunk.labels());
      if (e.pooled() != null) {
        pooled.add(e.pooled(), chunk.labels());
      }
    }

    /** The kNN accuracy of the test images over the bank, and every feature, in the order added. */
    public Result finish() {
      float[] bankFeatures = bank.features();
      float[] testFeatures = test.features();
      try (NDManager knnManager = NDManager.newBaseManager(device)) {
        KnnClassifier knn =
            new KnnClassifier(knnManager, protocol.k(), protocol.temperature(), protocol.classes());
        double accuracy =
            knn.accuracy(bankFeatures, bank.labels(), testFeatures, test.labels(), dim);
        double pooled = Double.NaN;
        if (encoder.encoder().hasHead()) {
          pooled =
              knn.accuracy(
                  bankPooled.features(),
                  bankPooled.labels(),
                  testPooled.features(),
                  testPooled.labels(),
                  encoder.encoder().featureChannels());
        }
        return new Result(bankFeatures, testFeatures, dim, accuracy, pooled);
      }
    }

    @Override
    public void close() {
      encoder.close();
    }
  }

  /** Features and labels appended chunk by chunk. */
  private static final class Features {
    private final java.util.List<float[]> chunks = new java.util.ArrayList<>();
    private final java.util.List<int[]> labelChunks = new java.util.ArrayList<>();

    void add(float[] features, int[] labels) {
      chunks.add(features);
      labelChunks.add(labels);
    }

    float[] features() {
      int n = chunks.stream().mapToInt(c -> c.length).sum();
      float[] out = new float[n];
      int at = 0;
      for (float[] c : chunks) {
        System.arraycopy(c, 0, out, at, c.length);
        at += c.length;
      }
      return out;
    }

    int[] labels() {
      return labelChunks.stream().flatMapToInt(java.util.Arrays::stream).toArray();
    }
  }
}
