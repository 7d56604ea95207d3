package io.mixstream.config;

import java.util.Locale;

/**
 * The ResNet-18's first layers. {@code cifar}: a 3x3 stride-1 convolution and no max-pool (the
 * papers' CIFAR network, layer4's map is S/8). {@code imagenet}: torchvision's 7x7 stride-2
 * convolution, BN, ReLU and 3x3 stride-2 max-pool (S/32). {@code auto}: cifar up to 64 px, imagenet
 * above.
 */
public enum Stem {
  CIFAR,
  IMAGENET,
  AUTO;

  /** The largest image side {@link #AUTO} gives the cifar stem. */
  public static final int AUTO_CIFAR_UP_TO = 64;

  /** This stem for images of {@code imageSize}, with {@link #AUTO} decided. */
  public Stem resolve(int imageSize) {
    if (this != AUTO) {
      return this;
    }
    return imageSize <= AUTO_CIFAR_UP_TO ? CIFAR : IMAGENET;
  }

  /** The side of layer4's output for an S×S input: each stride-2 layer takes ceil(n/2). */
  public int featureSide(int imageSize) {
    int halvings = resolve(imageSize) == CIFAR ? 3 : 5;
    int n = imageSize;
    for (int i = 0; i < halvings; i++) {
      n = (n + 1) / 2;
    }
    return n;
  }

  @Override
  public String toString() {
    return name().toLowerCase(Locale.ROOT);
  }
}
