package io.mixstream.job.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mixstream.augment.SourceImage;
import io.mixstream.config.Method;
import io.mixstream.config.ModelSpec;
import io.mixstream.config.TrainingConfig;
import io.mixstream.job.ingest.TrainingImage;
import io.mixstream.job.snapshots.ModelSnapshot;
import io.mixstream.records.MetricsRecord;
import io.mixstream.snapshot.EncoderSnapshot;
import io.mixstream.testing.LogLines;
import io.mixstream.train.MocoTrainer;
import io.mixstream.train.TrainedDigest;
import io.mixstream.train.TrainerFixtures;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.state.rocksdb.EmbeddedRocksDBStateBackend;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

/**
 * The trainer operator on its own, in Flink's operator harness with the RocksDB backend: batch
 * assembly across a restore, the step-0 and end-of-input snapshots, and the trainer's gauges.
 */
class OnlineTrainerHarnessTest {
  private static final TrainingConfig CONFIG = TrainerFixtures.tiny(Method.APPROACH1); // batch 16

  private static KeyedOneInputStreamOperatorTestHarness<Integer, TrainingImage, StepResult> harness(
      int snapshotEvery) throws Exception {
    return harness(snapshotEvery, "m");
  }

  private static KeyedOneInputStreamOperatorTestHarness<Integer, TrainingImage, StepResult> harness(
      int snapshotEvery, String modelKey) throws Exception {
    return harness(snapshotEvery, modelKey, CONFIG);
  }

  private static KeyedOneInputStreamOperatorTestHarness<Integer, TrainingImage, StepResult> harness(
      int snapshotEvery, String modelKey, TrainingConfig config) throws Exception {
    return harness(snapshotEvery, modelKey, config, QualitySettings.OFF);
  }

  private static KeyedOneInputStreamOperatorTestHarness<Integer, TrainingImage, StepResult> harness(
      int snapshotEvery, String modelKey, TrainingConfig config, QualitySettings quality)
      throws Exception {
    return harness(snapshotEvery, modelKey, config, quality, 0);
  }

  private static KeyedOneInputStreamOperatorTestHarness<Integer, TrainingImage, StepResult> harness(
      int snapshotEvery,
      String modelKey,
      TrainingConfig config,
      QualitySettings quality,
      int skipNonfiniteSteps)
      throws Exception {
    List<ModelSpec> models = List.of(new ModelSpec(modelKey, config, "cpu", 1));
    var h =
        new KeyedOneInputStreamOperatorTestHarness<>(
            new KeyedProcessOperator<>(
                new OnlineTrainer(models, snapshotEvery, false, quality, skipNonfiniteSteps)),
            new ModelPlacement(models),
            Types.INT);
    h.setStateBackend(new EmbeddedRocksDBStateBackend());
    return h;
  }

  private static TrainingImage image(int i) {
    return TrainingImage.cifar("m", "img-" + i, 0, TrainerFixtures.cifar(i, 1)[0]);
  }

  private static void feed(
      KeyedOneInputStreamOperatorTestHarness<Integer, TrainingImage, StepResult> h,
      int from,
      int to)
      throws Exception {
    for (int i = from; i < to; i++) {
      h.processElement(new StreamRecord<>(image(i), i));
    }
  }

  /** The learning core alone, trained on the harness tests' first {@code steps} batches of 16. */
  private static MocoTrainer trainedDirectly(int steps) {
    MocoTrainer direct = TrainerFixtures.trainer(CONFIG);
    for (int step = 0; step < steps; step++) {
      SourceImage[] batch = new SourceImage[16];
      for (int i = 0; i < 16; i++) {
        batch[i] = image(step * 16 + i).source();
      }
      direct.step(batch);
    }
    return direct;
  }

  private static List<StepResult> steps(
      KeyedOneInputStreamOperatorTestHarness<Integer, TrainingImage, StepResult> h) {
    List<StepResult> out = new ArrayList<>();
    for (Object o : h.getOutput()) {
      if (o instanceof StreamRecord<?> r && r.getValue() instanceof StepResult s) {
        out.add(s);
      }
    }
    return out;
  }

