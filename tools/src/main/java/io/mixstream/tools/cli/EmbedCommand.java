package io.mixstream.tools.cli;

import io.mixstream.config.EmbedConfig;
import io.mixstream.config.EmbedOptions;
import io.mixstream.job.embed.EmbeddingServiceJob;
import io.mixstream.kafka.KafkaPreflight;
import io.mixstream.tools.run.LocalFlink;
import io.mixstream.tools.run.ModelHome;
import io.mixstream.tools.run.StopRequest;
import io.mixstream.tools.run.TrainingRun;
import io.mixstream.torch.DeviceChoice;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Unmatched;

/** `mixstream embed`: the embedding service in a local Flink with its dashboard. */
@Command(
    name = "embed",
    description = {
      "Embeds every image of a topic with the newest snapshot of a model, live.",
      "Reads --input-topic, writes one embedding record per valid image to --output-topic (keyed"
          + " by image id, the model's step in each), follows the trainer's snapshots in"
          + " --snapshot-dir/--model-key and swaps to each newer one at a checkpoint. Exactly once"
          + " by default: read the output with isolation.level=read_committed. Options: --config"
          + " FILE and/or --option value; --options lists them all.",
      "Ctrl-C stops with a savepoint in CHECKPOINT-DIR/savepoints; the next run resumes from it"
          + " (--fresh starts over)."
    })
final class EmbedCommand implements Callable<Integer> {
  @Option(
      names = "--rest-port",
      defaultValue = "8082",
      description =
          "Port of the Flink dashboard and REST API (default: ${DEFAULT-VALUE}, beside a trainer's"
              + " 8081).")
  int restPort;

  @Mixin LocalRunOptions local;

  @Option(names = "--options", description = "List every service option with its default.")
  boolean listOptions;

  @Option(
      names = "--fresh",
      description =
          "Start over: delete the checkpoints and savepoints in --checkpoint-dir (the input is read"
              + " again from its start).")
  boolean fresh;

  @Option(
      names = {"-h", "--help"},
      usageHelp = true,
      description = "Show this help.")
  boolean help;

  /** Everything else: the service's own options, parsed by {@link EmbedOptions}. */
  @Unmatched List<String> serviceArgs = new ArrayList<>();

  @Override
  public Integer call() throws Exception {
    Path tmp = Path.of(System.getProperty("java.io.tmpdir"));
    if (listOptions) {
      EmbedOptions.help(tmp).forEach(System.out::println);
      return 0;
    }
    Duration brokerTimeout = local.brokerTimeout();
    EmbedConfig c = EmbedOptions.parse(serviceArgs.toArray(new String[0]), tmp);
    System.out.println("embed config (secrets masked): " + c.describe());
    ModelHome home = ModelHome.ofService(c.checkpointDir());
    if (fresh) {
      home.forget();
    }
    Optional<Path> resumeFrom = home.latest();
    DeviceChoice.resolve(c.device()); // --device gpu without one is refused here
    LocalFlink.checkRestPort(local.restAddress, restPort);
    KafkaPreflight.Findings kafka = EmbeddingServiceJob.preflight(c, brokerTimeout);
    Configuration conf =
        LocalFlink.resumable(
            EmbeddingServiceJob.flinkConfiguration(c),
            local.restAddress,
            restPort,
            resumeFrom,
            "the service");
    System.out.printf(
        "Flink dashboard: http://%s:%d  (checkpoints in %s)%n",
        local.restAddress, restPort, c.checkpointDir().toAbsolutePath());
    StreamExecutionEnvironment env =
        StreamExecutionEnvironment.createLocalEnvironmentWithWebUI(conf);
    try (StopRequest stop = new StopRequest(Duration.ofMinutes(2))) {
      EmbeddingServiceJob.build(env, c, kafka);
      JobClient client = env.executeAsync(EmbeddingServiceJob.jobName(c));
      TrainingRun run = TrainingRun.await(client, stop, 0, home, "embed");
      if (run.finishedByItself()) {
        System.out.printf(
            "the service embedded its bounded input; the vectors are on %s%n", c.outputTopic());
        return 0;
      }
      System.out.println(
          run.savepoint()
              .map(p -> "stopped; savepoint " + p + ": the same command resumes from it")
              .orElse("stopped; the next run resumes from the last checkpoint"));
      return 0;
    }
  }
}
