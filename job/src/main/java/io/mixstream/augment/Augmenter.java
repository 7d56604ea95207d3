package io.mixstream.augment;

import io.mixstream.config.ChannelStats;
import io.mixstream.config.TrainingConfig;
import io.mixstream.rng.Seeds;
import io.mixstream.rng.Shuffle;
import java.util.SplittableRandom;
import java.util.stream.IntStream;

/**
 * The training augmentation of §1.6 for a batch of images of any size: random resized crop taken
 * from the image at its own resolution and resized to S×S, horizontal flip, colour jitter (p=0.8,
 * the four operations in a random order), random grayscale, normalisation. Every image draws from
 * its own generator, seeded from (seed, step, view, index), so the result does not depend on how
 * many threads run it.
 */
public final class Augmenter {
  private final TrainingConfig.Augmentation config;
  private final int side;
  private final ChannelStats stats;
  private final long seed;

  /**
   * @param side S, the views' side
   * @param seed the training seed: with the step, the view and the index it seeds each image's
   *     draws
   */
  public Augmenter(TrainingConfig.Augmentation config, int side, long seed) {
    this.config = config;
    this.side = side;
    this.stats = config.channelStats();
    this.seed = seed;
  }

  /**
   * One augmented view of every image, normalised, laid end to end as [B, 3, S, S].
   *
   * @param view 0 for x1 (the query view), 1 for x2 (the key view)
   */
  public float[] view(SourceImage[] images, long step, int view) {
    int floats = 3 * side * side;
    float[] out = new float[images.length * floats];
    IntStream.range(0, images.length)
        .parallel()
        .forEach(
            i -> {
              SplittableRandom rng = new SplittableRandom(Seeds.mix(seed, step, view, i));
              float[] img = augmentOne(images[i], rng);
              Normalization.normalizeInto(img, out, i * floats, stats);
            });
    return out;
  }

  /**
   * One image, augmented, in [0,1] (not yet normalised). A crop no larger than S either way is
   * upsampled bilinearly (ResizedCrop, CIFAR's path, bit for bit); one larger than S on an axis is
   * downsampled with the antialiased filter (Resample), as PIL does.
   */
  float[] augmentOne(SourceImage src, SplittableRandom rng) {
    ResizedCrop.Window win =
        ResizedCrop.sample(
            src.height(),
            src.width(),
            config.cropScaleMin(),
            config.cropScaleMax(),
            config.cropRatioMin(),
            config.cropRatioMax(),
            rng);
    float[] img;
    if (win.height() <= side && win.width() <= side) {
      img = new float[3 * side * side];
      ResizedCrop.resize(src.planar(), 3, src.height(), src.width(), win, side, img);
    } else {
      img = Resample.resize(src.planar(), 3, src.height(), src.width(), win, side, side);
    }
    if (rng.nextDouble() < config.flipProbability()) {
      ColorOps.flipHorizontal(img, side);
    }
    if (rng.nextDouble() < config.jitterProbability()) {
      jitter(img, rng);
    }
    if (rng.nextDouble() < config.grayscaleProbability()) {
      ColorOps.grayscale(img);
    }
    return img;
  }

  private void jitter(float[] img, SplittableRandom rng) {
    int[] order = Shuffle.permutation(4, rng);
    float b = factor(config.brightness(), rng);
    float c = factor(config.contrast(), rng);
    float s = factor(config.saturation(), rng);
    float h = (float) ((rng.nextDouble() * 2 - 1) * config.hue());
    for (int op : order) {
      switch (op) {
        case 0 -> ColorOps.brightness(img, b);
        case 1 -> ColorOps.contrast(img, c);
        case 2 -> ColorOps.saturation(img, s);
        default -> ColorOps.hue(img, h);
      }
    }
  }

  /** A jitter factor uniform in [1-strength, 1+strength] (never below 0). */
  private static float factor(double strength, SplittableRandom rng) {
    double lo = Math.max(0, 1 - strength);
    return (float) (lo + (1 + strength - lo) * rng.nextDouble());
  }
}
