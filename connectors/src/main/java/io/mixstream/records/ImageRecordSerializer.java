package io.mixstream.records;

import org.apache.kafka.common.serialization.Serializer;

/** Kafka value serializer for image records (the key is the image id, as a string). */
public final class ImageRecordSerializer implements Serializer<ImageRecord> {
  private final ImageRecordCodec codec = ImageRecordCodec.withDefaults();

  @Override
  public byte[] serialize(String topic, ImageRecord record) {
    return record == null ? null : codec.encode(record);
  }
}
