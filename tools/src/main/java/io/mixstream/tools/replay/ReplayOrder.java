package io.mixstream.tools.replay;

import io.mixstream.records.ImageRecord;
import io.mixstream.rng.Shuffle;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.TreeMap;

/**
 * The order in which each epoch of a replay publishes its images ({@code replay --order}): the
 * stream kinds a correlated camera, crawler or upload feed looks like, for testing a trainer on
 * them (SCALE's seq / seq-bl / seq-im, MinRed's temporally correlated frames). Every order is drawn
 * from a generator seeded by (seed, epoch): the same seed gives the same stream.
 *
 * @param kind which order
 * @param n the block size of {@code class-blocks:N}, the copies of {@code bursts:N}; else 0
 * @param ratio the largest class's share over the smallest's, {@code imbalanced:R}; else 0
 */
public record ReplayOrder(Kind kind, int n, double ratio) {
  /** The orders, by their spelling on the command line. */
  public enum Kind {
    SEQUENTIAL("sequential"),
    SHUFFLED("shuffled"),
    CLASS_SORTED("class-sorted"),
    CLASS_BLOCKS("class-blocks:N"),
    BLENDED("blended"),
    BURSTS("bursts:N"),
    IMBALANCED("imbalanced:R");

    final String spelling;

    Kind(String spelling) {
      this.spelling = spelling;
    }

    String name(String suffix) {
      return spelling.contains(":")
          ? spelling.substring(0, spelling.indexOf(':') + 1) + suffix
          : spelling;
    }
  }

  /** SCALE's seq-bl: each side of a class boundary blends over this share of the smaller class. */
  static final double BLEND_SHARE = 0.1;

  public static final ReplayOrder SEQUENTIAL = new ReplayOrder(Kind.SEQUENTIAL, 0, 0);
  public static final ReplayOrder SHUFFLED = new ReplayOrder(Kind.SHUFFLED, 0, 0);

  public ReplayOrder {
    if ((kind == Kind.CLASS_BLOCKS || kind == Kind.BURSTS) && n < 1) {
      throw new IllegalArgumentException(
          "--order %s needs N of at least 1, got %d".formatted(kind.spelling, n));
    }
    if (kind == Kind.IMBALANCED && !(ratio >= 1)) {
      throw new IllegalArgumentException(
          "--order imbalanced:R needs R of at least 1 (the largest class over the smallest), got "
              + ratio);
    }
  }

  /** Every spelling, for help and errors. */
  public static String spellings() {
    return String.join(", ", Arrays.stream(Kind.values()).map(k -> k.spelling).toList());
  }

  /**
   * An order from its spelling: {@code shuffled}, {@code class-blocks:500}, {@code imbalanced:10}.
   *
   * @throws IllegalArgumentException naming the spellings, when {@code text} is none of them
   */
  public static ReplayOrder parse(String text) {
    String t = text.trim().toLowerCase(java.util.Locale.ROOT);
    String head = t.contains(":") ? t.substring(0, t.indexOf(':')) : t;
    String arg = t.contains(":") ? t.substring(t.indexOf(':') + 1) : null;
    for (Kind k : Kind.values()) {
      String name =
          k.spelling.contains(":") ? k.spelling.substring(0, k.spelling.indexOf(':')) : k.spelling;
      if (!name.equals(head)) {
        continue;
      }
      boolean takesArg = k.spelling.contains(":");
      if (takesArg != (arg != null)) {
        throw new IllegalArgumentException(
            "--order %s: write it as %s".formatted(text, k.spelling));
      }
      try {
        return switch (k) {
          case CLASS_BLOCKS, BURSTS -> new ReplayOrder(k, Integer.parseInt(arg), 0);
          case IMBALANCED -> new ReplayOrder(k, 0, Double.parseDouble(arg));
          default -> new ReplayOrder(k, 0, 0);
        };
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(
            "--order %s: %s is not a number (%s)".formatted(text, arg, k.spelling), e);
      }
    }
    throw new IllegalArgumentException(
        "--order %s is not an order; choose one of %s".formatted(text, spellings()));
  }

  /** Whether the order arranges images by class, so that it needs labelled images. */
  public boolean needsLabels() {
    return kind == Kind.CLASS_SORTED
        || kind == Kind.CLASS_BLOCKS
        || kind == Kind.BLENDED
        || kind == Kind.IMBALANCED;
  }

  /** How many records each image goes out as, in a row: N for {@code bursts:N}, else 1. */
  public int copies() {
    return kind == Kind.BURSTS ? n : 1;
  }

  @Override
  public String toString() {
    return switch (kind) {
      case CLASS_BLOCKS, BURSTS -> kind.name(Integer.toString(n));
      case IMBALANCED ->
          kind.name(
              ratio == Math.rint(ratio) ? Long.toString((long) ratio) : Double.toString(ratio));
      default -> kind.spelling;
    };
  }

