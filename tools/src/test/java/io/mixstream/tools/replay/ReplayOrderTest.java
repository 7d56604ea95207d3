package io.mixstream.tools.replay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mixstream.records.ImageRecord;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Each stream order against what its definition says, checked image by image. */
class ReplayOrderTest {
  /**
   * 10 classes of 100 images each, in CIFAR-like mixed file order: label of image i is i*7 % 10.
   */
  static final int[] MIXED = labels(1000, i -> i * 7 % 10);

  /** An image folder's file order: class by class, 100 each. */
  static final int[] FOLDER = labels(1000, i -> i / 100);

  private static int[] labels(int n, java.util.function.IntUnaryOperator label) {
    int[] out = new int[n];
    for (int i = 0; i < n; i++) {
      out[i] = label.applyAsInt(i);
    }
    return out;
  }

  private static int[] sorted(int[] a) {
    int[] s = a.clone();
    Arrays.sort(s);
    return s;
  }

  private static int[] labelsOf(int[] order, int[] labels) {
    return Arrays.stream(order).map(i -> labels[i]).toArray();
  }

  /** The lengths of the runs of equal values: 1,1,2 for a,b,c,c. */
  private static List<Integer> runs(int[] values) {
    List<Integer> runs = new ArrayList<>();
    for (int i = 0; i < values.length; i++) {
      if (i == 0 || values[i] != values[i - 1]) {
        runs.add(1);
      } else {
        runs.set(runs.size() - 1, runs.get(runs.size() - 1) + 1);
      }
    }
    return runs;
  }

  @Test
  void spellingsParseAndPrintBackAndMistakesAreRefusedByName() {
    for (String s :
        List.of(
            "sequential",
            "shuffled",
            "class-sorted",
            "class-blocks:500",
            "blended",
            "bursts:8",
            "imbalanced:10",
            "imbalanced:2.5")) {
      assertThat(ReplayOrder.parse(s)).hasToString(s);
    }
    assertThatThrownBy(() -> ReplayOrder.parse("class-sortd"))
        .hasMessageContaining("is not an order; choose one of sequential, shuffled, class-sorted");
    assertThatThrownBy(() -> ReplayOrder.parse("bursts")).hasMessageContaining("bursts:N");
    assertThatThrownBy(() -> ReplayOrder.parse("bursts:0")).hasMessageContaining("at least 1");
    assertThatThrownBy(() -> ReplayOrder.parse("bursts:x")).hasMessageContaining("not a number");
    assertThatThrownBy(() -> ReplayOrder.parse("imbalanced:0.5"))
        .hasMessageContaining("at least 1");
    assertThatThrownBy(() -> ReplayOrder.parse("shuffled:3")).hasMessageContaining("shuffled");
  }

  @Test
  void sequentialIsFileOrderAndShuffledAPermutationPerSeedAndEpoch() {
    assertThat(ReplayOrder.SEQUENTIAL.arrange(new int[] {-1, -1, -1}, 7, 3))
        .containsExactly(0, 1, 2);
    int[] a = ReplayOrder.SHUFFLED.arrange(MIXED, 42, 0);
    assertThat(ReplayOrder.SHUFFLED.arrange(MIXED, 42, 0)).containsExactly(a);
    assertThat(ReplayOrder.SHUFFLED.arrange(MIXED, 43, 0)).isNotEqualTo(a);
    int[] nextEpoch = ReplayOrder.SHUFFLED.arrange(MIXED, 42, 1);
    assertThat(nextEpoch).isNotEqualTo(a);
    assertThat(sorted(nextEpoch)).containsExactly(ReplayOrder.SEQUENTIAL.arrange(MIXED, 0, 0));
  }

  @Test
  void classSortedIsEveryImageOfClassZeroThenOneAndSoOn() {
    int[] order = ReplayOrder.parse("class-sorted").arrange(MIXED, 1, 0);
    assertThat(sorted(order)).containsExactly(ReplayOrder.SEQUENTIAL.arrange(MIXED, 0, 0));
    int[] l = labelsOf(order, MIXED);
    for (int i = 0; i < l.length; i++) {
      assertThat(l[i]).as("position %d", i).isEqualTo(i / 100);
    }
    assertThat(order).as("shuffled within each class").isNotEqualTo(sorted(order));
  }

