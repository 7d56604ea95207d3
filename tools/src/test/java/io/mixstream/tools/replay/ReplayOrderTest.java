package io.mixstream.tools.replay;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

class ReplayOrderTest {
  @Test
  void unshuffledIsTheStoredOrder() {
    assertThat(ReplayOrder.of(5, false, 7, 3)).containsExactly(0, 1, 2, 3, 4);
  }

  @Test
  void sameSeedSameOrderAndEachEpochIsAPermutation() {
    int[] a = ReplayOrder.of(1000, true, 42, 0);
    assertThat(ReplayOrder.of(1000, true, 42, 0)).containsExactly(a);
    assertThat(a).isNotEqualTo(ReplayOrder.of(1000, false, 42, 0));
    assertThat(ReplayOrder.of(1000, true, 43, 0)).isNotEqualTo(a);
    int[] nextEpoch = ReplayOrder.of(1000, true, 42, 1);
    assertThat(nextEpoch).isNotEqualTo(a);
    int[] sorted = nextEpoch.clone();
    Arrays.sort(sorted);
    assertThat(sorted).containsExactly(ReplayOrder.of(1000, false, 0, 0));
  }
}
