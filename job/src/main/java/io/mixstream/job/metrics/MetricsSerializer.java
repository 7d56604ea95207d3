package io.mixstream.job.metrics;

import io.mixstream.job.evaluation.KnnReport;
import io.mixstream.job.training.StepResult;
import io.mixstream.records.MetricsCodec;
import io.mixstream.records.MetricsRecord;
import java.nio.charset.StandardCharsets;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.flink.util.function.SerializableFunction;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * A record on the metrics topic: key = model key, value = one JSON object whose {@code type} says
 * what it is ({@code train}: a step's losses; {@code knn}: an evaluation; {@code quality}: the
 * label-free measures; {@code embed}: the embedding service's gauges; {@code final}: a trainer's
 * state when its input ended).
 */
public final class MetricsSerializer<T> implements KafkaRecordSerializationSchema<T> {
  private static final long serialVersionUID = 1L;

  private final String topic;
  private final SerializableFunction<T, String> key;
  private final SerializableFunction<T, String> json;

  private MetricsSerializer(
      String topic, SerializableFunction<T, String> key, SerializableFunction<T, String> json) {
    this.topic = topic;
    this.key = key;
    this.json = json;
  }

  public static MetricsSerializer<KnnReport> knn(String topic) {
    return new MetricsSerializer<>(topic, r -> r.modelKey, KnnReport::toJson);
  }

  /** The embedding service's gauges ({@code type} embed). */
  public static MetricsSerializer<MetricsRecord.Embed> embed(String topic) {
    return new MetricsSerializer<>(topic, MetricsRecord.Embed::model, e -> MetricsCodec.encode(e));
  }

  /** A trainer's label-free measures ({@code type} quality). */
  public static MetricsSerializer<MetricsRecord.Quality> quality(String topic) {
    return new MetricsSerializer<>(
        topic, MetricsRecord.Quality::model, q -> MetricsCodec.encode(q));
  }

  /** A trainer's state at the end of its input ({@code type} final). */
  public static MetricsSerializer<MetricsRecord.Final> finalState(String topic) {
    // a lambda, not MetricsCodec::encode: javac's deserialisation of two serialisable references
    // to one method tells them apart by the method alone, and the embed one's cast would win
    return new MetricsSerializer<>(topic, MetricsRecord.Final::model, f -> MetricsCodec.encode(f));
  }

  public static MetricsSerializer<StepResult> steps(String topic) {
    return new MetricsSerializer<>(topic, r -> r.modelKey, StepResult::toJson);
  }

  @Override
  public ProducerRecord<byte[], byte[]> serialize(T r, KafkaSinkContext context, Long timestamp) {
    return new ProducerRecord<>(
        topic,
        null,
        null, // the broker's clock: the final snapshot's records carry Flink's end-of-input time
        key.apply(r).getBytes(StandardCharsets.UTF_8),
        json.apply(r).getBytes(StandardCharsets.UTF_8));
  }
}
