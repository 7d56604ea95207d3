package io.mixstream.augment;

import io.mixstream.config.TrainingConfig;
import io.mixstream.rng.Seeds;
import io.mixstream.rng.Shuffle;
import java.util.SplittableRandom;
import java.util.stream.IntStream;

/**
 * The training augmentation of §1.6 for a batch of 32x32 planar RGB byte images: random resized
 * crop, horizontal flip, colour jitter (p=0.8, the four operations in a random order), random
 * grayscale, normalisation. Every image draws from its own generator, seeded from (seed, step,
 * view, index), so the result does not depend on how many threads run it.
 */
public final class Augmenter {
  /**
   * The network input side, CIFAR's 32: the one constant the decoder, the views and pooling use.
   */
  public static final int SIDE = 32;

  public static final int IMAGE_FLOATS = 3 * SIDE * SIDE;

  private final TrainingConfig.Augmentation config;
  private final long seed;

  /**
   * @param seed the training seed: with the step, the view and the index it seeds each image's
   *     draws
   */
  public Augmenter(TrainingConfig.Augmentation config, long seed) {
    this.config = config;
    this.seed = seed;
  }

  /**
   * One augmented view of every image, normalised, laid end to end as [B, 3, 32, 32].
   *
   * @param view 0 for x1 (the query view), 1 for x2 (the key view)
   */
  public float[] view(byte[][] images, long step, int view) {
    float[] out = new float[images.length * IMAGE_FLOATS];
    IntStream.range(0, images.length)
        .parallel()
        .forEach(
            i -> {
              SplittableRandom rng = new SplittableRandom(Seeds.mix(seed, step, view, i));
              float[] img = augmentOne(images[i], rng);
              Normalization.normalizeInto(img, out, i * IMAGE_FLOATS);
            });
    return out;
  }

  /** One image, augmented, in [0,1] (not yet normalised). */
  float[] augmentOne(byte[] planar, SplittableRandom rng) {
    float[] img = new float[IMAGE_FLOATS];
    ResizedCrop.Window win =
        ResizedCrop.sample(SIDE, SIDE, config.cropScaleMin(), config.cropScaleMax(), rng);
    ResizedCrop.resize(planar, 3, SIDE, SIDE, win, SIDE, img);
    if (rng.nextDouble() < config.flipProbability()) {
      ColorOps.flipHorizontal(img, SIDE);
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
