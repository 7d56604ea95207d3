package io.mixstream.tools.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import io.mixstream.cifar.Cifar10Reader;
import io.mixstream.cifar.CifarSplit;
import io.mixstream.config.Method;
import io.mixstream.config.TrainingConfig;
import io.mixstream.kafka.LocalKafkaBroker;
import io.mixstream.records.ImageRecordCodec;
import io.mixstream.records.MalformedRecordException;
import io.mixstream.testing.SharedData;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The CI-sized hostile stream: `mixstream fuzz --records 3000` as a test. */
@Tag("integration")
class FuzzRunTest {
  @TempDir Path tmp;

  @Test
  void everyFuzzedRecordIsDeadLetteredOrTrainedOnceAndTheJobNeverRestarts() throws Exception {
    var cifar = Cifar10Reader.read(SharedData.cifar10(), CifarSplit.TEST);
    TrainingConfig.Builder t = TrainingConfig.defaults().toBuilder();
    t.method = Method.MOCO;
    t.width = 4;
    t.batchSize = 64;
    t.queueSize = 256;
    FuzzRun.Result r;
    try (LocalKafkaBroker broker = LocalKafkaBroker.start(tmp.resolve("kafka"), 0)) {
      r = FuzzRun.run(broker, tmp, cifar, 3000, 3, t.build(), 7);
    }
    assertThat(r.fuzzed().keySet())
        .as("every kind sent")
        .hasSize(RecordFuzzer.Kind.values().length);
    assertThat(r.fuzzedValid()).as("some fuzzed records happen to be valid").isPositive();
    assertThat(r.trainedWrongly()).isEmpty();
    assertThat(r.notDeadLettered()).isEmpty();
    assertThat(r.deadLetteredValid()).isEmpty();
    assertThat(r.steps()).isEqualTo(r.valid() / 64);
  }

  @Test
  void theFuzzerMakesRecordsTheCodecRefusesForTheirOwnReasons() throws Exception {
    ImageRecordCodec codec = ImageRecordCodec.withDefaults();
    var cifar = Cifar10Reader.read(SharedData.cifar10(), CifarSplit.TEST);
    RecordFuzzer f = new RecordFuzzer(List.of(codec.encode(cifar.record(0))), 3);
    int refused = 0;
    for (int i = 0; i < 500; i++) {
      RecordFuzzer.Fuzzed r = f.next(i);
      try {
        codec.decode(r.value());
        assertThat(r.kind())
            .as("only flipped bits or a null key can be valid")
            .isIn(RecordFuzzer.Kind.FLIPPED_BITS, RecordFuzzer.Kind.NULL_KEY);
      } catch (MalformedRecordException e) {
        refused++;
      }
    }
    assertThat(refused).isGreaterThan(300);
  }
}
