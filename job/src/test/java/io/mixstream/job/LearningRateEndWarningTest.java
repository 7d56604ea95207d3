package io.mixstream.job;

import static org.assertj.core.api.Assertions.assertThat;

import io.mixstream.config.JobConfig;
import io.mixstream.config.Method;
import io.mixstream.config.Schedule;
import io.mixstream.config.TrainingConfig;
import io.mixstream.testing.LogLines;
import java.nio.file.Path;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** An unbounded job whose cosine ends says so when it is built, before it starts. */
class LearningRateEndWarningTest {
  @TempDir Path tmp;

  private JobConfig job(Schedule schedule, boolean bounded) {
    TrainingConfig.Builder t = JobFixtures.tiny(Method.MOCO).toBuilder(); // batch 32
    t.epochs = 3;
    t.epochSize = 320; // 10 steps an epoch: steps 21 on run at 0
    t.schedule = schedule;
    JobConfig.Builder b = JobConfig.defaults(t.build(), tmp.resolve("checkpoints")).toBuilder();
    b.device = "cpu";
    b.bounded = bounded;
    return b.build();
  }

  private static java.util.List<String> warningsBuilding(JobConfig c) {
    try (var log = new LogLines(MixstreamJob.class)) {
      MixstreamJob.build(StreamExecutionEnvironment.getExecutionEnvironment(), c);
      return log.containing("learning rate reaches 0");
    }
  }

  @Test
  void anUnboundedCosineJobIsToldTheStepItsRateReachesZero() {
    assertThat(warningsBuilding(job(Schedule.COSINE, false)))
        .singleElement()
        .asString()
        .startsWith("WARN model default: the learning rate reaches 0 at step 21 (about 640 images")
        .contains("--schedule constant or warmup-constant");
  }

  @Test
  void neitherABoundedJobNorAScheduleWithoutEndIsWarned() {
    assertThat(warningsBuilding(job(Schedule.COSINE, true))).isEmpty();
    assertThat(warningsBuilding(job(Schedule.CONSTANT, false))).isEmpty();
    assertThat(warningsBuilding(job(Schedule.WARMUP_CONSTANT, false))).isEmpty();
  }
}
