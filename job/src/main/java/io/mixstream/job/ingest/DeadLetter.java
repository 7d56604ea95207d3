package io.mixstream.job.ingest;

/** A record that cannot be trained on, with why and where it came from (a Flink POJO). */
public class DeadLetter {
  public RawRecord record;
  public String reason;
  public String message;

  /**
   * The size of the value left out because the dead-letter topic would refuse it; -1 when the value
   * is kept ({@link #record}'s value is then the original).
   */
  public int omittedValueBytes = -1;

  public DeadLetter() {}

  public DeadLetter(RawRecord record, String reason, String message) {
    this.record = record;
    this.reason = reason;
    this.message = message;
  }

  /**
   * This letter, or, when key and value together exceed {@code maxBytes}, a copy without the value
   * (its headers, reason and source offset kept).
   */
  public DeadLetter fitting(int maxBytes) {
    byte[] value = record.value;
    int keyBytes = record.key == null ? 0 : record.key.length;
    if (value == null || (long) keyBytes + value.length <= maxBytes) {
      return this;
    }
    DeadLetter light =
        new DeadLetter(
            new RawRecord(record.key, null, record.topic, record.partition, record.offset),
            reason,
            message);
    light.omittedValueBytes = value.length;
    return light;
  }
}