  @Test
  void aFiniteCosineSaysOnceWhenItsRateHasReachedZeroAndConstantNever() throws Exception {
    TrainingConfig.Builder b = CONFIG.toBuilder();
    b.epochSize = 16; // one step an epoch
    b.epochs = 2; // step 1 at lr/2, step 2 on at 0
    try (var h = harness(0, "m", b.build());
        var log = new LogLines(OnlineTrainer.class)) {
      h.open();
      feed(h, 0, 16);
      assertThat(log.containing("learning rate is 0")).isEmpty();
      feed(h, 16, 64);
      assertThat(steps(h)).extracting(s -> s.lr).containsOnly(0.0, b.build().scaledLr() / 2);
      assertThat(log.containing("learning rate is 0"))
          .as("one line, at the first step run at 0, not one a step")
          .singleElement()
          .asString()
          .startsWith("WARN model m: the learning rate is 0 from step 2 on")
          .contains("--schedule constant or warmup-constant");
    }
    b.schedule = io.mixstream.config.Schedule.CONSTANT;
    try (var h = harness(0, "m", b.build());
        var log = new LogLines(OnlineTrainer.class)) {
      h.open();
      feed(h, 0, 64);
      assertThat(steps(h)).extracting(s -> s.lr).containsOnly(b.build().scaledLr());
      assertThat(log.containing("learning rate is 0")).isEmpty();
    }
  }

  /** 10⁶ overflows the weights in a few steps; 10³⁰ without weight decay gives a NaN loss. */
  private static TrainingConfig diverging(double baseLr, double weightDecay) {
    TrainingConfig.Builder b = CONFIG.toBuilder();
    b.baseLr = baseLr;
    b.weightDecay = weightDecay;
    return b.build();
  }

  /** Feeds batches until the trainer throws; the exception, or null after {@code batches}. */
  private static Throwable feedUntilItThrows(
      KeyedOneInputStreamOperatorTestHarness<Integer, TrainingImage, StepResult> h, int batches) {
    try {
      feed(h, 0, 16 * batches);
      return null;
    } catch (Exception e) {
      return e;
    }
  }

  @Test
  void aDivergingModelStopsTheJobForGoodAtItsFirstNonFiniteStepAndSnapshotsNothingNonFinite()
      throws Exception {
    try (var h = harness(1, "m", diverging(1e6, 5e-4), QualitySettings.OFF, 0)) {
      h.open();
      Throwable e = feedUntilItThrows(h, 12);
      assertThat(e)
          .as("no restart: it would resume the same weights at the same rate")
          .isInstanceOf(org.apache.flink.runtime.execution.SuppressRestartsException.class)
          .cause()
          .isInstanceOf(TrainingDiverged.class);
      long applied = steps(h).size();
      assertThat(steps(h)).allMatch(s -> s.applied && Double.isFinite(s.loss));
      assertThat(e.getCause().getMessage())
          .matches("model m diverged at step (" + applied + "|" + (applied + 1) + "): .*")
          .contains("--base-lr 1000000.0")
          .contains("--base-lr 100000.0")
          .contains("--skip-nonfinite-steps");
      var snapshots = h.getSideOutput(OnlineTrainer.SNAPSHOTS).stream().map(r -> r.getValue());
      for (ModelSnapshot s : snapshots.toList()) {
        EncoderSnapshot read = EncoderSnapshot.fromSafetensors(s.safetensors);
        assertThat(read.firstNonFinite()).as("snapshot of step " + s.step).isEmpty();
        try (var encoder = new io.mixstream.eval.LoadedEncoder(read, ai.djl.Device.cpu())) {
          float[] embedded = encoder.embed(TrainerFixtures.cifar(0, 16));
          for (float x : embedded) {
            assertThat(x).as("an embedding of the snapshot of step " + s.step).isFinite();
          }
        }
      }
    }
  }

