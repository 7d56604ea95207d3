package io.mixstream.operators;

/** A record that cannot be trained on, with why and where it came from (a Flink POJO). */
public class DeadLetter {
  public RawRecord record;
  public String reason;
  public String message;

  public DeadLetter() {}

  public DeadLetter(RawRecord record, String reason, String message) {
    this.record = record;
    this.reason = reason;
    this.message = message;
  }
}
