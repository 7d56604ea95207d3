package io.mixstream.tools.cli;

import io.mixstream.cifar.Cifar10Reader;
import io.mixstream.cifar.CifarSplit;
import io.mixstream.kafka.KafkaClientProperties;
import io.mixstream.tools.options.KafkaClientOptions;
import io.mixstream.tools.options.OptionChecks;
import io.mixstream.tools.replay.ImageFolder;
import io.mixstream.tools.replay.Progress;
import io.mixstream.tools.replay.ReplayOrder;
import io.mixstream.tools.replay.ReplayPlan;
import io.mixstream.tools.replay.ReplaySource;
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

/** `mixstream replay`: CIFAR-10 or a folder of image files into a Kafka topic. */
@Command(
    name = "replay",
    mixinStandardHelpOptions = true,
    description = {
      "Publishes CIFAR-10 or a folder of image files to a Kafka topic, one record per image.",
      "Publishes a CIFAR-10 split or a folder of image files to a Kafka topic, one image record per",
      "image (key = image id). Idempotent producer with acks=all: nothing lost, nothing duplicated",
      "by retries. A folder: DIR/<class>/... gives labels (the sorted class names' indices, written",
      "to DIR/classes.txt), a flat folder unlabelled images; DIR/train and DIR/test are the splits,",
      "else --holdout F holds out a share of the files as the test split. PNG and JPEG files go",
      "out as they are, other formats as PNG; a file that does not decode is named and skipped."
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
          "CIFAR-10 binary folder (data_batch_*.bin, test_batch.bin), cifar-10-binary.tar.gz, or"
              + " a folder of image files.")
  Path data;

  @Option(
      names = "--split",
      defaultValue = "train",
      description = "train or test (default: ${DEFAULT-VALUE}).")
  String split;

  @Option(
      names = "--holdout",
      defaultValue = "0",
      paramLabel = "F",
      description =
          "A folder without train/ and test/: this share of its files (by a hash of their path,"
              + " the same every run) is the test split (default: ${DEFAULT-VALUE}).")
  double holdout;

  @Option(
      names = "--resize",
      defaultValue = "0",
      paramLabel = "S",
      description =
          "A folder: send SxS raw pixels (shorter side to S, centre crop) instead of the files"
              + " (default: 0, the files).")
  int resize;

  @ArgGroup(exclusive = true)
  Repeat repeat = new Repeat();

  static final class Repeat {
    @Option(
        names = "--epochs",
        defaultValue = "1",
        description = "Passes over the split (default: ${DEFAULT-VALUE}).")
    int epochs = 1;

    @Option(names = "--loop", description = "Repeat the split until stopped.")
    boolean loop;
  }

  @Option(
      names = "--order",
      paramLabel = "ORDER",
      description =
          "The order of each epoch, drawn from --seed (default: sequential). sequential: file"
              + " order. shuffled: a random order. class-sorted: every image of class 0, then class"
              + " 1, ... (each class shuffled). class-blocks:N: blocks of N images of one class,"
              + " the blocks in random order. blended: class-sorted, each boundary blended over a"
              + " tenth of a class. bursts:N: shuffled, each image sent N times in a row as N"
              + " records ID#0..ID#N-1 (a still scene seen as N frames). imbalanced:R: shuffled,"
              + " class k keeps R^(-k/(K-1)) of its images (the last class 1/R). The orders by"
              + " class need labelled images.")
  String order;

  @Option(names = "--shuffle", description = "The same as --order shuffled.")
  boolean shuffle;

  @Option(
      names = "--seed",
      defaultValue = "0",
      description =
          "The order's seed; the same seed gives the same stream (default: ${DEFAULT-VALUE}).")
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
      description =
          "The stream holds N of the images, chosen before the order: the first N in file order,"
              + " or the first of each class in turn when those would leave a class out; each"
              + " epoch sends the same N (default: all).")
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
    OptionChecks checks = new OptionChecks();
    checks.atLeast("--resize", resize, 0, "0 = send the files");
    if (!(holdout >= 0 && holdout < 1)) {
      checks.problem("--holdout must be in [0, 1), got " + holdout);
    }
    ReplayOrder streamOrder = ReplayOrder.SEQUENTIAL;
    if (order != null) {
      try {
        streamOrder = ReplayOrder.parse(order);
      } catch (IllegalArgumentException e) {
        checks.problem(e.getMessage());
      }
    }
    if (shuffle) {
      if (order != null && streamOrder.kind() != ReplayOrder.Kind.SHUFFLED) {
        checks.problem(
            "--shuffle is --order shuffled; it cannot go with --order " + order + ": give one");
      }
      streamOrder = ReplayOrder.SHUFFLED;
    }
    checks.throwIfAny();
    ReplayPlan plan =
        ReplayPlan.to(topic)
            .epochs(repeat.epochs)
            .looping(repeat.loop)
            .order(streamOrder, seed)
            .ratePerSecond(rate)
            .limit(limit)
            .partitions(partitions)
            .timeout(Duration.ofSeconds(timeoutSeconds))
            .build();
    Map<String, String> props = kafka.properties();
    ReplaySource dataset = source();
    long total = Replayer.records(dataset, plan);
    System.out.printf(
        "publishing %s images%s to topic %s at %s%s%n",
        total < 0 ? "an endless loop of" : "%,d".formatted(total),
        streamOrder.kind() == ReplayOrder.Kind.SEQUENTIAL
            ? ""
            : " (order %s, seed %d)".formatted(streamOrder, seed),
        topic,
        kafka.bootstrap(),
        props.isEmpty() ? "" : " with " + KafkaClientProperties.masked(props));
    Progress progress = new Progress(System.out, "images", total, Progress.stdoutIsTerminal());
    ReplaySummary summary = new Replayer(kafka.bootstrap(), props).replay(dataset, plan, progress);
    System.out.println(summary);
    return 0;
  }

  private ReplaySource source() throws java.io.IOException {
    CifarSplit cifarSplit = parseSplit(split); // the same two splits for a folder
    if (!java.nio.file.Files.exists(data)) {
      throw new IllegalArgumentException(
          "--data %s does not exist: give CIFAR-10's binary folder or archive, or a folder of"
                  .formatted(data)
              + " image files");
    }
    if (ImageFolder.isCifar(data)) {
      if (resize > 0 || holdout > 0) {
        throw new IllegalArgumentException(
            "--resize and --holdout are for a folder of image files; " + data + " is CIFAR-10");
      }
      System.out.printf("reading CIFAR-10 %s from %s%n", cifarSplit.label(), data);
      return ReplaySource.of(Cifar10Reader.read(data, cifarSplit));
    }
    ImageFolder folder = ImageFolder.open(data, split, holdout, resize, System.err);
    System.out.printf(
        "reading %,d image files (%s split) from %s%s%n",
        folder.size(),
        split,
        data,
        resize > 0 ? ", sent as %dx%d raw pixels".formatted(resize, resize) : "");
    if (folder.classes().isEmpty()) {
      System.out.println("no class subfolders: the images go out unlabelled");
    } else {
      try {
        Path written = folder.writeClasses(data).orElseThrow();
        System.out.printf(
            "%d classes (label = index, written to %s): %s%n",
            folder.classes().size(), written, String.join(", ", folder.classes()));
      } catch (java.io.IOException e) {
        System.out.printf(
            "%d classes (label = index; could not write classes.txt: %s): %s%n",
            folder.classes().size(), e.getMessage(), String.join(", ", folder.classes()));
      }
    }
    return folder;
  }

  static CifarSplit parseSplit(String s) {
    return switch (s) {
      case "train" -> CifarSplit.TRAIN;
      case "test" -> CifarSplit.TEST;
      default -> throw new IllegalArgumentException("--split must be train or test, got " + s);
    };
  }
}
