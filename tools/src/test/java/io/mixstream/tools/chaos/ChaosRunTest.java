package io.mixstream.tools.chaos;

import static org.assertj.core.api.Assertions.assertThat;

import io.mixstream.cifar.Cifar10Reader;
import io.mixstream.cifar.CifarSplit;
import io.mixstream.testing.SharedData;
import java.nio.file.Path;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The CI-sized chaos run, `mixstream chaos --kills 3`: three SIGKILLed TaskManagers and a restarted
 * broker on a real standalone cluster, and each part of the proof checked here from the result.
 */
@Tag("integration")
class ChaosRunTest {
  @TempDir Path tmp;

  @Test
  void threeKillsAndABrokerRestartEndBitForBitAsTheUndisturbedRun() throws Exception {
    ChaosResult r =
        ChaosRun.run(
            new ChaosPlan(3, 11, 8, true, false, tmp),
            Cifar10Reader.read(SharedData.cifar10(), CifarSplit.TRAIN),
            Cifar10Reader.read(SharedData.cifar10(), CifarSplit.TEST),
            System.getProperty("java.class.path"),
            System.out);

    assertThat(r.kills()).as("every kill landed before the stream ended").hasSize(3);
    assertThat(r.brokerRestarted()).isTrue();
    assertThat(r.restarts()).as("the job failed over at each kill").isGreaterThanOrEqualTo(3);
    assertThat(r.stepRecords())
        .as("steps after the last checkpoint were trained again")
        .isGreaterThan(r.steps());
    assertThat(r.referenceSha()).hasSize(64);
    assertThat(r.chaosSha()).isEqualTo(r.referenceSha());
    assertThat(r.chaosDigest().count()).isEqualTo(r.sent().validIds().size());
    assertThat(r.chaosDigest()).isEqualTo(r.expectedDigest()).isEqualTo(r.referenceDigest());
    assertThat(r.stepsDiffering()).isEmpty();
    assertThat(r.sent().invalidOffsets()).as("about 5% refused").hasSizeGreaterThan(50);
    assertThat(r.notDeadLettered()).isEmpty();
    assertThat(r.withoutReason()).isEmpty();
    assertThat(r.snapshots()).isGreaterThan(5);
    assertThat(r.badSnapshots()).isEmpty();
    assertThat(r.firstRss()).isGreaterThan(100L << 20);
    assertThat(r.memoryWithinMargin()).isTrue();
    assertThat(r.proven()).isTrue();
  }
}
