package io.mixstream.records;

import java.time.Instant;
import java.util.Map;

/**
 * A record of the metrics topic: one training step, one kNN evaluation, one reading of the
 * label-free measures, the embedding service's gauges, or a trainer's state at the end of its
 * input. The JSON layout is {@link MetricsCodec}'s, documented in the README.
 */
public sealed interface MetricsRecord
    permits MetricsRecord.Train,
        MetricsRecord.Knn,
        MetricsRecord.Quality,
        MetricsRecord.Embed,
        MetricsRecord.Final {
  /** The model key. */
  String model();

  /** The training step the record belongs to. */
  long step();

  /**
   * One training step.
   *
   * @param images images this model has trained so far (a restart's replays counted once); -1 when
   *     the record did not say
   * @param terms the loss's terms by name (original, mixed, ...)
   * @param lambda the step's mixing ratio; NaN for methods that do not mix
   * @param stepSeconds the step itself, augmentation to enqueue
   * @param batchSeconds waiting for and assembling the batch
   * @param time when the step finished; null when the record did not say
   * @param applied false for a step whose loss or gradient was not finite, which the trainer
   *     skipped: it changed no weight (its loss and terms may be NaN)
   */
  record Train(
      String model,
      long step,
      int epoch,
      long images,
      double loss,
      Map<String, Double> terms,
      double lr,
      double lambda,
      double stepSeconds,
      double batchSeconds,
      Instant time,
      boolean applied)
      implements MetricsRecord {
    public Train {
      terms = Map.copyOf(terms);
    }
  }

  /**
   * One kNN evaluation of a snapshot (ALGORITHM.md §2).
   *
   * @param accuracy top-1, 0 to 1
   * @param protocol how the features were taken, in words
   * @param time when it finished; null when the record did not say
   * @param pooledAccuracy the MoCo family's top-1 on the pooled backbone features (§15: how SimCLR
   *     and BYOL are read, so that Table 1's rows compare like with like); NaN where {@code
   *     accuracy} is already on those
   */
  record Knn(
      String model,
      long step,
      String method,
      double accuracy,
      String protocol,
      int k,
      double temperature,
      int bankSize,
      int testSize,
      double seconds,
      Instant time,
      double pooledAccuracy)
      implements MetricsRecord {
    /** A record of the form before the pooled-feature kNN (NaN there). */
    public Knn(
        String model,
        long step,
        String method,
        double accuracy,
        String protocol,
        int k,
        double temperature,
        int bankSize,
        int testSize,
        double seconds,
        Instant time) {
      this(
          model,
          step,
          method,
          accuracy,
          protocol,
          k,
          temperature,
          bankSize,
          testSize,
          seconds,
          time,
          Double.NaN);
    }
  }

  /**
   * The label-free measures (ALGORITHM.md §17) of a model on the window of images that arrived
   * last, which need no labels.
   *
   * @param window the window's images
   * @param dim the embedding's size d
   * @param rankMe RankMe, 1 to min(window, d): the directions the embeddings use
   * @param alignment mean squared distance of two views of an image, 0 to 4 (low is good)
   * @param uniformity log mean exp(−2·squared distance) over pairs, 0 down to about −4 (low is
   *     good)
   * @param embeddingStd mean per-dimension std of the normalised embeddings (1/√d when spread
   *     evenly over the sphere, 0 when collapsed)
   * @param collapsed whether this reading and the ones before it say collapse (three in a row)
   * @param seconds how long the reading took, the trainer waiting
   * @param time when it finished; null when the record did not say
   */
  record Quality(
      String model,
      long step,
      int window,
      int dim,
      double rankMe,
      double alignment,
      double uniformity,
      double embeddingStd,
      boolean collapsed,
      double seconds,
      Instant time)
      implements MetricsRecord {}

  /**
   * The embedding service's gauges, at each interval and at each model swap.
   *
   * @param step the training step of the model in use
   * @param images images embedded since the service's task started
   * @param perSecond images embedded a second over the last interval
   * @param latencyP50Ms median time from an input record's timestamp to its vector's output, over
   *     the last interval's images; NaN when there were none
   * @param latencyP99Ms the 99th percentile of the same
   * @param swaps model swaps since the task started
   * @param time when it was taken; null when the record did not say
   */
  record Embed(
      String model,
      long step,
      long images,
      double perSecond,
      double latencyP50Ms,
      double latencyP99Ms,
      long swaps,
      Instant time)
      implements MetricsRecord {}

  /**
   * A trainer's state when its input ended (a bounded run's last record, or a drain): what a run
   * ended as, to compare with another run of the same stream and seed.
   *
   * @param stateSha256 SHA-256, in hex, of the whole training state as the trainer exports it:
   *     weights, BN statistics, optimizer buffers, queue contents and pointers, and the step
   * @param trainedDigestSum the sum of the digest of every (image id, epoch) pair trained
   *     (io.mixstream.train.TrainedDigest)
   * @param trainedDigestCount how many pairs it holds
   * @param time when it was taken; null when the record did not say
   */
  record Final(
      String model,
      long step,
      int epoch,
      String stateSha256,
      long trainedDigestSum,
      long trainedDigestCount,
      Instant time)
      implements MetricsRecord {}
}
