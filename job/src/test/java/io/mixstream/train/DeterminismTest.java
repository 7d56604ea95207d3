package io.mixstream.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mixstream.augment.SourceImage;
import io.mixstream.config.Method;
import io.mixstream.config.Stem;
import io.mixstream.config.TrainingConfig;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

class DeterminismTest {
  private static byte[][] batch(int step) {
    return TrainerFixtures.cifar(16 * step, 16);
  }

  @ParameterizedTest
  @EnumSource(
      value = Method.class,
      names = {"MOCO", "APPROACH1", "APPROACH2", "SIMCLR", "BYOL"})
  void sameSeedGivesBitIdenticalStateAndExportImportContinuesExactly(Method method) {
    assertDeterministic(TrainerFixtures.tiny(method), DeterminismTest::cifarBatch);
  }

  /** The same at 64 px with each stem, from sources of other sizes (crops up- and downscaled). */
  @ParameterizedTest
  @CsvSource({"APPROACH1, CIFAR", "APPROACH2, IMAGENET", "MOCO_CUTMIX, IMAGENET"})
  void atSixtyFourPixelsTooWithEitherStem(Method method, Stem stem) {
    TrainingConfig.Builder b = TrainerFixtures.tiny(method).toBuilder();
    b.imageSize = 64;
    b.stem = stem;
    assertDeterministic(b.build(), DeterminismTest::large);
  }

  private static void assertDeterministic(
      TrainingConfig c, java.util.function.IntFunction<SourceImage[]> batch) {
    Map<String, float[]> uninterrupted;
    try (MocoTrainer a = TrainerFixtures.trainer(c);
        MocoTrainer b = TrainerFixtures.trainer(c)) {
      for (int s = 0; s < 3; s++) {
        a.step(batch.apply(s));
        b.step(batch.apply(s));
      }
      assertSame(a.stateByName(), b.stateByName());
      byte[] state = a.exportState();
      try (MocoTrainer restored = TrainerFixtures.trainer(c)) {
        restored.importState(state);
        assertThat(restored.stepCount()).isEqualTo(3);
        assertSame(restored.stateByName(), a.stateByName());
        for (int s = 3; s < 6; s++) {
          a.step(batch.apply(s));
          restored.step(batch.apply(s));
        }
        uninterrupted = a.stateByName();
        assertSame(restored.stateByName(), uninterrupted);
      }
    }
  }

  /** CIFAR images as 96x72 sources: every pixel repeated 3 times down and 2.25 across. */
  private static SourceImage[] large(int step) {
    byte[][] small = batch(step);
    SourceImage[] out = new SourceImage[small.length];
    int h = 96;
    int w = 72;
    for (int i = 0; i < small.length; i++) {
      byte[] p = new byte[3 * h * w];
      for (int c = 0; c < 3; c++) {
        for (int y = 0; y < h; y++) {
          for (int x = 0; x < w; x++) {
            p[c * h * w + y * w + x] = small[i][c * 1024 + (y / 3) * 32 + (x * 32 / w)];
          }
        }
      }
      out[i] = new SourceImage(h, w, p);
    }
    return out;
  }

  private static SourceImage[] cifarBatch(int step) {
    return java.util.Arrays.stream(batch(step)).map(SourceImage::cifar).toArray(SourceImage[]::new);
  }

  @ParameterizedTest
  @EnumSource(
      value = Method.class,
      names = {"MOCO"})
  void aStateOfAnotherConfigurationIsRefused(Method method) {
    TrainingConfig c = TrainerFixtures.tiny(method);
    TrainingConfig.Builder other = c.toBuilder();
    other.width = 8;
    try (MocoTrainer a = TrainerFixtures.trainer(c);
        MocoTrainer b = TrainerFixtures.trainer(other.build())) {
      byte[] state = a.exportState();
      assertThatThrownBy(() -> b.importState(state))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("width=4")
          .hasMessageContaining("width=8");
      TrainingConfig.Builder larger = c.toBuilder();
      larger.imageSize = 96; // auto: the imagenet stem
      try (MocoTrainer d = TrainerFixtures.trainer(larger.build())) {
        assertThatThrownBy(() -> d.importState(state))
            .hasMessageContaining("stem=imagenet size=96");
      }
      assertThatThrownBy(() -> a.importState(java.util.Arrays.copyOf(state, 100)))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("corrupt");
    }
  }

  private static void assertSame(Map<String, float[]> x, Map<String, float[]> y) {
    assertThat(x.keySet()).containsExactlyElementsOf(y.keySet());
    x.forEach((k, v) -> assertThat(v).as(k).containsExactly(y.get(k)));
  }
}
