package io.mixstream.train;

import ai.djl.Device;
import io.mixstream.cifar.Cifar10Dataset;
import io.mixstream.cifar.Cifar10Reader;
import io.mixstream.cifar.CifarSplit;
import io.mixstream.config.Method;
import io.mixstream.config.TrainingConfig;
import io.mixstream.testing.SharedData;
import java.io.IOException;
import java.io.UncheckedIOException;

/** Narrow, small-batch configurations and real CIFAR-10 batches for the trainer's tests. */
public final class TrainerFixtures {
  private static Cifar10Dataset test;

  private TrainerFixtures() {}

  /**
   * Width 4, batch 16, K 64 (BYOL's hidden size 64): every method in well under a second a step on
   * a CPU, with the method's own defaults.
   */
  public static TrainingConfig tiny(Method method) {
    TrainingConfig.Builder b = TrainingConfig.defaults(method).toBuilder();
    b.byolHidden = 64;
    b.width = 4;
    b.batchSize = 16;
    b.queueSize = 64;
    b.seed = 17;
    return b.build();
  }

  public static MocoTrainer trainer(TrainingConfig c) {
    return new MocoTrainer(c, Device.cpu());
  }

  /** Images [from, from+n) of the CIFAR-10 test split, planar RGB bytes. */
  public static synchronized byte[][] cifar(int from, int n) {
    try {
      if (test == null) {
        test = Cifar10Reader.read(SharedData.cifar10(), CifarSplit.TEST);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    byte[][] out = new byte[n][];
    for (int i = 0; i < n; i++) {
      out[i] = test.pixels((from + i) % test.size());
    }
    return out;
  }
}
