package io.mixstream.train;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import io.mixstream.augment.Augmenter;
import io.mixstream.augment.SourceImage;
import io.mixstream.config.TrainingConfig;
import io.mixstream.eval.Embeddings;
import io.mixstream.model.NamedTensor;
import io.mixstream.queue.NegativeQueue;
import io.mixstream.queue.QueueName;
import io.mixstream.queue.QueueWrite;
import io.mixstream.rng.Seeds;
import io.mixstream.snapshot.EncoderSnapshot;
import io.mixstream.torch.Autograd;
import io.mixstream.torch.DeviceChoice;
import io.mixstream.torch.GradMode;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Trains one of the seven methods, one mini-batch per {@link #step}. Owns the query and key
 * encoders, the projection or heads, the queues and the optimizer; {@link #exportState()} and
 * {@link #importState(byte[])} carry all of it (and the step, from which every random draw is
 * derived) across a restart.
 *
 * <p>Not thread-safe; call from one thread. That thread's autograd mode is set on every call,
 * because PyTorch keeps it per thread.
 */
public final class MocoTrainer implements AutoCloseable {
  private static final long INIT_STREAM = 1;
  private static final long STEP_STREAM = 2;

  private final TrainingConfig config;
  private final NDManager manager;
  private final Networks nets;
  private final Map<QueueName, NegativeQueue> queues = new EnumMap<>(QueueName.class);
  private final Sgd sgd;
  private final LearningRateSchedule schedule;
  private final Augmenter augmenter;
  private final MethodLoss method;
  private long step;
  private float[] lastKeys; // k of each image of the last applied step, for the replay buffer

  public MocoTrainer(TrainingConfig config, Device device) {
    this.config = config.validate();
    this.manager = NDManager.newBaseManager(device);
    SplittableRandom init = new SplittableRandom(Seeds.mix(config.seed(), INIT_STREAM));
    try (GradMode off = GradMode.off()) {
      this.nets = new Networks(manager, config, init);
      for (QueueName q : QueueName.values()) {
        if (config.method().queues().contains(q)) {
          queues.put(
              q,
              new NegativeQueue(
                  manager, config.model().embeddingDim(), config.moco().queueSize(), init));
        }
      }
      this.sgd =
          new Sgd(
              manager,
              nets.trainable(),
              config.optimizer().sgdMomentum(),
              config.optimizer().weightDecay());
    }
    this.schedule = LearningRateSchedule.of(config);
    this.augmenter =
        new Augmenter(config.augmentation(), config.model().imageSize(), config.seed());
    this.method = MethodLoss.of(config);
  }

  /**
   * A trainer on the device named auto, cpu or gpu ({@link DeviceChoice}), for callers that hold no
   * DJL types; {@code trainer} is its index in the job: auto and gpu give each its own GPU.
   */
  public static MocoTrainer on(String device, int trainer, TrainingConfig config) {
    return new MocoTrainer(config, DeviceChoice.resolve(device, trainer));
  }

  public boolean onGpu() {
    return manager.getDevice().isGpu();
  }

  /** Steps done so far. */
  public long stepCount() {
    return step;
  }

  /**
   * The first step from which the learning rate is 0 for good ({@link
   * LearningRateSchedule#zeroFrom()}); -1 when the schedule never ends.
   */
  public long learningRateZeroFrom() {
    long zero = schedule.zeroFrom();
    return zero < 0 ? zero : zero * updatesPerBatch();
  }

  /**
   * Steps per batch of arriving images (U, 1 without a replay buffer): the schedule's position is
   * step / U, so that it still counts arriving images.
   */
  private int updatesPerBatch() {
    return config.buffer().updatesPerBatch();
  }

  private long position(long s) {
    return s / updatesPerBatch();
  }

  /** Whether a step has run at the schedule's final rate of 0, so no later step changes much. */
  public boolean learningRateEnded() {
    long zero = learningRateZeroFrom();
    return zero >= 0 && step > zero;
  }

  /** The (1-based) epoch of the last step done; 0 before the first. */
  public int epoch() {
    return step == 0 ? 0 : schedule.epochOf(position(step - 1));
  }

  /**
   * One training step on a mini-batch of images of any size: augment twice (the views are S×S),
   * momentum-update the key encoder, forward, loss, backward, SGD, enqueue.
   */
  public StepReport step(SourceImage[] images) {
    return step(images, false).report();
  }

  /** {@link #step(SourceImage[])} on CIFAR-10 images: 32x32 planar RGB, 3072 bytes each. */
  public StepReport step(byte[][] cifarImages) {
    return step(cifar(cifarImages), false).report();
  }

  /**
   * {@link #step} that also returns every term's inputs: the seam through which this package's
   * formula tests see inside a step.
   */
  StepTrace stepTraced(byte[][] cifarImages) {
    return step(cifar(cifarImages), true);
  }

  private static SourceImage[] cifar(byte[][] images) {
    SourceImage[] out = new SourceImage[images.length];
    for (int i = 0; i < images.length; i++) {
      out[i] = SourceImage.cifar(images[i]);
    }
    return out;
  }

  private StepTrace step(SourceImage[] images, boolean trace) {
    long start = System.nanoTime();
    try (GradMode off = GradMode.off();
        NDScope scope = new NDScope()) {
      scope.suppressNotUsedWarning();
      double lr = schedule.lr(position(step));
      List<NDArray> before = copies(nets.changedBeforeTheLoss());
      Forward f = forwardBackward(images, trace);
      double loss = f.loss.total().getFloat(); // waits for the device, so the time is the step's
      double gradientNorm = gradientNorm();
      if (!Double.isFinite(loss) || !Double.isFinite(gradientNorm)) {
        // nothing of this step may stay: no update, no enqueue, key encoder and BN as they were
        zeroGradients();
        restore(nets.changedBeforeTheLoss(), before);
        return new StepTrace(report(f, lr, loss, gradientNorm, List.of(), start, false), List.of());
      }
      sgd.step(lr);
      zeroGradients();
      // finite loss and gradients, yet the update (or a BN statistic) can overflow
      if (!allFinite(nets.stateTensors())) {
        throw new WeightsOverflowed(
            "the update of step %d (lr %.4g, gradient norm %.4g) took the weights or BN statistics"
                    .formatted(step + 1, lr, gradientNorm)
                + " past float's range");
      }
      List<StepTrace.Term> traced = trace ? traceTerms(f) : List.of();
      List<QueueWrite> enqueued = new ArrayList<>();
      f.loss
          .toEnqueue()
          .forEach(
              (name, keys) -> {
                int first = queues.get(name).enqueue(keys);
                enqueued.add(new QueueWrite(name, first, (int) keys.getShape().get(0)));
              });
      lastKeys = f.ctx.imageKeys == null ? null : f.ctx.imageKeys.toFloatArray();
      return new StepTrace(report(f, lr, loss, gradientNorm, enqueued, start, true), traced);
    }
  }

  /** Counts the step (applied or skipped: either consumed its batch) and says what it did. */
  private StepReport report(
      Forward f,
      double lr,
      double loss,
      double gradientNorm,
      List<QueueWrite> enqueued,
      long startNanos,
      boolean applied) {
    long done = step++;
    return new StepReport(
        step,
        schedule.epochOf(position(done)),
        lr,
        f.loss.lambda(),
        loss,
        f.loss.values(),
        f.loss.weights(),
        List.copyOf(enqueued),
        f.augmentSeconds,
        (System.nanoTime() - startNanos) / 1e9,
        gradientNorm,
        applied);
  }

  /**
   * The L2 norm of all trainable tensors' gradients together: one number to check, since a
   * non-finite element anywhere makes it non-finite.
   */
  private double gradientNorm() {
    NDArray sum = null;
    for (NamedTensor p : nets.trainable()) {
      NDArray squares = p.array().getGradient().square().sum();
      sum = sum == null ? squares : sum.add(squares);
    }
    return Math.sqrt(sum.getFloat());
  }

  /**
   * Whether every element is finite, by the largest magnitude (a sum of squares would overflow for
   * large finite values; a NaN anywhere makes the maximum NaN).
   */
  private static boolean allFinite(List<NamedTensor> tensors) {
    NDArray max = null;
    for (NamedTensor t : tensors) {
      NDArray m = t.array().abs().max();
      max = max == null ? m : max.maximum(m);
    }
    return Float.isFinite(max.getFloat());
  }

  /**
   * A step's update made a weight infinite although its loss and gradients were finite. The
   * trainer's state is then lost: stop, and resume from a checkpoint taken before the step.
   */
  public static final class WeightsOverflowed extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    WeightsOverflowed(String message) {
      super(message);
    }
  }

  private static List<NDArray> copies(List<NamedTensor> tensors) {
    List<NDArray> out = new ArrayList<>(tensors.size());
    for (NamedTensor t : tensors) {
      out.add(t.array().duplicate());
    }
    return out;
  }

  private static void restore(List<NamedTensor> tensors, List<NDArray> saved) {
    for (int i = 0; i < tensors.size(); i++) {
      tensors.get(i).array().set(new NDIndex(":"), saved.get(i));
    }
  }

  private static List<StepTrace.Term> traceTerms(Forward f) {
    List<StepTrace.Term> out = new ArrayList<>();
    f.loss
        .termArrays()
        .forEach(
            (name, value) -> {
              StepContext.TermCall call = f.ctx.termCalls.get(value);
              out.add(
                  new StepTrace.Term(
                      name,
                      f.loss.weights().get(name),
                      call.queue(),
                      call.q().toFloatArray(),
                      call.k().toFloatArray()));
            });
    return out;
  }

  /**
   * The loss and the gradient of every trainable tensor for this mini-batch, as {@link #step} would
   * compute them, without the SGD update or the enqueue (the key encoder's momentum update and the
   * BN running statistics do change). For this package's tests that check methods against each
   * other.
   */
  Gradients lossAndGradients(byte[][] cifarImages) {
    try (GradMode off = GradMode.off();
        NDScope scope = new NDScope()) {
      scope.suppressNotUsedWarning();
      Forward f = forwardBackward(cifar(cifarImages), false);
      Map<String, float[]> grads = new LinkedHashMap<>();
      for (NamedTensor p : nets.trainable()) {
        grads.put(p.name(), p.array().getGradient().toFloatArray());
      }
      zeroGradients();
      return new Gradients(f.loss.total().getFloat(), f.loss.values(), grads);
    }
  }

  /** A loss and the gradients of the trainable tensors, by name. */
  record Gradients(double loss, Map<String, Double> terms, Map<String, float[]> byName) {}

  private record Forward(StepLoss loss, StepContext ctx, double augmentSeconds) {}

  private Forward forwardBackward(SourceImage[] images, boolean trace) {
    if (images.length != config.batchSize()) {
      throw new IllegalArgumentException(
          "a step takes batch-size %d images, got %d".formatted(config.batchSize(), images.length));
    }
    long t0 = System.nanoTime();
    float[] x1 = augmenter.view(images, step, 0);
    float[] x2 = augmenter.view(images, step, 1);
    double augmentSeconds = (System.nanoTime() - t0) / 1e9;
    nets.momentumUpdate(keyMomentum(step));
    SplittableRandom rng = new SplittableRandom(Seeds.mix(config.seed(), STEP_STREAM, step));
    StepContext ctx = new StepContext(config, x1, x2, rng, nets, manager, queues);
    if (trace) {
      ctx.termCalls = new java.util.IdentityHashMap<>();
    }
    StepLoss loss;
    try (GradMode on = GradMode.on()) {
      loss = method.compute(ctx);
    }
    NDArray total = loss.total();
    Autograd.backward(total);
    return new Forward(loss, ctx, augmentSeconds);
  }

  /**
   * The key side's momentum rate at 0-based step {@code s}: key-momentum for the MoCo family;
   * BYOL's cosine τ_k = 1 − (1 − τ₀)·(cos(πk/K) + 1)/2 over the schedule's K steps (§14), k the
   * schedule's position, 1 from K on, or τ₀ when fixed.
   */
  double keyMomentum(long s) {
    double tau0 = config.moco().keyMomentum();
    if (config.method() != io.mixstream.config.Method.BYOL
        || config.baselines().byolMomentumSchedule()
            == io.mixstream.config.MomentumSchedule.FIXED) {
      return tau0;
    }
    double horizon = (double) config.optimizer().epochs() * config.stepsPerEpoch();
    double k = Math.min(position(s), horizon);
    return 1 - (1 - tau0) * (Math.cos(Math.PI * k / horizon) + 1) / 2;
  }

  private void zeroGradients() {
    for (NamedTensor p : nets.trainable()) {
      Autograd.zeroGradient(p.array());
    }
  }

  /**
   * Embeddings of the query encoder in eval mode: the L2-normalised head output (the kNN feature of
   * §2), [n, dim] row-major.
   *
   * @param squareImages S×S planar RGB bytes each, already through {@link
   *     io.mixstream.augment.EvalTransform}
   */
  public float[] embed(byte[][] squareImages) {
    return Embeddings.of(
        manager,
        nets.query,
        squareImages,
        config.model().imageSize(),
        config.augmentation().channelStats());
  }

  /**
   * {@link #embed}'s feature of {@code n} images already augmented and normalised, [n, 3, S, S]
   * laid end to end: the two views of the label-free measures (§17).
   */
  public float[] embedNormalised(float[] images, int n) {
    return Embeddings.ofNormalised(manager, nets.query, images, n, config.model().imageSize());
  }

  /**
   * The key encoder's L2-normalised embedding k of each image's second view in the last step that
   * changed the model, [batch, embeddingDim] row-major in the batch's order: the replay buffer's
   * feature of each image (MinRed keeps one per image); null before the first such step.
   */
  public float[] lastStepKeys() {
    return lastKeys;
  }

  /** The query encoder now, with PyTorch's names, for the snapshot files and the evaluator. */
  public EncoderSnapshot encoderSnapshot() {
    return EncoderSnapshot.of(nets.query, nets.snapshotHeads(), config, step);
  }

  /** The queue's pointer, or -1 when this method does not keep that queue (for tests). */
  int queuePointer(QueueName name) {
    NegativeQueue q = queues.get(name);
    return q == null ? -1 : q.pointer();
  }

  /**
   * Every tensor of the trainer's state, by name, copied to the host: what this package's tests
   * compare bit for bit.
   */
  Map<String, float[]> stateByName() {
    Map<String, float[]> out = new LinkedHashMap<>();
    for (NamedTensor t : stateTensors()) {
      out.put(t.name(), t.array().toFloatArray());
    }
    queues.forEach((n, q) -> out.put("queue." + n.name(), q.matrix().toFloatArray()));
    return out;
  }

  /** Weights, BN statistics, SGD buffers, queues and pointers, and the step, as bytes. */
  public byte[] exportState() {
    return TrainerStateCodec.write(this.config, step, stateTensors(), queues, true);
  }

  /**
   * {@link #exportState()} without the queues' contents (their pointers stay), for a caller that
   * keeps the queues itself through {@link #queueColumns} and {@link #restoreQueueColumns}.
   * Importing it leaves the queues' contents as they are.
   */
  public byte[] exportStateWithoutQueueContents() {
    return TrainerStateCodec.write(this.config, step, stateTensors(), queues, false);
  }

  /** Columns [start, start+count) of a queue, [dim, count] row-major. */
  public float[] queueColumns(QueueName name, int start, int count) {
    return queue(name).columns(start, count);
  }

  /** Overwrites columns of a queue with what {@link #queueColumns} returned. */
  public void restoreQueueColumns(QueueName name, int start, float[] columns) {
    try (GradMode off = GradMode.off()) {
      queue(name).setColumns(start, columns);
    }
  }

  private NegativeQueue queue(QueueName name) {
    NegativeQueue q = queues.get(name);
    if (q == null) {
      throw new IllegalArgumentException(config.method() + " keeps no " + name + " queue");
    }
    return q;
  }

  /**
   * Restores what {@link #exportState()} wrote.
   *
   * @throws IllegalArgumentException when the bytes are not a state of this configuration
   */
  public void importState(byte[] bytes) {
    try (GradMode off = GradMode.off()) {
      step = TrainerStateCodec.read(bytes, config, stateTensors(), queues);
    }
  }

  private List<NamedTensor> stateTensors() {
    List<NamedTensor> all = new ArrayList<>(nets.stateTensors());
    all.addAll(sgd.buffers());
    return all;
  }

  @Override
  public void close() {
    manager.close();
  }
}
