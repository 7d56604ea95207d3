package io.mixstream.tools.cli;

import io.mixstream.config.JobConfig;
import io.mixstream.config.JobOptions;
import io.mixstream.config.ModelSpec;
import io.mixstream.config.TrainingConfig;
import io.mixstream.job.MixstreamJob;
import io.mixstream.kafka.KafkaPreflight;
import io.mixstream.tools.run.LocalFlink;
import io.mixstream.tools.run.ModelHome;
import io.mixstream.tools.run.StepCounter;
import io.mixstream.tools.run.StopRequest;
import io.mixstream.tools.run.TrainingRun;
import io.mixstream.torch.DeviceChoice;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Unmatched;

/** `mixstream train`: the Flink job in a local Flink with its dashboard. */
@Command(
    name = "train",
    description = {
      "Runs the training job in a local Flink with its dashboard.",
      "RocksDB state, checkpoints, the dashboard on 127.0.0.1. Options: --config FILE and/or"
          + " --option value; --options lists them all.",
      "Ctrl-C stops the job with a savepoint in CHECKPOINT-DIR/savepoints; the next run with the"
          + " same options resumes from the newest savepoint or checkpoint there (--fresh starts"
          + " a new model)."
    })
final class TrainCommand implements Callable<Integer> {
  @Option(
      names = "--rest-port",
      defaultValue = "8081",
      description = "Port of the Flink dashboard and REST API (default: ${DEFAULT-VALUE}).")
  int restPort;

  @Mixin LocalRunOptions local;

  @Option(names = "--options", description = "List every job option with its default.")
  boolean listOptions;

  @Option(
      names = "--fresh",
      description =
          "Start a new model: delete the checkpoints and savepoints in --checkpoint-dir and this"
              + " model's snapshots. Without it, a run resumes where the last one stopped.")
  boolean fresh;

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
    Duration brokerTimeout = local.brokerTimeout();
    JobConfig c =
        LocalFlink.shareCores(JobOptions.parse(jobArgs.toArray(new String[0]), checkpoints));
    System.out.println("job config (secrets masked): " + c.describe());
    MixstreamJob.checkOutputFolders(c);
    List<ModelHome> homes =
        c.trainers().stream()
            .map(
                m ->
                    ModelHome.inCheckpointDir(
                        c.checkpointDir(), c.evaluation().snapshotDir().resolve(m.key())))
            .toList();
    ModelHome home = homes.get(0); // the checkpoints are the job's, shared by its models
    try (AutoCloseable mine = home.lock("--checkpoint-dir")) {
      return train(c, homes, home, brokerTimeout);
    }
  }

  private int train(JobConfig c, List<ModelHome> homes, ModelHome home, Duration brokerTimeout)
      throws Exception {
    if (fresh) {
      for (ModelHome h : homes) {
        h.forget();
      }
    }
    Map<String, Object> modelOptions = new TreeMap<>();
    if (c.models().isEmpty()) {
      modelOptions.putAll(c.training().asMap());
      modelOptions.put("model-key", c.modelKey());
    } else {
      // in order: model i's state is on trainer subtask i
      modelOptions.put(
          "models", String.join(",", c.models().stream().map(ModelSpec::key).toList()));
      for (ModelSpec m : c.models()) {
        m.training().asMap().forEach((k, v) -> modelOptions.put("model." + m.key() + "." + k, v));
      }
    }
    Map<String, Object> defaults = new TreeMap<>(TrainingConfig.defaults().asMap());
    defaults.put("model-key", "default");
    List<String> changed =
        home.claim(
            modelOptions,
            defaults,
            "--fresh to start a new model there (or another --checkpoint-dir)");
    changed.forEach(c2 -> System.out.println("resuming with " + c2));
    Optional<Path> resumeFrom = home.latest();
    // this JVM runs the job: --device gpu without a GPU is refused here, not in 10 restarts
    for (int i = 0; i < c.trainers().size(); i++) {
      DeviceChoice.resolve(c.trainers().get(i).device(), i);
    }
    LocalFlink.checkRestPort(local.restAddress, restPort);
    KafkaPreflight.Findings kafka = MixstreamJob.preflight(c, brokerTimeout);

    Configuration conf = LocalFlink.resumable(c, local.restAddress, restPort, resumeFrom);
    System.out.printf(
        "Flink dashboard: http://%s:%d  (checkpoints in %s)%n",
        local.restAddress, restPort, c.checkpointDir().toAbsolutePath());
    StreamExecutionEnvironment env =
        StreamExecutionEnvironment.createLocalEnvironmentWithWebUI(conf);
    try (StopRequest stop = new StopRequest(Duration.ofMinutes(3))) {
      StepCounter.reset(c.trainers().size());
      MixstreamJob.build(env, c, kafka)
          .filter(new StepCounter())
          .name("progress")
          .setParallelism(1)
          .sinkTo(new DiscardingSink<>());
      JobClient client = env.executeAsync(MixstreamJob.jobName(c));
      // a failed job ends the command with its cause
      TrainingRun run = TrainingRun.await(client, stop, 0, home, "train");
      if (run.finishedByItself()) {
        System.out.printf(
            "the job finished after %d steps; checkpoints in %s%n", run.steps(), c.checkpointDir());
        return 0;
      }
      System.out.printf(
          "stopped after %d steps; %s%n",
          run.steps(),
          run.savepoint()
              .map(
                  p ->
                      "savepoint %s: the same command resumes from it (--fresh starts over)"
                          .formatted(p))
              .orElse("the next run resumes from the last checkpoint in " + c.checkpointDir()));
      return 0;
    }
  }
}
