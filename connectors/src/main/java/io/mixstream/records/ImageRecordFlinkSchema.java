package io.mixstream.records;

import java.io.IOException;
import org.apache.flink.api.common.serialization.DeserializationSchema;
import org.apache.flink.api.common.serialization.SerializationSchema;
import org.apache.flink.api.common.typeinfo.TypeInformation;

/**
 * Flink (de)serialization of image records. Deserializing bad bytes throws an {@link IOException}
 * that names the problem; a Flink source fails on it, so a job that must survive bad input reads
 * raw bytes and routes failures to a dead-letter topic instead.
 */
public final class ImageRecordFlinkSchema
    implements SerializationSchema<ImageRecord>, DeserializationSchema<ImageRecord> {
  private static final long serialVersionUID = 1L;

  private final RecordLimits limits;

  public ImageRecordFlinkSchema(RecordLimits limits) {
    this.limits = limits;
  }

  @Override
  public byte[] serialize(ImageRecord element) {
    return new ImageRecordCodec(limits).encode(element);
  }

  @Override
  public ImageRecord deserialize(byte[] message) throws IOException {
    try {
      return new ImageRecordCodec(limits).decode(message);
    } catch (MalformedRecordException e) {
      throw new IOException(e.getMessage(), e);
    }
  }

  @Override
  public boolean isEndOfStream(ImageRecord nextElement) {
    return false;
  }

  @Override
  public TypeInformation<ImageRecord> getProducedType() {
    return TypeInformation.of(ImageRecord.class);
  }
}
