package io.mixstream.tools.cli;

import io.mixstream.job.JobConfig;
import io.mixstream.job.JobOptions;
import io.mixstream.job.MixstreamJob;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Unmatched;

/** `mixstream train`: the Flink job in a local Flink with its dashboard. */
@Command(
    name = "train",
    description = {
      "Runs the training job in a local Flink with its dashboard.",
      "RocksDB state, checkpoints, the dashboard on 127.0.0.1. Options: --config FILE and/or"
          + " --option value; --options lists them all."
    })
final class TrainCommand implements Callable<Integer> {
  @Option(
      names = "--rest-port",
      defaultValue = "8081",
      description = "Port of the Flink dashboard and REST API (default: ${DEFAULT-VALUE}).")
  int restPort;

  @Option(
      names = "--rest-address",
      defaultValue = "127.0.0.1",
      description =
          "Address the dashboard listens on (default: ${DEFAULT-VALUE}, this machine only).")
  String restAddress;

  @Option(names = "--options", description = "List every job option with its default.")
  boolean listOptions;

  @Option(
      names = {"-h", "--help"},
      usageHelp = true,
      description = "Show this help.")
  boolean help;

  /** Everything else: the job's own options, parsed by {@link JobOptions}. */
  @Unmatched List<String> jobArgs = new ArrayList<>();

  @Override
  public Integer call() throws Exception {
    Path checkpoints = Path.of(System.getProperty("java.io.tmpdir"), "mixstream-checkpoints");
    if (listOptions) {
      JobOptions.help(checkpoints).forEach(System.out::println);
      return 0;
    }
    JobConfig c = JobOptions.parse(jobArgs.toArray(new String[0]), checkpoints);
    Configuration conf = MixstreamJob.flinkConfiguration(c);
    conf.addAll(
        Configuration.fromMap(
            Map.of("rest.port", String.valueOf(restPort), "rest.bind-address", restAddress)));
    System.out.printf(
        "Flink dashboard: http://%s:%d  (checkpoints in %s)%n",
        restAddress, restPort, c.checkpointDir().toAbsolutePath());
    StreamExecutionEnvironment env =
        StreamExecutionEnvironment.createLocalEnvironmentWithWebUI(conf);
    MixstreamJob.execute(env, c);
    return 0;
  }
}
