package io.mixstream.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class NegativeQueueTest {
  @Test
  void startsWithUnitColumnsAndWrapsAround() {
    try (NDManager m = NDManager.newBaseManager()) {
      NegativeQueue q = new NegativeQueue(m, 3, 8, new SplittableRandom(1));
      float[] v = q.matrix().toFloatArray();
      for (int col = 0; col < 8; col++) {
        double n = 0;
        for (int row = 0; row < 3; row++) {
          n += v[row * 8 + col] * v[row * 8 + col];
        }
        assertThat(n).isCloseTo(1, within(1e-5));
      }
      for (int step = 0; step < 5; step++) {
        float base = step * 10;
        float[] keys = {base, base + 1, base + 2, base + 3, base + 4, base + 5}; // 2 keys of 3
        q.enqueue(m.create(keys, new Shape(2, 3)));
        assertThat(q.pointer()).isEqualTo((2 * (step + 1)) % 8);
      }
      // steps 4 (at 0-1), 1 (2-3), 2 (4-5), 3 (6-7): step 4 overwrote step 0's columns
      float[] after = q.matrix().toFloatArray();
      assertThat(new float[] {after[0], after[8], after[16]}).containsExactly(40, 41, 42);
      assertThat(new float[] {after[1], after[9], after[17]}).containsExactly(43, 44, 45);
      assertThat(new float[] {after[2], after[10], after[18]}).containsExactly(10, 11, 12);
      assertThat(new float[] {after[7], after[15], after[23]}).containsExactly(33, 34, 35);
    }
  }
}
