package io.mixstream.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mixstream.config.Method;
import io.mixstream.config.TrainingConfig;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class DeterminismTest {
  private static byte[][] batch(int step) {
    return TrainerFixtures.cifar(16 * step, 16);
  }

  @ParameterizedTest
  @EnumSource(
      value = Method.class,
      names = {"MOCO", "APPROACH1", "APPROACH2"})
  void sameSeedGivesBitIdenticalStateAndExportImportContinuesExactly(Method method) {
    TrainingConfig c = TrainerFixtures.tiny(method);
    Map<String, float[]> uninterrupted;
    try (MocoTrainer a = TrainerFixtures.trainer(c);
        MocoTrainer b = TrainerFixtures.trainer(c)) {
      for (int s = 0; s < 3; s++) {
        a.step(batch(s));
        b.step(batch(s));
      }
      assertSame(a.snapshot(), b.snapshot());
      byte[] state = a.exportState();
      try (MocoTrainer restored = TrainerFixtures.trainer(c)) {
        restored.importState(state);
        assertThat(restored.stepCount()).isEqualTo(3);
        assertSame(restored.snapshot(), a.snapshot());
        for (int s = 3; s < 6; s++) {
          a.step(batch(s));
          restored.step(batch(s));
        }
        uninterrupted = a.snapshot();
        assertSame(restored.snapshot(), uninterrupted);
      }
    }
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
