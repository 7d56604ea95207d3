package io.mixstream.tools.run;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.SavepointFormatType;

/** Stopping a running training job so that the next run resumes it. */
public final class SavepointStop {
  private SavepointStop() {}

  /**
   * How long a stop waits for its savepoint: the job's checkpoint timeout. Two minutes were too
   * few: with eight models a full-size kNN evaluation beside the trainers takes about six, and the
   * savepoint waits for it (it completed just after the stop had given up and cancelled).
   */
  static final Duration WAIT = Duration.ofMinutes(10);

  /**
   * Stops the job with a savepoint in {@code home}'s savepoints folder and deletes what it
   * supersedes; cancels the job if that fails (the last checkpoint, kept on cancel, is then the
   * resume point).
   *
   * @param command the command's name, for the message
   * @return the savepoint, if one was taken
   */
  public static Optional<Path> stop(JobClient client, ModelHome home, String command)
      throws Exception {
    String path;
    System.out.printf(
        "%s: taking a savepoint (a training step or a kNN chunk under way finishes first) ...%n",
        command);
    try {
      path =
          client
              .stopWithSavepoint(
                  false, home.savepoints().toUri().toString(), SavepointFormatType.CANONICAL)
              .get(WAIT.toMinutes(), TimeUnit.MINUTES);
    } catch (Exception e) {
      Throwable why = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
      System.err.printf(
          "%s: no savepoint within %d minutes (%s); cancelling: the next run resumes from the newest"
              + " savepoint or checkpoint in %s%n",
          command,
          WAIT.toMinutes(),
          why.getMessage() != null ? why.getMessage() : why.getClass().getSimpleName(),
          home.checkpoints());
      client.cancel().get();
      return Optional.empty();
    }
    Path savepoint = Path.of(URI.create(path));
    home.keepOnly(savepoint);
    return Optional.of(savepoint);
  }
}
