package io.mixstream.job.embed;

import io.mixstream.augment.EvalTransform;
import io.mixstream.config.EmbedConfig;
import io.mixstream.job.ingest.DeadLetter;
import io.mixstream.job.ingest.DecodeImages;
import io.mixstream.job.ingest.RawRecord;
import io.mixstream.job.ingest.TrainingImage;
import io.mixstream.kafka.TopicReader;
import io.mixstream.records.EmbeddingRecord;
import io.mixstream.records.ImageRecordCodec;
import io.mixstream.records.MalformedRecordException;
import io.mixstream.records.MetricsRecord;
import io.mixstream.serve.ModelFollower;
import io.mixstream.serve.ServingModel;
import io.mixstream.snapshot.EncoderSnapshot;
import io.mixstream.snapshot.SnapshotDirectory;
import io.mixstream.torch.TorchThreads;
import java.io.IOException;
import java.io.Serializable;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MeterView;
import org.apache.flink.runtime.state.StateInitializationContext;
import org.apache.flink.runtime.state.StateSnapshotContext;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.BoundedOneInput;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.util.OutputTag;

/**
 * The embedding service's operator: images in, one {@link EmbeddingRecord} each out, embedded by
 * the newest snapshot of one model, in micro-batches closed by size, by time, at each checkpoint
 * barrier and at the end of input (so no image waits in a buffer across a checkpoint).
 *
 * <p>Model swaps happen at checkpoint barriers only: the step in use is part of checkpoint N and
 * every image between barriers N and N+1 is embedded by it, so after a restore from N the same
 * images are embedded by the same model as before the failure, and each committed transaction
 * carries one model version. A newer snapshot waits at most a checkpoint interval. The first model
 * is taken as soon as it appears (nothing was embedded before it); the images that come before it
 * wait in operator state, so checkpoints go on while the service waits (up to {@link
 * #WAITING_CAP_BYTES} of them; beyond that the input is held back until the model is there).
 *
 * <p>With a reference topic, the whole of it is embedded again after each swap into {@link
 * #REFERENCE}, a batch at a time on timers, so that live images and checkpoint barriers get through
 * between batches. The pass's read offsets are in each checkpoint: after a restore it goes on where
 * the checkpoint left it, so a read-committed reader sees each version's set once. While a pass
 * runs, its model stays in use (a newer one waits for the pass's end).
 */
