package io.mixstream.eval;

import static org.assertj.core.api.Assertions.assertThat;

import io.mixstream.config.Method;
import io.mixstream.snapshot.EncoderSnapshot;
import io.mixstream.train.MocoTrainer;
import io.mixstream.train.TrainerFixtures;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The MoCo family's kNN on the pooled backbone features (§15, Table 1's common ground) is the kNN
 * of the same snapshot with its fc taken away, which a SimCLR or BYOL snapshot is.
 */
class KnnEvaluationTest {
  @Test
  void theMocoFamilysPooledKnnIsTheKnnOfItsBackboneWithoutTheHead() {
    EncoderSnapshot full;
    try (MocoTrainer t = TrainerFixtures.trainer(TrainerFixtures.tiny(Method.MOCO))) {
      for (int s = 0; s < 3; s++) {
        t.step(TrainerFixtures.cifar(16 * s, 16));
      }
      full = t.encoderSnapshot();
    }
    Map<String, io.mixstream.snapshot.Safetensors.Tensor> backbone =
        new LinkedHashMap<>(full.tensors());
    backbone.keySet().removeIf(n -> n.startsWith("fc."));
    EncoderSnapshot headless =
        new EncoderSnapshot(
            full.step(),
            "simclr",
            full.width(),
            8 * full.width(),
            full.stem(),
            full.imageSize(),
            full.normalization(),
            full.configJson(),
            backbone);
    KnnEvaluation.LabelledImages bank = labelled(1000, 200);
    KnnEvaluation.LabelledImages test = labelled(3000, 100);
    KnnEvaluation e = new KnnEvaluation("cpu", new KnnEvaluation.Protocol(20, 0.1, 10));
    KnnEvaluation.Result withHead = e.run(full, bank, test);
    KnnEvaluation.Result withoutHead = e.run(headless, bank, test);
    assertThat(withHead.dim()).isEqualTo(128);
    assertThat(withoutHead.dim()).isEqualTo(32);
    assertThat(withoutHead.pooledAccuracy()).as("already pooled: none beside it").isNaN();
    assertThat(withHead.pooledAccuracy()).isEqualTo(withoutHead.accuracy());
    assertThat(withHead.pooledAccuracy())
        .as("a different feature: the comparison could not pass by accident")
        .isNotEqualTo(withHead.accuracy());
  }

  private static KnnEvaluation.LabelledImages labelled(int from, int n) {
    byte[][] pixels = TrainerFixtures.cifar(from, n);
    int[] labels = new int[n];
    try {
      var test =
          io.mixstream.cifar.Cifar10Reader.read(
              io.mixstream.testing.SharedData.cifar10(), io.mixstream.cifar.CifarSplit.TEST);
      for (int i = 0; i < n; i++) {
        labels[i] = test.label(from + i);
      }
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    return new KnnEvaluation.LabelledImages(pixels, labels);
  }
}
