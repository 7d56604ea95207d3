package io.mixstream.job.evaluation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.mixstream.config.EvaluationConfig;
import io.mixstream.config.Method;
import io.mixstream.config.TrainingConfig;
import io.mixstream.job.outputs.EmbeddingOutput;
import io.mixstream.job.snapshots.ModelSnapshot;
import io.mixstream.records.EmbeddingRecord;
import io.mixstream.snapshot.EncoderSnapshot;
import io.mixstream.testing.LogLines;
import io.mixstream.train.MocoTrainer;
import io.mixstream.train.TrainerFixtures;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.state.rocksdb.EmbeddedRocksDBStateBackend;
import org.apache.flink.streaming.api.operators.co.KeyedCoProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedTwoInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

/**
 * The kNN evaluator in Flink's operator harness (RocksDB backend): snapshots that arrive before the
 * evaluation images wait, only the step-0 floor and the newest are kept, they are evaluated the
 * moment both sets are complete, the wait survives a restore, and later snapshots go at once.
 */
class KnnEvaluatorHarnessTest {
  private static final int BANK = 20;
  private static final int TEST = 10;

  private static KeyedTwoInputStreamOperatorTestHarness<String, EvalImage, ModelSnapshot, KnnReport>
      harness() throws Exception {
    return harness(BANK, TEST);
  }

  private static KeyedTwoInputStreamOperatorTestHarness<String, EvalImage, ModelSnapshot, KnnReport>
      harness(int bankSize, int testSize) throws Exception {
    EvaluationConfig.Builder b = EvaluationConfig.defaults(Path.of("unused")).toBuilder();
    b.knnBankSize = bankSize;
    b.knnTestSize = testSize;
    b.knnK = 5;
    var h =
        new KeyedTwoInputStreamOperatorTestHarness<>(
            new KeyedCoProcessOperator<>(new KnnEvaluator(b.build(), "cpu")),
            (EvalImage i) -> KnnEvaluator.KEY, // as the job keys both inputs
            (ModelSnapshot s) -> KnnEvaluator.KEY,
            Types.STRING);
    h.setStateBackend(new EmbeddedRocksDBStateBackend());
    return h;
  }

  private static EvalImage image(int i, boolean bank) {
    EvalImage e = new EvalImage();
    e.bank = bank;
    e.id = (bank ? "bank-" : "test-") + i;
    e.label = i % 10;
    e.pixels = TrainerFixtures.cifar(bank ? i : 1000 + i, 1)[0];
    return e;
  }

  private static List<ModelSnapshot> snapshots(int... steps) {
    TrainingConfig c = TrainerFixtures.tiny(Method.MOCO);
    List<ModelSnapshot> out = new ArrayList<>();
    try (MocoTrainer t = TrainerFixtures.trainer(c)) {
      for (int step : steps) {
        while (t.stepCount() < step) {
          t.step(TrainerFixtures.cifar((int) t.stepCount() * 16, 16));
        }
        out.add(new ModelSnapshot("m", step, t.encoderSnapshot().toSafetensors()));
      }
    }
    return out;
  }

  /**
   * Lets the evaluator's processing-time timers fire, one tick at a time, until none is left;
   * returns how many reports each tick added.
   */
  private static List<Integer> evaluateWaiting(
      KeyedTwoInputStreamOperatorTestHarness<String, EvalImage, ModelSnapshot, KnnReport> h)
      throws Exception {
    List<Integer> perTick = new ArrayList<>();
    while (h.numProcessingTimeTimers() > 0) {
      int before = reportedSteps(h).size();
      h.setProcessingTime(h.getProcessingTime() + KnnEvaluator.GAP_MS);
      perTick.add(reportedSteps(h).size() - before);
    }
    return perTick;
  }

  private static List<Long> reportedSteps(
      KeyedTwoInputStreamOperatorTestHarness<String, EvalImage, ModelSnapshot, KnnReport> h) {
    List<Long> out = new ArrayList<>();
    for (Object o : h.getOutput()) {
      if (o instanceof StreamRecord<?> r && r.getValue() instanceof KnnReport k) {
        out.add(k.step);
      }
    }
    return out;
  }

  @Test
  void unlabelledImagesAreNamedOnceThenCountedInOneLine() throws Exception {
    try (var h = harness();
        var log = new LogLines(KnnEvaluator.class)) {
      h.open();
      for (int i = 0; i < 312; i++) { // an unlabelled folder's worth, as a user sent it
        EvalImage unlabelled = image(i, true);
        unlabelled.id = "photo-" + i;
        unlabelled.label = -1;
        h.processElement1(new StreamRecord<>(unlabelled));
      }
      assertThat(log.containing("skipped"))
          .as("the first one named, not one line each")
          .singleElement()
          .asString()
          .contains("photo-0 has label -1");
      for (int i = 0; i < BANK; i++) {
        h.processElement1(new StreamRecord<>(image(i, true)));
      }
      for (int i = 0; i < TEST; i++) {
        h.processElement1(new StreamRecord<>(image(i, false)));
      }
      h.processElement2(new StreamRecord<>(snapshots(0).get(0)));
      evaluateWaiting(h);
      assertThat(reportedSteps(h)).containsExactly(0L);
      assertThat(log.containing("312 bank and test images skipped")).hasSize(1);
    }
  }

