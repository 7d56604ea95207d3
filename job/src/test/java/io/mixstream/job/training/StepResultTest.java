package io.mixstream.job.training;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import org.junit.jupiter.api.Test;

/** The metrics topic's train record has every field README.md lists, with the step's values. */
class StepResultTest {
  @Test
  void jsonCarriesEveryDocumentedField() {
    StepResult r = new StepResult();
    r.modelKey = "m";
    r.step = 12;
    r.epoch = 1;
    r.loss = 6.5;
    r.lr = 0.06;
    r.lambda = 0.25;
    r.termNames = new String[] {"original", "mixed"};
    r.termValues = new double[] {6.0, 0.5};
    r.stepSeconds = 0.125;
    r.batchSeconds = 0.003;
    r.wallMillis = 1_700_000_000_123L;

    JsonObject o = JsonParser.parseString(r.toJson()).getAsJsonObject();

    assertThat(o.get("type").getAsString()).isEqualTo("train");
    assertThat(o.get("model").getAsString()).isEqualTo("m");
    assertThat(o.get("step").getAsLong()).isEqualTo(12);
    assertThat(o.get("epoch").getAsInt()).isEqualTo(1);
    assertThat(o.get("loss").getAsDouble()).isEqualTo(6.5);
    assertThat(o.getAsJsonObject("terms").get("mixed").getAsDouble()).isEqualTo(0.5);
    assertThat(o.get("lr").getAsDouble()).isEqualTo(0.06);
    assertThat(o.get("lambda").getAsDouble()).isEqualTo(0.25);
    assertThat(o.get("step_seconds").getAsDouble()).isEqualTo(0.125);
    assertThat(o.get("batch_seconds").getAsDouble()).isEqualTo(0.003);
    assertThat(o.get("time").getAsString()).isEqualTo("2023-11-14T22:13:20.123Z");
  }

  @Test
  void plainMocoHasNoLambda() {
    StepResult r = new StepResult();
    r.modelKey = "m";
    r.lambda = Double.NaN;
    r.wallMillis = 0;
    assertThat(JsonParser.parseString(r.toJson()).getAsJsonObject().has("lambda")).isFalse();
  }
}
