package io.mixstream.records;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The metrics topic's value: one JSON object per record, version 2 (the README's table). Writers
 * and readers of the topic (the job, plot, the demo, the benchmark) all go through here.
 *
 * <p>Version 2 added a training step that was not applied ({@code "applied": false}, its loss and
 * terms {@code null} where they were not finite). Every record stays strict JSON: a value that is
 * not a finite number is {@code null}, never {@code NaN}. Version 1 records are still read.
 */
public final class MetricsCodec {
  /** The format version, in the field {@code "v"}; a record without it is version 1. */
  public static final int VERSION = 2;

  private MetricsCodec() {}

  public static String encode(MetricsRecord record) {
    JsonObject o = new JsonObject();
    o.addProperty("v", VERSION);
    if (record instanceof MetricsRecord.Train t) {
      o.addProperty("type", "train");
      o.addProperty("model", t.model());
      o.addProperty("step", t.step());
      o.addProperty("epoch", t.epoch());
      if (t.images() >= 0) {
        o.addProperty("images", t.images());
      }
      finiteOrNull(o, "loss", t.loss());
      JsonObject terms = new JsonObject();
      t.terms().entrySet().stream()
          .sorted(Map.Entry.comparingByKey())
          .forEach(e -> finiteOrNull(terms, e.getKey(), e.getValue()));
      o.add("terms", terms);
      finiteOrNull(o, "lr", t.lr());
      if (!t.applied()) {
        o.addProperty("applied", false);
      }
      if (!Double.isNaN(t.lambda())) {
        o.addProperty("lambda", t.lambda());
      }
      o.addProperty("step_seconds", t.stepSeconds());
      o.addProperty("batch_seconds", t.batchSeconds());
      time(o, t.time());
    } else if (record instanceof MetricsRecord.Knn k) {
      o.addProperty("type", "knn");
      o.addProperty("model", k.model());
      o.addProperty("step", k.step());
      o.addProperty("method", k.method());
      o.addProperty("metric", "knn_top1");
      o.addProperty("accuracy", k.accuracy());
      o.addProperty("protocol", k.protocol());
      o.addProperty("k", k.k());
      o.addProperty("temperature", k.temperature());
      o.addProperty("bank_size", k.bankSize());
      o.addProperty("test_size", k.testSize());
      o.addProperty("seconds", k.seconds());
      if (Double.isFinite(k.pooledAccuracy())) {
        o.addProperty("pooled_accuracy", k.pooledAccuracy());
      }
      time(o, k.time());
    } else if (record instanceof MetricsRecord.Quality q) {
      o.addProperty("type", "quality");
      o.addProperty("model", q.model());
      o.addProperty("step", q.step());
      o.addProperty("window", q.window());
      o.addProperty("dim", q.dim());
      finiteOrNull(o, "rankme", q.rankMe());
      finiteOrNull(o, "alignment", q.alignment());
      finiteOrNull(o, "uniformity", q.uniformity());
      finiteOrNull(o, "embedding_std", q.embeddingStd());
      o.addProperty("collapsed", q.collapsed());
      o.addProperty("seconds", q.seconds());
      time(o, q.time());
    } else if (record instanceof MetricsRecord.Embed e) {
      o.addProperty("type", "embed");
      o.addProperty("model", e.model());
      o.addProperty("step", e.step());
      o.addProperty("images", e.images());
      o.addProperty("per_second", e.perSecond());
      if (!Double.isNaN(e.latencyP50Ms())) {
        o.addProperty("latency_p50_ms", e.latencyP50Ms());
        o.addProperty("latency_p99_ms", e.latencyP99Ms());
      }
      o.addProperty("swaps", e.swaps());
      time(o, e.time());
    } else if (record instanceof MetricsRecord.Final f) {
      o.addProperty("type", "final");
      o.addProperty("model", f.model());
      o.addProperty("step", f.step());
      o.addProperty("epoch", f.epoch());
      o.addProperty("state_sha256", f.stateSha256());
      // as text: a JSON number is a double to most readers, which loses the low bits
      o.addProperty("trained_digest_sum", "%016x".formatted(f.trainedDigestSum()));
      o.addProperty("trained_digest_count", f.trainedDigestCount());
      time(o, f.time());
    }
    return o.toString();
  }