  @Test
  void classBlocksAreBlocksOfNOfOneClassInRandomClassOrder() {
    int[] order = ReplayOrder.parse("class-blocks:30").arrange(MIXED, 1, 0);
    assertThat(sorted(order)).containsExactly(ReplayOrder.SEQUENTIAL.arrange(MIXED, 0, 0));
    int[] l = labelsOf(order, MIXED);
    // each class's 100 cut into 30, 30, 30, 10: 40 blocks; two blocks of one class may meet
    int blocks = 0;
    for (int i = 0; i < l.length; ) {
      int size =
          i + 10 <= l.length && sameLabel(l, i, 10)
              ? (i + 30 <= l.length && sameLabel(l, i, 30) ? 30 : 10)
              : 0;
      assertThat(size).as("a block starts at %d", i).isPositive();
      i += size;
      blocks++;
    }
    assertThat(blocks).isGreaterThanOrEqualTo(40);
    assertThat(runs(l).size()).as("classes interleave: not class-sorted").isGreaterThan(10);
  }

  private static boolean sameLabel(int[] l, int from, int n) {
    for (int i = from; i < from + n; i++) {
      if (l[i] != l[from]) {
        return false;
      }
    }
    return true;
  }

  @Test
  void blendedTradesImagesOnlyNearEachBoundary() {
    int[] order = ReplayOrder.parse("blended").arrange(MIXED, 1, 0);
    assertThat(sorted(order)).containsExactly(ReplayOrder.SEQUENTIAL.arrange(MIXED, 0, 0));
    int[] l = labelsOf(order, MIXED);
    int traded = 0;
    for (int i = 0; i < l.length; i++) {
      int home = i / 100;
      int offset = i % 100;
      if (l[i] != home) {
        traded++;
        // within a tenth of a class of the boundary, and from the neighbouring class
        assertThat(offset < 10 ? l[i] == home - 1 : offset >= 90 && l[i] == home + 1)
            .as("position %d holds class %d", i, l[i])
            .isTrue();
      }
    }
    // 9 boundaries × 10 places × two sides, each with a chance of 0.5 falling to 0.05: ≈ 49
    assertThat(traded).isBetween(20, 90);
  }

  @Test
  void burstsAreTheShuffledOrderWithCopies() {
    ReplayOrder bursts = ReplayOrder.parse("bursts:8");
    assertThat(bursts.copies()).isEqualTo(8);
    assertThat(bursts.arrange(MIXED, 5, 2))
        .containsExactly(ReplayOrder.SHUFFLED.arrange(MIXED, 5, 2));
    assertThat(bursts.needsLabels()).isFalse();
  }

  @Test
  void imbalancedKeepsAGeometricShareOfEachClassShuffled() {
    int[] order = ReplayOrder.parse("imbalanced:10").arrange(MIXED, 1, 0);
    int[] counts = new int[10];
    for (int i : order) {
      counts[MIXED[i]]++;
    }
    // class k keeps ceil(100 · 10^(-k/9)): 100, 78, 60, 47, 36, 28, 22, 17, 13, 10
    assertThat(counts).containsExactly(100, 78, 60, 47, 36, 28, 22, 17, 13, 10);
    assertThat(runs(labelsOf(order, MIXED)).size()).as("shuffled").isGreaterThan(100);
  }

  @Test
  void ordersByClassRefuseUnlabelledImagesByName() {
    int[] unlabelled = {ImageRecord.NO_LABEL, ImageRecord.NO_LABEL};
    for (String s : List.of("class-sorted", "class-blocks:4", "blended", "imbalanced:2")) {
      assertThatThrownBy(() -> ReplayOrder.parse(s).arrange(unlabelled, 0, 0))
          .hasMessageContaining("--order " + s)
          .hasMessageContaining("unlabelled")
          .hasMessageContaining("class subfolders");
    }
    assertThat(ReplayOrder.parse("bursts:3").arrange(unlabelled, 0, 0)).hasSize(2);
  }

  @Test
  void theLimitChoosesImagesBeforeTheOrderAndKeepsEveryClass() {
    assertThat(ReplayOrder.limited(MIXED, 0)).hasSize(1000);
    assertThat(ReplayOrder.limited(MIXED, 20))
        .as("the first 20 hold every class")
        .containsExactly(ReplayOrder.SEQUENTIAL.arrange(new int[20], 0, 0));
    int[] folder = ReplayOrder.limited(FOLDER, 50);
    assertThat(folder).hasSize(50);
    int[] counts = new int[10];
    for (int i : folder) {
      counts[FOLDER[i]]++;
    }
    assertThat(counts).as("five of each class, the first in file order").containsOnly(5);
    assertThat(folder).startsWith(0, 1, 2, 3, 4, 100, 101);
  }
}
