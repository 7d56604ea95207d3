package io.mixstream.config;

import java.io.Serializable;
import java.util.Arrays;
import java.util.Locale;

/**
 * The per-channel mean and std that normalise images after scaling to [0,1]: {@code cifar10}
 * (§1.6's), {@code imagenet} (torchvision's), or {@code M1,M2,M3/S1,S2,S3}.
 */
public record ChannelStats(float[] mean, float[] std) implements Serializable {
  public static final ChannelStats CIFAR10 =
      new ChannelStats(
          new float[] {0.4914f, 0.4822f, 0.4465f}, new float[] {0.2023f, 0.1994f, 0.2010f});
  public static final ChannelStats IMAGENET =
      new ChannelStats(new float[] {0.485f, 0.456f, 0.406f}, new float[] {0.229f, 0.224f, 0.225f});

  public ChannelStats {
    if (mean.length != 3 || std.length != 3) {
      throw new IllegalArgumentException("need three means and three stds");
    }
    for (float s : std) {
      if (!(s > 0) || Float.isInfinite(s)) {
        throw new IllegalArgumentException("every std must be positive, got " + s);
      }
    }
    for (float m : mean) {
      if (!Float.isFinite(m)) {
        throw new IllegalArgumentException("every mean must be a number, got " + m);
      }
    }
    mean = mean.clone();
    std = std.clone();
  }

  /**
   * @throws IllegalArgumentException saying what the option accepts
   */
  public static ChannelStats parse(String spec) {
    String s = spec.trim().toLowerCase(Locale.ROOT);
    if (s.equals("cifar10")) {
      return CIFAR10;
    }
    if (s.equals("imagenet")) {
      return IMAGENET;
    }
    String[] parts = s.split("/", -1);
    try {
      if (parts.length == 2) {
        return new ChannelStats(three(parts[0]), three(parts[1]));
      }
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "normalization must be cifar10, imagenet or M1,M2,M3/S1,S2,S3, got '%s' (%s)"
              .formatted(spec, e.getMessage()),
          e);
    }
    throw new IllegalArgumentException(
        "normalization must be cifar10, imagenet or M1,M2,M3/S1,S2,S3, got '" + spec + "'");
  }

  private static float[] three(String csv) {
    String[] v = csv.split(",", -1);
    if (v.length != 3) {
      throw new IllegalArgumentException("three comma-separated numbers, got '" + csv + "'");
    }
    float[] out = new float[3];
    for (int i = 0; i < 3; i++) {
      out[i] = Float.parseFloat(v[i].trim());
    }
    return out;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ChannelStats c && Arrays.equals(mean, c.mean) && Arrays.equals(std, c.std);
  }

  @Override
  public int hashCode() {
    return 31 * Arrays.hashCode(mean) + Arrays.hashCode(std);
  }

  @Override
  public String toString() {
    return "%s/%s"
        .formatted(
            Arrays.toString(mean).replaceAll("[\\[\\] ]", ""),
            Arrays.toString(std).replaceAll("[\\[\\] ]", ""));
  }
}
