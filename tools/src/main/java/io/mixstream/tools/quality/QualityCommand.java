package io.mixstream.tools.quality;

import ai.djl.Device;
import io.mixstream.augment.EvalTransform;
import io.mixstream.augment.SourceImage;
import io.mixstream.cifar.Cifar10Dataset;
import io.mixstream.cifar.Cifar10Reader;
import io.mixstream.cifar.CifarSplit;
import io.mixstream.config.JobOptions;
import io.mixstream.config.TrainingConfig;
import io.mixstream.eval.KnnEvaluation;
import io.mixstream.rng.Shuffle;
import io.mixstream.tools.options.DeviceOption;
import io.mixstream.tools.options.ModelChoice;
import io.mixstream.tools.options.OptionChecks;
import io.mixstream.tools.options.TrainingOptionHelp;
import io.mixstream.train.MocoTrainer;
import io.mixstream.train.StepReport;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.stream.IntStream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Unmatched;

/**
 * `mixstream quality`: how well a method learns in a wall-clock budget, by §2's kNN monitor, with
 * the random-init floor measured by the same evaluator. Trains the learning core directly (no
 * Kafka, no Flink: this measures learning, `bench job` measures streaming).
 */
@Command(
    name = "quality",
    mixinStandardHelpOptions = true,
    description = {
      "Measures how well a method learns in a wall-clock budget (kNN top-1 vs the floor).",
      "Trains one method on CIFAR-10's training split (reshuffled every epoch) for the budget,"
          + " measures kNN top-1 (ALGORITHM.md §2) before training (the random-init floor) and"
          + " after, and appends a row to a results file (RESULTS.md). Not a test: a measurement."
          + " Any other training option of `mixstream train --options` may follow (e.g."
          + " --fixed-lambda 1)."
    })
public final class QualityCommand implements Callable<Integer> {
  @Option(
      names = "--budget",
      defaultValue = "10m",
      description =
          "Training time, e.g. 90s, 10m, 2h; evaluation not counted (default: ${DEFAULT-VALUE}).")
  String budget;

  @Option(
      names = "--epochs",
      defaultValue = "200",
      descriptionKey = TrainingOptionHelp.PREFIX + "epochs")
  int epochs;

  @Option(
      names = {"--knn-bank-size", "--knn-bank"},
      defaultValue = "5000",
      description = "Bank images, first N of the training split (default: ${DEFAULT-VALUE}).")
  int bankSize;

  @Option(
      names = {"--knn-test-size", "--knn-test"},
      defaultValue = "1000",
      description = "Test images, first N of the test split (default: ${DEFAULT-VALUE}).")
  int testSize;

  @Option(names = "--seed", defaultValue = "0", descriptionKey = TrainingOptionHelp.PREFIX + "seed")
  long seed;

  @Option(
      names = "--data",
      defaultValue = "${env:MIXSTREAM_DATA:-../shared/data/cifar10}",
      paramLabel = "PATH",
      description = "CIFAR-10 folder or archive (default: ${DEFAULT-VALUE}).")
  Path data;

  @Option(
      names = "--results",
      defaultValue = "RESULTS.md",
      description = "File the row is appended to (default: ${DEFAULT-VALUE}).")
  Path results;

  @Option(
      names = "--snapshot",
      paramLabel = "FILE",
      description =
          "Also write the final encoder snapshot here (safetensors), e.g. for `mixstream attention`.")
  Path snapshot;

  @Mixin ModelChoice model = new ModelChoice("moco", 16, "128");

  @Mixin DeviceOption device;

  /** Any other hyperparameter, as `mixstream train` takes it (`--fixed-lambda 1`, ...). */
  @Unmatched List<String> trainingArgs = new ArrayList<>();

  @Override
  public Integer call() throws IOException {
    OptionChecks checks = new OptionChecks();
    Duration limit = budget(checks);
    checks.atLeast("--knn-bank-size", bankSize, 1, null);
    checks.atLeast("--knn-test-size", testSize, 1, null);
    model.check(checks, 1, null);
    checks.atLeast("--epochs", epochs, 1, null);
    checks.throwIfAny();
    TrainingConfig config = trainingConfig();
    Cifar10Dataset train = Cifar10Reader.read(data, CifarSplit.TRAIN);
    Cifar10Dataset test = Cifar10Reader.read(data, CifarSplit.TEST);
    if (bankSize > train.size() || testSize > test.size()) {
      checks.problem(
          "--knn-bank-size and --knn-test-size may be at most the splits' %,d and %,d images, got %d and %d"
              .formatted(train.size(), test.size(), bankSize, testSize));
    }
    checks.throwIfAny();
    Device dev = device.resolve();
    int side = config.model().imageSize(); // the evaluation transform: the identity at 32
    var bankSet = labelled(train, bankSize, side);
    var testSet = labelled(test, testSize, side);
    System.out.printf(
        "quality: %s, width %d, batch %d, budget %s, kNN bank %d / test %d, on %s%n",
        config.method(),
        config.model().width(),
        config.batchSize(),
        limit,
        bankSize,
        testSize,
        dev);

    KnnEvaluation knn =
        new KnnEvaluation(dev.isGpu() ? "gpu" : "cpu", KnnEvaluation.Protocol.PAPER);
    try (MocoTrainer trainer = new MocoTrainer(config, dev)) {
      // the job's evaluator does the same: the snapshot of the query encoder, in eval mode
      double floor = knn.run(trainer.encoderSnapshot(), bankSet, testSet).accuracy();
      System.out.printf("random-init floor: kNN top-1 %.2f%%%n", 100 * floor);
      Trained t = trainFor(trainer, config, train, limit);
      double accuracy = knn.run(trainer.encoderSnapshot(), bankSet, testSet).accuracy();
      System.out.printf(
          "after %d steps (%,d images, %.0f s): kNN top-1 %.2f%% (floor %.2f%%), last loss %.4f%n",
          trainer.stepCount(), t.images(), t.seconds(), 100 * accuracy, 100 * floor, t.loss());
      if (snapshot != null) {
        Files.write(snapshot, trainer.encoderSnapshot().toSafetensors());
        System.out.println("snapshot written to " + snapshot);
      }
      appendRow(
          config, trainer.stepCount(), t.images(), t.seconds(), accuracy, floor, t.loss(), dev);
    }
    return 0;
  }

