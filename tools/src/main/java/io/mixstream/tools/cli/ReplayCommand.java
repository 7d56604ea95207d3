package io.mixstream.tools.cli;

import io.mixstream.cifar.Cifar10Dataset;
import io.mixstream.cifar.Cifar10Reader;
import io.mixstream.cifar.CifarSplit;
import io.mixstream.kafka.KafkaClientProperties;
import io.mixstream.tools.replay.Progress;
import io.mixstream.tools.replay.ReplayPlan;
import io.mixstream.tools.replay.ReplaySummary;
import io.mixstream.tools.replay.Replayer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** `mixstream replay`: CIFAR-10 into a Kafka topic. */
@Command(
    name = "replay",
    mixinStandardHelpOptions = true,
    description = {
      "Publishes a CIFAR-10 split to a Kafka topic, one image record per image (key = image id).",
      "Idempotent producer with acks=all: nothing lost, nothing duplicated by retries."
    })
final class ReplayCommand implements Callable<Integer> {
  @Mixin KafkaClientOptions kafka;

  @Option(
      names = "--topic",
      defaultValue = "images",
      description = "Topic to publish to (default: ${DEFAULT-VALUE}).")
  String topic;

  @Option(
      names = "--data",
      required = true,
      paramLabel = "PATH",
      description =
          "CIFAR-10 binary folder (data_batch_*.bin, test_batch.bin) or cifar-10-binary.tar.gz.")
  Path data;

  @Option(
      names = "--split",
      defaultValue = "train",
      description = "train or test (default: ${DEFAULT-VALUE}).")
  String split;

  @ArgGroup(exclusive = true)
  Repeat repeat = new Repeat();

  static final class Repeat {
    @Option(
        names = "--epochs",
        defaultValue = "1",
        description = "Passes over the split (default: ${DEFAULT-VALUE}).")
    int epochs = 1;

    @Option(names = "--loop", description = "Repeat the split until stopped (or --limit).")
    boolean loop;
  }

  @Option(
      names = "--shuffle",
      description = "Publish each epoch in a random order drawn from --seed.")
  boolean shuffle;

  @Option(
      names = "--seed",
      defaultValue = "0",
      description = "Shuffle seed; the same seed gives the same order (default: ${DEFAULT-VALUE}).")
  long seed;

  @Option(
      names = "--rate",
      defaultValue = "0",
      paramLabel = "IMAGES_PER_S",
      description = "Throttle to this many images per second (default: unthrottled).")
  double rate;

  @Option(
      names = "--limit",
      defaultValue = "0",
      paramLabel = "N",
      description = "Stop after N images in all (default: no limit).")
  long limit;

  @Option(
      names = "--partitions",
      defaultValue = "1",
      description = "Partitions if this run creates the topic (default: ${DEFAULT-VALUE}).")
  int partitions;

  @Option(
      names = "--timeout",
      defaultValue = "30",
      paramLabel = "SECONDS",
      description = "How long to wait for the broker before giving up (default: ${DEFAULT-VALUE}).")
  int timeoutSeconds;

  @Override
  public Integer call() throws Exception {
    CifarSplit cifarSplit = parseSplit(split);
    ReplayPlan plan =
        ReplayPlan.to(topic)
            .epochs(repeat.epochs)
            .looping(repeat.loop)
            .shuffled(shuffle, seed)
            .ratePerSecond(rate)
            .limit(limit)
            .partitions(partitions)
            .timeout(Duration.ofSeconds(timeoutSeconds))
            .build();
    Map<String, String> props = kafka.properties();
    System.out.printf("reading CIFAR-10 %s from %s%n", cifarSplit.label(), data);
    Cifar10Dataset dataset = Cifar10Reader.read(data, cifarSplit);
    long total = plan.total(dataset.size());
    System.out.printf(
        "publishing %s images to topic %s at %s%s%n",
        total < 0 ? "an endless loop of" : "%,d".formatted(total),
        topic,
        kafka.bootstrap(),
        props.isEmpty() ? "" : " with " + KafkaClientProperties.masked(props));
    Progress progress = new Progress(System.out, "images", total, Progress.stdoutIsTerminal());
    ReplaySummary summary = new Replayer(kafka.bootstrap(), props).replay(dataset, plan, progress);
    System.out.println(summary);
    return 0;
  }

  static CifarSplit parseSplit(String s) {
    return switch (s) {
      case "train" -> CifarSplit.TRAIN;
      case "test" -> CifarSplit.TEST;
      default -> throw new IllegalArgumentException("--split must be train or test, got " + s);
    };
  }
}
