package io.mixstream.job.ingest;

import java.nio.charset.StandardCharsets;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * A dead letter as a Kafka record on the dead-letter topic: the original key and value bytes, and
 * headers {@code mixstream.reason}, {@code mixstream.error}, {@code mixstream.source.topic}, {@code
 * mixstream.source.partition} and {@code mixstream.source.offset} (UTF-8 strings); a letter whose
 * value was too large for the topic has no value and the header {@code mixstream.value.omitted}
 * with the original value's size in bytes.
 */
public final class DeadLetterSerializer implements KafkaRecordSerializationSchema<DeadLetter> {
  private static final long serialVersionUID = 1L;

  private final String topic;

  public DeadLetterSerializer(String topic) {
    this.topic = topic;
  }

  @Override
  public ProducerRecord<byte[], byte[]> serialize(
      DeadLetter letter, KafkaSinkContext context, Long timestamp) {
    ProducerRecord<byte[], byte[]> r =
        new ProducerRecord<>(topic, null, timestamp, letter.record.key, letter.record.value);
    header(r, "mixstream.reason", letter.reason);
    header(r, "mixstream.error", letter.message);
    header(r, "mixstream.source.topic", letter.record.topic);
    header(r, "mixstream.source.partition", String.valueOf(letter.record.partition));
    header(r, "mixstream.source.offset", String.valueOf(letter.record.offset));
    if (letter.omittedValueBytes >= 0) {
      header(r, "mixstream.value.omitted", String.valueOf(letter.omittedValueBytes));
    }
    return r;
  }

  private static void header(ProducerRecord<byte[], byte[]> r, String name, String value) {
    r.headers().add(name, value.getBytes(StandardCharsets.UTF_8));
  }
}
