package io.mixstream.job.evaluation;

import io.mixstream.records.EmbeddingCodec;
import io.mixstream.records.EmbeddingRecord;
import java.nio.charset.StandardCharsets;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.kafka.clients.producer.ProducerRecord;

/** An embedding on the embeddings topic: key = image id, value in {@link EmbeddingCodec}. */
public final class EmbeddingSerializer implements KafkaRecordSerializationSchema<EmbeddingRecord> {
  private static final long serialVersionUID = 1L;

  private final String topic;
  private final EmbeddingCodec.Format format;

  public EmbeddingSerializer(String topic, EmbeddingCodec.Format format) {
    this.topic = topic;
    this.format = format;
  }

  @Override
  public ProducerRecord<byte[], byte[]> serialize(
      EmbeddingRecord r, KafkaSinkContext context, Long timestamp) {
    return new ProducerRecord<>(
        topic,
        null,
        null, // the broker's clock: the final snapshot's records carry Flink's end-of-input time
        r.imageId().getBytes(StandardCharsets.UTF_8),
        EmbeddingCodec.encode(r, format));
  }
}