  /**
   * The images of one epoch, as positions 0..labels.length-1 into the stream's images, whose labels
   * are {@code labels} ({@link ImageRecord#NO_LABEL} for an unlabelled one). {@code imbalanced}
   * leaves images out; every other order is a permutation.
   *
   * @throws IllegalArgumentException when the order needs labels and an image has none
   */
  public int[] arrange(int[] labels, long seed, int epoch) {
    int size = labels.length;
    Random rng = new Random(seed * 1_000_003L + epoch);
    if (needsLabels()) {
      for (int label : labels) {
        if (label < 0) {
          throw new IllegalArgumentException(
              ("--order %s arranges the images by class, but these are unlabelled (a folder needs"
                      + " class subfolders, DIR/<class>/...); use sequential, shuffled or bursts:N")
                  .formatted(this));
        }
      }
    }
    return switch (kind) {
      case SEQUENTIAL -> identity(size);
      case SHUFFLED, BURSTS -> {
        int[] order = identity(size);
        Shuffle.inPlace(order, rng);
        yield order;
      }
      case CLASS_SORTED -> concat(byClassShuffled(labels, rng));
      case CLASS_BLOCKS -> {
        List<int[]> blocks = new ArrayList<>();
        for (int[] members : byClassShuffled(labels, rng)) {
          for (int from = 0; from < members.length; from += n) {
            blocks.add(Arrays.copyOfRange(members, from, Math.min(members.length, from + n)));
          }
        }
        java.util.Collections.shuffle(blocks, rng);
        yield concat(blocks);
      }
      case BLENDED -> {
        List<int[]> classes = byClassShuffled(labels, rng);
        for (int c = 1; c < classes.size(); c++) {
          blend(classes.get(c - 1), classes.get(c), rng);
        }
        yield concat(classes);
      }
      case IMBALANCED -> {
        List<int[]> classes = byClassInFileOrder(labels);
        List<int[]> kept = new ArrayList<>();
        int k = classes.size();
        for (int c = 0; c < k; c++) {
          int[] members = classes.get(c);
          double share = k == 1 ? 1 : Math.pow(ratio, -(double) c / (k - 1));
          kept.add(Arrays.copyOf(members, Math.max(1, (int) Math.ceil(members.length * share))));
        }
        int[] order = concat(kept);
        Shuffle.inPlace(order, rng);
        yield order;
      }
    };
  }

  /**
   * SCALE's seq-bl boundary: the i-th image from the end of the class before and the i-th from the
   * start of the class after trade places with a chance falling from 0.5 at the boundary to 0.05,
   * over {@link #BLEND_SHARE} of the smaller class.
   */
  private static void blend(int[] before, int[] after, Random rng) {
    int zone = (int) (Math.min(before.length, after.length) * BLEND_SHARE);
    for (int i = 0; i < zone; i++) {
      double chance = 0.5 - 0.45 * i / zone;
      if (rng.nextDouble() < chance) {
        int t = before[before.length - 1 - i];
        before[before.length - 1 - i] = after[i];
        after[i] = t;
      }
    }
  }

  /**
   * The images a stream of at most {@code limit} holds, before any order: the first {@code limit}
   * in file order; when those leave out a class the data has (an image folder's file order is by
   * class), {@code limit} taken in turn from each class instead, so that a limited class-sorted
   * stream still holds every class. Positions into {@code labels}, ascending; all when {@code
   * limit} is 0 or at least the size.
   */
  public static int[] limited(int[] labels, long limit) {
    int size = labels.length;
    if (limit <= 0 || limit >= size) {
      return identity(size);
    }
    int n = (int) limit;
    long classesAll = Arrays.stream(labels).filter(l -> l >= 0).distinct().count();
    long classesFirst = Arrays.stream(labels, 0, n).filter(l -> l >= 0).distinct().count();
    if (classesFirst == classesAll || n < classesAll) {
      return identity(n);
    }
    List<int[]> classes = byClassInFileOrder(labels);
    int[] taken = new int[n];
    int count = 0;
    for (int round = 0; count < n; round++) {
      for (int[] members : classes) {
        if (round < members.length && count < n) {
          taken[count++] = members[round];
        }
      }
    }
    Arrays.sort(taken);
    return taken;
  }

  private static int[] identity(int size) {
    int[] order = new int[size];
    for (int i = 0; i < size; i++) {
      order[i] = i;
    }
    return order;
  }

  /** Positions by label, ascending labels, each class in file order. */
  private static List<int[]> byClassInFileOrder(int[] labels) {
    TreeMap<Integer, List<Integer>> byLabel = new TreeMap<>();
    for (int i = 0; i < labels.length; i++) {
      byLabel.computeIfAbsent(labels[i], l -> new ArrayList<>()).add(i);
    }
    return byLabel.values().stream()
        .map(l -> l.stream().mapToInt(Integer::intValue).toArray())
        .toList();
  }

  private static List<int[]> byClassShuffled(int[] labels, Random rng) {
    List<int[]> classes = new ArrayList<>(byClassInFileOrder(labels));
    for (int[] members : classes) {
      Shuffle.inPlace(members, rng);
    }
    return classes;
  }

  private static int[] concat(List<int[]> parts) {
    return parts.stream().flatMapToInt(Arrays::stream).toArray();
  }
}