  @Test
  void setsLargerThanAChunkGiveWhatEmbeddingThemAllAtOnceGives() throws Exception {
    int bankSize = 2 * KnnEvaluator.CHUNK + 37; // three chunks, the last one short
    int testSize = 50;
    ModelSnapshot snapshot = snapshots(2).get(0);
    List<KnnReport> reports = new ArrayList<>();
    List<EmbeddingRecord> embeddings = new ArrayList<>();
    try (var h = harness(bankSize, testSize)) {
      h.open();
      h.processElement2(new StreamRecord<>(snapshot));
      for (int i = 0; i < bankSize; i++) {
        h.processElement1(new StreamRecord<>(image(i, true)));
      }
      for (int i = 0; i < testSize; i++) {
        h.processElement1(new StreamRecord<>(image(i, false)));
      }
      evaluateWaiting(h);
      for (Object o : h.getOutput()) {
        if (o instanceof StreamRecord<?> r && r.getValue() instanceof KnnReport k) {
          reports.add(k);
        }
      }
      h.getSideOutput(EmbeddingOutput.TAG).forEach(r -> embeddings.add(r.getValue()));
    }
    // the obvious way: every image at once, in id order, then the classifier
    java.util.Comparator<EvalImage> byId = java.util.Comparator.comparing(e -> e.id);
    List<EvalImage> bank = new ArrayList<>();
    List<EvalImage> test = new ArrayList<>();
    for (int i = 0; i < bankSize; i++) {
      bank.add(image(i, true));
    }
    for (int i = 0; i < testSize; i++) {
      test.add(image(i, false));
    }
    bank.sort(byId);
    test.sort(byId);
    EncoderSnapshot read = EncoderSnapshot.fromSafetensors(snapshot.safetensors);
    int dim = read.embeddingDim();
    java.util.Map<String, float[]> expected = new java.util.HashMap<>();
    double accuracy;
    try (var encoder = new io.mixstream.eval.LoadedEncoder(read, ai.djl.Device.cpu());
        var m = ai.djl.ndarray.NDManager.newBaseManager(ai.djl.Device.cpu())) {
      float[] b = encoder.embed(bank.stream().map(e -> e.pixels).toArray(byte[][]::new));
      float[] t = encoder.embed(test.stream().map(e -> e.pixels).toArray(byte[][]::new));
      accuracy =
          new io.mixstream.eval.KnnClassifier(m, 5, 0.1, 10)
              .accuracy(
                  b,
                  bank.stream().mapToInt(e -> e.label).toArray(),
                  t,
                  test.stream().mapToInt(e -> e.label).toArray(),
                  dim);
      for (int i = 0; i < bank.size(); i++) {
        expected.put(bank.get(i).id, java.util.Arrays.copyOfRange(b, i * dim, (i + 1) * dim));
      }
      for (int i = 0; i < test.size(); i++) {
        expected.put(test.get(i).id, java.util.Arrays.copyOfRange(t, i * dim, (i + 1) * dim));
      }
    }
    assertThat(reports).singleElement().extracting(r -> r.accuracy).isEqualTo(accuracy);
    assertThat(embeddings).hasSize(bankSize + testSize);
    for (EmbeddingRecord e : embeddings) {
      float[] want = expected.get(e.imageId());
      for (int d = 0; d < dim; d++) {
        assertThat(e.vector()[d]).as(e.imageId()).isCloseTo(want[d], within(1e-5f));
      }
    }
  }

  private static void completeSets(
      KeyedTwoInputStreamOperatorTestHarness<String, EvalImage, ModelSnapshot, KnnReport> h)
      throws Exception {
    for (int i = 0; i < BANK; i++) {
      h.processElement1(new StreamRecord<>(image(i, true)));
    }
    for (int i = 0; i < TEST; i++) {
      h.processElement1(new StreamRecord<>(image(i, false)));
    }
  }

  private static List<Double> reportedAccuracies(
      KeyedTwoInputStreamOperatorTestHarness<String, EvalImage, ModelSnapshot, KnnReport> h) {
    List<Double> out = new ArrayList<>();
    for (Object o : h.getOutput()) {
      if (o instanceof StreamRecord<?> r && r.getValue() instanceof KnnReport k) {
        out.add(k.accuracy);
      }
    }
    return out;
  }

