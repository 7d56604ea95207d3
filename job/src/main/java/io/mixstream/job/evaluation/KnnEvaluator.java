package io.mixstream.job.evaluation;

import io.mixstream.config.EvaluationConfig;
import io.mixstream.eval.KnnEvaluation;
import io.mixstream.job.outputs.EmbeddingOutput;
import io.mixstream.job.snapshots.ModelSnapshot;
import io.mixstream.records.EmbeddingRecord;
import io.mixstream.snapshot.EncoderSnapshot;
import io.mixstream.torch.TorchThreads;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.streaming.api.TimeDomain;
import org.apache.flink.streaming.api.functions.co.KeyedCoProcessFunction;
import org.apache.flink.util.Collector;

/**
 * The kNN monitor of ALGORITHM.md §2 as its own operator, so that training goes on while it
 * evaluates. Everything arrives under one key ({@link #KEY}), so the sets are stored once however
 * many models a job trains. Input 1: bank and test images, kept in keyed state (RocksDB) up to the
 * configured sizes, first distinct ids first. Input 2: every model's encoder snapshots; each is
 * evaluated once both sets are complete (until then each model's step-0 snapshot and newest one
 * wait in keyed state), one at a time, a chunk of images per timer ({@link #evaluateSoon} says
 * why). Emits a {@link KnnReport} per snapshot and, on {@link EmbeddingOutput#TAG}, every
 * evaluation image's embedding; its gauges are per model (metric group {@code model.KEY}).
 */
