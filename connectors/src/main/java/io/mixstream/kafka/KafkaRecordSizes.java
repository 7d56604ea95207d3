package io.mixstream.kafka;

import io.mixstream.records.RecordLimits;
import java.util.Map;

/**
 * How large the records a producer sends may be. Kafka's producer refuses records over {@code
 * max.request.size} (1 MB by default) with an exception; inside a Flink sink that exception
 * restarts the job, so every producer that may carry an image is sized from the record limits.
 */
public final class KafkaRecordSizes {
  /** Room beyond key and value for headers, the record's framing and its batch header. */
  public static final int FRAMING_BYTES = 16 << 10;

  /** Kafka's broker default for {@code message.max.bytes}, when a broker will not say its own. */
  public static final int KAFKA_DEFAULT_MAX_MESSAGE_BYTES = 1_048_588;

  private KafkaRecordSizes() {}

  /** {@code max.request.size} for a producer of image records (or their dead letters). */
  public static int maxRequestBytes(RecordLimits limits) {
    return limits.maxRecordBytes() + 2 * FRAMING_BYTES;
  }

  /**
   * Producer settings for records up to {@link #maxRequestBytes}; the buffer holds at least two of
   * them, so one large record does not block the producer.
   */
  public static Map<String, String> producerSettings(RecordLimits limits) {
    long request = maxRequestBytes(limits);
    return Map.of(
        "max.request.size",
        String.valueOf(request),
        "buffer.memory",
        String.valueOf(Math.max(32L << 20, 2 * request)));
  }

  /**
   * The largest key plus value a dead letter may carry and still be accepted by a topic whose
   * {@code max.message.bytes} is {@code topicMaxMessageBytes}, from a producer sized by {@code
   * limits}.
   */
  public static int deadLetterMaxBytes(RecordLimits limits, int topicMaxMessageBytes) {
    return Math.max(0, Math.min(maxRequestBytes(limits), topicMaxMessageBytes) - FRAMING_BYTES);
  }
}
