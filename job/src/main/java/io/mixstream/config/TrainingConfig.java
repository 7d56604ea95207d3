package io.mixstream.config;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Every hyperparameter of ALGORITHM.md with its documented default, grouped by the part that reads
 * it: each component takes only its group ({@link Model} the encoder, {@link Moco} the queues and
 * the loss, {@link Optimizer} SGD and the schedule, {@link Augmentation} the views, {@link Mixing}
 * the mixtures, {@link Buffer} the replay buffer between the stream and the steps, {@link
 * Baselines} SimCLR's and BYOL's own settings). Build with {@link #defaults()} and {@link
 * #toBuilder()}, whose fields carry the defaults by name; {@link #validate()} names each bad value
 * by its option.
 *
 * @param method which of the seven methods trains
 * @param batchSize images per step; a multiple of bnSplits that divides queueSize
 * @param seed seed of every random draw (augmentation, boxes, shuffles, initial weights, queues)
 */
public record TrainingConfig(
    Method method,
    int batchSize,
    long seed,
    Model model,
    Moco moco,
    Optimizer optimizer,
    Augmentation augmentation,
    Mixing mixing,
    Buffer buffer,
    Baselines baselines)
    implements Serializable {

  /**
   * The encoder.
   *
   * @param width stem width of the ResNet-18 (64 = standard; 8 or 16 for CPU tests and demos)
   * @param embeddingDim output size of the Linear head and of the region projection (128)
   * @param bnSplits SplitBatchNorm groups (8); 1 = plain BatchNorm
   * @param imageSize S, the side of the square images the network takes (32, CIFAR's)
   * @param stem the network's first layers for that size ({@link Stem}; auto by default)
   */
  public record Model(int width, int embeddingDim, int bnSplits, int imageSize, Stem stem)
      implements Serializable {
    /** The stem with {@code auto} decided by the image size. */
    public Stem resolvedStem() {
      return stem.resolve(imageSize);
    }
  }

  /**
   * The queues, the key encoder and InfoNCE.
   *
   * @param queueSize negatives per queue, K (4096)
   * @param temperature InfoNCE τ (0.1)
   * @param keyMomentum m of the key encoder's momentum update (0.99)
   */
  public record Moco(int queueSize, double temperature, double keyMomentum)
      implements Serializable {}

  /**
   * SGD and its cosine schedule.
   *
   * @param baseLr learning rate at lrReferenceBatch images per step (0.06)
   * @param lrReferenceBatch the batch size at which baseLr applies (512): lr = baseLr·batch/512
   * @param sgdMomentum SGD momentum μ (0.9)
   * @param weightDecay coupled L2 weight decay (5e-4)
   * @param epochs cosine schedule horizon E in epochs (200, the MoCo demo's)
   * @param epochSize images per epoch (50,000); steps per epoch = floor(epochSize/batchSize)
   * @param schedule how the rate moves with the step ({@link Schedule}; cosine, the recipe's)
   * @param warmupSteps W of the warmup-constant schedule: steps of linear warm-up (500)
   */
  public record Optimizer(
      double baseLr,
      int lrReferenceBatch,
      double sgdMomentum,
      double weightDecay,
      int epochs,
      int epochSize,
      Schedule schedule,
      int warmupSteps)
      implements Serializable {}

  /**
   * The two views (§1.6).
   *
   * @param cropScaleMin smallest RandomResizedCrop area fraction (0.08)
   * @param cropScaleMax largest RandomResizedCrop area fraction (1.0)
   * @param flipProbability horizontal flip probability (0.5)
   * @param jitterProbability probability of applying colour jitter (0.8)
   * @param brightness colour jitter brightness strength (0.4)
   * @param contrast colour jitter contrast strength (0.4)
   * @param saturation colour jitter saturation strength (0.4)
   * @param hue colour jitter hue strength (0.1)
   * @param grayscaleProbability random grayscale probability (0.2)
   * @param normalization per-channel mean and std after scaling to [0,1] ({@link ChannelStats}:
   *     cifar10, imagenet or M1,M2,M3/S1,S2,S3); also the evaluation's
   */
  public record Augmentation(
      double cropScaleMin,
      double cropScaleMax,
      double flipProbability,
      double jitterProbability,
      double brightness,
      double contrast,
      double saturation,
      double hue,
      double grayscaleProbability,
      String normalization)
      implements Serializable {
    /** The normalization's numbers. */
    public ChannelStats channelStats() {
      return ChannelStats.parse(normalization);
    }
  }

  /**
   * The mixtures and the choices ALGORITHM.md leaves open.
   *
   * @param unmixMixupProbability Un-Mix's probability of mixup instead of CutMix per step (0.5)
   * @param cutmixSource MoCo+CutMix patch source (other view = reading (c))
   * @param cutmixReverseTerm MoCo+CutMix adds the (1-λ)·L(q^{M,R},k) term (reading (a))
   * @param approach2FlipTrick Approach 2 reverses rows instead of a third query forward (§7, exact)
   * @param fixedLambda a fixed λ for the approaches instead of the per-step CutMix ratio; NaN = off
   * @param shuffleKeyMixture shuffle the key-side mixture for BN like the plain key (A8); off
   * @param approach2Aligned A7's "aligned" ablation of Approach 2: each reversed term is paired
   *     with the key of the image its region shows (k reversed), not the released code's mismatch
   */
  public record Mixing(
      double unmixMixupProbability,
      CutMixSource cutmixSource,
      boolean cutmixReverseTerm,
      boolean approach2FlipTrick,
      double fixedLambda,
      boolean shuffleKeyMixture,
      boolean approach2Aligned)
      implements Serializable {
    public boolean hasFixedLambda() {
      return !Double.isNaN(fixedLambda);
    }
  }

  /**
   * The replay buffer between a correlated stream and the trainer (off by default: each step trains
   * the next batch-size images as they arrived).
   *
   * @param bufferSize C, images kept (0 = no buffer)
   * @param bufferPolicy which image a full buffer lets go
   * @param updatesPerBatch U, training steps per batch-size arriving images, each on a batch drawn
   *     from the buffer; the schedule still counts arriving images (its position is steps / U)
   */
  public record Buffer(int bufferSize, BufferPolicy bufferPolicy, int updatesPerBatch)
      implements Serializable {
    public boolean on() {
      return bufferSize > 0;
    }
  }

  /**
   * SimCLR's and BYOL's own settings (§13, §14); a model of another method may not be given them.
   *
   * @param simclrTemperature NT-Xent's τ (0.5)
   * @param byolHidden the hidden size of BYOL's projector and predictor (4096, BYOL's)
   * @param byolMomentumSchedule the target network's rate: cosine from key-momentum τ₀ to 1 over
   *     the schedule's horizon, or fixed at τ₀
   */
  public record Baselines(
      double simclrTemperature, int byolHidden, MomentumSchedule byolMomentumSchedule)
      implements Serializable {}

  /** BYOL's projection size (§14: Linear(hidden→256)). */
  public static final int BYOL_PROJECTION = 256;

  /** The options that only one method reads, with that method. */
  public static final Map<String, Method> METHOD_OPTIONS =
      Map.of(
          "simclr-temperature", Method.SIMCLR,
          "byol-hidden", Method.BYOL,
          "byol-momentum-schedule", Method.BYOL,
          "approach2-aligned", Method.APPROACH2);

  /**
   * The size of a model's kNN feature and embedding: the head's output for the MoCo family, the
   * backbone's pooled 8·width features for SimCLR and BYOL (§15).
   */
  public int featureDim() {
    return method.headless() ? 8 * model.width() : model.embeddingDim();
  }

  /**
   * The size of the per-image key a step gives the replay buffer ({@code lastStepKeys}): MoCo's k,
   * SimCLR's z of the second view, BYOL's target projection of it.
   */
  public int keyDim() {
    return method == Method.BYOL ? BYOL_PROJECTION : model.embeddingDim();
  }

  /** Whether a component of this record is a group of options rather than an option. */
  public static boolean isGroup(Class<?> type) {
    return type.isRecord() && type.getEnclosingClass() == TrainingConfig.class;
  }

  /** ALGORITHM.md's values (MoCo demo recipe, batch 512, K 4096, 200 epochs). */
  public static TrainingConfig defaults() {
    return new Builder().build();
  }

  /** {@link #defaults()} for a method: with {@link Builder#method(Method)}'s own defaults. */
  public static TrainingConfig defaults(Method method) {
    return new Builder().method(method).build();
  }

  /** The learning rate before the schedule: baseLr × batchSize / lrReferenceBatch. */
  public double scaledLr() {
    return optimizer.baseLr() * batchSize / optimizer.lrReferenceBatch();
  }

  /** floor(epochSize / batchSize), at least 1: the schedule's steps per epoch (drop_last). */
  public int stepsPerEpoch() {
    return Math.max(1, optimizer.epochSize() / batchSize);
  }

  /** Every problem with the values, each naming its option; empty when valid. */
  public List<String> problems() {
    List<String> p = new ArrayList<>();
    Builder v = toBuilder(); // every value by its flat name, as the options spell them
    int width = v.width;
    int embeddingDim = v.embeddingDim;
    int bnSplits = v.bnSplits;
    int queueSize = v.queueSize;
    double temperature = v.temperature;
    double keyMomentum = v.keyMomentum;
    double baseLr = v.baseLr;
    int lrReferenceBatch = v.lrReferenceBatch;
    double sgdMomentum = v.sgdMomentum;
    double weightDecay = v.weightDecay;
    int epochs = v.epochs;
    int epochSize = v.epochSize;
    double cropScaleMin = v.cropScaleMin;
    double cropScaleMax = v.cropScaleMax;
    double flipProbability = v.flipProbability;
    double jitterProbability = v.jitterProbability;
    double grayscaleProbability = v.grayscaleProbability;
    double unmixMixupProbability = v.unmixMixupProbability;
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
        v.simclrTemperature > 0,
        "simclr-temperature must be positive, got " + v.simclrTemperature);
    check(p, v.byolHidden >= 1, "byol-hidden must be at least 1, got " + v.byolHidden);
    check(
        p,
        method != Method.BYOL
            || v.byolMomentumSchedule != MomentumSchedule.COSINE
            || v.schedule == Schedule.COSINE,
        ("byol-momentum-schedule cosine runs over the cosine schedule's horizon, which --schedule"
                + " %s does not have: give --byol-momentum-schedule fixed")
            .formatted(v.schedule == null ? "?" : v.schedule.cliName()));
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
    check(p, v.warmupSteps >= 0, "warmup-steps must be 0 or more, got " + v.warmupSteps);
    check(
        p,
        v.bufferSize == 0 || v.bufferSize >= batchSize,
        "buffer-size must be 0 (no buffer) or at least batch-size %d, got %d"
            .formatted(batchSize, v.bufferSize));
    check(
        p,
        v.updatesPerBatch >= 1,
        "updates-per-batch must be at least 1, got " + v.updatesPerBatch);
    check(
        p,
        v.updatesPerBatch == 1 || v.bufferSize > 0,
        "updates-per-batch %d needs a buffer to draw its batches from: give --buffer-size too"
            .formatted(v.updatesPerBatch));
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
    check(
        p,
        v.brightness >= 0 && v.contrast >= 0 && v.saturation >= 0,
        "brightness, contrast and saturation must be >= 0");
    check(p, v.hue >= 0 && v.hue <= 0.5, "hue must be in [0, 0.5], got " + v.hue);
    check(
        p,
        !mixing.hasFixedLambda() || (v.fixedLambda >= 0 && v.fixedLambda <= 1),
        "fixed-lambda must be in [0,1] (or unset), got " + v.fixedLambda);
    check(
        p,
        method != null
            && v.cutmixSource != null
            && v.stem != null
            && v.normalization != null
            && v.schedule != null
            && v.bufferPolicy != null
            && v.byolMomentumSchedule != null,
        "method, cutmix-source, stem, normalization, schedule, buffer-policy and"
            + " byol-momentum-schedule must be set");
    check(
        p,
        v.imageSize >= 8 && v.imageSize <= 1024,
        "image-size must be 8 to 1024 pixels, got " + v.imageSize);
    if (v.normalization != null) {
      try {
        var unused = ChannelStats.parse(v.normalization);
      } catch (IllegalArgumentException e) {
        p.add(e.getMessage());
      }
    }
    // (1-λ)·L(q^{M,R},k) pairs the reversed mixture's rows with k: that is reading (a) only when
    // the patch came from the reversed batch; with the other view's patch it is no reading at all
    check(
        p,
        !(v.cutmixReverseTerm && v.cutmixSource == CutMixSource.OTHER_VIEW),
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

  /**
   * Option name → value, the groups flattened (their names are unique), in declaration order: for
   * printing the effective config and comparing it with a saved one.
   */
  public Map<String, Object> asMap() {
    Map<String, Object> m = new LinkedHashMap<>();
    putComponents(this, m);
    return m;
  }

  private static void putComponents(Record r, Map<String, Object> m) {
    for (var c : r.getClass().getRecordComponents()) {
      try {
        Object value = c.getAccessor().invoke(r);
        if (isGroup(c.getType())) {
          putComponents((Record) value, m);
        } else {
          m.put(c.getName(), value);
        }
      } catch (ReflectiveOperationException e) {
        throw new IllegalStateException(e);
      }
    }
  }

  public Builder toBuilder() {
    return new Builder(this);
  }

  /** Every value by name, starting from ALGORITHM.md's defaults. */
  public static final class Builder {
    public Method method = Method.MOCO;
    public int batchSize = 512;
    public long seed = 0;
    // Model
    public int width = 64;
    public int embeddingDim = 128;
    public int bnSplits = 8;
    public int imageSize = 32;
    public Stem stem = Stem.AUTO;
    // Moco
    public int queueSize = 4096;
    public double temperature = 0.1;
    public double keyMomentum = 0.99;
    // Optimizer
    public double baseLr = 0.06;
    public int lrReferenceBatch = 512;
    public double sgdMomentum = 0.9;
    public double weightDecay = 5e-4;
    public int epochs = 200;
    public int epochSize = 50_000;
    public Schedule schedule = Schedule.COSINE;
    public int warmupSteps = 500;
    // Augmentation
    public double cropScaleMin = 0.08;
    public double cropScaleMax = 1.0;
    public double flipProbability = 0.5;
    public double jitterProbability = 0.8;
    public double brightness = 0.4;
    public double contrast = 0.4;
    public double saturation = 0.4;
    public double hue = 0.1;
    public double grayscaleProbability = 0.2;
    public String normalization = "cifar10";
    // Mixing
    public double unmixMixupProbability = 0.5;
    public CutMixSource cutmixSource = CutMixSource.OTHER_VIEW;
    public boolean cutmixReverseTerm = false;
    public boolean approach2FlipTrick = true;
    public double fixedLambda = Double.NaN;
    public boolean shuffleKeyMixture = false;
    public boolean approach2Aligned = false;
    // Buffer
    public int bufferSize = 0;
    public BufferPolicy bufferPolicy = BufferPolicy.MINRED;
    public int updatesPerBatch = 1;
    // Baselines
    public double simclrTemperature = 0.5;
    public int byolHidden = 4096;
    public MomentumSchedule byolMomentumSchedule = MomentumSchedule.COSINE;

    public Builder() {}

    /**
     * Sets the method and the defaults that are its own: SimCLR and BYOL have one BN group (no key
     * shuffle for SplitBN to simulate) and lightly's learning rate 0.06·B/128 (§13, §14); the MoCo
     * family ALGORITHM.md's 8 groups and 0.06·B/512. Set explicit values after this call.
     */
    public Builder method(Method m) {
      method = m;
      bnSplits = m.headless() ? 1 : 8;
      lrReferenceBatch = m.headless() ? 128 : 512;
      return this;
    }

    Builder(TrainingConfig c) {
      method = c.method;
      batchSize = c.batchSize;
      seed = c.seed;
      width = c.model.width();
      embeddingDim = c.model.embeddingDim();
      bnSplits = c.model.bnSplits();
      imageSize = c.model.imageSize();
      stem = c.model.stem();
      queueSize = c.moco.queueSize();
      temperature = c.moco.temperature();
      keyMomentum = c.moco.keyMomentum();
      baseLr = c.optimizer.baseLr();
      lrReferenceBatch = c.optimizer.lrReferenceBatch();
      sgdMomentum = c.optimizer.sgdMomentum();
      weightDecay = c.optimizer.weightDecay();
      epochs = c.optimizer.epochs();
      epochSize = c.optimizer.epochSize();
      schedule = c.optimizer.schedule();
      warmupSteps = c.optimizer.warmupSteps();
      Augmentation a = c.augmentation;
      cropScaleMin = a.cropScaleMin();
      cropScaleMax = a.cropScaleMax();
      flipProbability = a.flipProbability();
      jitterProbability = a.jitterProbability();
      brightness = a.brightness();
      contrast = a.contrast();
      saturation = a.saturation();
      hue = a.hue();
      grayscaleProbability = a.grayscaleProbability();
      normalization = a.normalization();
      Mixing x = c.mixing;
      unmixMixupProbability = x.unmixMixupProbability();
      cutmixSource = x.cutmixSource();
      cutmixReverseTerm = x.cutmixReverseTerm();
      approach2FlipTrick = x.approach2FlipTrick();
      fixedLambda = x.fixedLambda();
      shuffleKeyMixture = x.shuffleKeyMixture();
      approach2Aligned = x.approach2Aligned();
      bufferSize = c.buffer.bufferSize();
      bufferPolicy = c.buffer.bufferPolicy();
      updatesPerBatch = c.buffer.updatesPerBatch();
      simclrTemperature = c.baselines.simclrTemperature();
      byolHidden = c.baselines.byolHidden();
      byolMomentumSchedule = c.baselines.byolMomentumSchedule();
    }

    public TrainingConfig build() {
      return new TrainingConfig(
          method,
          batchSize,
          seed,
          new Model(width, embeddingDim, bnSplits, imageSize, stem),
          new Moco(queueSize, temperature, keyMomentum),
          new Optimizer(
              baseLr,
              lrReferenceBatch,
              sgdMomentum,
              weightDecay,
              epochs,
              epochSize,
              schedule,
              warmupSteps),
          new Augmentation(
              cropScaleMin,
              cropScaleMax,
              flipProbability,
              jitterProbability,
              brightness,
              contrast,
              saturation,
              hue,
              grayscaleProbability,
              normalization),
          new Mixing(
              unmixMixupProbability,
              cutmixSource,
              cutmixReverseTerm,
              approach2FlipTrick,
              fixedLambda,
              shuffleKeyMixture,
              approach2Aligned),
          new Buffer(bufferSize, bufferPolicy, updatesPerBatch),
          new Baselines(simclrTemperature, byolHidden, byolMomentumSchedule));
    }
  }
}
