package io.mixstream.config;

import java.io.Serializable;
import java.util.List;
import java.util.Map;

/**
 * Every hyperparameter of ALGORITHM.md with its documented default, grouped by the part that reads
 * it: each component takes only its group ({@link Model} the encoder, {@link Moco} the queues and
 * the loss, {@link Optimizer} SGD and the schedule, {@link Augmentation} the views, {@link Mixing}
 * the mixtures, {@link Buffer} the replay buffer between the stream and the steps, {@link
 * Baselines} SimCLR's and BYOL's own settings). Each option is declared once, in {@link Builder},
 * with its default, meaning and range; build with {@link #defaults()} and {@link #toBuilder()};
 * {@link #validate()} names each bad value by its option.
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

  /** The encoder. */
  public record Model(int width, int embeddingDim, int bnSplits, int imageSize, Stem stem)
      implements Serializable {
    /** The stem with {@code auto} decided by the image size. */
    public Stem resolvedStem() {
      return stem.resolve(imageSize);
    }
  }

  /** The queues, the key encoder and InfoNCE. */
  public record Moco(int queueSize, double temperature, double keyMomentum)
      implements Serializable {}

  /** SGD and its cosine schedule. */
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

  /** The two views (§1.6). */
  public record Augmentation(
      double cropScaleMin,
      double cropScaleMax,
      double cropRatioMin,
      double cropRatioMax,
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

  /** The mixtures and the choices ALGORITHM.md leaves open. */
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
   */
  public record Buffer(int bufferSize, BufferPolicy bufferPolicy, int updatesPerBatch)
      implements Serializable {
    public boolean on() {
      return bufferSize > 0;
    }
  }

  /**
   * SimCLR's and BYOL's own settings (§13, §14); a model of another method may not be given them.
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

  /** ALGORITHM.md's values (MoCo demo recipe, batch 512, K 4096, 200 epochs). */
  public static TrainingConfig defaults() {
    return new Builder().build();
  }

  /**
   * What each training option means, by the name its flag spells ({@code batch-size}), as {@code
   * train --options} says it: for commands of other tools that take the same option.
   */
  public static Map<String, String> optionMeanings() {
    return OptionTable.meanings(Builder.class);
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

  /**
   * Every problem with the values, each naming its option; empty when valid: each option outside
   * its declared range, then the rules that tie options together.
   */
  public List<String> problems() {
    Builder v = toBuilder(); // every value by its flat name, as the options spell them
    List<String> p = OptionTable.problems(v);
    batchRules(v, p);
    augmentationRules(v, p);
    methodRules(v, p);
    return p;
  }

  /** The rules that tie the batch to the options that divide it or draw it. */
  private static void batchRules(Builder v, List<String> p) {
    int batchSize = v.batchSize;
    check(
        p,
        batchSize % Math.max(1, v.bnSplits) == 0,
        "batch-size %d must be a multiple of bn-splits %d".formatted(batchSize, v.bnSplits));
    check(
        p,
        // a queue-size or batch-size outside its own range is said once, by its range
        v.queueSize < 1
            || batchSize < 2
            || (v.queueSize >= batchSize && v.queueSize % batchSize == 0),
        "queue-size %d must be a multiple of batch-size %d".formatted(v.queueSize, batchSize));
    check(
        p,
        v.bufferSize <= 0 || v.bufferSize >= batchSize,
        "buffer-size must be 0 (no buffer) or at least batch-size %d, got %d"
            .formatted(batchSize, v.bufferSize));
    check(
        p,
        v.updatesPerBatch <= 1 || v.bufferSize > 0,
        "updates-per-batch %d needs a buffer to draw its batches from: give --buffer-size too"
            .formatted(v.updatesPerBatch));
  }

  /** The rules that tie a method's own options to the others. */
  private static void methodRules(Builder v, List<String> p) {
    check(
        p,
        v.method != Method.BYOL
            || v.byolMomentumSchedule != MomentumSchedule.COSINE
            || v.schedule == Schedule.COSINE,
        ("byol-momentum-schedule cosine runs over the cosine schedule's horizon, which --schedule"
                + " %s does not have: give --byol-momentum-schedule fixed")
            .formatted(v.schedule == null ? "?" : v.schedule.cliName()));
    // (1-λ)·L(q^{M,R},k) pairs the reversed mixture's rows with k: that is reading (a) only when
    // the patch came from the reversed batch; with the other view's patch it is no reading at all
    check(
        p,
        !(v.cutmixReverseTerm && v.cutmixSource == CutMixSource.OTHER_VIEW),
        "cutmix-reverse-term true needs cutmix-source reversed-batch (reading (a)); with"
            + " cutmix-source other-view it pairs flip(q^M) of image B-1-i with k_i, a reading of"
            + " none of the three");
  }

  /** The rules between the augmentation's options. */
  private static void augmentationRules(Builder v, List<String> p) {
    check(
        p,
        v.cropScaleMin <= 0
            || v.cropScaleMax < 0
            || v.cropScaleMax > 1
            || v.cropScaleMin <= v.cropScaleMax,
        "crop-scale-min %s must not exceed crop-scale-max %s"
            .formatted(v.cropScaleMin, v.cropScaleMax));
    check(
        p,
        !(v.cropRatioMin > v.cropRatioMax) || v.cropRatioMax <= 0,
        "crop-ratio-min %s must not exceed crop-ratio-max %s"
            .formatted(v.cropRatioMin, v.cropRatioMax));
    if (v.normalization != null) {
      try {
        var unused = ChannelStats.parse(v.normalization);
      } catch (IllegalArgumentException e) {
        p.add(e.getMessage());
      }
    }
  }

  /**
   * @throws IllegalArgumentException listing every problem
   */
  public TrainingConfig validate() {
    OptionTable.refuseAny(problems(), "training config");
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
    return OptionTable.asMap(this);
  }

  public Builder toBuilder() {
    return new Builder(this);
  }

  /**
   * The training options, each declared once: its name, type and default here, what it means and
   * its range in its {@link Option}. Start from {@link #defaults()} or {@link #toBuilder()}, set
   * what differs by name, {@link #build()}.
   */
  public static final class Builder {
    @Option("which of the seven methods trains")
    public Method method = Method.MOCO;

    @Option(value = "images per step; a multiple of bn-splits that divides queue-size", min = 2)
    public int batchSize = 512;

    @Option("seed of every random draw (augmentation, boxes, shuffles, initial weights, queues)")
    public long seed = 0;

    // Model
    @Option(
        value = "stem width of the ResNet-18 (64 = standard; 8 or 16 for CPU tests and demos)",
        min = 1)
    public int width = 64;

    @Option(value = "output size of the Linear head and of the region projection", min = 1)
    public int embeddingDim = 128;

    @Option(value = "SplitBatchNorm groups; 1 = plain BatchNorm", min = 1)
    public int bnSplits = 8;

    @Option(
        value =
            "S, the side of the square views the network takes: each is cropped from its image at"
                + " the image's own resolution and resized to SxS (32, CIFAR's)",
        min = 8,
        max = 1024,
        range = "8 to 1024 pixels")
    public int imageSize = 32;

    @Option("the network's first layers: cifar (3x3, no max-pool), imagenet, or auto by image-size")
    public Stem stem = Stem.AUTO;

    // Moco
    @Option(value = "negatives per queue, K", min = 1)
    public int queueSize = 4096;

    @Option(value = "InfoNCE's temperature", min = 0, minExclusive = true)
    public double temperature = 0.1;

    @Option(
        value = "m of the key encoder's momentum update; BYOL's target starts its rate here",
        min = 0,
        max = 1)
    public double keyMomentum = 0.99;

    // Optimizer
    @Option(value = "learning rate at lr-reference-batch images per step", min = 0)
    public double baseLr = 0.06;

    @Option(value = "the batch size at which base-lr applies: lr = base-lr·batch/this", min = 1)
    public int lrReferenceBatch = 512;

    @Option(value = "SGD momentum", min = 0, max = 1, maxExclusive = true)
    public double sgdMomentum = 0.9;

    @Option(value = "coupled L2 weight decay", min = 0)
    public double weightDecay = 5e-4;

    @Option(value = "the cosine schedule's horizon E in epochs", min = 1)
    public int epochs = 200;

    @Option(
        value = "images per epoch; steps per epoch = floor(epoch-size/batch-size), at least 1",
        min = 1)
    public int epochSize = 50_000;

    @Option("how the rate moves with the step; constant and warmup-constant never end (§16)")
    public Schedule schedule = Schedule.COSINE;

    @Option(value = "W of the warmup-constant schedule: steps of linear warm-up", min = 0)
    public int warmupSteps = 500;

    // Augmentation (§1.6)
    @Option(value = "smallest RandomResizedCrop area fraction", min = 0, minExclusive = true)
    public double cropScaleMin = 0.08;

    @Option(value = "largest RandomResizedCrop area fraction", min = 0, max = 1)
    public double cropScaleMax = 1.0;

    @Option(
        value = "smallest RandomResizedCrop aspect ratio, width/height (torchvision's 3/4)",
        min = 0,
        minExclusive = true,
        max = 100)
    public double cropRatioMin = 3.0 / 4.0;

    @Option(
        value = "largest RandomResizedCrop aspect ratio (torchvision's 4/3)",
        min = 0,
        minExclusive = true,
        max = 100)
    public double cropRatioMax = 4.0 / 3.0;

    @Option(value = "horizontal flip probability", min = 0, max = 1)
    public double flipProbability = 0.5;

    @Option(value = "probability of applying colour jitter", min = 0, max = 1)
    public double jitterProbability = 0.8;

    @Option(value = "colour jitter brightness strength", min = 0)
    public double brightness = 0.4;

    @Option(value = "colour jitter contrast strength", min = 0)
    public double contrast = 0.4;

    @Option(value = "colour jitter saturation strength", min = 0)
    public double saturation = 0.4;

    @Option(value = "colour jitter hue strength", min = 0, max = 0.5)
    public double hue = 0.1;

    @Option(value = "random grayscale probability", min = 0, max = 1)
    public double grayscaleProbability = 0.2;

    @Option(
        "per-channel mean and std after scaling to [0,1], also the evaluation's: cifar10, imagenet"
            + " or M1,M2,M3/S1,S2,S3")
    public String normalization = "cifar10";

    // Mixing
    @Option(value = "Un-Mix's probability of mixup instead of CutMix per step", min = 0, max = 1)
    public double unmixMixupProbability = 0.5;

    @Option("MoCo+CutMix's patch source (other-view = reading (c))")
    public CutMixSource cutmixSource = CutMixSource.OTHER_VIEW;

    @Option("MoCo+CutMix adds the (1-λ)·L(q^{M,R},k) term (reading (a))")
    public boolean cutmixReverseTerm = false;

    @Option("Approach 2 reverses rows instead of a third query forward (§7, exact)")
    public boolean approach2FlipTrick = true;

    @Option(
        value = "a fixed λ for the approaches instead of the per-step CutMix ratio",
        min = 0,
        max = 1,
        mayBeUnset = true,
        range = "in [0,1] (or unset)")
    public double fixedLambda = Double.NaN;

    @Option("shuffle the key-side mixture for BN like the plain key (A8)")
    public boolean shuffleKeyMixture = false;

    @Option(
        "A7's aligned ablation of Approach 2: each reversed term meets the key of the image its"
            + " region shows, not the released code's mismatch")
    public boolean approach2Aligned = false;

    // Buffer
    @Option(value = "C, images the replay buffer keeps (0 = no buffer)", min = 0)
    public int bufferSize = 0;

    @Option("which image a full buffer lets go")
    public BufferPolicy bufferPolicy = BufferPolicy.MINRED;

    @Option(
        value =
            "U, training steps per batch-size arriving images, each on a batch drawn from the"
                + " buffer; the schedule still counts arriving images",
        min = 1)
    public int updatesPerBatch = 1;

    // Baselines
    @Option(value = "SimCLR's NT-Xent temperature", min = 0, minExclusive = true)
    public double simclrTemperature = 0.5;

    @Option(value = "the hidden size of BYOL's projector and predictor", min = 1)
    public int byolHidden = 4096;

    @Option(
        "BYOL's target rate: cosine from key-momentum to 1 over the schedule's horizon, or fixed")
    public MomentumSchedule byolMomentumSchedule = MomentumSchedule.COSINE;

    public Builder() {}

    Builder(TrainingConfig c) {
      OptionTable.fill(this, c);
    }

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

    public TrainingConfig build() {
      return OptionTable.build(TrainingConfig.class, this);
    }
  }
}