  /**
   * Snapshots arriving together are not evaluated in the call that brings them, and an evaluation
   * takes one chunk of images per timer (here the bank, then the test set: two), so the input (a
   * checkpoint's barriers) gets a turn between chunks. A checkpoint taken with snapshots still
   * waiting restores them, and the end of the input evaluates the rest (Flink drops pending
   * processing-time timers when a bounded job ends).
   */
  @Test
  void anEvaluationTakesAChunkPerTimerAndTheEndOfInputTakesTheRest() throws Exception {
    List<ModelSnapshot> s = snapshots(0, 1, 2, 3);
    OperatorSubtaskState state;
    try (var h = harness()) {
      h.open();
      completeSets(h);
      for (ModelSnapshot snapshot : s) {
        h.processElement2(new StreamRecord<>(snapshot));
      }
      assertThat(reportedSteps(h)).as("the calls that brought them evaluate nothing").isEmpty();
      h.setProcessingTime(h.getProcessingTime() + KnnEvaluator.GAP_MS - 1);
      assertThat(h.numProcessingTimeTimers()).as("the input has its turn first").isEqualTo(1);
      h.setProcessingTime(h.getProcessingTime() + 1);
      assertThat(reportedSteps(h)).as("the bank's chunk taken, not the test's").isEmpty();
      assertThat(h.numProcessingTimeTimers()).as("the next chunk's timer").isEqualTo(1);
      h.setProcessingTime(h.getProcessingTime() + KnnEvaluator.CHUNK_GAP_MS);
      assertThat(reportedSteps(h)).as("the test set's chunk ends it").containsExactly(0L);
      state = h.snapshot(1, 1);
      assertThat(evaluateWaiting(h)).as("two timers each").containsExactly(0, 1, 0, 1, 0, 1);
      assertThat(reportedSteps(h)).containsExactly(0L, 1L, 2L, 3L);
    }
    try (var h = harness()) {
      h.initializeState(state);
      h.open();
      h.processBothWatermarks(
          new org.apache.flink.streaming.api.watermark.Watermark(Long.MAX_VALUE));
      assertThat(reportedSteps(h))
          .as("restored: steps 1-3 still waited; the end of the input evaluates them all")
          .containsExactly(1L, 2L, 3L);
      assertThat(evaluateWaiting(h)).as("nothing left for the timers").containsOnly(0);
    }
  }

  /**
   * A checkpoint between two chunks of an evaluation: the restored evaluator evaluates that
   * snapshot again, whole, to the same accuracy as the evaluation that was not interrupted.
   */
  @Test
  void aCheckpointBetweenChunksRestoresTheEvaluationWhole() throws Exception {
    List<ModelSnapshot> s = snapshots(0, 2);
    OperatorSubtaskState between;
    List<Double> uninterrupted;
    try (var h = harness()) {
      h.open();
      completeSets(h);
      for (ModelSnapshot snapshot : s) {
        h.processElement2(new StreamRecord<>(snapshot));
      }
      h.setProcessingTime(h.getProcessingTime() + KnnEvaluator.GAP_MS);
      assertThat(reportedSteps(h)).as("one chunk in").isEmpty();
      between = h.snapshot(1, 1);
      evaluateWaiting(h);
      uninterrupted = reportedAccuracies(h);
      assertThat(reportedSteps(h)).containsExactly(0L, 2L);
    }
    try (var h = harness()) {
      h.initializeState(between);
      h.open();
      assertThat(evaluateWaiting(h)).as("the restored timer starts it again").contains(1);
      assertThat(reportedSteps(h)).containsExactly(0L, 2L);
      assertThat(reportedAccuracies(h)).isEqualTo(uninterrupted);
    }
  }

  /**
   * Snapshots arriving closer together than the input's gap (many models, a small --eval-every) do
   * not keep putting the next chunk off: the first arrival's timer stands. Each arrival moved it a
   * gap later, and while they kept coming no chunk was taken (the waiting list only grew).
   */
  @Test
  void snapshotsArrivingCloserThanTheGapDoNotPutTheEvaluationOff() throws Exception {
    List<ModelSnapshot> s = snapshots(0, 1, 2, 3, 4, 5);
    try (var h = harness()) {
      h.open();
      completeSets(h);
      for (ModelSnapshot snapshot : s) {
        h.processElement2(new StreamRecord<>(snapshot));
        assertThat(h.numProcessingTimeTimers()).as("one timer, not one per arrival").isEqualTo(1);
        h.setProcessingTime(h.getProcessingTime() + KnnEvaluator.GAP_MS / 2);
      }
      assertThat(reportedSteps(h))
          .as("evaluated between the arrivals (a chunk per timer, two chunks each)")
          .contains(0L);
      evaluateWaiting(h);
      assertThat(reportedSteps(h)).containsExactly(0L, 1L, 2L, 3L, 4L, 5L);
    }
  }

