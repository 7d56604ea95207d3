package io.mixstream.torch;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiFunction;
import org.junit.jupiter.api.Test;

/**
 * A number that autograd keeps for the backward pass must outlive a garbage collection between the
 * forward and the backward pass. DJL's {@code x.div(0.2f)} does not: its 0.2 lives in a direct
 * buffer that only a closed Java array held, so after a GC and a few new direct buffers (here
 * holding 1000) the gradient of x/0.2 came out as 0.001 instead of 5, and the trainer's gradients
 * depended on GC timing (the CI's DeterminismTest failure, found by a helper session).
 */
class ScalarsTest {
  @Test
  void aDividedScalarSurvivesAGarbageCollectionBeforeBackward() throws Exception {
    for (int run = 0; run < 5; run++) {
      assertThat(gradientAfterGc(Scalars::div)).as("run %d: d(x/0.2)/dx", run).isEqualTo(5f);
      assertThat(gradientAfterGc(Scalars::mul)).as("run %d: d(x·0.2)/dx", run).isEqualTo(0.2f);
    }
  }

  /** The gradient of op(x, 0.2) at x = 1, with a GC and reused native memory before backward. */
  private static float gradientAfterGc(BiFunction<NDArray, Float, NDArray> op) throws Exception {
    try (NDManager m = NDManager.newBaseManager(ai.djl.Device.cpu());
        GradMode off = GradMode.off();
        NDScope scope = new NDScope()) {
      scope.suppressNotUsedWarning();
      NDArray x = m.create(new float[] {1f});
      x.setRequiresGradient(true);
      NDArray y;
      try (GradMode on = GradMode.on()) {
        y = op.apply(x, 0.2f).sum();
      }
      System.gc();
      Thread.sleep(50);
      List<ByteBuffer> reuse = new ArrayList<>();
      for (int i = 0; i < 256; i++) {
        ByteBuffer b = ByteBuffer.allocateDirect(4).order(ByteOrder.nativeOrder());
        b.putFloat(0, 1000f);
        reuse.add(b);
      }
      Autograd.backward(y);
      assertThat(reuse).hasSize(256); // kept until here, so the memory stays taken
      return x.getGradient().toFloatArray()[0];
    }
  }
}
