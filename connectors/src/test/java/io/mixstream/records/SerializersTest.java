package io.mixstream.records;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.Test;

class SerializersTest {
  private final ImageRecord image =
      ImageRecord.rawRgb(
          "cifar10-test-00001", 8, 2, 2, new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12});

  @Test
  void kafkaSerializersRoundTripAndNameBadBytes() {
    byte[] bytes = new ImageRecordSerializer().serialize("t", image);
    assertThat(new ImageRecordDeserializer().deserialize("t", bytes)).isEqualTo(image);
    assertThat(new ImageRecordDeserializer().deserialize("t", null)).isNull();
    assertThatThrownBy(() -> new ImageRecordDeserializer().deserialize("t", new byte[] {1, 2}))
        .isInstanceOf(SerializationException.class)
        .hasMessageContaining("malformed image record on t")
        .hasCauseInstanceOf(MalformedRecordException.class);
  }

  @Test
  void flinkSchemaRoundTripsAndNamesBadBytes() throws IOException {
    ImageRecordFlinkSchema schema = new ImageRecordFlinkSchema(RecordLimits.DEFAULT);
    assertThat(schema.deserialize(schema.serialize(image))).isEqualTo(image);
    assertThat(schema.getProducedType().getTypeClass()).isEqualTo(ImageRecord.class);
    byte[] bad = schema.serialize(image);
    bad[6] = 0;
    bad[7] = 42; // label 42 of 10 classes
    assertThatThrownBy(() -> schema.deserialize(bad))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("LABEL_OUT_OF_RANGE");
  }
}