  @Test
  void upToNNonFiniteStepsInARowAreSkippedAndCountedThenTheJobStops() throws Exception {
    try (var h = harness(0, "m", diverging(1e30, 0), QualitySettings.OFF, 2);
        var log = new LogLines(OnlineTrainer.class)) {
      h.open();
      Throwable e = feedUntilItThrows(h, 16);
      assertThat(e).isNotNull().cause().isInstanceOf(TrainingDiverged.class);
      List<StepResult> all = steps(h);
      List<StepResult> tail = all.subList(all.size() - 2, all.size());
      assertThat(tail)
          .as("the two skipped steps before the third stopped it")
          .allMatch(s -> !s.applied && !Double.isFinite(s.loss));
      assertThat(log.containing("skipped"))
          .as("said once for the run of skips, not once a step")
          .singleElement()
          .asString()
          .contains("model m: step " + tail.get(0).step + " skipped");
      assertThat(e.getCause().getMessage()).contains("diverged at step " + (tail.get(1).step + 1));
      assertThat(tail.get(0).toRecord().applied()).isFalse();
    }
  }

  private static List<String> lineages(
      KeyedOneInputStreamOperatorTestHarness<Integer, TrainingImage, StepResult> h) {
    return h.getSideOutput(OnlineTrainer.SNAPSHOTS).stream()
        .map(r -> r.getValue().lineage)
        .toList();
  }

  @Test
  void aModelKeepsItsLineageAcrossARestoreAndAFreshStartDrawsAnother() throws Exception {
    OperatorSubtaskState state;
    String lineage;
    try (var first = harness(1)) {
      first.open();
      feed(first, 0, 16);
      assertThat(lineages(first)).hasSize(2).doesNotContainNull();
      lineage = lineages(first).get(0);
      assertThat(lineages(first)).containsOnly(lineage);
      state = first.snapshot(1, 16);
    }
    try (var restored = harness(1)) {
      restored.initializeState(state);
      restored.open();
      feed(restored, 16, 32);
      assertThat(lineages(restored)).isNotEmpty().containsOnly(lineage);
    }
    try (var fresh = harness(1)) {
      fresh.open();
      feed(fresh, 0, 16);
      assertThat(lineages(fresh)).isNotEmpty().doesNotContain(lineage);
    }
  }

  @Test
  void aPartialBatchSurvivesARestoreAndTheStepsMatchAnUninterruptedRun() throws Exception {
    List<StepResult> uninterrupted;
    try (var h = harness(0)) {
      h.open();
      feed(h, 0, 48);
      uninterrupted = steps(h);
    }
    assertThat(uninterrupted).hasSize(3);

    OperatorSubtaskState state;
    List<StepResult> before;
    try (var first = harness(0)) {
      first.open();
      feed(first, 0, 24); // one step and 8 images waiting
      before = steps(first);
      assertThat(before).hasSize(1);
      state = first.snapshot(1, 24);
    }
    try (var second = harness(0)) {
      second.initializeState(state);
      second.open();
      feed(second, 24, 48);
      List<StepResult> after = steps(second);
      assertThat(after).hasSize(2);
      StepResult resumed = after.get(0);
      assertThat(resumed.step).isEqualTo(2);
      assertThat(resumed.imageIds)
          .as("the 8 images from before the restore, then 8 after it, in arrival order")
          .containsExactlyElementsOf(Arrays.asList(uninterrupted.get(1).imageIds));
      List<StepResult> all = new ArrayList<>(before);
      all.addAll(after);
      for (int i = 0; i < 3; i++) {
        assertThat(all.get(i).loss).as("step %d", i + 1).isEqualTo(uninterrupted.get(i).loss);
        assertThat(all.get(i).termValues).isEqualTo(uninterrupted.get(i).termValues);
      }
    }
  }

