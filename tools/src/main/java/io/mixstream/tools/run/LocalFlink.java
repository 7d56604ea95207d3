package io.mixstream.tools.run;

import io.mixstream.config.JobConfig;
import io.mixstream.job.MixstreamJob;
import io.mixstream.net.LocalPorts;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.apache.flink.configuration.Configuration;

/** The local Flink of {@code mixstream demo} and {@code train}: a dashboard, and resumable. */
public final class LocalFlink {
  private LocalFlink() {}

  /**
   * @throws IllegalArgumentException when the dashboard's port is taken: Flink would otherwise fail
   *     deep inside its start ("Could not create the DispatcherResourceManagerComponent")
   */
  public static void checkRestPort(String address, int port) {
    if (port == 0) {
      return;
    }
    if (!LocalPorts.isFree(address, port)) {
      throw new IllegalArgumentException(
          "--rest-port %d: %s:%d is in use (another dashboard or a broker?); pick another port"
              .formatted(port, address, port));
    }
  }

  /**
   * The job's Flink settings, the dashboard on {@code restAddress:restPort}, checkpoints kept on
   * cancel, and the restore from {@code resumeFrom} when there is one (said on standard output).
   */
  public static Configuration resumable(
      JobConfig job, String restAddress, int restPort, Optional<Path> resumeFrom) {
    return resumable(
        MixstreamJob.flinkConfiguration(job), restAddress, restPort, resumeFrom, "the model");
  }

  /**
   * {@link #resumable(JobConfig, String, int, Optional)} for a job's own Flink settings.
   *
   * @param what what resumes, for the message ("the model")
   */
  public static Configuration resumable(
      Configuration jobSettings,
      String restAddress,
      int restPort,
      Optional<Path> resumeFrom,
      String what) {
    Configuration conf = new Configuration(jobSettings);
    conf.addAll(
        Configuration.fromMap(
            Map.of(
                "rest.port",
                String.valueOf(restPort),
                "rest.bind-address",
                restAddress,
                // a crash leaves the last checkpoint for the next run to resume
                "execution.checkpointing.externalized-checkpoint-retention",
                "RETAIN_ON_CANCELLATION",
                // a run without the evaluator may resume one that had it
                "execution.state-recovery.ignore-unclaimed-state",
                "true")));
    if (resumeFrom.isPresent()) {
      conf.setString("execution.state-recovery.path", resumeFrom.get().toUri().toString());
      System.out.printf("resuming %s from %s (--fresh starts a new one)%n", what, resumeFrom.get());
    }
    return conf;
  }
}
