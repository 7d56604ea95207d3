package io.mixstream.job.training;

import io.mixstream.augment.EvalTransform;
import io.mixstream.augment.SourceImage;
import io.mixstream.buffer.ReplayBuffer;
import io.mixstream.config.ModelSpec;
import io.mixstream.config.TrainingConfig;
import io.mixstream.job.ingest.TrainingImage;
import io.mixstream.job.outputs.EmbeddingOutput;
import io.mixstream.job.snapshots.ModelSnapshot;
import io.mixstream.records.EmbeddingRecord;
import io.mixstream.records.MetricsRecord;
import io.mixstream.snapshot.EncoderSnapshot;
import io.mixstream.torch.TorchThreads;
import io.mixstream.train.MocoTrainer;
import io.mixstream.train.QueueChunks;
import io.mixstream.train.StepReport;
import io.mixstream.train.TrainedDigest;
import java.util.List;
import java.util.Optional;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.execution.SuppressRestartsException;
import org.apache.flink.runtime.state.FunctionInitializationContext;
import org.apache.flink.runtime.state.FunctionSnapshotContext;
import org.apache.flink.streaming.api.checkpoint.CheckpointedFunction;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * The trainer as a thin Flink shell over {@link MocoTrainer}: subtask i trains model i of the job
 * (its one key, placed there by {@link ModelPlacement}), with that model's config and device.
 *
 * <ul>
 *   <li>The mini-batch being assembled lives in keyed list state, so a partial batch survives a
 *       restart.
 *   <li>Each step writes the columns it enqueued into keyed map state, one entry per (queue,
 *       position): a chunk per step, not the whole queue. On restore the in-memory queues are
 *       rebuilt from those chunks.
 *   <li>Weights, BN statistics, optimizer buffers, queue pointers and the step (from which every
 *       random draw derives) are operator state, written at each checkpoint barrier, so they match
 *       the Kafka offsets, the partial batch and the queue chunks of the same barrier.
 * </ul>
 */
