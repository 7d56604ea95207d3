package io.mixstream.tools.cli;

import io.mixstream.cifar.Cifar10Dataset;
import io.mixstream.cifar.Cifar10Reader;
import io.mixstream.cifar.CifarSplit;
import io.mixstream.kafka.LocalKafkaBroker;
import io.mixstream.tools.replay.Progress;
import io.mixstream.tools.replay.ReplayPlan;
import io.mixstream.tools.replay.ReplaySummary;
import io.mixstream.tools.replay.Replayer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** `mixstream bench replay`: unthrottled replay throughput into a local broker. */
@Command(
    name = "replay",
    mixinStandardHelpOptions = true,
    description = {
      "Measures unthrottled replay throughput (images/s) into a broker: a fresh local one by",
      "default, or --bootstrap-servers. Prints each run and the median."
    })
final class BenchReplayCommand implements Callable<Integer> {
  @Option(names = "--data", required = true, paramLabel = "PATH", description = "CIFAR-10 data.")
  Path data;

  @Option(
      names = "--images",
      defaultValue = "50000",
      description =
          "Images per run, at most the training split's 50,000 (default: ${DEFAULT-VALUE}).")
  long images;

  @Option(names = "--runs", defaultValue = "3", description = "Runs (default: ${DEFAULT-VALUE}).")
  int runs;

  @Option(
      names = {"--bootstrap-servers", "--bootstrap"},
      paramLabel = "HOST:PORT",
      description = "Use this broker instead of starting a local one.")
  String bootstrap;

  @Override
  public Integer call() throws Exception {
    Cifar10Dataset dataset = Cifar10Reader.read(data, CifarSplit.TRAIN);
    Path dir = bootstrap == null ? Files.createTempDirectory("mixstream-bench-kafka") : null;
    LocalKafkaBroker broker = dir != null ? LocalKafkaBroker.start(dir, 0) : null;
    try {
      String servers = broker != null ? broker.bootstrapServers() : bootstrap;
      List<Double> rates = new ArrayList<>();
      for (int run = 0; run < runs; run++) {
        ReplayPlan plan = ReplayPlan.to("bench-replay-" + System.nanoTime()).limit(images).build();
        ReplaySummary s =
            new Replayer(servers, Map.of())
                .replay(dataset, plan, new Progress(System.out, "images", images, false));
        System.out.printf("run %d: %s%n", run + 1, s);
        rates.add(s.imagesPerSecond());
      }
      Collections.sort(rates);
      System.out.printf(
          "replay throughput, median of %d runs of %,d images: %,.0f images/s%n",
          runs, images, rates.get(rates.size() / 2));
    } finally {
      if (broker != null) {
        broker.close();
        deleteRecursively(dir);
      }
    }
    return 0;
  }

  private static void deleteRecursively(Path dir) throws java.io.IOException {
    try (var paths = Files.walk(dir)) {
      for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }
}
