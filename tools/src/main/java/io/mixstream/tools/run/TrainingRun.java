package io.mixstream.tools.run;

import io.mixstream.job.training.TrainingDiverged;
import java.nio.file.Path;
import java.util.Optional;
import org.apache.flink.core.execution.JobClient;

/**
 * How a submitted training job ended for `train` and `demo`: by itself (a bounded input), or
 * stopped with a savepoint on Ctrl-C or at a step limit.
 *
 * @param finishedByItself the job ended without being stopped
 * @param savepoint where the stop saved the job, if it was stopped and a savepoint was taken
 * @param steps training steps seen by the {@link StepCounter}
 */
public record TrainingRun(boolean finishedByItself, Optional<Path> savepoint, long steps) {
  /**
   * Waits until the job ends, {@code stop} is requested or {@code stepLimit} steps are done, and
   * stops it with a savepoint in {@code home} in the last two cases.
   *
   * @param stepLimit 0 for none
   * @param command the command's name, for messages
   * @throws Exception the job's own failure, when it failed by itself
   */
  public static TrainingRun await(
      JobClient client, StopRequest stop, long stepLimit, ModelHome home, String command)
      throws Exception {
    var result = client.getJobExecutionResult();
    while (!stop.requested()
        && !result.isDone()
        && (stepLimit == 0 || StepCounter.steps() < stepLimit)) {
      Thread.sleep(100);
    }
    if (result.isDone()) {
      try {
        result.get();
      } catch (java.util.concurrent.ExecutionException e) {
        throw TrainingDiverged.in(e).orElseThrow(() -> e);
      }
      return new TrainingRun(true, Optional.empty(), StepCounter.steps());
    }
    Optional<Path> savepoint = SavepointStop.stop(client, home, command);
    return new TrainingRun(false, savepoint, StepCounter.steps());
  }
}