  /** --budget as a duration, or a problem said in {@code checks}. */
  private Duration budget(OptionChecks checks) {
    try {
      Duration limit = JobOptions.parseDuration(budget);
      if (limit.isNegative() || limit.isZero()) {
        checks.problem("--budget must be a positive duration such as 90s or 10m, got " + budget);
      }
      return limit;
    } catch (IllegalArgumentException e) {
      checks.problem("--budget: " + e.getMessage());
      return Duration.ZERO;
    }
  }

  /** The job's training options given after the command's own, with this command's on top. */
  private TrainingConfig trainingConfig() {
    TrainingConfig.Builder b =
        JobOptions.parse(trainingArgs.toArray(String[]::new), Path.of("unused"))
            .training()
            .toBuilder();
    model.applyTo(b);
    b.epochs = epochs;
    b.seed = seed;
    return b.build().validate();
  }

  /** The first {@code n} images of a split through the evaluation transform, with their labels. */
  private static KnnEvaluation.LabelledImages labelled(Cifar10Dataset split, int n, int side) {
    byte[][] images =
        IntStream.range(0, n)
            .mapToObj(i -> EvalTransform.toSquare(SourceImage.cifar(split.pixels(i)), side))
            .toArray(byte[][]::new);
    return new KnnEvaluation.LabelledImages(
        images, IntStream.range(0, n).map(split::label).toArray());
  }

  /** What a budget of training did. */
  private record Trained(long images, double seconds, double loss) {}

  /** Trains on shuffled passes of {@code train} until the budget is spent, saying progress. */
  private Trained trainFor(
      MocoTrainer trainer, TrainingConfig config, Cifar10Dataset train, Duration limit) {
    SplittableRandom order = new SplittableRandom(seed);
    int[] perm = IntStream.range(0, train.size()).toArray();
    int next = perm.length; // reshuffle before the first batch
    long images = 0;
    long start = System.nanoTime();
    long deadline = start + limit.toNanos();
    long lastPrint = start;
    double loss = Double.NaN;
    while (System.nanoTime() < deadline) {
      byte[][] batchImages = new byte[config.batchSize()][];
      for (int i = 0; i < config.batchSize(); i++) {
        if (next == perm.length) {
          Shuffle.inPlace(perm, order);
          next = 0;
        }
        batchImages[i] = train.pixels(perm[next++]);
      }
      StepReport r = trainer.step(batchImages);
      loss = r.loss();
      images += config.batchSize();
      long now = System.nanoTime();
      if (now - lastPrint > 30e9) {
        System.out.printf(
            "step %d: loss %.4f, %.0f images/s, %.0f s left%n",
            r.step(), loss, images / ((now - start) / 1e9), (deadline - now) / 1e9);
        lastPrint = now;
      }
    }
    return new Trained(images, (System.nanoTime() - start) / 1e9, loss);
  }

  private void appendRow(
      TrainingConfig c,
      long steps,
      long images,
      double seconds,
      double accuracy,
      double floor,
      double loss,
      Device dev)
      throws IOException {
    if (!Files.exists(results)) {
      Files.writeString(
          results,
          """
          # Results

          Rows appended by `mixstream quality` (kNN top-1 of ALGORITHM.md §2: k=200, t=0.1, head \
          output, eval mode; bank = first N training images, test = first N test images; floor = \
          the same evaluation of the randomly initialised encoder).

          | date | method | width | batch | budget | steps | images seen | kNN top-1 | floor | bank / test | last loss | device | seed |
          |---|---|---|---|---|---|---|---|---|---|---|---|---|
          """);
    }
    String row =
        "| %s | %s | %d | %d | %.0f s | %d | %,d | %.2f%% | %.2f%% | %d / %d | %.3f | %s, %d cores | %d |%n"
            .formatted(
                LocalDate.now(ZoneOffset.UTC),
                c.method() + (trainingArgs.isEmpty() ? "" : " " + String.join(" ", trainingArgs)),
                c.model().width(),
                c.batchSize(),
                seconds,
                steps,
                images,
                100 * accuracy,
                100 * floor,
                bankSize,
                testSize,
                loss,
                dev,
                Runtime.getRuntime().availableProcessors(),
                seed);
    Files.writeString(results, row, StandardOpenOption.APPEND);
    System.out.println("row appended to " + results);
  }
}
