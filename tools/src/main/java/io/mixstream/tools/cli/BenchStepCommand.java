package io.mixstream.tools.cli;

import ai.djl.Device;
import io.mixstream.augment.SourceImage;
import io.mixstream.config.TrainingConfig;
import io.mixstream.quality.QualityProbe;
import io.mixstream.tools.options.DeviceOption;
import io.mixstream.tools.options.ModelChoice;
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
      names = "--minred-buffer",
      defaultValue = "0",
      paramLabel = "C",
      description =
          "Also time a minred replay buffer's upkeep for a buffer of C trained images: a batch of"
              + " arrivals with its eviction, and the step's keys as the drawn images' features;"
              + " its share of a step (default: 0, off).")
  int minredBuffer;

  @Option(
      names = "--data",
      paramLabel = "PATH",
      description =
          "CIFAR-10 data for --minred-buffer: the buffer's steps train on its successive training"
              + " images, so that the images' features differ as in a run. Without it they train"
              + " on one batch of random noise, the worst case for the buffer (every feature"
              + " nearly the same).")
  Path data;

  /** --data's training images, read once up front (a wrong path is said before any timing). */
  private io.mixstream.cifar.Cifar10Dataset train;

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
    if (minredBuffer < 0) {
      throw new IllegalArgumentException("--minred-buffer must be 0 (off) or a buffer size");
    }
    if (data != null && minredBuffer == 0) {
      throw new IllegalArgumentException("--data is for --minred-buffer: give that too");
    }
    if (data != null) {
      train = io.mixstream.cifar.Cifar10Reader.read(data, io.mixstream.cifar.CifarSplit.TRAIN);
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
        String buffer = minredBuffer > 0 ? minred(trainer, config, images, median) : "";
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
                + " \"augment_fraction_median\": %.4f, \"last_loss\": %.4f%s%s%s}%n",
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
            buffer,
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

  /**
   * The batches the minred timing trains on: successive CIFAR-10 training images with {@code
   * --data}, else the one batch of noise.
   */
  private java.util.function.Supplier<byte[][]> minredBatches(byte[][] noise) {
    if (train == null) {
      return () -> noise;
    }
    int[] next = {0};
    return () -> {
      byte[][] out = new byte[noise.length][];
      for (int i = 0; i < out.length; i++) {
        out[i] = train.pixels(next[0]++ % train.size());
      }
      return out;
    };
  }

  /**
   * A minred buffer's upkeep per step, as JSON fields: a buffer of {@code minredBuffer} images,
   * every one trained once (features from real steps, on the images of {@link #minredBatches}),
   * then per timed round a batch of arrivals (their eviction) and one drawn batch given the step's
   * keys; the median over rounds and its share of a step of {@code stepSeconds}.
   */
  private String minred(
      MocoTrainer trainer, TrainingConfig config, byte[][] images, double stepSeconds)
      throws IOException {
    int batch = config.batchSize();
    int c = Math.max(minredBuffer, batch);
    io.mixstream.buffer.ReplayBuffer buffer =
        new io.mixstream.buffer.ReplayBuffer(
            c, batch, 1, config.model().embeddingDim(), io.mixstream.config.BufferPolicy.MINRED, 7);
    io.mixstream.buffer.ReplayBuffer.Store<Integer> store =
        new io.mixstream.buffer.ReplayBuffer.Store<>() {
          @Override
          public void put(long arrival, Integer image) {}

          @Override
          public Integer get(long arrival) {
            return 0;
          }

          @Override
          public void remove(long arrival) {}
        };
    java.util.function.Supplier<byte[][]> batches = minredBatches(images);
    try {
      float[] keys = trainer.lastStepKeys();
      for (int i = 0; i < c; i++) { // fill it, then train every image once
        buffer.add(i, store);
      }
      long[] all = buffer.contents();
      for (int from = 0; from + batch <= all.length; from += batch) {
        buffer.trained(java.util.Arrays.copyOfRange(all, from, from + batch), keys);
        trainer.step(batches.get());
        keys = trainer.lastStepKeys();
      }
      List<Double> arrivals = new ArrayList<>();
      List<Double> steps = new ArrayList<>();
      for (int round = 0; round < 7; round++) {
        long t0 = System.nanoTime();
        for (int i = 0; i < batch; i++) { // a batch of arrivals: the eviction back to C
          buffer.add(i, store);
        }
        long t1 = System.nanoTime();
        buffer.trained(buffer.sample(), keys); // a step's features
        long t2 = System.nanoTime();
        arrivals.add((t1 - t0) / 1e9);
        steps.add((t2 - t1) / 1e9);
        trainer.step(batches.get());
        keys = trainer.lastStepKeys();
      }
      Collections.sort(arrivals);
      Collections.sort(steps);
      double perArrivals = arrivals.get(arrivals.size() / 2);
      double perStep = steps.get(steps.size() / 2);
      // per step with U steps per batch of arrivals: one eviction shared by U steps
      return (", \"minred_buffer\": %d, \"minred_eviction_s_per_batch_of_arrivals\": %.4f,"
              + " \"minred_features_s_per_step\": %.4f, \"minred_upkeep_share_u1\": %.4f,"
              + " \"minred_upkeep_share_u5\": %.4f")
          .formatted(
              c,
              perArrivals,
              perStep,
              (perArrivals + perStep) / stepSeconds,
              (perArrivals / 5 + perStep) / stepSeconds);
    } catch (Exception e) {
      throw new IOException(e);
    }
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