public final class OnlineTrainer extends KeyedProcessFunction<Integer, TrainingImage, StepResult>
    implements CheckpointedFunction {
  private static final long serialVersionUID = 1L;
  private static final org.slf4j.Logger LOG =
      org.slf4j.LoggerFactory.getLogger(OnlineTrainer.class);

  /** The query encoder every {@code evalEvery} steps, at step 0 and at the end of input. */
  public static final OutputTag<ModelSnapshot> SNAPSHOTS =
      new OutputTag<>("snapshots", TypeInformation.of(ModelSnapshot.class));

  /** Once, when the input ends: a fingerprint of the whole state and the trained digest. */
  public static final OutputTag<MetricsRecord.Final> FINAL_STATE =
      new OutputTag<>("final-state", TypeInformation.of(MetricsRecord.Final.class));

  /** The label-free measures of the model on its window of recent images (§17). */
  public static final OutputTag<MetricsRecord.Quality> QUALITY =
      new OutputTag<>("quality", TypeInformation.of(MetricsRecord.Quality.class));

  /** Images of the last step that {@link #checkOutputIsFinite} embeds. */
  private static final int PROBE_IMAGES = 8;

  private final List<ModelSpec> models;
  private final int evalEvery;
  private final boolean embedIncoming;
  private final QualitySettings quality;
  private final int skipNonfiniteSteps;

  private transient ModelSpec model; // this subtask's
  private transient TrainingConfig config;
  private transient MocoTrainer trainer;
  private transient byte[] restoredModel;
  private transient boolean queuesNeedRebuild;
  private transient PendingBatch pending;
  private transient BufferedBatches buffered; // null without --buffer-size
  private transient ListState<byte[]> bufferIndexState;
  private transient byte[] restoredBufferIndex;
  private transient boolean saidOverCapacity;
  // the buffer's gauges, set on the task's thread once a batch of arrivals: the reporter's thread
  // must not walk the buffer while the task changes it
  private transient volatile long bufferImages;
  private transient volatile long bufferUntrained;
  private transient volatile long bufferEvictedUntrained;
  private transient QueueChunks queueChunks;
  private transient ListState<byte[]> modelState;
  private transient ListState<String> modelKeyState;
  private transient String restoredModelKey;
  private transient ListState<long[]> digestState;
  private transient TrainedDigest trained;
  private transient TrainerMetrics metrics;
  private transient long batchStartNanos;
  private transient long lastStepNanos;
  private transient double restoreSeconds; // model import + queue rebuild after a restore
  private transient long lastSnapshotStep;
  private transient QualityReadings qualityReadings; // null when the measures are off
  private transient ListState<Integer> collapseStreakState;
  private transient int restoredCollapseStreak;
  private transient ListState<String> lineageState;
  private transient String lineage; // this model's training run: new at a fresh start, then kept
  private transient int nonfiniteInARow;
  private transient SourceImage[] probe; // a few images of the last step, to check the output

  /**
   * @param models the job's models; subtask i trains models[i] (parallelism = their number)
   * @param evalEvery steps between snapshots on {@link #SNAPSHOTS}; 0 = none
   * @param embedIncoming at each snapshot step, the step's images' embeddings on {@link
   *     EmbeddingOutput#TAG}
   * @param quality when to take the label-free measures, on {@link #QUALITY}
   * @param skipNonfiniteSteps non-finite steps in a row skipped before the job stops for good
   */
  public OnlineTrainer(
      List<ModelSpec> models,
      int evalEvery,
      boolean embedIncoming,
      QualitySettings quality,
      int skipNonfiniteSteps) {
    models.forEach(m -> m.training().validate());
    this.models = List.copyOf(models);
    this.evalEvery = evalEvery;
    this.embedIncoming = embedIncoming;
    this.quality = quality;
    this.skipNonfiniteSteps = skipNonfiniteSteps;
  }

  @Override
  public void initializeState(FunctionInitializationContext context) throws Exception {
    modelState =
        context
            .getOperatorStateStore()
            .getListState(
                new ListStateDescriptor<>(
                    "model", PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO));
    digestState =
        context
            .getOperatorStateStore()
            .getListState(
                new ListStateDescriptor<>(
                    "trained-digest", PrimitiveArrayTypeInfo.LONG_PRIMITIVE_ARRAY_TYPE_INFO));
    modelKeyState =
        context
            .getOperatorStateStore()
            .getListState(new ListStateDescriptor<>("model-key", Types.STRING));
    collapseStreakState =
        context
            .getOperatorStateStore()
            .getListState(new ListStateDescriptor<>("collapse-streak", Types.INT));
    lineageState =
        context
            .getOperatorStateStore()
            .getListState(new ListStateDescriptor<>("lineage", Types.STRING));
    bufferIndexState =
        context
            .getOperatorStateStore()
            .getListState(
                new ListStateDescriptor<>(
                    "replay-buffer-index", PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO));
    trained = new TrainedDigest();
    if (context.isRestored()) {
      for (byte[] index : bufferIndexState.get()) { // none without a buffer
        restoredBufferIndex = index;
      }
      for (String l : lineageState.get()) { // none in a checkpoint from before lineages
        lineage = l;
      }
      for (byte[] bytes : modelState.get()) {
        restoredModel = bytes;
      }
      for (String key : modelKeyState.get()) {
        restoredModelKey = key;
      }
      for (long[] d : digestState.get()) { // none in a checkpoint from before the digest
        trained = new TrainedDigest(d[0], d[1]);
      }
      for (Integer streak : collapseStreakState.get()) {
        restoredCollapseStreak = streak;
      }
      queuesNeedRebuild = true;
    }
  }

  @Override
  public void open(OpenContext openContext) {
    var task = getRuntimeContext().getTaskInfo();
    int subtask = task.getIndexOfThisSubtask();
    if (task.getNumberOfParallelSubtasks() != models.size()) {
      throw new IllegalStateException(
          "the trainer runs on %d subtasks but the job has %d models: one subtask per model"
              .formatted(task.getNumberOfParallelSubtasks(), models.size()));
    }
    model = models.get(subtask);
    config = model.training();
    if (restoredModel != null && !model.key().equals(restoredModelKey)) {
      throw new IllegalStateException(
          ("trainer subtask %d restored the state of model '%s', but this job trains '%s' there:"
                  + " give --models in the order of the run that wrote the checkpoint (%s here),"
                  + " or start the models afresh in another --checkpoint-dir")
              .formatted(
                  subtask,
                  restoredModelKey,
                  model.key(),
                  models.stream().map(ModelSpec::key).toList()));
    }
    pending = new PendingBatch(getRuntimeContext(), config.batchSize());
    if (config.buffer().on()) {
      buffered = new BufferedBatches(getRuntimeContext(), config, restoredBufferIndex);
      restoredBufferIndex = null;
    }
    MapState<String, float[]> chunks =
        getRuntimeContext()
            .getMapState(
                new MapStateDescriptor<>(
                    "queue-chunks",
                    Types.STRING,
                    PrimitiveArrayTypeInfo.FLOAT_PRIMITIVE_ARRAY_TYPE_INFO));
    queueChunks =
        new QueueChunks(
            new QueueChunks.Store() {
              @Override
              public float[] get(String key) throws Exception {
                return chunks.get(key);
              }

              @Override
              public void put(String key, float[] columns) throws Exception {
                chunks.put(key, columns);
              }
            },
            config);
    LOG.info(
        "trainer of model {} ({}): libtorch uses {} CPU thread(s)",
        model.key(),
        config.method(),
        TorchThreads.useOnThisThread(model.torchThreads()));
    trainer = MocoTrainer.on(model.device(), subtask, config);
    if (restoredModel != null) {
      long t0 = System.nanoTime();
      trainer.importState(restoredModel);
      restoredModel = null;
      restoreSeconds = (System.nanoTime() - t0) / 1e9;
    }
    lastSnapshotStep = trainer.stepCount() == 0 ? -1 : trainer.stepCount();
    if (lineage == null) {
      lineage = java.util.UUID.randomUUID().toString();
      LOG.info("model {}: a new training run, lineage {}", model.key(), lineage);
    }
    metrics =
        new TrainerMetrics(
            getRuntimeContext().getMetricGroup().addGroup("model", model.key()), trainer, config);
    metrics.restored(restoreSeconds);
    if (buffered != null) {
      var group = getRuntimeContext().getMetricGroup().addGroup("model", model.key());
      group.gauge("bufferImages", () -> bufferImages);
      group.gauge("bufferUntrained", () -> bufferUntrained);
      group.gauge("bufferEvictedUntrained", () -> bufferEvictedUntrained);
      LOG.info(
          "model {}: a replay buffer of {} images ({}), {} step(s) per {} arriving images",
          model.key(),
          config.buffer().bufferSize(),
          config.buffer().bufferPolicy().cliName(),
          config.buffer().updatesPerBatch(),
          config.batchSize());
    }
    if (quality.on()) {
      qualityReadings =
          new QualityReadings(
              getRuntimeContext(), model.key(), config, quality, restoredCollapseStreak, metrics);
    }
    batchStartNanos = System.nanoTime();
  }

  @Override
  public void processElement(TrainingImage image, Context ctx, Collector<StepResult> out)
      throws Exception {
    if (queuesNeedRebuild) {
      rebuildQueues();
    }
    if (trainer.stepCount() == 0) {
      endOfInputTimer(ctx); // a model that never fills a batch still ends
    }
    if (evalEvery > 0 && trainer.stepCount() == 0 && lastSnapshotStep < 0) {
      emitSnapshot(ctx); // the random-init floor
    }
    if (qualityReadings != null) {
      qualityReadings.add(image);
    }
    if (buffered != null) {
      int due = buffered.add(image);
      for (int s = 0; s < due; s++) {
        stepFromBuffer(ctx, out);
      }
      if (due > 0) {
        endOfInputTimer(ctx); // not in step(): the end's owed steps run in that timer
        ReplayBuffer b = buffered.buffer();
        bufferImages = b.size();
        bufferUntrained = b.untrained();
        bufferEvictedUntrained = b.evictedUntrained();
        sayIfOverCapacity();
      }
    } else {
      List<TrainingImage> batch = pending.add(image);
      if (batch != null) {
        step(batch, ctx, out);
        endOfInputTimer(ctx);
      }
    }
  }

  /** One step on a batch drawn from the replay buffer; MinRed learns each image's feature. */
  private void stepFromBuffer(Context ctx, Collector<StepResult> out) throws Exception {
    long[] drawn = buffered.buffer().sample();
    StepReport r = step(buffered.images(drawn), ctx, out);
    if (r.applied()) {
      buffered.buffer().trained(drawn, trainer.lastStepKeys());
    }
  }

  /** Said once: a minred buffer holds more than C while too few of its images are trained. */
  private void sayIfOverCapacity() {
    var b = buffered.buffer();
    if (!saidOverCapacity && b.size() > config.buffer().bufferSize()) {
      saidOverCapacity = true;
      LOG.info(
          "model {}: the replay buffer holds {} images, over its {}, because {} of them are not"
              + " trained yet and minred lets only trained images go; it holds up to {}, then the"
              + " oldest go trained or not (gauge bufferEvictedUntrained). More"
              + " --updates-per-batch trains them sooner",
          model.key(),
          b.size(),
          config.buffer().bufferSize(),
          b.untrained(),
          ReplayBuffer.HARD_LIMIT_FACTOR * config.buffer().bufferSize());
    }
  }

  /**
   * One training step on {@code batch}, and what follows a step: snapshot, embeddings, measures.
   */
  private StepReport step(List<TrainingImage> batch, Context ctx, Collector<StepResult> out)
      throws Exception {
    if (qualityReadings != null && trainer.stepCount() == 0) {
      measureQuality(ctx); // the random-init floor, on the first batch
    }
    // decoded once for this use (JPEG and PNG stay encoded in state), in parallel
    SourceImage[] sources =
        batch.parallelStream().map(TrainingImage::source).toArray(SourceImage[]::new);
    StepReport r = train(batch, sources, out);
    if (evalEvery > 0 && trainer.stepCount() % evalEvery == 0) {
      emitSnapshot(ctx);
      if (embedIncoming) {
        emitEmbeddings(batch, sources, ctx);
      }
    }
    if (qualityReadings != null && qualityReadings.due(trainer.stepCount())) {
      measureQuality(ctx);
    }
    return r;
  }

  /** The label-free measures on the window, to {@link #QUALITY}. */
  private void measureQuality(Context ctx) throws Exception {
    MetricsRecord.Quality reading = qualityReadings.read(trainer);
    if (reading != null) {
      ctx.output(QUALITY, reading);
    }
  }

  /**
   * Fires when the input ends (a bounded run, or stop --drain): the final snapshot and state. Set
   * per key, once a step: Flink keeps one timer per key and time, so setting it again adds none,
   * and timers are checkpointed, so a restore keeps it.
   */
  private void endOfInputTimer(Context ctx) {
    ctx.timerService().registerEventTimeTimer(Long.MAX_VALUE);
  }

  @Override
  public void onTimer(long timestamp, OnTimerContext ctx, Collector<StepResult> out)
      throws Exception {
    if (queuesNeedRebuild) { // restored, and the input ended before another image came
      rebuildQueues();
    }
    if (buffered != null) { // the steps the last, partial batch of arrivals still owes
      for (int s = buffered.buffer().stepsOwedAtEnd(); s > 0; s--) {
        stepFromBuffer(ctx, out);
      }
    }
    int untrained = pending.waiting();
    if (untrained > 0) { // a step takes a whole batch: the rest of a bounded input is not trained
      LOG.info(
          "model {}: the input ended with {} image(s) short of a batch of {}; they were not"
              + " trained ({} steps done)",
          model.key(),
          untrained,
          config.batchSize(),
          trainer.stepCount());
    }
    if (evalEvery > 0 && lastSnapshotStep != trainer.stepCount()) {
      emitSnapshot(ctx);
    }
    if (qualityReadings != null
        && trainer.stepCount() > 0
        && !qualityReadings.due(trainer.stepCount())) {
      measureQuality(ctx); // the model the input ended with, as the final snapshot has it
    }
    ctx.output(
        FINAL_STATE,
        new MetricsRecord.Final(
            model.key(),
            trainer.stepCount(),
            trainer.epoch(),
            sha256(trainer.exportState()),
            trained.sum(),
            trained.count(),
            java.time.Instant.now()));
  }

  private static String sha256(byte[] bytes) throws java.security.NoSuchAlgorithmException {
    return java.util.HexFormat.of()
        .formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(bytes));
  }

  private void emitSnapshot(Context ctx) {
    checkOutputIsFinite();
    EncoderSnapshot snapshot = trainer.encoderSnapshot();
    lastSnapshotStep = trainer.stepCount();
    Optional<String> nonFinite = snapshot.firstNonFinite();
    if (nonFinite.isPresent()) { // an update overflowed; the next step's loss stops the job
      LOG.warn(
          "model {}: no snapshot of step {}: its {} holds values that are not finite",
          model.key(),
          trainer.stepCount(),
          nonFinite.get());
      return;
    }
    ctx.output(
        SNAPSHOTS,
        new ModelSnapshot(model.key(), trainer.stepCount(), snapshot.toSafetensors(), lineage));
  }

  /**
   * The model's output in evaluation mode on a few images of the last step must be finite before a
   * snapshot goes out. Weights can grow 500-fold a step (a rate far too high, with weight decay)
   * while the training loss stays finite, since BN normalises each batch; with the running
   * statistics instead, the forward overflows, and every embedding of such a snapshot is NaN.
   */
  private void checkOutputIsFinite() {
    if (probe == null) { // step 0, or the first snapshot after a restore
      return;
    }
    int side = config.model().imageSize();
    float[] e =
        trainer.embed(
            java.util.Arrays.stream(probe)
                .map(s -> EvalTransform.toSquare(s, side))
                .toArray(byte[][]::new));
    for (float x : e) {
      if (!Float.isFinite(x)) {
        throw diverged(
            "its output in evaluation mode is not finite (the weights have grown too large to"
                + " evaluate, though the training loss was finite)",
            trainer.stepCount(),
            config.optimizer().baseLr());
      }
    }
  }

  /** The batch's images as the model now sees them (evaluation transform, eval mode). */
  private void emitEmbeddings(List<TrainingImage> batch, SourceImage[] sources, Context ctx) {
    int side = config.model().imageSize();
    float[] e =
        trainer.embed(
            java.util.Arrays.stream(sources)
                .parallel()
                .map(s -> EvalTransform.toSquare(s, side))
                .toArray(byte[][]::new));
    int dim = config.featureDim();
    for (float x : e) {
      if (!Float.isFinite(x)) { // as with the snapshot: a diverged model's output goes nowhere
        LOG.warn(
            "model {}: no embeddings at step {}: not finite", model.key(), trainer.stepCount());
        return;
      }
    }
    for (int i = 0; i < batch.size(); i++) {
      ctx.output(
          EmbeddingOutput.TAG,
          new EmbeddingRecord(
              model.key(),
              batch.get(i).id,
              batch.get(i).label,
              trainer.stepCount(),
              java.util.Arrays.copyOfRange(e, i * dim, (i + 1) * dim)));
    }
  }

  private StepReport train(
      List<TrainingImage> batch, SourceImage[] sources, Collector<StepResult> out)
      throws Exception {
    long assembled = System.nanoTime();
    String[] ids = batch.stream().map(i -> i.id).toArray(String[]::new);
    StepReport r;
    try {
      r = trainer.step(sources);
    } catch (MocoTrainer.WeightsOverflowed e) { // this step's state is never checkpointed
      throw diverged(e.getMessage(), trainer.stepCount() + 1, config.optimizer().baseLr());
    }
    probe = java.util.Arrays.copyOf(sources, Math.min(PROBE_IMAGES, sources.length));
    if (r.applied()) {
      nonfiniteInARow = 0;
      for (String id : ids) {
        trained.add(id, r.epoch());
      }
    } else {
      nonFinite(r, ids);
    }
    queueChunks.persist(trainer, r.enqueued());
    long now = System.nanoTime();
    double batchSeconds = (assembled - batchStartNanos) / 1e9;
    if (trainer.stepCount() == trainer.learningRateZeroFrom() + 1) { // the first step at 0
      LOG.warn(
          "model {}: the learning rate is 0 from step {} on (the end of --schedule {} over {}"
              + " epochs): the model no longer changes; a stream without end trains with"
              + " --schedule constant or warmup-constant",
          model.key(),
          trainer.learningRateZeroFrom() + 1,
          config.optimizer().schedule().cliName(),
          config.optimizer().epochs());
    }
    metrics.step(
        r,
        batchSeconds,
        lastStepNanos > 0 ? batch.size() / ((now - lastStepNanos) / 1e9) : Double.NaN);
    lastStepNanos = now;
    batchStartNanos = now;
    StepResult result = new StepResult();
    result.modelKey = model.key();
    result.step = r.step();
    result.epoch = r.epoch();
    result.loss = r.loss();
    result.lr = r.lr();
    result.lambda = r.lambda();
    result.imageIds = ids;
    result.trainedDigestSum = trained.sum();
    result.trainedDigestCount = trained.count();
    result.termNames = r.terms().keySet().toArray(String[]::new);
    result.termValues = r.terms().values().stream().mapToDouble(Double::doubleValue).toArray();
    result.stepSeconds = r.stepSeconds();
    result.batchSeconds = batchSeconds;
    result.wallMillis = System.currentTimeMillis();
    result.applied = r.applied();
    out.collect(result);
    return r;
  }

  /**
   * A step the trainer did not apply: counted, said once per run of them, and past {@code
   * skipNonfiniteSteps} in a row the end of the job, with no restart (a restart would resume the
   * same model with the same rate and diverge again). The last checkpoint and snapshot stay those
   * of finite weights.
   */
  private void nonFinite(StepReport r, String[] ids) {
    nonfiniteInARow++;
    metrics.skipped(nonfiniteInARow);
    if (nonfiniteInARow > skipNonfiniteSteps) {
      throw diverged(
          "%s (lr %.4g; the batch's images: %s)"
              .formatted(r.nonFiniteSummary(), r.lr(), abbreviated(ids)),
          r.step(),
          config.optimizer().baseLr());
    }
    if (nonfiniteInARow == 1) {
      LOG.warn(
          "model {}: step {} skipped, {}; up to {} such steps in a row are skipped"
              + " (--skip-nonfinite-steps), the gauge nonfiniteStepsInARow counts them",
          model.key(),
          r.step(),
          r.nonFiniteSummary(),
          skipNonfiniteSteps);
    }
  }

  /** The first few ids, and how many more: a batch can hold 512. */
  private static String abbreviated(String[] ids) {
    int shown = Math.min(ids.length, 8);
    String head = String.join(", ", java.util.Arrays.asList(ids).subList(0, shown));
    return ids.length > shown ? head + " and " + (ids.length - shown) + " more" : head;
  }

  /** The end of the job, in one line that says what to do. */
  private SuppressRestartsException diverged(String what, long step, double baseLr) {
    return new SuppressRestartsException(
        new TrainingDiverged(
            ("model %s diverged at step %d: %s. The learning rate (--base-lr %s) is the usual"
                    + " cause. Nothing of the step was kept: the last checkpoint and snapshot hold"
                    + " finite weights. Resume from them at a lower rate (the same command with"
                    + " --base-lr %s), or let up to N such steps in a row be skipped with"
                    + " --skip-nonfinite-steps N")
                .formatted(model.key(), step, what, baseLr, baseLr / 10)));
  }

  /** After a restore: the queue contents come back from the chunks in keyed state. */
  private void rebuildQueues() throws Exception {
    long t0 = System.nanoTime();
    int chunks = queueChunks.restoreInto(trainer);
    queuesNeedRebuild = false;
    restoreSeconds += (System.nanoTime() - t0) / 1e9;
    metrics.restored(restoreSeconds);
    LOG.info(
        "restored model {} ({}) at step {}: weights and {} queue chunks back in {} s",
        model.key(),
        config.method(),
        trainer.stepCount(),
        chunks,
        "%.3f".formatted(restoreSeconds));
  }

  @Override
  public void snapshotState(FunctionSnapshotContext context) throws Exception {
    modelState.update(List.of(trainer.exportStateWithoutQueueContents()));
    modelKeyState.update(List.of(model.key()));
    lineageState.update(List.of(lineage));
    digestState.update(List.of(new long[] {trained.sum(), trained.count()}));
    collapseStreakState.update(
        List.of(qualityReadings == null ? 0 : qualityReadings.collapseStreak()));
    bufferIndexState.update(buffered == null ? List.of() : List.of(buffered.export()));
  }

  @Override
  public void close() {
    if (trainer != null) {
      trainer.close();
    }
  }

  /** The type Flink needs for the output. */
  public static TypeInformation<StepResult> outputType() {
    return TypeInformation.of(StepResult.class);
  }
}
