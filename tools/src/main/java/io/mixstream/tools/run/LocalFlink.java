package io.mixstream.tools.run;

import io.mixstream.config.JobConfig;
import io.mixstream.config.ModelSpec;
import io.mixstream.job.MixstreamJob;
import io.mixstream.net.LocalPorts;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.flink.configuration.Configuration;

/** The local Flink of {@code mixstream demo} and {@code train}: a dashboard, and resumable. */
public final class LocalFlink {
  private LocalFlink() {}

  /**
   * Several models in one local JVM share its cores: each whose torch-threads is 0 (one per core)
   * gets cores / models (at least 1) instead, so their OpenMP teams do not oversubscribe the
   * machine (OPERATIONS.md: a team that waits on a busy core loses whole time slices).
   */
  public static JobConfig shareCores(JobConfig c) {
    List<ModelSpec> models = c.trainers();
    if (models.size() < 2 || models.stream().noneMatch(m -> m.torchThreads() == 0)) {
      return c;
    }
    int each = Math.max(1, Runtime.getRuntime().availableProcessors() / models.size());
    JobConfig.Builder b = c.toBuilder();
    b.models =
        models.stream()
            .map(
                m ->
                    m.torchThreads() != 0
                        ? m
                        : new ModelSpec(m.key(), m.training(), m.device(), each))
            .toList();
    System.out.printf(
        "%d models share %d cores: libtorch threads per trainer %s%n",
        models.size(),
        Runtime.getRuntime().availableProcessors(),
        b.models.stream().map(m -> m.key() + "=" + m.torchThreads()).toList());
    return b.build();
  }

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
