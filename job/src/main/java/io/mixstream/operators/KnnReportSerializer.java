package io.mixstream.operators;

import java.nio.charset.StandardCharsets;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.kafka.clients.producer.ProducerRecord;

/** A kNN result on the metrics topic: key = model key, value = {@link KnnReport#toJson()}. */
public final class KnnReportSerializer implements KafkaRecordSerializationSchema<KnnReport> {
  private static final long serialVersionUID = 1L;

  private final String topic;

  public KnnReportSerializer(String topic) {
    this.topic = topic;
  }

  @Override
  public ProducerRecord<byte[], byte[]> serialize(
      KnnReport r, KafkaSinkContext context, Long timestamp) {
    return new ProducerRecord<>(
        topic,
        null,
        null, // the broker's clock: the final snapshot's records carry Flink's end-of-input time
        r.modelKey.getBytes(StandardCharsets.UTF_8),
        r.toJson().getBytes(StandardCharsets.UTF_8));
  }
}
