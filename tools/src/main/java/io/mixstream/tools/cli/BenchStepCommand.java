package io.mixstream.tools.cli;

import ai.djl.Device;
import io.mixstream.augment.SourceImage;
import io.mixstream.config.TrainingConfig;
import io.mixstream.quality.QualityProbe;
import io.mixstream.train.MocoTrainer;
import io.mixstream.train.StepReport;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** `mixstream bench step`: the trainer's step time, comparable to ../shared/bench/torch_step.py. */
@Command(
    name = "step",
    mixinStandardHelpOptions = true,
    description = {
      "Times full training steps (augment, forward, backward, SGD, enqueue) of one method on",
      "random images, and prints one JSON line per batch size like torch_step.py does.",
      "With --quality-window W it also times the label-free measures on W images (three readings"
          + " after the steps) and their share of training time at one reading every"
          + " --quality-every steps."
    })
final class BenchStepCommand implements Callable<Integer> {
  @Option(
      names = "--queue",
      defaultValue = "4096",
      description = "Queue size K (default: ${DEFAULT-VALUE}).")
  int queue;

  @Option(
      names = "--warmup",
      defaultValue = "2",
      description = "Untimed steps (default: ${DEFAULT-VALUE}).")
  int warmup;

  @Option(
      names = "--steps",
      defaultValue = "5",
      description = "Timed steps (default: ${DEFAULT-VALUE}).")
  int steps;

  @Option(
      names = "--memory-steps",
      defaultValue = "0",
      description = "After timing, run this many more steps and report resident-memory growth.")
  int memorySteps;

  /** --batch-size here takes several sizes, comma-separated: one JSON line each. */
  @Mixin ModelChoice model = new ModelChoice("moco", 64, "64");

  @Mixin DeviceOption device;

  @Option(
      names = "--quality-window",
      defaultValue = "0",
      description =
          "Also time the label-free measures on this many images (the job's default is 2048;"
              + " default here: ${DEFAULT-VALUE}, off).")
  int qualityWindow;

  @Option(
      names = "--quality-every",
      defaultValue = "100",
      description =
          "Steps between readings for the share printed (the job's default, --eval-every: ${DEFAULT-VALUE}).")
  int qualityEvery;

  @Option(
      names = "--literal-third-pass",
      description = "approach2: run the third query forward instead of the flip trick.")
  boolean literalThirdPass;

  @Override
  public Integer call() throws IOException {
    if (steps < 1 || warmup < 0 || memorySteps < 0 || qualityWindow < 0 || qualityEvery < 1) {
      throw new IllegalArgumentException(
          "--steps must be at least 1, --warmup, --memory-steps and --quality-window 0 or more,"
              + " --quality-every at least 1");
    }
    if (qualityWindow == 1) {
      throw new IllegalArgumentException("--quality-window must be 0 (off) or at least 2 images");
    }
    Device dev = device.resolve();
    for (int batch : model.batches()) {
      TrainingConfig.Builder b = TrainingConfig.defaults().toBuilder();
      model.applyTo(b, model.width(), batch);
      b.queueSize = queue;
      b.approach2FlipTrick = !literalThirdPass;
      TrainingConfig config = b.build().validate();
      byte[][] images = new byte[batch][3072];
      SplittableRandom r = new SplittableRandom(1);
      for (byte[] img : images) {
        for (int i = 0; i < img.length; i++) {
          img[i] = (byte) r.nextInt(256);
        }
      }
      try (MocoTrainer trainer = new MocoTrainer(config, dev)) {
        List<Double> times = new ArrayList<>();
        List<Double> augment = new ArrayList<>();
        StepReport last = null;
        for (int i = 0; i < warmup + steps; i++) {
          last = trainer.step(images);
          if (i >= warmup) {
            times.add(last.stepSeconds());
            augment.add(last.augmentSeconds() / last.stepSeconds());
          }
        }
        List<Double> sorted = new ArrayList<>(times);
        Collections.sort(sorted);
        Collections.sort(augment);
        double median = sorted.get(sorted.size() / 2);
        String quality = qualityWindow > 0 ? quality(trainer, config, median) : "";
        String memory = "";
        if (memorySteps > 0) {
          long before = residentKb();
          List<String> samples = new ArrayList<>();
          for (int i = 1; i <= memorySteps; i++) {
            trainer.step(images);
            if (i % Math.max(1, memorySteps / 4) == 0) {
              samples.add("%.1f".formatted((residentKb() - before) / 1024.0));
            }
          }
          long after = residentKb();
          memory =
              (", \"rss_mb_before\": %.1f, \"rss_growth_mb\": %.1f, \"memory_steps\": %d,"
                      + " \"rss_growth_mb_by_quarter\": [%s]")
                  .formatted(
                      before / 1024.0,
                      (after - before) / 1024.0,
                      memorySteps,
                      String.join(", ", samples));
        }
        System.out.printf(
            "{\"java\": \"djl-pytorch\", \"device\": \"%s\", \"method\": \"%s%s\", \"width\": %d,"
                + " \"batch\": %d, \"queue\": %d, \"steps\": %d, \"step_s_median\": %.4f,"
                + " \"step_s_min\": %.4f, \"step_s_max\": %.4f, \"img_per_s\": %.2f,"
                + " \"augment_fraction_median\": %.4f, \"last_loss\": %.4f%s%s}%n",
            dev,
            config.method(),
            literalThirdPass ? " (literal third pass)" : "",
            config.model().width(),
            batch,
            queue,
            steps,
            median,
            sorted.get(0),
            sorted.get(sorted.size() - 1),
            batch / median,
            augment.get(augment.size() / 2),
            last.loss(),
            quality,
            memory);
      }
    }
    return 0;
  }

  /**
   * Three timed readings of the label-free measures on {@code qualityWindow} random images (after
   * one untimed), as JSON fields: the median and its share of training time at one reading every
   * {@code qualityEvery} steps of {@code stepSeconds}.
   */
  private String quality(MocoTrainer trainer, TrainingConfig config, double stepSeconds) {
    SourceImage[] window = new SourceImage[qualityWindow];
    SplittableRandom r = new SplittableRandom(2);
    for (int i = 0; i < window.length; i++) {
      byte[] img = new byte[3072];
      for (int j = 0; j < img.length; j++) {
        img[j] = (byte) r.nextInt(256);
      }
      window[i] = SourceImage.cifar(img);
    }
    QualityProbe probe = new QualityProbe(config);
    List<Double> times = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      long t0 = System.nanoTime();
      probe.measure(trainer, window, i);
      if (i > 0) {
        times.add((System.nanoTime() - t0) / 1e9);
      }
    }
    Collections.sort(times);
    double q = times.get(1);
    return (", \"quality_window\": %d, \"quality_s_median\": %.3f, \"quality_every\": %d,"
            + " \"quality_share\": %.4f")
        .formatted(qualityWindow, q, qualityEvery, q / (q + qualityEvery * stepSeconds));
  }

  /** VmRSS of this process in KiB, from /proc (Linux). */
  private static long residentKb() throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
      if (line.startsWith("VmRSS:")) {
        return Long.parseLong(line.replaceAll("[^0-9]", ""));
      }
    }
    return -1;
  }
}