public final class KnnEvaluator
    extends KeyedCoProcessFunction<String, EvalImage, ModelSnapshot, KnnReport> {
  private static final long serialVersionUID = 1L;
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(KnnEvaluator.class);

  /** The one key of the evaluator's state. */
  public static final String KEY = "all-models";

  private final int bankSize;
  private final int testSize;
  private final int k;
  private final double temperature;
  private final int classes;
  private final String device;
  private final int threads;

  private transient MapState<String, EvalImage> bank;
  private transient MapState<String, EvalImage> test;
  private transient ValueState<Integer> bankCount;
  private transient ValueState<Integer> testCount;
  private transient ListState<ModelSnapshot> waiting;
  private transient KnnEvaluation evaluation;
  private transient MetricGroup metrics;
  private transient Map<String, ModelGauges> gauges;
  private transient volatile int loaded;
  private transient volatile int skippedForLabel; // since the task started: read by the gauge
  private transient int skippedSaid; // how many the last summary line counted
  private transient Running running; // the evaluation under way, if any
  private transient long inputUntil; // processing time: no evaluation starts before it

  /**
   * Images read from state and embedded at a time, at most: memory per evaluation is the features
   * plus one chunk, not the sets' pixels (about 9 GB for 50,000 + 10,000 images at 224 px).
   */
  static final int CHUNK = 512;

  /**
   * A chunk's pixels at most, so that a chunk's memory (its bytes, and four times as much as the
   * floats the encoder takes) does not grow with the image side: 512 images at 32 px, 53 at 224.
   */
  static final int CHUNK_BYTES = 8 << 20;

  /** Images a chunk takes at side {@code side}. */
  static int chunkImages(int side) {
    return Math.max(1, Math.min(CHUNK, CHUNK_BYTES / (3 * side * side)));
  }

  /** One model's latest evaluation, read by the metric reporters. */
  private static final class ModelGauges {
    volatile double accuracy = Double.NaN;
    volatile double floor = Double.NaN;
    volatile long evaluatedStep = -1;
    volatile double seconds = Double.NaN;

    ModelGauges(MetricGroup g) {
      g.gauge("knnAccuracy", () -> accuracy);
      g.gauge("knnFloor", () -> floor);
      g.gauge("knnStep", () -> evaluatedStep);
      g.gauge("knnSeconds", () -> seconds);
    }
  }

  public KnnEvaluator(EvaluationConfig config, String device) {
    // the settings it needs, not the config: its Paths do not serialize
    this.bankSize = config.knnBankSize();
    this.testSize = config.knnTestSize();
    this.k = config.knnK();
    this.temperature = config.knnTemperature();
    this.classes = config.knnClasses();
    this.device = device;
    this.threads = config.evalThreads();
  }

  @Override
  public void open(OpenContext openContext) {
    var ctx = getRuntimeContext();
    bank =
        ctx.getMapState(
            new MapStateDescriptor<>(
                "knn-bank", Types.STRING, TypeInformation.of(EvalImage.class)));
    test =
        ctx.getMapState(
            new MapStateDescriptor<>(
                "knn-test", Types.STRING, TypeInformation.of(EvalImage.class)));
    bankCount = ctx.getState(new ValueStateDescriptor<>("knn-bank-count", Types.INT));
    testCount = ctx.getState(new ValueStateDescriptor<>("knn-test-count", Types.INT));
    waiting = ctx.getListState(new ListStateDescriptor<>("knn-waiting", ModelSnapshot.class));
    evaluation = new KnnEvaluation(device, new KnnEvaluation.Protocol(k, temperature, classes));
    metrics = ctx.getMetricGroup();
    metrics.gauge("knnImagesLoaded", () -> loaded);
    metrics.gauge("knnImagesSkipped", () -> skippedForLabel);
    gauges = new java.util.HashMap<>();
  }

  @Override
  public void processElement1(EvalImage image, Context ctx, Collector<KnnReport> out)
      throws Exception {
    MapState<String, EvalImage> set = image.bank ? bank : test;
    ValueState<Integer> count = image.bank ? bankCount : testCount;
    int limit = image.bank ? bankSize : testSize;
    int n = value(count);
    if (n >= limit || set.contains(image.id)) {
      return;
    }
    if (image.label < 0 || image.label >= classes) {
      if (skippedForLabel++ == 0) { // the first one, named; the rest counted (a gauge, one line)
        LOG.warn(
            "kNN {} image {} has label {}; it needs one of 0..{} (--knn-classes), skipped; such"
                + " images are counted in the gauge knnImagesSkipped and summed up at each"
                + " evaluation, not named one by one",
            image.bank ? "bank" : "test",
            image.id,
            image.label,
            classes - 1);
      }
      return;
    }
    set.put(image.id, image);
    count.update(n + 1);
    loaded = value(bankCount) + value(testCount);
    if (complete() && waiting.get().iterator().hasNext()) {
      evaluateSoon(ctx);
    }
  }

  @Override
  public void processElement2(ModelSnapshot snapshot, Context ctx, Collector<KnnReport> out)
      throws Exception {
    if (complete()) {
      waiting.add(snapshot);
      evaluateSoon(ctx);
      return;
    }
    LOG.info(
        "kNN: snapshot of model {} step {} waits for the evaluation images ({} of {} bank, {} of {}"
            + " test)",
        snapshot.modelKey,
        snapshot.step,
        value(bankCount),
        bankSize,
        value(testCount),
        testSize);
    // bounded while the sets are incomplete: each model's step-0 floor and newest snapshot wait
    List<ModelSnapshot> keep = new ArrayList<>();
    for (ModelSnapshot s : waiting.get()) {
      if (s.step == 0 || !s.modelKey.equals(snapshot.modelKey)) {
        keep.add(s);
      }
    }
    keep.add(snapshot);
    waiting.update(keep);
    ctx.timerService().registerEventTimeTimer(END_OF_INPUT); // to say so if the input ends first
  }

  /**
   * Evaluates the waiting snapshots one at a time, a chunk of images per timer, never in the call
   * that made them ready: an evaluation reads the sets from state on the task's thread, and a
   * checkpoint's barriers are taken only between two calls. Whole evaluations in one call (one per
   * timer) held the thread for minutes each; with eight models' full-size evaluations on two cores
   * no checkpoint completed for over half an hour, and four expiring in a row restart the job from
   * before them, to evaluate them all again. A chunk takes a second or so. The processing-time
   * timer takes the next chunk after the input's turn; the event-time one fires when every input
   * has ended (a bounded job: Flink drops processing-time timers at the end) and evaluates what is
   * left.
   */
  private void evaluateSoon(Context ctx) {
    if (inputUntil > ctx.timerService().currentProcessingTime()) {
      return; // a timer is due within the gap already: snapshots arriving closer than the gap
      // would otherwise keep moving it later and no chunk would be taken
    }
    nextChunkAfter(ctx, GAP_MS);
  }

  private void nextChunkAfter(Context ctx, long gapMs) {
    inputUntil = ctx.timerService().currentProcessingTime() + gapMs;
    ctx.timerService().registerProcessingTimeTimer(inputUntil);
    ctx.timerService().registerEventTimeTimer(END_OF_INPUT);
  }

  /**
   * The input's time after a snapshot arrives or an evaluation ends, before the next chunk. Only
   * the timer of the latest call to {@link #nextChunkAfter} takes a chunk: each arriving snapshot
   * registers one, and those come due during a chunk and would otherwise take chunks back to back.
   */
  static final long GAP_MS = 200;

  /**
   * The input's time between two chunks of one evaluation. Between two timers Flink takes at least
   * one record or barrier from the input per turn, so a checkpoint's barriers from ten channels
   * line up within a few chunks.
   */
  static final long CHUNK_GAP_MS = 10;

  /** An event-time timer only the watermark that ends a bounded input reaches. */
  static final long END_OF_INPUT = Long.MAX_VALUE - 1;

  @Override
  public void onTimer(long timestamp, OnTimerContext ctx, Collector<KnnReport> out)
      throws Exception {
    boolean endOfInput = ctx.timeDomain() == TimeDomain.EVENT_TIME;
    if (!endOfInput && timestamp < inputUntil) {
      return; // a later timer is registered: the input's turn is not over
    }
    if (!complete()) {
      if (endOfInput) {
        int left = 0;
        for (ModelSnapshot ignored : waiting.get()) {
          left++;
        }
        LOG.warn(
            "kNN: the input ended before the evaluation sets were complete ({} of {} bank, {} of"
                + " {} test images; fewer on the topics, or labels outside 0..{}): {} snapshot(s)"
                + " not evaluated; lower --knn-bank-size / --knn-test-size to what the topics hold",
            value(bankCount),
            bankSize,
            value(testCount),
            testSize,
            classes - 1,
            left);
      }
      return;
    }
    do {
      if (running == null) {
        Iterator<ModelSnapshot> next = waiting.get().iterator();
        if (!next.hasNext()) {
          return;
        }
        running = start(next.next());
      }
      if (running.feedChunk()) {
        ModelSnapshot evaluated = running.snapshot;
        finish(ctx, out);
        List<ModelSnapshot> rest = new ArrayList<>();
        waiting.get().forEach(rest::add);
        // the head (only appends come while it runs), found by model and step all the same
        for (int i = 0; i < rest.size(); i++) {
          if (rest.get(i).modelKey.equals(evaluated.modelKey)
              && rest.get(i).step == evaluated.step) {
            rest.remove(i);
            break;
          }
        }
        waiting.update(rest);
        if (rest.isEmpty()) {
          return;
        }
        if (!endOfInput) {
          evaluateSoon(ctx);
          return;
        }
      } else if (!endOfInput) {
        nextChunkAfter(ctx, CHUNK_GAP_MS);
        return;
      }
    } while (true); // the end of the input: everything left, in this call
  }

  private boolean complete() throws Exception {
    return value(bankCount) >= bankSize && value(testCount) >= testSize;
  }

  private static int value(ValueState<Integer> s) throws Exception {
    Integer v = s.value();
    return v == null ? 0 : v;
  }

  /**
   * Opens the evaluation of {@code s}: its model on a torch thread of its own, the ids in order.
   */
  private Running start(ModelSnapshot s) throws Exception {
    if (skippedForLabel > skippedSaid) {
      LOG.warn(
          "kNN: {} bank and test images skipped so far for a label outside 0..{} (--knn-classes);"
              + " the sets hold the labelled ones",
          skippedForLabel,
          classes - 1);
      skippedSaid = skippedForLabel;
    }
    long t0 = System.nanoTime();
    EncoderSnapshot snapshot = EncoderSnapshot.fromSafetensors(s.safetensors);
    // torch work on a thread that ends with the evaluation (TorchThreads says why), or with the
    // task when it is cancelled; state is read on the task's thread, a chunk per timer
    TorchThreads.OwnThread own =
        new TorchThreads.OwnThread(threads, "kNN evaluation of step " + s.step);
    try {
      List<String> bankIds = sortedIds(bank); // before the session: nothing to close if it throws
      List<String> testIds = sortedIds(test);
      KnnEvaluation.Session session = own.call(() -> evaluation.open(snapshot));
      return new Running(s, snapshot, t0, own, session, bankIds, testIds);
    } catch (Exception | Error e) {
      own.close();
      throw e;
    }
  }

  /** An evaluation under way: which images it has taken, on which torch thread. */
  private final class Running implements AutoCloseable {
    final ModelSnapshot snapshot;
    final EncoderSnapshot encoder;
    final long t0;
    final TorchThreads.OwnThread own;
    final KnnEvaluation.Session session;
    final List<String> bankIds;
    final List<String> testIds;
    final int chunk;
    final List<EvalImage> bankImages = new ArrayList<>(); // ids and labels: the pixels dropped
    final List<EvalImage> testImages = new ArrayList<>();

    Running(
        ModelSnapshot snapshot,
        EncoderSnapshot encoder,
        long t0,
        TorchThreads.OwnThread own,
        KnnEvaluation.Session session,
        List<String> bankIds,
        List<String> testIds) {
      this.snapshot = snapshot;
      this.encoder = encoder;
      this.t0 = t0;
      this.own = own;
      this.session = session;
      this.bankIds = bankIds;
      this.testIds = testIds;
      this.chunk = chunkImages(encoder.imageSize());
    }

    /** Hands the next chunk (bank first, then test) to the torch thread; true when all are in. */
    boolean feedChunk() throws Exception {
      if (bankImages.size() < bankIds.size()) {
        feed(bank, bankIds, bankImages, session::addBank);
      } else if (testImages.size() < testIds.size()) {
        feed(test, testIds, testImages, session::addTest);
      }
      return bankImages.size() == bankIds.size() && testImages.size() == testIds.size();
    }

    /** Reads the next chunk of the set from state and hands it to the torch thread. */
    private void feed(
        MapState<String, EvalImage> set,
        List<String> ids,
        List<EvalImage> kept,
        java.util.function.Consumer<KnnEvaluation.LabelledImages> add)
        throws Exception {
      List<String> chunkIds = ids.subList(kept.size(), Math.min(ids.size(), kept.size() + chunk));
      byte[][] pixels = new byte[chunkIds.size()][];
      int[] labels = new int[chunkIds.size()];
      for (int i = 0; i < chunkIds.size(); i++) {
        EvalImage image = set.get(chunkIds.get(i));
        pixels[i] = image.pixels;
        labels[i] = image.label;
        image.pixels = null;
        kept.add(image);
      }
      var images = new KnnEvaluation.LabelledImages(pixels, labels);
      own.call(
          () -> {
            add.accept(images);
            return null;
          });
    }

    @Override
    public void close() throws Exception {
      try {
        if (own.isOpen()) {
          own.call(
              () -> {
                session.close();
                return null;
              });
        }
      } finally {
        own.close();
      }
    }
  }

  /** Ends the evaluation under way: the accuracy, the report and every image's embedding. */
  private void finish(Context ctx, Collector<KnnReport> out) throws Exception {
    Running r = running;
    KnnEvaluation.Result f;
    try {
      f = r.own.call(r.session::finish);
    } finally {
      running = null;
      r.close();
    }
    ModelSnapshot s = r.snapshot;
    int dim = r.encoder.embeddingDim();
    KnnReport report = new KnnReport();
    report.accuracy = f.accuracy();
    report.pooledAccuracy = f.pooledAccuracy();
    emitEmbeddings(s, r.bankImages, f.bankFeatures(), dim, ctx);
    emitEmbeddings(s, r.testImages, f.testFeatures(), dim, ctx);
    report.modelKey = s.modelKey;
    report.step = s.step;
    report.method = r.encoder.method();
    report.k = this.k;
    report.temperature = temperature;
    report.bankSize = r.bankImages.size();
    report.testSize = r.testImages.size();
    report.seconds = (System.nanoTime() - r.t0) / 1e9;
    report.wallMillis = System.currentTimeMillis();
    ModelGauges m =
        gauges.computeIfAbsent(s.modelKey, k -> new ModelGauges(metrics.addGroup("model", k)));
    m.accuracy = report.accuracy;
    m.evaluatedStep = report.step;
    m.seconds = report.seconds;
    if (report.step == 0) {
      m.floor = report.accuracy;
    }
    LOG.info("{}{}", report, report.step == 0 ? " (random-init floor)" : "");
    out.collect(report);
  }

  private static void emitEmbeddings(
      ModelSnapshot s, List<EvalImage> images, float[] features, int dim, Context ctx) {
    for (int i = 0; i < images.size(); i++) {
      float[] v = new float[dim];
      System.arraycopy(features, i * dim, v, 0, dim);
      EvalImage img = images.get(i);
      ctx.output(
          EmbeddingOutput.TAG, new EmbeddingRecord(s.modelKey, img.id, img.label, s.step, v));
    }
  }

  /** The set's image ids, sorted: the order the evaluation takes them in, the same every time. */
  private static List<String> sortedIds(MapState<String, EvalImage> set) throws Exception {
    List<String> out = new ArrayList<>();
    for (String id : set.keys()) {
      out.add(id);
    }
    out.sort(Comparator.naturalOrder());
    return out;
  }

  @Override
  public void close() throws Exception {
    Running r = running;
    if (r != null) { // the task ended during an evaluation: it starts again after a restore
      running = null;
      try {
        r.close(); // the session's model too: its native memory outlives the thread otherwise
      } catch (InterruptedException e) { // a cancel that does not wait: the thread is ended
        Thread.currentThread().interrupt();
      }
    }
  }
}
