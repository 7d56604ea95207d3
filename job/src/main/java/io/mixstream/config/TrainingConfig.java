package io.mixstream.config;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Every hyperparameter of ALGORITHM.md with its documented default. Build with {@link #defaults()}
 * and the {@code with...} copies or the {@link Builder}; {@link #validate()} names each bad value.
 *
 * @param method which of the five methods trains
 * @param width stem width of the ResNet-18 (64 = standard; 8 or 16 for CPU tests and demos)
 * @param embeddingDim output size of the Linear head and of the region projection (128)
 * @param batchSize images per step; a multiple of bnSplits that divides queueSize
 * @param queueSize negatives per queue, K (4096)
 * @param temperature InfoNCE τ (0.1)
 * @param keyMomentum m of the key encoder's momentum update (0.99)
 * @param baseLr learning rate at lrReferenceBatch images per step (0.06)
 * @param lrReferenceBatch the batch size at which baseLr applies (512): lr = baseLr·batch/512
 * @param sgdMomentum SGD momentum μ (0.9)
 * @param weightDecay coupled L2 weight decay (5e-4)
 * @param epochs cosine schedule horizon E in epochs (200, the MoCo demo's)
 * @param epochSize images per epoch (50,000); steps per epoch = floor(epochSize/batchSize)
 * @param bnSplits SplitBatchNorm groups (8); 1 = plain BatchNorm
 * @param cropScaleMin smallest RandomResizedCrop area fraction (0.08)
 * @param cropScaleMax largest RandomResizedCrop area fraction (1.0)
 * @param flipProbability horizontal flip probability (0.5)
 * @param jitterProbability probability of applying colour jitter (0.8)
 * @param brightness colour jitter brightness strength (0.4)
 * @param contrast colour jitter contrast strength (0.4)
 * @param saturation colour jitter saturation strength (0.4)
 * @param hue colour jitter hue strength (0.1)
 * @param grayscaleProbability random grayscale probability (0.2)
 * @param unmixMixupProbability Un-Mix's probability of mixup instead of CutMix per step (0.5)
 * @param cutmixSource MoCo+CutMix patch source (other view = reading (c))
 * @param cutmixReverseTerm MoCo+CutMix adds the (1-λ)·L(q^{M,R},k) term (reading (a))
 * @param approach2FlipTrick Approach 2 reverses rows instead of a third query forward (§7, exact)
 * @param fixedLambda a fixed λ for the approaches instead of the per-step CutMix ratio; NaN = off
 * @param shuffleKeyMixture shuffle the key-side mixture for BN like the plain key (A8); off
 * @param seed seed of every random draw (augmentation, boxes, shuffles, initial weights, queues)
 */
public record TrainingConfig(
    Method method,
    int width,
    int embeddingDim,
    int batchSize,
    int queueSize,
    double temperature,
    double keyMomentum,
    double baseLr,
    int lrReferenceBatch,
    double sgdMomentum,
    double weightDecay,
    int epochs,
    int epochSize,
    int bnSplits,
    double cropScaleMin,
    double cropScaleMax,
    double flipProbability,
    double jitterProbability,
    double brightness,
    double contrast,
    double saturation,
    double hue,
    double grayscaleProbability,
    double unmixMixupProbability,
    CutMixSource cutmixSource,
    boolean cutmixReverseTerm,
    boolean approach2FlipTrick,
    double fixedLambda,
    boolean shuffleKeyMixture,
    long seed)
    implements Serializable {

  /** ALGORITHM.md's values (MoCo demo recipe, batch 512, K 4096, 200 epochs). */
  public static TrainingConfig defaults() {
    return new TrainingConfig(
        Method.MOCO,
        64,
        128,
        512,
        4096,
        0.1,
        0.99,
        0.06,
        512,
        0.9,
        5e-4,
        200,
        50_000,
        8,
        0.08,
        1.0,
        0.5,
        0.8,
        0.4,
        0.4,
        0.4,
        0.1,
        0.2,
        0.5,
        CutMixSource.OTHER_VIEW,
        false,
        true,
        Double.NaN,
        false,
        0);
  }

  /** The learning rate before the schedule: baseLr × batchSize / lrReferenceBatch. */
  public double scaledLr() {
    return baseLr * batchSize / lrReferenceBatch;
  }

  /** floor(epochSize / batchSize), at least 1: the schedule's steps per epoch (drop_last). */
  public int stepsPerEpoch() {
    return Math.max(1, epochSize / batchSize);
  }

  public boolean hasFixedLambda() {
    return !Double.isNaN(fixedLambda);
  }

  /** Every problem with the values, each naming its option; empty when valid. */
  public List<String> problems() {
    List<String> p = new ArrayList<>();
    check(p, width >= 1, "width must be at least 1, got " + width);
    check(p, embeddingDim >= 1, "embedding-dim must be at least 1, got " + embeddingDim);
    check(p, bnSplits >= 1, "bn-splits must be at least 1, got " + bnSplits);
    check(
        p,
        batchSize >= 2 && bnSplits >= 1 && batchSize % bnSplits == 0,
        "batch-size %d must be at least 2 and a multiple of bn-splits %d"
            .formatted(batchSize, bnSplits));
    check(
        p,
        queueSize >= batchSize && batchSize > 0 && queueSize % batchSize == 0,
        "queue-size %d must be a multiple of batch-size %d".formatted(queueSize, batchSize));
    check(p, temperature > 0, "temperature must be positive, got " + temperature);
    check(
        p,
        keyMomentum >= 0 && keyMomentum <= 1,
        "key-momentum must be in [0,1], got " + keyMomentum);
    check(p, baseLr >= 0, "base-lr must be non-negative, got " + baseLr);
    check(p, lrReferenceBatch >= 1, "lr-reference-batch must be positive");
    check(
        p,
        sgdMomentum >= 0 && sgdMomentum < 1,
        "sgd-momentum must be in [0,1), got " + sgdMomentum);
    check(p, weightDecay >= 0, "weight-decay must be non-negative, got " + weightDecay);
    check(p, epochs >= 1, "epochs must be at least 1, got " + epochs);
    check(p, epochSize >= 1, "epoch-size must be at least 1, got " + epochSize);
    check(
        p,
        cropScaleMin > 0 && cropScaleMin <= cropScaleMax && cropScaleMax <= 1,
        "crop scale must satisfy 0 < crop-scale-min <= crop-scale-max <= 1");
    for (var e :
        Map.of(
                "flip-probability", flipProbability,
                "jitter-probability", jitterProbability,
                "grayscale-probability", grayscaleProbability,
                "unmix-mixup-probability", unmixMixupProbability)
            .entrySet()) {
      check(
          p,
          e.getValue() >= 0 && e.getValue() <= 1,
          e.getKey() + " must be in [0,1], got " + e.getValue());
    }
    check(p, brightness >= 0 && contrast >= 0 && saturation >= 0, "jitter strengths must be >= 0");
    check(p, hue >= 0 && hue <= 0.5, "hue must be in [0, 0.5], got " + hue);
    check(
        p,
        !hasFixedLambda() || (fixedLambda >= 0 && fixedLambda <= 1),
        "fixed-lambda must be in [0,1] (or unset), got " + fixedLambda);
    check(p, method != null && cutmixSource != null, "method and cutmix-source must be set");
    // (1-λ)·L(q^{M,R},k) pairs the reversed mixture's rows with k: that is reading (a) only when
    // the patch came from the reversed batch; with the other view's patch it is no reading at all
    check(
        p,
        !(cutmixReverseTerm && cutmixSource == CutMixSource.OTHER_VIEW),
        "cutmix-reverse-term true needs cutmix-source reversed-batch (reading (a)); with"
            + " cutmix-source other-view it pairs flip(q^M) of image B-1-i with k_i, a reading of"
            + " none of the three");
    return p;
  }

  /**
   * @throws IllegalArgumentException listing every problem
   */
  public TrainingConfig validate() {
    List<String> p = problems();
    if (!p.isEmpty()) {
      throw new IllegalArgumentException("invalid training config: " + String.join("; ", p));
    }
    return this;
  }

  private static void check(List<String> problems, boolean ok, String message) {
    if (!ok) {
      problems.add(message);
    }
  }

  /** Name → value, in declaration order, for printing the effective config. */
  public Map<String, Object> asMap() {
    Map<String, Object> m = new LinkedHashMap<>();
    for (var c : TrainingConfig.class.getRecordComponents()) {
      try {
        m.put(c.getName(), c.getAccessor().invoke(this));
      } catch (ReflectiveOperationException e) {
        throw new IllegalStateException(e);
      }
    }
    return m;
  }

  public Builder toBuilder() {
    return new Builder(this);
  }

  /** Mutable copy for changing a few values. */
  public static final class Builder {
    public Method method;
    public int width;
    public int embeddingDim;
    public int batchSize;
    public int queueSize;
    public double temperature;
    public double keyMomentum;
    public double baseLr;
    public int lrReferenceBatch;
    public double sgdMomentum;
    public double weightDecay;
    public int epochs;
    public int epochSize;
    public int bnSplits;
    public double cropScaleMin;
    public double cropScaleMax;
    public double flipProbability;
    public double jitterProbability;
    public double brightness;
    public double contrast;
    public double saturation;
    public double hue;
    public double grayscaleProbability;
    public double unmixMixupProbability;
    public CutMixSource cutmixSource;
    public boolean cutmixReverseTerm;
    public boolean approach2FlipTrick;
    public double fixedLambda;
    public boolean shuffleKeyMixture;
    public long seed;

    Builder(TrainingConfig c) {
      method = c.method;
      width = c.width;
      embeddingDim = c.embeddingDim;
      batchSize = c.batchSize;
      queueSize = c.queueSize;
      temperature = c.temperature;
      keyMomentum = c.keyMomentum;
      baseLr = c.baseLr;
      lrReferenceBatch = c.lrReferenceBatch;
      sgdMomentum = c.sgdMomentum;
      weightDecay = c.weightDecay;
      epochs = c.epochs;
      epochSize = c.epochSize;
      bnSplits = c.bnSplits;
      cropScaleMin = c.cropScaleMin;
      cropScaleMax = c.cropScaleMax;
      flipProbability = c.flipProbability;
      jitterProbability = c.jitterProbability;
      brightness = c.brightness;
      contrast = c.contrast;
      saturation = c.saturation;
      hue = c.hue;
      grayscaleProbability = c.grayscaleProbability;
      unmixMixupProbability = c.unmixMixupProbability;
      cutmixSource = c.cutmixSource;
      cutmixReverseTerm = c.cutmixReverseTerm;
      approach2FlipTrick = c.approach2FlipTrick;
      fixedLambda = c.fixedLambda;
      shuffleKeyMixture = c.shuffleKeyMixture;
      seed = c.seed;
    }

    public TrainingConfig build() {
      return new TrainingConfig(
          method,
          width,
          embeddingDim,
          batchSize,
          queueSize,
          temperature,
          keyMomentum,
          baseLr,
          lrReferenceBatch,
          sgdMomentum,
          weightDecay,
          epochs,
          epochSize,
          bnSplits,
          cropScaleMin,
          cropScaleMax,
          flipProbability,
          jitterProbability,
          brightness,
          contrast,
          saturation,
          hue,
          grayscaleProbability,
          unmixMixupProbability,
          cutmixSource,
          cutmixReverseTerm,
          approach2FlipTrick,
          fixedLambda,
          shuffleKeyMixture,
          seed);
    }
  }
}