  /**
   * A restored evaluator does not know its timer's time: a snapshot arriving before the restored
   * timer is due registers another, and only the later one takes chunks. Both acting would run two
   * chains of chunks, back to back, with no turn for the input between them.
   */
  @Test
  void aRestoredTimerGivesWayToTheOneRegisteredAfterTheRestore() throws Exception {
    List<ModelSnapshot> s = snapshots(0, 1);
    OperatorSubtaskState state;
    try (var h = harness()) {
      h.open();
      completeSets(h);
      h.processElement2(new StreamRecord<>(s.get(0)));
      state = h.snapshot(1, 1); // its timer, a gap from now, restored with it
    }
    try (var h = harness()) {
      h.initializeState(state);
      h.open();
      h.setProcessingTime(KnnEvaluator.GAP_MS - 50);
      h.processElement2(new StreamRecord<>(s.get(1)));
      assertThat(h.numProcessingTimeTimers()).as("the restored one and the new one").isEqualTo(2);
      h.setProcessingTime(h.getProcessingTime() + KnnEvaluator.GAP_MS - 1);
      assertThat(h.numProcessingTimeTimers())
          .as("the restored timer came due and took no chunk (a chunk registers the next one)")
          .isEqualTo(1);
      assertThat(evaluateWaiting(h)).as("two timers each, one chain").containsExactly(0, 1, 0, 1);
      assertThat(reportedSteps(h)).containsExactly(0L, 1L);
    }
  }

  @Test
  void anInputThatEndsBeforeTheSetsAreCompleteSaysWhichSnapshotsWentUnevaluated() throws Exception {
    try (var h = harness();
        var log = new LogLines(KnnEvaluator.class)) {
      h.open();
      for (ModelSnapshot snapshot : snapshots(0, 2)) {
        h.processElement2(new StreamRecord<>(snapshot));
      }
      for (int i = 0; i < BANK - 1; i++) {
        h.processElement1(new StreamRecord<>(image(i, true)));
      }
      h.processBothWatermarks(
          new org.apache.flink.streaming.api.watermark.Watermark(Long.MAX_VALUE));
      assertThat(reportedSteps(h)).isEmpty();
      assertThat(log.containing("input ended before the evaluation sets were complete"))
          .singleElement()
          .asString()
          .contains("19 of 20 bank", "0 of 10 test", "2 snapshot(s) not evaluated");
    }
  }

  @Test
  void snapshotsWaitForTheEvaluationImagesKeepingTheFloorAndTheNewest() throws Exception {
    List<ModelSnapshot> s = snapshots(0, 1, 2, 3);
    OperatorSubtaskState state;
    try (var h = harness()) {
      h.open();
      for (ModelSnapshot snapshot : s) {
        h.processElement2(new StreamRecord<>(snapshot));
      }
      for (int i = 0; i < BANK; i++) {
        h.processElement1(new StreamRecord<>(image(i, true)));
      }
      for (int i = 0; i < TEST - 1; i++) {
        h.processElement1(new StreamRecord<>(image(i, false)));
      }
      evaluateWaiting(h);
      assertThat(reportedSteps(h)).as("one test image short: nothing evaluated").isEmpty();
      state = h.snapshot(1, 1);
    }
    try (var h = harness()) {
      h.initializeState(state);
      h.open();
      h.processElement1(new StreamRecord<>(image(0, false))); // a duplicate id does not count
      evaluateWaiting(h);
      assertThat(reportedSteps(h)).isEmpty();
      h.processElement1(new StreamRecord<>(image(TEST - 1, false)));
      evaluateWaiting(h);
      assertThat(reportedSteps(h))
          .as("complete: the floor and the newest waiting snapshot, steps 1 and 2 dropped")
          .containsExactly(0L, 3L);
      h.processElement2(new StreamRecord<>(snapshots(5).get(0)));
      evaluateWaiting(h);
      assertThat(reportedSteps(h)).containsExactly(0L, 3L, 5L);
      h.processElement1(new StreamRecord<>(image(BANK, true))); // over the size: ignored
      evaluateWaiting(h);
      assertThat(reportedSteps(h)).hasSize(3);

      List<EmbeddingRecord> embeddings = new ArrayList<>();
      h.getSideOutput(EmbeddingOutput.TAG).forEach(r -> embeddings.add(r.getValue()));
      assertThat(embeddings).hasSize(3 * (BANK + TEST));
      assertThat(embeddings.stream().filter(e -> e.step() == 5).map(EmbeddingRecord::imageId))
          .hasSize(BANK + TEST)
          .doesNotHaveDuplicates()
          .doesNotContain("bank-" + BANK);
    }
  }
}