public final class EmbedOperator extends AbstractStreamOperator<EmbeddingRecord>
    implements OneInputStreamOperator<TrainingImage, EmbeddingRecord>, BoundedOneInput {
  private static final long serialVersionUID = 1L;
  private static final org.slf4j.Logger LOG =
      org.slf4j.LoggerFactory.getLogger(EmbedOperator.class);

  public static final OutputTag<EmbeddingRecord> REFERENCE =
      new OutputTag<>("reference-embeddings", TypeInformation.of(EmbeddingRecord.class));
  public static final OutputTag<MetricsRecord.Embed> METRICS =
      new OutputTag<>("embed-metrics", TypeInformation.of(MetricsRecord.Embed.class));
  public static final OutputTag<DeadLetter> DEAD_LETTERS =
      new OutputTag<>("reference-dead-letters", TypeInformation.of(DeadLetter.class));

  /** What the operator keeps of the config: serializable, plain values. */
  record Settings(
      String modelKey,
      String snapshotDir,
      long pollMillis,
      int batchSize,
      long batchTimeoutMillis,
      long metricsMillis,
      String device,
      int torchThreads,
      String reembedTopic,
      String bootstrapServers,
      Map<String, String> kafkaProperties,
      int deadLetterMaxBytes)
      implements Serializable {
    static Settings of(EmbedConfig c, int deadLetterMaxBytes) {
      return new Settings(
          c.modelKey(),
          c.snapshotDir().toAbsolutePath().toString(),
          c.modelPollInterval().toMillis(),
          c.batchSize(),
          c.batchTimeout().toMillis(),
          c.metricsInterval().toMillis(),
          c.device(),
          c.torchThreads(),
          c.reembeds() ? c.reembedTopic() : "",
          c.bootstrapServers(),
          Map.copyOf(c.kafkaProperties()),
          deadLetterMaxBytes);
    }
  }

  /**
   * How many bytes of images wait in state for the first model before the input is held back: a few
   * seconds of a busy stream, small enough for a checkpoint.
   */
  static final long WAITING_CAP_BYTES = 64L << 20;

  /** How long a re-embedding pass may go without reading a record before it fails. */
  private static final Duration REFERENCE_STALL = Duration.ofMinutes(10);

  /** An image waiting for its batch, with its record's timestamp. */
  private record Pending(TrainingImage image, long timestamp) {}

  /** An image held in state for the first model, with its record's timestamp (a Flink POJO). */
  public static final class WaitingImage {
    public TrainingImage image;
    public long timestamp;

    public WaitingImage() {}

    WaitingImage(TrainingImage image, long timestamp) {
      this.image = image;
      this.timestamp = timestamp;
    }
  }

  private final Settings settings;

  private transient SnapshotDirectory snapshots;
  private transient ModelFollower follower;
  private transient ServingModel embedder;
  private transient List<Pending> batch;
  private transient long batchBytes;
  private transient long batchDeadline;
  private transient ListState<Long> stepState;
  private transient ListState<Boolean> reembedOwedState;
  private transient ListState<long[]> referenceRangeState;
  private transient ListState<WaitingImage> waitingState;
  private transient long restoredStep;
  private transient boolean reembedOwed;
  private transient TopicReader reference; // open while a re-embedding pass runs
  private transient TopicReader.Range referenceRange; // null until a pass starts
  private transient ReferencePass pass;
  private transient boolean saidWaiting;
  private transient LatencyWindow latencies;
  private transient long embedded;
  private transient long embeddedAtLastReport;
  private transient long lastReportMillis;
  private transient long swaps;
  private transient String lineageInUse; // null until a snapshot with a lineage is in use
  private transient Counter embeddings;
  private transient Counter swapCounter;
  private transient Counter referenceEmbeddings;
  private transient volatile double p50;
  private transient volatile double p99;
  private transient volatile long stepInUse;
  private transient volatile int waiting;

  public EmbedOperator(EmbedConfig config, int deadLetterMaxBytes) {
    this.settings = Settings.of(config, deadLetterMaxBytes);
  }

  @Override
  public void initializeState(StateInitializationContext context) throws Exception {
    super.initializeState(context);
    // each subtask its own step: it swaps at its own barriers, and the images keyed to it come
    // back to it after a restore (same parallelism), so each is embedded by the same version again
    stepState =
        context
            .getOperatorStateStore()
            .getListState(new ListStateDescriptor<>("model-step-of-subtask", Types.LONG));
    reembedOwedState =
        context
            .getOperatorStateStore()
            .getListState(new ListStateDescriptor<>("reembed-owed-of-subtask", Types.BOOLEAN));
    referenceRangeState =
        context
            .getOperatorStateStore()
            .getListState(
                new ListStateDescriptor<>(
                    "reembed-offsets-of-subtask",
                    PrimitiveArrayTypeInfo.LONG_PRIMITIVE_ARRAY_TYPE_INFO));
    // each image with its time in one element: a rescale hands them out whole
    waitingState =
        context
            .getOperatorStateStore()
            .getListState(
                new ListStateDescriptor<>(
                    "images-waiting-for-model", TypeInformation.of(WaitingImage.class)));
    restoredStep = -1;
    reembedOwed = false;
    referenceRange = null;
    batch = new ArrayList<>();
    batchBytes = 0;
    if (context.isRestored()) {
      for (Long s : stepState.get()) {
        restoredStep = Math.max(restoredStep, s);
      }
      for (Boolean owed : reembedOwedState.get()) {
        reembedOwed |= owed;
      }
      for (long[] flat : referenceRangeState.get()) {
        if (reembedOwed) {
          referenceRange = TopicReader.Range.fromArray(flat);
        }
      }
      for (WaitingImage w : waitingState.get()) {
        hold(w.image, w.timestamp);
      }
    }
  }

  @Override
  public void open() throws Exception {
    super.open();
    latencies = new LatencyWindow(1 << 14);
    p50 = Double.NaN;
    p99 = Double.NaN;
    stepInUse = -1;
    var metrics = getMetricGroup();
    embeddings = metrics.counter("embeddings");
    metrics.meter("embeddingsPerSecond", new MeterView(embeddings));
    swapCounter = metrics.counter("modelSwaps");
    // training runs followed after the first: a new run on the same snapshot folder (train --fresh)
    metrics.gauge("lineageSwitches", () -> follower == null ? 0L : follower.lineageSwitches());
    referenceEmbeddings = metrics.counter("referenceEmbeddings");
    metrics.gauge("modelStep", () -> stepInUse);
    metrics.gauge("latencyP50Ms", () -> p50);
    metrics.gauge("latencyP99Ms", () -> p99);
    metrics.gauge("waitingForModel", () -> waiting);
    metrics.gauge("imagesWaitingForModel", () -> stepInUse < 0 ? batch.size() : 0);

    // 0 = the cores shared out between the embedders of this job (all on one machine locally)
    int subtasks = getRuntimeContext().getTaskInfo().getNumberOfParallelSubtasks();
    int threads =
        settings.torchThreads() > 0
            ? settings.torchThreads()
            : Math.max(1, Runtime.getRuntime().availableProcessors() / subtasks);
    LOG.info(
        "embedder {} of {}: libtorch uses {} CPU thread(s)",
        getRuntimeContext().getTaskInfo().getIndexOfThisSubtask() + 1,
        subtasks,
        TorchThreads.useOnThisThread(threads));
    embedder = new ServingModel(settings.device());
    snapshots = new SnapshotDirectory(Path.of(settings.snapshotDir()), settings.modelKey());
    if (restoredStep >= 0) {
      useRestored();
    }
    follower = new ModelFollower(snapshots, Duration.ofMillis(settings.pollMillis()));
    if (!embedder.hasModel()) {
      useNewestAtStart();
    }
    LOG.info(
        "embedding with model '{}' from {} on {}{}",
        settings.modelKey(),
        snapshots,
        embedder.device(),
        restoredStep >= 0 ? " (restored at step " + restoredStep + ")" : "");
    lastReportMillis = now();
    tick();
  }

  /**
   * A snapshot already there at the start is used at once: the first images need not wait in state
   * for the follower's first poll.
   */
  private void useNewestAtStart() {
    try {
      java.util.OptionalLong step = snapshots.lastWrittenStep();
      if (step.isPresent()) {
        EncoderSnapshot s = snapshots.read(step.getAsLong());
        if (s.firstNonFinite().isEmpty()) {
          swapTo(new ModelFollower.Followed(s, snapshots.lineage(step.getAsLong()).orElse(null)));
        }
      }
    } catch (IOException | RuntimeException e) { // the follower tries again, and says why
      LOG.debug("no snapshot to start with: {}", e.toString());
    }
  }

  private void useRestored() {
    try {
      embedder.use(snapshots.read(restoredStep));
      stepInUse = restoredStep;
    } catch (IOException | IllegalArgumentException e) {
      // the checkpoint's model is gone: the newest one follows, said once
      LOG.warn(
          "the checkpoint's model, step {}, cannot be read ({}); taking the newest snapshot",
          restoredStep,
          e.toString());
    }
  }

  private long now() {
    return getProcessingTimeService().getCurrentProcessingTime();
  }

  /**
   * The periodic work: the first model, a batch of the images that waited for it, a batch of an
   * owed re-embedding, the metrics. While a pass is owed the next tick is at once, so it goes on as
   * fast as it can with barriers and live images between its batches.
   */
  private void tick() throws Exception {
    if (!embedder.hasModel()) {
      Optional<ModelFollower.Followed> first = follower.newerThan(-1, null);
      if (first.isPresent()) {
        swapTo(first.get());
      }
    }
    // images that waited for the first model, or a restore's: a batch a tick (and one with each
    // arriving image), so that the input and its barriers get their turns between batches
    if (embedder.hasModel()
        && !batch.isEmpty()
        && (batch.size() >= settings.batchSize() || now() >= batchDeadline)) {
      flush(settings.batchSize());
    }
    if (reembedOwed && embedder.hasModel()) {
      reembedNextBatch();
    }
    if (now() - lastReportMillis >= settings.metricsMillis()) {
      report();
    }
    long next =
        now()
            + (reembedOwed && embedder.hasModel()
                ? 1
                : Math.min(settings.pollMillis(), settings.batchTimeoutMillis()));
    var unused = getProcessingTimeService().registerTimer(next, t -> tick());
  }

  @Override
  public void processElement(StreamRecord<TrainingImage> element) throws Exception {
    long t = element.hasTimestamp() ? element.getTimestamp() : now();
    if (batch.isEmpty()) {
      batchDeadline = now() + settings.batchTimeoutMillis();
      var unused = getProcessingTimeService().registerTimer(batchDeadline, x -> flushIfDue());
    }
    hold(element.getValue(), t);
    if (batch.size() >= settings.batchSize()) {
      flush(settings.batchSize());
    }
  }

  private void hold(TrainingImage image, long timestamp) {
    batch.add(new Pending(image, timestamp));
    batchBytes += bytes(image);
  }

  private static long bytes(TrainingImage image) {
    return image.payload == null ? 0 : image.payload.length;
  }

  private void flushIfDue() throws Exception {
    if (!batch.isEmpty() && now() >= batchDeadline) {
      flush(settings.batchSize());
    }
  }

  /**
   * Embeds the first {@code max} images held (all, at most), in batches of at most {@code
   * --batch-size}. Before the first model they stay held (in state at a checkpoint), unless they
   * pass {@link #WAITING_CAP_BYTES}.
   */
  private void flush(int max) throws Exception {
    if (batch.isEmpty()) {
      return;
    }
    if (!embedder.hasModel()) {
      sayWaiting();
      if (batchBytes <= WAITING_CAP_BYTES) {
        return;
      }
      awaitFirstModel();
    }
    int n = Math.min(max, batch.size());
    List<Pending> images = new ArrayList<>(batch.subList(0, n));
    batch = new ArrayList<>(batch.subList(n, batch.size()));
    for (Pending p : images) {
      batchBytes -= bytes(p.image());
    }
    for (int from = 0; from < images.size(); from += settings.batchSize()) {
      embedAndEmit(images.subList(from, Math.min(images.size(), from + settings.batchSize())));
    }
  }

  private void embedAndEmit(List<Pending> images) {
    float[][] vectors = embed(images.stream().map(Pending::image).toList());
    long step = embedder.step();
    long done = now();
    for (int i = 0; i < vectors.length; i++) {
      TrainingImage img = images.get(i).image();
      output.collect(
          new StreamRecord<>(
              new EmbeddingRecord(settings.modelKey(), img.id, img.label, step, vectors[i])));
      latencies.add(Math.max(0, done - images.get(i).timestamp()));
    }
    embedded += vectors.length;
    embeddings.inc(vectors.length);
  }

  /** The evaluation transform in parallel (decoding a JPEG is most of it), then one forward. */
  private float[][] embed(List<TrainingImage> images) {
    int side = embedder.imageSize();
    byte[][] squares =
        images.parallelStream()
            .map(i -> EvalTransform.toSquare(i.source(), side))
            .toArray(byte[][]::new);
    return embedder.embed(squares);
  }

  private void sayWaiting() {
    waiting = 1;
    if (!saidWaiting) {
      saidWaiting = true;
      LOG.info(
          "waiting for the first snapshot of model '{}' in {} (the trainer writes one at its first"
              + " step; --snapshot-dir and --model-key name where to look); the images that come"
              + " until then wait in checkpointed state",
          settings.modelKey(),
          snapshots);
    }
  }

  /**
   * Blocks until the model's first snapshot is there: at the end of input, or when more images wait
   * than state should hold (the input is held back, and so are checkpoints, until then).
   */
  private void awaitFirstModel() throws Exception {
    if (embedder.hasModel()) {
      return;
    }
    sayWaiting();
    if (batchBytes > WAITING_CAP_BYTES) {
      LOG.info(
          "{} images ({} MB) wait for the first model: holding back the input until it is there",
          batch.size(),
          batchBytes >> 20);
    }
    Optional<ModelFollower.Followed> first;
    while ((first = follower.newerThan(-1, null)).isEmpty()) {
      Thread.sleep(Math.min(100, settings.pollMillis()));
    }
    swapTo(first.get());
  }

  private void swapTo(ModelFollower.Followed followed) {
    EncoderSnapshot next = followed.snapshot();
    lineageInUse = followed.lineage();
    long before = embedder.step();
    embedder.use(next);
    stepInUse = next.step();
    waiting = 0;
    swaps++;
    swapCounter.inc();
    // one subtask re-embeds the reference topic: one set per version, not one per subtask
    reembedOwed =
        !settings.reembedTopic().isEmpty()
            && getRuntimeContext().getTaskInfo().getIndexOfThisSubtask() == 0;
    endReferenceRead(); // a pass of a model before this one (restored, its snapshot gone) is void
    referenceRange = null;
    LOG.info(
        before < 0 ? "embedding with step {}" : "embedding with step {} from now on (was {})",
        next.step(),
        before);
    report();
  }

  /** What one re-embedding pass has done so far (since this operator opened). */
  private static final class ReferencePass {
    final long startedNanos = System.nanoTime();
    final boolean resumed;
    long embedded;
    long malformed;
    long lastReadNanos = System.nanoTime();

    ReferencePass(boolean resumed) {
      this.resumed = resumed;
    }
  }

  /**
   * One batch of the reference topic with the model in use, into {@link #REFERENCE}; the pass ends
   * when the end offsets of its start are reached.
   */
  private void reembedNextBatch() {
    if (reference == null) {
      Map<String, String> props = new java.util.HashMap<>(settings.kafkaProperties());
      props.put("max.poll.records", Integer.toString(settings.batchSize()));
      reference =
          new TopicReader(
              settings.bootstrapServers(),
              props,
              settings.reembedTopic(),
              "publish the reference images there (--reembed-topic)");
      pass = new ReferencePass(referenceRange != null);
      if (referenceRange == null) {
        referenceRange = reference.start(Duration.ofMinutes(1));
      } else {
        reference.resume(referenceRange, Duration.ofMinutes(1));
      }
    }
    if (!referenceRange.done()) {
      TopicReader.Chunk chunk = reference.next(referenceRange, Duration.ofMillis(100));
      List<TrainingImage> images = new ArrayList<>();
      ImageRecordCodec codec = new ImageRecordCodec(DecodeImages.ANY_LABEL);
      for (var r : chunk.records()) {
        RawRecord raw = new RawRecord(r.key(), r.value(), r.topic(), r.partition(), r.offset());
        try {
          images.add(DecodeImages.decode(codec, raw.value));
        } catch (MalformedRecordException e) {
          pass.malformed++;
          output.collect(
              DEAD_LETTERS,
              new StreamRecord<>(
                  new DeadLetter(raw, e.reason().name(), e.getMessage())
                      .fitting(settings.deadLetterMaxBytes())));
        }
      }
      pass.embedded += emitReference(images);
      referenceRange = chunk.after();
      if (!chunk.records().isEmpty()) {
        pass.lastReadNanos = System.nanoTime();
      } else if (System.nanoTime() - pass.lastReadNanos > REFERENCE_STALL.toNanos()) {
        throw new IllegalStateException(
            "re-embedding %s: nothing read for %s at offsets %s, short of the end offsets %s"
                .formatted(
                    settings.reembedTopic(),
                    REFERENCE_STALL,
                    referenceRange.next(),
                    referenceRange.end()));
      }
    }
    if (referenceRange.done()) {
      LOG.info(
          "re-embedded {} images of {} with step {} in {} s{}{}",
          pass.embedded,
          settings.reembedTopic(),
          embedder.step(),
          "%.1f".formatted((System.nanoTime() - pass.startedNanos) / 1e9),
          pass.resumed ? " (the rest of a pass a checkpoint held)" : "",
          pass.malformed > 0
              ? " (" + pass.malformed + " malformed, to the dead-letter topic)"
              : "");
      reembedOwed = false;
      referenceRange = null;
      endReferenceRead();
    }
  }

  private void endReferenceRead() {
    if (reference != null) {
      reference.close();
      reference = null;
    }
  }

  private int emitReference(List<TrainingImage> chunk) {
    if (chunk.isEmpty()) {
      return 0;
    }
    float[][] vectors = embed(chunk);
    for (int i = 0; i < vectors.length; i++) {
      TrainingImage img = chunk.get(i);
      output.collect(
          REFERENCE,
          new StreamRecord<>(
              new EmbeddingRecord(
                  settings.modelKey(), img.id, img.label, embedder.step(), vectors[i])));
    }
    referenceEmbeddings.inc(vectors.length);
    return vectors.length;
  }

  private void report() {
    long t = now();
    double seconds = Math.max(1e-3, (t - lastReportMillis) / 1000.0);
    p50 = latencies.percentile(50);
    p99 = latencies.percentile(99);
    output.collect(
        METRICS,
        new StreamRecord<>(
            new MetricsRecord.Embed(
                settings.modelKey(),
                embedder.step(),
                embedded,
                (embedded - embeddedAtLastReport) / seconds,
                p50,
                p99,
                swaps,
                Instant.ofEpochMilli(t))));
    latencies.clear();
    embeddedAtLastReport = embedded;
    lastReportMillis = t;
  }

  /** The step of the newest snapshot the follower has read, or -1: tests wait on it. */
  long followedStep() {
    return follower == null
        ? -1
        : follower.newerThan(-1, null).map(f -> f.snapshot().step()).orElse(-1L);
  }

  @Override
  public void prepareSnapshotPreBarrier(long checkpointId) throws Exception {
    // a partial batch does not wait across a checkpoint once there is a model: its vectors are in
    // this one. Images that waited for the first model and are not embedded yet stay in the
    // checkpoint's state instead (a barrier need not wait for all of them), as before the model
    if (batch.size() <= settings.batchSize()) {
      flush(settings.batchSize());
    }
    if (embedder.hasModel() && !reembedOwed) {
      Optional<ModelFollower.Followed> next = follower.newerThan(embedder.step(), lineageInUse);
      if (next.isPresent()) {
        swapTo(next.get()); // the re-embedding, if any, goes after the barrier (tick)
      }
    }
  }

  @Override
  public void snapshotState(StateSnapshotContext context) throws Exception {
    super.snapshotState(context);
    stepState.update(embedder.hasModel() ? List.of(embedder.step()) : List.of());
    reembedOwedState.update(List.of(reembedOwed));
    // the whole range as one element, so that a rescale cannot split it
    referenceRangeState.update(
        referenceRange == null ? List.of() : List.of(referenceRange.toArray()));
    waitingState.update(
        batch.stream().map(p -> new WaitingImage(p.image(), p.timestamp())).toList());
  }

  @Override
  public void endInput() throws Exception {
    if (!batch.isEmpty()) {
      awaitFirstModel();
    }
    flush(Integer.MAX_VALUE);
    while (reembedOwed && embedder.hasModel()) {
      reembedNextBatch();
    }
    report();
  }

  @Override
  public void close() throws Exception {
    if (follower != null) {
      follower.close();
    }
    endReferenceRead();
    if (embedder != null) {
      embedder.close();
    }
    super.close();
  }
}
