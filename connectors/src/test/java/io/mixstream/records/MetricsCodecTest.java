package io.mixstream.records;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MetricsCodecTest {
  private static final Instant T = Instant.parse("2026-12-01T10:15:30.123Z");

  @Test
  void decodesATrainRecordWrittenAsTheReadmeSaysNotByTheEncoder() {
    MetricsRecord r =
        MetricsCodec.decode(
            """
            {"v": 1, "type": "train", "model": "m", "step": 7, "epoch": 2, "images": 448, "loss": 8.25,
             "terms": {"original": 4.0, "mixed": 4.25}, "lr": 0.06, "lambda": 0.3,
             "step_seconds": 0.5, "batch_seconds": 0.01, "time": "2026-12-01T10:15:30.123Z"}
            """);
    assertThat(r)
        .isEqualTo(
            new MetricsRecord.Train(
                "m",
                7,
                2,
                448,
                8.25,
                Map.of("original", 4.0, "mixed", 4.25),
                0.06,
                0.3,
                0.5,
                0.01,
                T,
                true));
  }

  @Test
  void aSkippedStepIsStrictJsonWithNullsAndReadsBack() {
    var skipped =
        new MetricsRecord.Train(
            "m",
            4,
            1,
            96,
            Double.NaN,
            Map.of("original", Double.NaN, "mixed", Double.POSITIVE_INFINITY),
            0.03,
            Double.NaN,
            1,
            2,
            T,
            false);
    String json = MetricsCodec.encode(skipped);
    // a strict parser (Python's json, jq) refuses NaN and Infinity: none may appear
    assertThat(json).doesNotContain("NaN").doesNotContain("Infinity");
    JsonObject o = JsonParser.parseString(json).getAsJsonObject();
    assertThat(o.get("v").getAsInt()).isEqualTo(2);
    assertThat(o.get("loss").isJsonNull()).isTrue();
    assertThat(o.getAsJsonObject("terms").get("mixed").isJsonNull()).isTrue();
    assertThat(o.get("applied").getAsBoolean()).isFalse();
    MetricsRecord.Train back = (MetricsRecord.Train) MetricsCodec.decode(json);
    assertThat(back.applied()).isFalse();
    assertThat(back.loss()).isNaN();
    assertThat(back.terms().get("mixed")).isNaN();
    assertThat(back.lr()).isEqualTo(0.03);
  }

  @Test
  void readsVersionOneAndRefusesAVersionFromTheFuture() {
    assertThat(
            MetricsCodec.decode(
                    "{\"v\": 1, \"type\": \"train\", \"model\": \"m\", \"step\": 1,"
                        + " \"loss\": 2.5}")
                .step())
        .isEqualTo(1);
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> MetricsCodec.decode("{\"v\": 3, \"type\": \"train\"}"))
        .hasMessageContaining("version 3");
  }

  @Test
  void decodesAKnnRecordWrittenAsTheReadmeSays() {
    MetricsRecord r =
        MetricsCodec.decode(
            """
            {"type": "knn", "model": "m", "step": 100, "method": "approach1",
             "metric": "knn_top1", "accuracy": 0.2875, "protocol": "p", "k": 200,
             "temperature": 0.1, "bank_size": 5000, "test_size": 1000, "seconds": 3.5,
             "time": "2026-12-01T10:15:30.123Z"}
            """);
    assertThat(r)
        .as("a record without v is version 1, as every record before the field existed")
        .isEqualTo(
            new MetricsRecord.Knn(
                "m", 100, "approach1", 0.2875, "p", 200, 0.1, 5000, 1000, 3.5, T));
  }

  @Test
  void decodesAnEmbedRecordWrittenAsTheReadmeSays() {
    MetricsRecord r =
        MetricsCodec.decode(
            """
            {"v": 1, "type": "embed", "model": "m", "step": 40, "images": 6400,
             "per_second": 812.5, "latency_p50_ms": 31.0, "latency_p99_ms": 58.25, "swaps": 2,
             "time": "2026-12-01T10:15:30.123Z"}
            """);
    assertThat(r).isEqualTo(new MetricsRecord.Embed("m", 40, 6400, 812.5, 31.0, 58.25, 2, T));
    var idle = new MetricsRecord.Embed("m", 40, 6400, 0, Double.NaN, Double.NaN, 2, T);
    JsonObject o = JsonParser.parseString(MetricsCodec.encode(idle)).getAsJsonObject();
    assertThat(o.has("latency_p50_ms")).as("no latency without images").isFalse();
    assertThat(MetricsCodec.decode(MetricsCodec.encode(idle))).isEqualTo(idle);
  }

  @Test
  void decodesAQualityRecordWrittenAsTheReadmeSays() {
    MetricsRecord r =
        MetricsCodec.decode(
            """
            {"v": 1, "type": "quality", "model": "m", "step": 300, "window": 2048, "dim": 128,
             "rankme": 61.5, "alignment": 0.75, "uniformity": -3.25, "embedding_std": 0.0625,
             "collapsed": false, "seconds": 9.5, "time": "2026-12-01T10:15:30.123Z"}
            """);
    assertThat(r)
        .isEqualTo(
            new MetricsRecord.Quality(
                "m", 300, 2048, 128, 61.5, 0.75, -3.25, 0.0625, false, 9.5, T));
    var collapsed = new MetricsRecord.Quality("m", 9, 64, 16, 1.0, 0, 0, 0, true, 0.5, T);
    assertThat(MetricsCodec.decode(MetricsCodec.encode(collapsed))).isEqualTo(collapsed);
    var diverged = new MetricsRecord.Quality("m", 9, 64, 16, Double.NaN, 0, 0, 0, true, 0.5, T);
    String json = MetricsCodec.encode(diverged);
    assertThat(json).as("strict JSON: NaN is written as null").contains("\"rankme\":null");
    assertThat(JsonParser.parseString(json).getAsJsonObject().get("rankme").isJsonNull()).isTrue();
    assertThat(MetricsCodec.decode(json).toString()).isEqualTo(diverged.toString());
    assertThatThrownBy(
            () ->
                MetricsCodec.decode(
                    MetricsCodec.encode(collapsed)
                        .replace("\"collapsed\":true", "\"collapsed\":1")))
        .hasMessageContaining("collapsed");
  }

  @Test
  void decodesAFinalRecordWrittenAsTheReadmeSays() {
    MetricsRecord r =
        MetricsCodec.decode(
            """
            {"v": 1, "type": "final", "model": "m", "step": 60, "epoch": 1,
             "state_sha256": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
             "trained_digest_sum": "fedcba9876543210", "trained_digest_count": 1920,
             "time": "2026-12-01T10:15:30.123Z"}
            """);
    assertThat(r)
        .isEqualTo(
            new MetricsRecord.Final(
                "m",
                60,
                1,
                "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
                0xfedcba9876543210L,
                1920,
                T));
    var small = new MetricsRecord.Final("m", 1, 1, "00", 5, 1, T);
    JsonObject o = JsonParser.parseString(MetricsCodec.encode(small)).getAsJsonObject();
    assertThat(o.get("trained_digest_sum").getAsString())
        .as("64 bits as 16 hex digits: a JSON number would lose the low bits in most readers")
        .isEqualTo("0000000000000005");
    assertThat(MetricsCodec.decode(MetricsCodec.encode(r))).isEqualTo(r);
  }

  @Test
  void encodesEveryDocumentedFieldAndRoundTrips() {
    var train =
        new MetricsRecord.Train(
            "m", 3, 1, 96, 7.5, Map.of("original", 7.5), 0.03, Double.NaN, 1, 2, T, true);
    JsonObject o = JsonParser.parseString(MetricsCodec.encode(train)).getAsJsonObject();
    assertThat(o.keySet())
        .containsExactlyInAnyOrder(
            "v",
            "type",
            "model",
            "step",
            "epoch",
            "images",
            "loss",
            "terms",
            "lr",
            "step_seconds",
            "batch_seconds",
            "time");
    assertThat(o.get("v").getAsInt()).isEqualTo(2);
    assertThat(o.get("time").getAsString()).isEqualTo("2026-12-01T10:15:30.123Z");
    assertThat(o.has("lambda")).as("no lambda for a method that does not mix").isFalse();
    assertThat(MetricsCodec.decode(MetricsCodec.encode(train))).isEqualTo(train);

    var knn = new MetricsRecord.Knn("m", 0, "moco", 0.25, "p", 200, 0.1, 64, 32, 0.5, T);
    JsonObject k = JsonParser.parseString(MetricsCodec.encode(knn)).getAsJsonObject();
    assertThat(k.get("metric").getAsString()).isEqualTo("knn_top1");
    assertThat(k.get("bank_size").getAsInt()).isEqualTo(64);
    assertThat(MetricsCodec.decode(MetricsCodec.encode(knn))).isEqualTo(knn);
    assertThat(k.has("pooled_accuracy")).as("only where there is one").isFalse();
    var both = new MetricsRecord.Knn("m", 0, "moco", 0.25, "p", 200, 0.1, 64, 32, 0.5, T, 0.3125);
    JsonObject b = JsonParser.parseString(MetricsCodec.encode(both)).getAsJsonObject();
    assertThat(b.get("pooled_accuracy").getAsDouble()).isEqualTo(0.3125);
    assertThat(MetricsCodec.decode(MetricsCodec.encode(both))).isEqualTo(both);
  }

  @Test
  void malformedRecordsAreCodecErrorsThatSayWhy() {
    assertThatThrownBy(() -> MetricsCodec.decode("not json {"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("not a JSON object");
    assertThatThrownBy(() -> MetricsCodec.decode("[1, 2]"))
        .hasMessageContaining("not a JSON object");
    assertThatThrownBy(
            () -> MetricsCodec.decode("{\"v\": 9, \"type\": \"train\", \"model\": \"m\"}"))
        .hasMessageContaining("version 9");
    assertThatThrownBy(
            () -> MetricsCodec.decode("{\"type\": \"eval\", \"model\": \"m\", \"step\": 1}"))
        .hasMessageContaining("unknown record type 'eval'");
    assertThatThrownBy(
            () -> MetricsCodec.decode("{\"type\": \"train\", \"model\": \"m\", \"step\": 1}"))
        .hasMessageContaining("no number loss");
    assertThatThrownBy(
            () ->
                MetricsCodec.decode(
                    "{\"type\": \"knn\", \"model\": \"m\", \"step\": \"x\", \"accuracy\": 1}"))
        .hasMessageContaining("no number step");
    assertThatThrownBy(
            () ->
                MetricsCodec.decode(
                    "{\"type\": \"train\", \"model\": \"m\", \"step\": 1, \"loss\": 1,"
                        + " \"terms\": {\"a\": [1]}}"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(
            () ->
                MetricsCodec.decode(
                    "{\"type\": \"train\", \"model\": \"m\", \"step\": 1, \"loss\": 1,"
                        + " \"time\": \"yesterday\"}"))
        .hasMessageContaining("ISO-8601");
  }
}
