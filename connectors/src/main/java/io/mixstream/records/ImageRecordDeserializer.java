package io.mixstream.records;

import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * Kafka value deserializer for image records. Bad bytes raise Kafka's {@link
 * SerializationException} carrying the {@link MalformedRecordException} as its cause. Consumers
 * that must not stop on bad input (the Flink job) read raw bytes and call {@link ImageRecordCodec}
 * themselves.
 */
public final class ImageRecordDeserializer implements Deserializer<ImageRecord> {
  private final ImageRecordCodec codec = ImageRecordCodec.withDefaults();

  @Override
  public ImageRecord deserialize(String topic, byte[] data) {
    if (data == null) {
      return null;
    }
    try {
      return codec.decode(data);
    } catch (MalformedRecordException e) {
      throw new SerializationException(
          "malformed image record on " + topic + ": " + e.getMessage(), e);
    }
  }
}
