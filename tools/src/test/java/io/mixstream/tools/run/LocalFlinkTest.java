package io.mixstream.tools.run;

import static org.assertj.core.api.Assertions.assertThat;

import io.mixstream.config.JobConfig;
import io.mixstream.config.Method;
import io.mixstream.config.ModelSpec;
import io.mixstream.config.TrainingConfig;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class LocalFlinkTest {
  private static JobConfig withModels(List<ModelSpec> models) {
    JobConfig.Builder b =
        JobConfig.defaults(TrainingConfig.defaults(), Path.of("/tmp/x")).toBuilder();
    b.models = models;
    return b.build();
  }

  private static ModelSpec model(String key, int threads) {
    TrainingConfig.Builder t = TrainingConfig.defaults().toBuilder();
    t.method = Method.MOCO;
    return new ModelSpec(key, t.build(), "cpu", threads);
  }

  @Test
  void modelsLeftAtOneThreadPerCoreShareTheCoresOut() {
    int cores = Runtime.getRuntime().availableProcessors();
    JobConfig shared =
        LocalFlink.shareCores(withModels(List.of(model("a", 0), model("b", 0), model("c", 3))));
    assertThat(shared.trainers())
        .extracting(ModelSpec::torchThreads)
        .containsExactly(Math.max(1, cores / 3), Math.max(1, cores / 3), 3);
    JobConfig one = withModels(List.of());
    assertThat(LocalFlink.shareCores(one)).as("one model keeps one thread per core").isSameAs(one);
  }
}