  @Test
  void snapshotsComeAtStepZeroEveryNStepsAndAtTheEndOfInputOnce() throws Exception {
    try (var h = harness(2);
        var log = new LogLines(OnlineTrainer.class)) {
      h.open();
      feed(h, 0, 56); // 3 steps and 8 images left over
      h.processWatermark(Long.MAX_VALUE); // the input ends
      assertThat(log.containing("short of a batch"))
          .singleElement()
          .asString()
          .contains("ended with 8 image(s) short of a batch of 16; they were not trained");
      List<Long> snapshotSteps = new ArrayList<>();
      for (StreamRecord<ModelSnapshot> r : h.getSideOutput(OnlineTrainer.SNAPSHOTS)) {
        snapshotSteps.add(r.getValue().step);
        EncoderSnapshot parsed = EncoderSnapshot.fromSafetensors(r.getValue().safetensors);
        assertThat(parsed.step()).isEqualTo(r.getValue().step);
      }
      assertThat(snapshotSteps).containsExactly(0L, 2L, 3L);
    }
    try (var h = harness(3)) {
      h.open();
      feed(h, 0, 48); // the last step is itself a snapshot step: no second one at the end
      h.processWatermark(Long.MAX_VALUE);
      assertThat(h.getSideOutput(OnlineTrainer.SNAPSHOTS))
          .extracting(r -> r.getValue().step)
          .containsExactly(0L, 3L);
    }
  }

  @Test
  void theStepZeroSnapshotIsTheUntrainedModel() throws Exception {
    try (var h = harness(1);
        MocoTrainer fresh = TrainerFixtures.trainer(CONFIG)) {
      h.open();
      feed(h, 0, 1);
      ModelSnapshot zero = h.getSideOutput(OnlineTrainer.SNAPSHOTS).peek().getValue();
      assertThat(zero.step).isZero();
      assertThat(zero.safetensors)
          .as("the snapshot before the first step is a fresh trainer's, byte for byte")
          .isEqualTo(fresh.encoderSnapshot().toSafetensors());
      feed(h, 1, 16);
      assertThat(h.getSideOutput(OnlineTrainer.SNAPSHOTS)).hasSize(2);
      assertThat(h.getSideOutput(OnlineTrainer.SNAPSHOTS).stream().skip(1).findFirst())
          .hasValueSatisfying(
              s -> assertThat(s.getValue().safetensors).isNotEqualTo(zero.safetensors));
    }
  }

