package io.mixstream.tools.logging;

import io.mixstream.job.training.TrainingDiverged;
import java.util.Set;
import org.apache.flink.runtime.checkpoint.CheckpointException;
import org.apache.flink.runtime.checkpoint.CheckpointFailureReason;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.Filter;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.filter.AbstractFilter;

/**
 * Drops the log lines of a job starting or ending as it should: a checkpoint that could not be
 * taken because a task is not running yet or is finishing (a bounded input's end), or because the
 * job is stopping, and the task failure of a model that diverged, which the command says itself in
 * one line. Flink logs each of them as a WARN with a 45-line stack trace. Every other warning
 * passes; {@code MIXSTREAM_DEBUG} keeps these too.
 */
public final class ExpectedEnds extends AbstractFilter {
  /** Why a checkpoint fails while a job ends: not a problem to report. */
  private static final Set<CheckpointFailureReason> ENDING =
      Set.of(
          CheckpointFailureReason.CHECKPOINT_DECLINED_TASK_CLOSING,
          CheckpointFailureReason.CHECKPOINT_DECLINED_TASK_NOT_READY,
          CheckpointFailureReason.CHECKPOINT_DECLINED_INPUT_END_OF_STREAM,
          CheckpointFailureReason.CHECKPOINT_COORDINATOR_SUSPEND,
          CheckpointFailureReason.CHECKPOINT_COORDINATOR_SHUTDOWN,
          CheckpointFailureReason.NOT_ALL_REQUIRED_TASKS_RUNNING,
          CheckpointFailureReason.PERIODIC_SCHEDULER_SHUTDOWN);

  private ExpectedEnds() {
    super(Filter.Result.DENY, Filter.Result.NEUTRAL);
  }

  /** Puts the filter on every appender of the command line's logging. */
  public static void install() {
    if (System.getenv("MIXSTREAM_DEBUG") != null
        || !(LogManager.getContext(false) instanceof LoggerContext context)) {
      return;
    }
    ExpectedEnds filter = new ExpectedEnds();
    filter.start();
    for (var appender : context.getConfiguration().getAppenders().values()) {
      if (appender instanceof AbstractAppender a) {
        a.addFilter(filter);
      }
    }
  }

  @Override
  public Result filter(LogEvent event) {
    return expected(event.getThrown()) ? onMatch : onMismatch;
  }

  /** Whether a failure is one of a job ending as it should. */
  static boolean expected(Throwable thrown) {
    if (TrainingDiverged.in(thrown).isPresent()) {
      return true;
    }
    for (Throwable t = thrown; t != null && t.getCause() != t; t = t.getCause()) {
      if (t instanceof CheckpointException c
          && (ENDING.contains(c.getCheckpointFailureReason())
              || String.valueOf(c.getMessage()).contains("checkpoint request for unknown task"))) {
        return true; // the last: a task that has just finished, asked for one more checkpoint
      }
    }
    return false;
  }
}
