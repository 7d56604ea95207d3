package io.mixstream.torch;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;

/**
 * PyTorch's autograd switches, which DJL's API does not expose. The mode is per thread: DJL turns
 * gradients off only on the thread that loaded the engine, so every entry point sets it.
 */
public final class Autograd {
  static {
    Engine.getEngine("PyTorch"); // loads the native library before the first JNI call
  }

  private Autograd() {}

  public static void setEnabled(boolean enabled) {
    JniUtils.setGradMode(enabled);
  }

  public static boolean isEnabled() {
    return JniUtils.isGradMode();
  }

  /** d(loss)/d(every leaf that requires gradients), accumulated into their .grad. */
  public static void backward(NDArray scalarLoss) {
    JniUtils.backward((PtNDArray) scalarLoss, (PtNDArray) scalarLoss.onesLike(), false, false);
  }

  public static void zeroGradient(NDArray leaf) {
    JniUtils.zeroGrad((PtNDArray) leaf);
  }
}