  @Test
  void theFinalStateIsTheLearningCoresStateAfterTheSameBatchesEvenRightAfterARestore()
      throws Exception {
    OperatorSubtaskState state;
    try (var first = harness(0)) {
      first.open();
      feed(first, 0, 40); // two steps and 8 images waiting
      state = first.snapshot(1, 40);
    }
    MetricsRecord.Final end;
    try (var second = harness(0)) {
      second.initializeState(state);
      second.open();
      second.processWatermark(Long.MAX_VALUE); // the input ends before another image comes
      assertThat(second.getSideOutput(OnlineTrainer.FINAL_STATE)).hasSize(1);
      end = second.getSideOutput(OnlineTrainer.FINAL_STATE).peek().getValue();
    }
    byte[] expected;
    try (MocoTrainer direct = trainedDirectly(2)) {
      expected = direct.exportState();
    }
    assertThat(end.model()).isEqualTo("m");
    assertThat(end.step()).isEqualTo(2);
    assertThat(end.epoch()).isEqualTo(1);
    assertThat(end.stateSha256())
        .as("weights, buffers and the queues rebuilt from keyed state, as the core has them")
        .isEqualTo(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(expected)));
    long sum = 0;
    for (int i = 0; i < 32; i++) {
      sum += TrainedDigest.hash("img-" + i, 1);
    }
    assertThat(end.trainedDigestSum()).isEqualTo(sum);
    assertThat(end.trainedDigestCount()).isEqualTo(32);
  }

  @Test
  void aCheckpointOfOneModelDoesNotRestoreIntoAnother() throws Exception {
    OperatorSubtaskState state;
    try (var first = harness(0, "m")) {
      first.open();
      feed(first, 0, 16);
      state = first.snapshot(1, 16);
    }
    try (var second = harness(0, "other")) {
      second.initializeState(state);
      assertThatThrownBy(second::open)
          .hasMessageContaining("restored the state of model 'm'")
          .hasMessageContaining("trains 'other' there")
          .hasMessageContaining("order");
    }
  }

  private static List<MetricsRecord.Quality> readings(
      KeyedOneInputStreamOperatorTestHarness<Integer, TrainingImage, StepResult> h) {
    List<MetricsRecord.Quality> out = new ArrayList<>();
    var side = h.getSideOutput(OnlineTrainer.QUALITY);
    if (side != null) {
      side.forEach(r -> out.add(r.getValue()));
    }
    return out;
  }

  /** The measures of a reading without its time and duration, which differ run to run. */
  private static List<Object> measures(MetricsRecord.Quality q) {
    return List.of(
        q.step(),
        q.window(),
        q.dim(),
        q.rankMe(),
        q.alignment(),
        q.uniformity(),
        q.embeddingStd(),
        q.collapsed());
  }

  @Test
  void readingsComeEveryNStepsOnTheLastWImagesAndSurviveARestoreExactly() throws Exception {
    QualitySettings every2 = new QualitySettings(2, 40, 0.25, 0.01);
    List<MetricsRecord.Quality> uninterrupted;
    try (var h = harness(0, "m", CONFIG, every2)) {
      h.open();
      feed(h, 0, 96); // 6 steps
      uninterrupted = readings(h);
    }
    assertThat(uninterrupted)
        .extracting(MetricsRecord.Quality::step)
        .as("the random-init floor on the first batch, then every 2 steps")
        .containsExactly(0L, 2L, 4L, 6L);
    assertThat(uninterrupted)
        .extracting(MetricsRecord.Quality::window)
        .as("16 images at step 0, 32 by step 2, then the window's 40")
        .containsExactly(16, 32, 40, 40);
    // the last 40 images by step 6 are 56..95: the probe on them, straight from the core
    try (MocoTrainer direct = trainedDirectly(6)) {
      SourceImage[] window = new SourceImage[40];
      for (int n = 56; n < 96; n++) {
        window[n % 40] = image(n).source(); // the ring's slot order
      }
      var expected = new io.mixstream.quality.QualityProbe(CONFIG).measure(direct, window, 6);
      MetricsRecord.Quality last = uninterrupted.get(3);
      assertThat(last.rankMe()).isEqualTo(expected.rankMe());
      assertThat(last.alignment()).isEqualTo(expected.alignment());
      assertThat(last.uniformity()).isEqualTo(expected.uniformity());
      assertThat(last.embeddingStd()).isEqualTo(expected.embeddingStd());
    }

    try (var h = harness(0, "m", CONFIG, new QualitySettings(4, 40, 0.25, 0.01))) {
      h.open();
      feed(h, 0, 96);
      h.processWatermark(Long.MAX_VALUE); // the input ends after step 6
      assertThat(readings(h))
          .extracting(MetricsRecord.Quality::step)
          .as("and once more for the model the input ended with")
          .containsExactly(0L, 4L, 6L);
      assertThat(measures(readings(h).get(2))).isEqualTo(measures(uninterrupted.get(3)));
    }

    OperatorSubtaskState state;
    List<MetricsRecord.Quality> resumed = new ArrayList<>();
    try (var first = harness(0, "m", CONFIG, every2)) {
      first.open();
      feed(first, 0, 56); // 3 steps and 8 images waiting, the window wrapped
      resumed.addAll(readings(first));
      state = first.snapshot(1, 56);
    }
    try (var second = harness(0, "m", CONFIG, every2)) {
      second.initializeState(state);
      second.open();
      feed(second, 56, 96);
      resumed.addAll(readings(second));
    }
    assertThat(resumed.stream().map(OnlineTrainerHarnessTest::measures).toList())
        .as(
            "the window and the model come back from the checkpoint: the same readings, bit for bit")
        .isEqualTo(uninterrupted.stream().map(OnlineTrainerHarnessTest::measures).toList());
  }

  @Test
  void aLargerWindowAfterARestoreRefillsWithoutFailing() throws Exception {
    OperatorSubtaskState state;
    try (var h = harness(0, "m", CONFIG, new QualitySettings(2, 40, 0.25, 0.01))) {
      h.open();
      feed(h, 0, 48); // 3 steps: the ring of 40 has wrapped
      state = h.snapshot(1, 48);
    }
    try (var h = harness(0, "m", CONFIG, new QualitySettings(2, 64, 0.25, 0.01))) {
      h.initializeState(state);
      h.open();
      feed(h, 48, 80); // steps 4 and 5, then a reading at step 4 only
      assertThat(readings(h))
          .extracting(MetricsRecord.Quality::window)
          .as("slots 0-39 from before, 48-63 since (images 48-63), 40-47 not yet written")
          .containsExactly(56);
    }
  }

  @Test
  void aCollapsingModelIsSaidOnceAfterThreeReadingsInARowAndTheStreakSurvivesARestore()
      throws Exception {
    TrainingConfig.Builder b = CONFIG.toBuilder();
    b.weightDecay = 5; // a weight decay typed as 5 instead of 5e-4
    b.lrReferenceBatch = 16; // lr 0.06: every weight shrinks by 30% a step
    TrainingConfig collapsing = b.build();
    QualitySettings every1 = new QualitySettings(1, 32, 0.25, 0.01);
    List<MetricsRecord.Quality> all;
    try (var h = harness(0, "m", collapsing, every1);
        var log = new LogLines(OnlineTrainer.class)) {
      h.open();
      feed(h, 0, 16 * 12);
      all = readings(h);
      assertThat(log.containing("have collapsed"))
          .as(all.stream().map(OnlineTrainerHarnessTest::measures).toList().toString())
          .singleElement()
          .asString()
          .startsWith("WARN model m: the embeddings have collapsed at step")
          .contains("3 readings in a row");
    }
    int first = 0;
    while (!all.get(first).collapsed()) {
      first++;
    }
    assertThat(all.subList(first, all.size())).allMatch(MetricsRecord.Quality::collapsed);
    for (int i = first - 2; i <= first; i++) {
      MetricsRecord.Quality q = all.get(i); // the three readings that said it, by §17's rule
      assertThat(q.embeddingStd() < 0.25 / Math.sqrt(q.dim()) || q.rankMe() < 0.01 * q.dim())
          .as("reading at step %d", q.step())
          .isTrue();
    }
    long flaggedAt = all.get(first).step();
    assertThat(flaggedAt).as("flagged within 12 steps").isLessThanOrEqualTo(12);
    // the random network's floor reads as collapsed by the std rule here (width 4), yet it does
    // not count: the flag comes at the third collapsed reading after step 0
    MetricsRecord.Quality floor = all.get(0);
    assertThat(floor.step()).isZero();
    assertThat(floor.embeddingStd()).isLessThan(0.25 / Math.sqrt(floor.dim()));
    assertThat(floor.collapsed()).isFalse();
    int inARow = 0;
    long expectedFlag = -1;
    for (MetricsRecord.Quality q : all.subList(1, all.size())) {
      boolean says = q.embeddingStd() < 0.25 / Math.sqrt(q.dim()) || q.rankMe() < 0.01 * q.dim();
      inARow = says ? inARow + 1 : 0;
      if (inARow == 3) {
        expectedFlag = q.step();
        break;
      }
    }
    assertThat(flaggedAt).isEqualTo(expectedFlag);

    // stopped one reading short of the collapse: the restored streak makes the next one say it
    OperatorSubtaskState state;
    int stopAt = (int) flaggedAt - 1;
    try (var h = harness(0, "m", collapsing, every1)) {
      h.open();
      feed(h, 0, 16 * stopAt);
      assertThat(readings(h)).noneMatch(MetricsRecord.Quality::collapsed);
      state = h.snapshot(1, 16L * stopAt);
    }
    try (var h = harness(0, "m", collapsing, every1);
        var log = new LogLines(OnlineTrainer.class)) {
      h.initializeState(state);
      h.open();
      feed(h, 16 * stopAt, 16 * (stopAt + 1));
      assertThat(readings(h)).singleElement().matches(MetricsRecord.Quality::collapsed);
      assertThat(log.containing("have collapsed")).hasSize(1);
    }
  }

  /**
   * With a minred replay buffer (C 48, two steps per 16 arriving images): the final state is the
   * learning core's after the same draws from the same buffer outside Flink, also when the run is
   * checkpointed half-way and restored; the last, partial batch's owed step is trained at the end.
   */
  @Test
  void aReplayBufferTrainsAsTheLearningCoreWouldAndSurvivesARestoreExactly() throws Exception {
    TrainingConfig.Builder c = CONFIG.toBuilder();
    c.bufferSize = 48;
    c.bufferPolicy = io.mixstream.config.BufferPolicy.MINRED;
    c.updatesPerBatch = 2;
    TrainingConfig buffered = c.build();
    int images = 88; // 5 batches of arrivals (10 steps) and 8 more (⌊8·2/16⌋ = 1 step owed)

    byte[] expected;
    long digestSum = 0;
    // one libtorch thread, as the harness's trainer has: the sums then add up in the same order
    io.mixstream.torch.TorchThreads.useOnThisThread(1);
    try (MocoTrainer direct = TrainerFixtures.trainer(buffered)) {
      io.mixstream.buffer.ReplayBuffer buffer =
          new io.mixstream.buffer.ReplayBuffer(
              48,
              16,
              2,
              buffered.model().embeddingDim(),
              buffered.buffer().bufferPolicy(),
              buffered.seed());
      java.util.Map<Long, TrainingImage> store = new java.util.HashMap<>();
      io.mixstream.buffer.ReplayBuffer.Store<TrainingImage> s =
          new io.mixstream.buffer.ReplayBuffer.Store<>() {
            @Override
            public void put(long arrival, TrainingImage image) {
              store.put(arrival, image);
            }

            @Override
            public TrainingImage get(long arrival) {
              return store.get(arrival);
            }

            @Override
            public void remove(long arrival) {
              store.remove(arrival);
            }
          };
      int steps = 0;
      for (int i = 0; i <= images; i++) {
        int due = i < images ? buffer.add(image(i), s) : buffer.stepsOwedAtEnd();
        for (int k = 0; k < due; k++) {
          long[] drawn = buffer.sample();
          SourceImage[] batch = new SourceImage[16];
          for (int j = 0; j < 16; j++) {
            TrainingImage img = store.get(drawn[j]);
            batch[j] = img.source();
            digestSum += TrainedDigest.hash(img.id, 1);
          }
          direct.step(batch);
          buffer.trained(drawn, direct.lastStepKeys());
          steps++;
        }
      }
      assertThat(steps).isEqualTo(11);
      expected = direct.exportState();
    }
    String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(expected));

    List<MetricsRecord.Final> ends = new ArrayList<>();
    for (int restoreAt : new int[] {-1, 40, 72}) {
      try (var first = harness(0, "m", buffered)) {
        first.open();
        OperatorSubtaskState state = null;
        feed(first, 0, restoreAt < 0 ? images : restoreAt);
        if (restoreAt >= 0) {
          state = first.snapshot(1, restoreAt);
        } else {
          first.processWatermark(Long.MAX_VALUE);
          ends.add(first.getSideOutput(OnlineTrainer.FINAL_STATE).peek().getValue());
          continue;
        }
        try (var second = harness(0, "m", buffered)) {
          second.initializeState(state);
          second.open();
          feed(second, restoreAt, images);
          second.processWatermark(Long.MAX_VALUE);
          ends.add(second.getSideOutput(OnlineTrainer.FINAL_STATE).peek().getValue());
        }
      }
    }
    for (MetricsRecord.Final end : ends) {
      assertThat(end.step()).isEqualTo(11);
      assertThat(end.stateSha256()).as("the learning core's state").isEqualTo(sha);
      assertThat(end.trainedDigestCount())
          .as("images × the steps that trained them")
          .isEqualTo(176);
      assertThat(end.trainedDigestSum()).isEqualTo(digestSum);
    }
  }
}