  /**
   * @throws IllegalArgumentException naming what is wrong: not JSON, another version, an unknown
   *     type, a missing or mistyped field
   */
  public static MetricsRecord decode(String json) {
    JsonObject o;
    try {
      o = JsonParser.parseString(json).getAsJsonObject();
    } catch (JsonParseException | IllegalStateException e) {
      throw new IllegalArgumentException("not a JSON object", e);
    }
    try {
      int v = o.has("v") ? o.get("v").getAsInt() : 1;
      if (v < 1 || v > VERSION) {
        throw new IllegalArgumentException(
            "metrics format version %d; this reader knows 1 to %d".formatted(v, VERSION));
      }
      String type = text(o, "type");
      return switch (type) {
        case "train" ->
            new MetricsRecord.Train(
                text(o, "model"),
                number(o, "step").longValue(),
                optional(o, "epoch", 0).intValue(),
                optional(o, "images", -1).longValue(),
                numberOrNull(o, "loss"),
                terms(o),
                o.has("lr") ? numberOrNull(o, "lr") : Double.NaN,
                optional(o, "lambda", Double.NaN).doubleValue(),
                optional(o, "step_seconds", Double.NaN).doubleValue(),
                optional(o, "batch_seconds", Double.NaN).doubleValue(),
                time(o),
                !o.has("applied") || bool(o, "applied"));
        case "knn" ->
            new MetricsRecord.Knn(
                text(o, "model"),
                number(o, "step").longValue(),
                o.has("method") ? text(o, "method") : "",
                number(o, "accuracy").doubleValue(),
                o.has("protocol") ? text(o, "protocol") : "",
                optional(o, "k", 0).intValue(),
                optional(o, "temperature", Double.NaN).doubleValue(),
                optional(o, "bank_size", 0).intValue(),
                optional(o, "test_size", 0).intValue(),
                optional(o, "seconds", Double.NaN).doubleValue(),
                time(o),
                optional(o, "pooled_accuracy", Double.NaN).doubleValue());
        case "quality" ->
            new MetricsRecord.Quality(
                text(o, "model"),
                number(o, "step").longValue(),
                number(o, "window").intValue(),
                number(o, "dim").intValue(),
                numberOrNull(o, "rankme"),
                numberOrNull(o, "alignment"),
                numberOrNull(o, "uniformity"),
                numberOrNull(o, "embedding_std"),
                bool(o, "collapsed"),
                optional(o, "seconds", Double.NaN).doubleValue(),
                time(o));
        case "embed" ->
            new MetricsRecord.Embed(
                text(o, "model"),
                number(o, "step").longValue(),
                number(o, "images").longValue(),
                optional(o, "per_second", Double.NaN).doubleValue(),
                optional(o, "latency_p50_ms", Double.NaN).doubleValue(),
                optional(o, "latency_p99_ms", Double.NaN).doubleValue(),
                optional(o, "swaps", 0).longValue(),
                time(o));
        case "final" ->
            new MetricsRecord.Final(
                text(o, "model"),
                number(o, "step").longValue(),
                optional(o, "epoch", 0).intValue(),
                text(o, "state_sha256"),
                Long.parseUnsignedLong(text(o, "trained_digest_sum"), 16),
                number(o, "trained_digest_count").longValue(),
                time(o));
        default -> throw new IllegalArgumentException("unknown record type '" + type + "'");
      };
    } catch (IllegalStateException | UnsupportedOperationException | NumberFormatException e) {
      throw new IllegalArgumentException("a field of the wrong type: " + e.getMessage(), e);
    }
  }

  private static void time(JsonObject o, Instant t) {
    if (t != null) {
      o.addProperty("time", t.toString());
    }
  }

  private static Instant time(JsonObject o) {
    if (!o.has("time")) {
      return null;
    }
    try {
      return Instant.parse(text(o, "time"));
    } catch (DateTimeParseException e) {
      throw new IllegalArgumentException("time is not an ISO-8601 instant", e);
    }
  }

  private static String text(JsonObject o, String name) {
    JsonElement e = o.get(name);
    if (e == null || !e.isJsonPrimitive()) {
      throw new IllegalArgumentException("no field " + name);
    }
    return e.getAsString();
  }

  private static Number number(JsonObject o, String name) {
    JsonElement e = o.get(name);
    if (e == null || !e.isJsonPrimitive() || !e.getAsJsonPrimitive().isNumber()) {
      throw new IllegalArgumentException("no number " + name);
    }
    return e.getAsNumber();
  }

  /** A measure as a number, or null when it is NaN or infinite: JSON has no such numbers. */
  private static void finiteOrNull(JsonObject o, String name, double value) {
    if (Double.isFinite(value)) {
      o.addProperty(name, value);
    } else {
      o.add(name, com.google.gson.JsonNull.INSTANCE);
    }
  }

  /** A field that must be present: a number, or null for a value that was not finite (NaN). */
  private static double numberOrNull(JsonObject o, String name) {
    JsonElement e = o.get(name);
    return e != null && e.isJsonNull() ? Double.NaN : number(o, name).doubleValue();
  }

  private static boolean bool(JsonObject o, String name) {
    JsonElement e = o.get(name);
    if (e == null || !e.isJsonPrimitive() || !e.getAsJsonPrimitive().isBoolean()) {
      throw new IllegalArgumentException("no true or false " + name);
    }
    return e.getAsBoolean();
  }

  private static Number optional(JsonObject o, String name, Number absent) {
    return o.has(name) ? number(o, name) : absent;
  }

  private static Map<String, Double> terms(JsonObject o) {
    Map<String, Double> out = new LinkedHashMap<>();
    JsonElement e = o.get("terms");
    if (e == null) {
      return out;
    }
    if (!e.isJsonObject()) {
      throw new IllegalArgumentException("terms is not an object");
    }
    JsonObject terms = e.getAsJsonObject();
    for (String name : terms.keySet()) {
      out.put(name, numberOrNull(terms, name)); // strict: gson reads [1] as 1 otherwise
    }
    return out;
  }
}
