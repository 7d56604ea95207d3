package io.mixstream.tools.cli;

import io.mixstream.cifar.Cifar10Dataset;
import io.mixstream.cifar.Cifar10Reader;
import io.mixstream.cifar.CifarSplit;
import io.mixstream.config.Method;
import io.mixstream.config.TrainingConfig;
import io.mixstream.kafka.LocalKafkaBroker;
import io.mixstream.tools.fuzz.FuzzRun;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** `mixstream fuzz`: a hostile stream through the real job, every record accounted for. */
@Command(
    name = "fuzz",
    mixinStandardHelpOptions = true,
    description = {
      "Proves hostile records reach the dead-letter topic and valid ones train once.",
      "Sends fuzzed records (random bytes, truncations, flipped bits, huge declared lengths, wrong"
          + " shapes, empty values, tombstones, null keys) mixed with valid CIFAR-10 images through"
          + " the real training job on a local broker, restarts off, and accounts for each record"
          + " from the job's outputs: every valid one trained exactly once, every other one on the"
          + " dead-letter topic. Exit status 1 when any is not."
    })
final class FuzzCommand implements Callable<Integer> {
  @Option(names = "--data", required = true, paramLabel = "PATH", description = "CIFAR-10 data.")
  Path data;

  @Option(
      names = "--records",
      defaultValue = "100000",
      description = "Fuzzed records (default: ${DEFAULT-VALUE}).")
  int records;

  @Option(
      names = "--fuzzed-every",
      defaultValue = "2",
      description =
          "One record in this many is fuzzed, the rest valid (default: ${DEFAULT-VALUE}).")
  int every;

  @Option(names = "--seed", defaultValue = "1", description = "(default: ${DEFAULT-VALUE}).")
  long seed;

  @Option(
      names = "--width",
      defaultValue = "4",
      description = "The model's width: the run is about the stream (default: ${DEFAULT-VALUE}).")
  int width;

  @Override
  public Integer call() throws Exception {
    if (records < 1 || every < 1) {
      throw new IllegalArgumentException("--records and --fuzzed-every must be at least 1");
    }
    Cifar10Dataset cifar = Cifar10Reader.read(data, CifarSplit.TEST);
    Path work = Files.createTempDirectory("mixstream-fuzz");
    TrainingConfig.Builder t = TrainingConfig.defaults().toBuilder();
    t.method = Method.MOCO;
    t.width = width;
    t.batchSize = 64;
    t.queueSize = 256;
    FuzzRun.Result r;
    try (LocalKafkaBroker broker = LocalKafkaBroker.start(work.resolve("kafka"), 0)) {
      System.out.printf(
          "sending %,d fuzzed records, one in %d, to a local broker...%n", records, every);
      r = FuzzRun.run(broker, work, cifar, records, every, t.build(), seed);
    }
    System.out.printf(
        "{\"records\": %d, \"fuzzed\": %d, \"fuzzed_by_kind\": %s, \"fuzzed_valid\": %d,"
            + " \"valid\": %d, \"steps\": %d, \"valid_img_per_s\": %.0f,"
            + " \"trained_wrongly\": %d, \"not_dead_lettered\": %d, \"dead_lettered_valid\": %d,"
            + " \"restarts\": 0}%n",
        r.records(),
        records,
        r.fuzzed(),
        r.fuzzedValid(),
        r.valid(),
        r.steps(),
        r.validPerSecond(),
        r.trainedWrongly().size(),
        r.notDeadLettered().size(),
        r.deadLetteredValid().size());
    if (!r.accountedFor()) {
      r.trainedWrongly().stream().limit(10).forEach(System.out::println);
      System.out.println(
          "not dead-lettered (offsets): " + r.notDeadLettered().stream().limit(20).toList());
      System.out.println(
          "dead-lettered but valid: " + r.deadLetteredValid().stream().limit(20).toList());
      return 1;
    }
    System.out.println("every record accounted for; the job never restarted (restarts were off)");
    return 0;
  }
}
