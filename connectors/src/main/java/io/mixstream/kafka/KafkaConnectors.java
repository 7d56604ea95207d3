package io.mixstream.kafka;

import io.mixstream.records.RecordLimits;
import java.util.Properties;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.KafkaSourceBuilder;
import org.apache.flink.connector.kafka.source.enumerator.KafkaSourceEnumState;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.connector.kafka.source.split.KafkaPartitionSplit;

/**
 * The job's Kafka sources and sinks, built one way: a topic read from its start (or from the
 * offsets of a restored checkpoint), and at-least-once or exactly-once sinks sized for image-sized
 * records.
 */
public final class KafkaConnectors {
  private KafkaConnectors() {}

  /**
   * @param clientProperties the user's Kafka client settings (security and the like)
   * @param bounded stop at the offsets the topic has when the job starts (and end after a restore
   *     too: {@link BoundedKafkaSource})
   */
  public static <T> Source<T, KafkaPartitionSplit, KafkaSourceEnumState> source(
      String bootstrapServers,
      String topic,
      String groupId,
      Properties clientProperties,
      KafkaRecordDeserializationSchema<T> deserializer,
      boolean bounded) {
    KafkaSourceBuilder<T> source =
        KafkaSource.<T>builder()
            .setBootstrapServers(bootstrapServers)
            .setTopics(topic)
            .setGroupId(groupId)
            .setStartingOffsets(OffsetsInitializer.earliest())
            .setDeserializer(deserializer)
            .setProperties(clientProperties);
    if (bounded) {
      source.setBounded(OffsetsInitializer.latest());
      return new BoundedKafkaSource<>(source.build());
    }
    return source.build();
  }

  /**
   * An at-least-once sink whose producer takes records up to the largest legal image record (a dead
   * letter may be one); the user's settings win.
   */
  public static <T> KafkaSink<T> atLeastOnceSink(
      String bootstrapServers,
      Properties clientProperties,
      KafkaRecordSerializationSchema<T> serializer) {
    Properties producer = new Properties();
    producer.putAll(KafkaRecordSizes.producerSettings(RecordLimits.DEFAULT));
    producer.putAll(clientProperties);
    return KafkaSink.<T>builder()
        .setBootstrapServers(bootstrapServers)
        .setKafkaProducerConfig(producer)
        .setRecordSerializer(serializer)
        .setDeliveryGuarantee(DeliveryGuarantee.AT_LEAST_ONCE)
        .build();
  }

  /**
   * An exactly-once sink: each checkpoint's records in one Kafka transaction, committed when the
   * checkpoint completes, so a {@code read_committed} consumer sees each record once across
   * failures, a checkpoint interval after it was written.
   *
   * @param transactionalIdPrefix unique to this sink among every job on the broker
   */
  public static <T> KafkaSink<T> exactlyOnceSink(
      String bootstrapServers,
      Properties clientProperties,
      KafkaRecordSerializationSchema<T> serializer,
      String transactionalIdPrefix) {
    Properties producer = new Properties();
    producer.putAll(KafkaRecordSizes.producerSettings(RecordLimits.DEFAULT));
    // the connector's default (1 h) is above the broker's default transaction.max.timeout.ms
    // (15 min), which refuses the producer at its first transaction
    producer.put("transaction.timeout.ms", "600000");
    producer.putAll(clientProperties);
    return KafkaSink.<T>builder()
        .setBootstrapServers(bootstrapServers)
        .setKafkaProducerConfig(producer)
        .setRecordSerializer(serializer)
        .setDeliveryGuarantee(DeliveryGuarantee.EXACTLY_ONCE)
        .setTransactionalIdPrefix(transactionalIdPrefix)
        .build();
  }
}
