package io.mixstream.tools.run;

import java.net.URI;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.SavepointFormatType;

/** Stopping a running training job so that the next run resumes it. */
public final class SavepointStop {
  private SavepointStop() {}

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
    try {
      path =
          client
              .stopWithSavepoint(
                  false, home.savepoints().toUri().toString(), SavepointFormatType.CANONICAL)
              .get(2, TimeUnit.MINUTES);
    } catch (Exception e) {
      System.err.println(
          command
              + ": no savepoint ("
              + e.getMessage()
              + "); cancelling, the next run resumes from the last checkpoint");
      client.cancel().get();
      return Optional.empty();
    }
    Path savepoint = Path.of(URI.create(path));
    home.keepOnly(savepoint);
    return Optional.of(savepoint);
  }
}
