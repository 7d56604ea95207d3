package io.mixstream.job.ingest;

/**
 * A Kafka record as it arrived, before any decoding: what a dead letter must carry back. A Flink
 * POJO (public fields, no-argument constructor).
 */
public class RawRecord {
  public byte[] key;
  public byte[] value;
  public String topic;
  public int partition;
  public long offset;

  public RawRecord() {}

  public RawRecord(byte[] key, byte[] value, String topic, int partition, long offset) {
    this.key = key;
    this.value = value;
    this.topic = topic;
    this.partition = partition;
    this.offset = offset;
  }
}
