package io.mixstream.loss;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;

class InfoNceTest {
  @Test
  void matchesAHandCalculation() {
    try (NDManager m = NDManager.newBaseManager()) {
      double s = Math.sqrt(0.5);
      // two queries, unit 2-d vectors; three negatives as queue columns
      NDArray q = m.create(new float[] {1, 0, (float) s, (float) s}, new Shape(2, 2));
      NDArray k = m.create(new float[] {1, 0, 0, 1}, new Shape(2, 2));
      NDArray queue =
          m.create(new float[] {0, -1, 1, 1, 0, 0}, new Shape(2, 3)); // (0,1) (-1,0) (1,0)
      double tau = 0.1;
      // query 1: q·k = 1; q·n = 0, -1, 1
      double l1 =
          -Math.log(Math.exp(10) / (Math.exp(10) + Math.exp(0) + Math.exp(-10) + Math.exp(10)));
      // query 2: q·k = s; q·n = s, -s, s
      double l2 =
          -Math.log(
              Math.exp(s / tau)
                  / (Math.exp(s / tau)
                      + Math.exp(s / tau)
                      + Math.exp(-s / tau)
                      + Math.exp(s / tau)));
      double expected = (l1 + l2) / 2;
      assertThat((double) InfoNce.loss(q, k, queue, tau).getFloat())
          .isCloseTo(expected, within(1e-5));
      assertThat(expected)
          .isCloseTo(
              (Math.log(2 + Math.exp(-10) + Math.exp(-20)) + Math.log(3 + Math.exp(-2 * s / tau)))
                  / 2,
              within(1e-9));
    }
  }

  @Test
  void uniformLogitsGiveLogOfKPlusOne() {
    try (NDManager m = NDManager.newBaseManager()) {
      NDArray q = m.create(new float[] {1, 0}, new Shape(1, 2));
      NDArray k = m.create(new float[] {0, 1}, new Shape(1, 2));
      NDArray queue =
          m.zeros(new Shape(2, 4095)).add(m.create(new float[] {0, 1}, new Shape(2, 1)));
      assertThat((double) InfoNce.loss(q, k, queue, 0.1).getFloat())
          .isCloseTo(Math.log(4096), within(1e-4));
    }
  }

  /**
   * The positive is column 0 of the logits: with a key unlike every negative, the loss is the
   * hand-computed −log(e^{1/τ} / (e^{1/τ} + 3·e^0)), and reading any other column as the positive
   * would give −log(e^0 / ...) instead, which differs by 1/τ.
   */
  @Test
  void thePositiveIsTheKeyNotAQueueColumn() {
    try (NDManager m = NDManager.newBaseManager()) {
      double tau = 0.5;
      NDArray q = m.create(new float[] {1, 0}, new Shape(1, 2));
      NDArray k = m.create(new float[] {1, 0}, new Shape(1, 2)); // q·k = 1
      NDArray queue = m.create(new float[] {0, 0, 0, 1, 1, 1}, new Shape(2, 3)); // q·n = 0
      double positive = Math.exp(1 / tau);
      double expected = -Math.log(positive / (positive + 3));
      double wrongColumn = -Math.log(1 / (positive + 3));
      double loss = InfoNce.loss(q, k, queue, tau).getFloat();
      assertThat(loss).isCloseTo(expected, within(1e-5));
      assertThat(Math.abs(loss - wrongColumn)).isGreaterThan(1);
    }
  }
}
