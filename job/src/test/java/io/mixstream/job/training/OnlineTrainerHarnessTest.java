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
    List<ModelSpec> models = List.of(new ModelSpec(modelKey, CONFIG, "cpu", 1));
    var h =
        new KeyedOneInputStreamOperatorTestHarness<>(
            new KeyedProcessOperator<>(new OnlineTrainer(models, snapshotEvery, false)),
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
    try (var h = harness(2)) {
      h.open();
      feed(h, 0, 56); // 3 steps and 8 images left over
      h.processWatermark(Long.MAX_VALUE); // the input ends
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
    try (MocoTrainer direct = TrainerFixtures.trainer(CONFIG)) {
      for (int step = 0; step < 2; step++) {
        SourceImage[] batch = new SourceImage[16];
        for (int i = 0; i < 16; i++) {
          batch[i] = image(step * 16 + i).source();
        }
        direct.step(batch);
      }
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
}
