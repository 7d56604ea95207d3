package io.mixstream.tools.cli;

import io.mixstream.cifar.Cifar10Reader;
import io.mixstream.cifar.CifarSplit;
import io.mixstream.tools.chaos.SoakRun;
import io.mixstream.tools.pictures.ChartFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.function.ToLongFunction;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** `mixstream soak`: a long unbounded run, its memory and storage sampled. */
@Command(
    name = "soak",
    mixinStandardHelpOptions = true,
    description = {
      "Measures memory growth of an unbounded job over time (resident, heap, RocksDB).",
      "Runs the training job unbounded (approach 2, evaluation on) on a standalone cluster of a"
          + " JobManager and one TaskManager, fed CIFAR-10 again and again just ahead of the"
          + " trainer, and samples the TaskManager's resident memory, its JVM heap after a full GC"
          + " (jcmd), the RocksDB working folder and the retained checkpoints. Prints each sample,"
          + " writes them to WORK/soak.csv and a chart to --chart, and gives each one's growth per"
          + " hour after the warm-up (least squares)."
    })
final class SoakCommand implements Callable<Integer> {
  @Option(names = "--data", required = true, paramLabel = "PATH", description = "CIFAR-10 data.")
  Path data;

  @Option(
      names = "--minutes",
      defaultValue = "60",
      description = "How long the job runs (default: ${DEFAULT-VALUE}).")
  double minutes;

  @Option(
      names = "--sample-every",
      defaultValue = "60s",
      paramLabel = "DURATION",
      description = "Between samples, e.g. 60s or 500ms (default: ${DEFAULT-VALUE}).")
  String every;

  @Option(
      names = "--warm-up",
      defaultValue = "10",
      description = "Minutes left out of the growth (default: ${DEFAULT-VALUE}).")
  double warmUp;

  @Option(
      names = "--width",
      defaultValue = "8",
      description = "The model's width (default: ${DEFAULT-VALUE}).")
  int width;

  @Option(
      names = "--work-dir",
      paramLabel = "DIR",
      description = "Where the broker, cluster logs, state and samples go (default: a new one).")
  Path workDir;

  @Option(
      names = "--chart",
      paramLabel = "FILE",
      description = "The chart, .svg or .png (default: WORK/soak.svg).")
  Path chart;

  @Override
  public Integer call() throws Exception {
    Path work = workDir != null ? workDir : Files.createTempDirectory("mixstream-soak");
    Files.createDirectories(work);
    SoakRun.Plan plan =
        new SoakRun.Plan(
            Duration.ofMillis((long) (minutes * 60_000)),
            io.mixstream.config.JobOptions.parseDuration(every),
            Duration.ofMillis((long) (warmUp * 60_000)),
            width,
            work);
    System.out.printf(
        "soak: %.0f minutes, a sample every %s, width %d; work in %s%n",
        minutes, every, width, work);
    SoakRun.Result r =
        SoakRun.run(
            plan,
            Cifar10Reader.read(data, CifarSplit.TRAIN),
            Cifar10Reader.read(data, CifarSplit.TEST),
            System.getProperty("java.class.path"),
            System.out);
    Path out = chart != null ? chart : work.resolve("soak.svg");
    ChartFile.write(
        out,
        List.of(
            panel(
                r,
                "TaskManager memory",
                List.of("resident", "JVM heap after GC"),
                List.of(SoakRun.Sample::rss, SoakRun.Sample::heapAfterGc)),
            panel(
                r,
                "state on disk",
                List.of("RocksDB working folder", "retained checkpoints"),
                List.of(SoakRun.Sample::rocksDb, SoakRun.Sample::checkpoints))));
    var last = r.samples().get(r.samples().size() - 1);
    System.out.printf(
        "%d samples, %d steps, %d evaluations, %d job restarts; chart %s, samples %s%n",
        r.samples().size(),
        last.steps(),
        last.evaluations(),
        r.restarts(),
        out,
        work.resolve("soak.csv"));
    System.out.printf("growth per hour after the first %.0f minutes (least squares):%n", warmUp);
    line(r, "TaskManager resident memory", SoakRun.Sample::rss);
    line(r, "JVM heap after GC", SoakRun.Sample::heapAfterGc);
    line(r, "RocksDB working folder", SoakRun.Sample::rocksDb);
    line(r, "retained checkpoints", SoakRun.Sample::checkpoints);
    return 0;
  }

  private static void line(SoakRun.Result r, String name, ToLongFunction<SoakRun.Sample> what) {
    double perHour = r.growthPerHour(what);
    double mean = r.meanAfterWarmUp(what);
    System.out.printf(
        "  %-28s %+8.1f MiB/h (%+.1f%% of its mean %.1f MiB)%n",
        name, perHour / (1 << 20), 100 * perHour / mean, mean / (1 << 20));
  }

  private static ChartFile.Panel panel(
      SoakRun.Result r,
      String title,
      List<String> names,
      List<ToLongFunction<SoakRun.Sample>> values) {
    List<ChartFile.Line> lines = new ArrayList<>();
    for (int i = 0; i < names.size(); i++) {
      List<double[]> points = new ArrayList<>();
      for (SoakRun.Sample s : r.samples()) {
        points.add(new double[] {s.minutes(), values.get(i).applyAsLong(s) / (double) (1 << 20)});
      }
      lines.add(new ChartFile.Line(names.get(i), points));
    }
    return new ChartFile.Panel(title, "minutes", "MiB", lines);
  }
}
