package io.mixstream.tools.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Resuming a model: the options it was trained with against the ones asked for now. */
class ModelHomeTest {
  private static final Map<String, Object> DEFAULTS =
      Map.of("width", 64, "schedule", "COSINE", "method", "moco");

  /**
   * A home whose model has a checkpoint and the options {@code recorded}, as an earlier run left.
   */
  private static ModelHome homeWith(Path tmp, String recorded) throws Exception {
    ModelHome home = ModelHome.inCheckpointDir(tmp.resolve("ckpt"), tmp.resolve("snap"));
    Path metadata = tmp.resolve("ckpt/job/chk-1/_metadata");
    Files.createDirectories(metadata.getParent());
    Files.writeString(metadata, "x");
    Files.createDirectories(home.configFile().getParent());
    Files.writeString(home.configFile(), recorded);
    return home;
  }

  @Test
  void anOptionTheRecordPredatesCountsAsItsDefault(@TempDir Path tmp) throws Exception {
    ModelHome home = homeWith(tmp, "width=16\n"); // recorded before schedule existed
    home.claim(Map.of("width", 16, "schedule", "COSINE"), DEFAULTS, "--fresh");
    ModelHome again = homeWith(tmp, "width=16\n");
    assertThatThrownBy(
            () -> again.claim(Map.of("width", 16, "schedule", "CONSTANT"), DEFAULTS, "--fresh"))
        .hasMessageContaining("was trained with schedule COSINE (asked: CONSTANT)")
        .hasMessageContaining("--fresh");
    ModelHome wider = homeWith(tmp, "width=16\n");
    assertThatThrownBy(() -> wider.claim(Map.of("width", 32), DEFAULTS, "--fresh"))
        .hasMessageContaining("width 16 (asked: 32)");
  }

  @Test
  void theBaseRateMayChangeOnResumeAndIsSaidAndRecorded(@TempDir Path tmp) throws Exception {
    ModelHome home = homeWith(tmp, "width=16\nbaseLr=1000000.0\nmodel.b.baseLr=0.5\n");
    assertThat(
            home.claim(
                Map.of("width", 16, "baseLr", 0.06, "model.b.baseLr", 0.5), DEFAULTS, "--fresh"))
        .containsExactly("baseLr 0.06 (until now: 1000000.0)");
    assertThat(Files.readString(home.configFile())).contains("baseLr=0.06");
    assertThatThrownBy(
            () ->
                homeWith(tmp, "width=16\nbaseLr=0.06\n")
                    .claim(Map.of("width", 32, "baseLr", 0.01), DEFAULTS, "--fresh"))
        .as("another option still refused, the rate not named among the differences")
        .hasMessageContaining("width 16 (asked: 32)")
        .message()
        .doesNotContain("baseLr");
  }

  @Test
  void severalModelsRecordedInTheEarlierFormResumeUnderTheFlatNames(@TempDir Path tmp)
      throws Exception {
    String earlier =
        "models=a,b\nmodel\\ a={method=moco, width=16}\nmodel\\ b={method=unmix, width=8}\n";
    homeWith(tmp, earlier)
        .claim(
            Map.of(
                "models", "a,b",
                "model.a.method", "moco",
                "model.a.width", 16,
                "model.a.schedule", "COSINE",
                "model.b.method", "unmix",
                "model.b.width", 8),
            DEFAULTS,
            "--fresh");
    assertThatThrownBy(
            () ->
                homeWith(tmp, earlier)
                    .claim(
                        Map.of(
                            "models", "a,b",
                            "model.a.method", "moco",
                            "model.a.width", 16,
                            "model.b.method", "unmix",
                            "model.b.width", 16),
                        DEFAULTS,
                        "--fresh"))
        .hasMessageContaining("model.b.width 8 (asked: 16)");
  }
}
