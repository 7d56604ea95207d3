package io.mixstream.tools.replay;

import java.time.Duration;

/**
 * What to publish and how fast. Built with named values: {@code
 * ReplayPlan.to("images").epochs(3).order(ReplayOrder.parse("bursts:8"), 7).limit(1000).build()}.
 *
 * @param topic destination topic
 * @param epochs passes over the data; ignored when {@code loop}
 * @param loop repeat until stopped
 * @param order the order of each epoch ({@code --order})
 * @param seed the order's seed
 * @param ratePerSecond images per second, or 0 for as fast as the broker takes them
 * @param limit the stream holds this many of the images, chosen before the order ({@link
 *     ReplayOrder#limited}), or 0 for all
 * @param partitions partitions of the topic if this run creates it
 * @param timeout how long to wait for the broker before giving up
 */
public record ReplayPlan(
    String topic,
    int epochs,
    boolean loop,
    ReplayOrder order,
    long seed,
    double ratePerSecond,
    long limit,
    int partitions,
    Duration timeout) {

  public ReplayPlan {
    if (topic == null || topic.isBlank()) {
      throw new IllegalArgumentException("--topic must name a topic");
    }
    if (epochs < 1) {
      throw new IllegalArgumentException("--epochs must be at least 1, got " + epochs);
    }
    if (ratePerSecond < 0) {
      throw new IllegalArgumentException("--rate must be 0 (unthrottled) or positive");
    }
    if (limit < 0) {
      throw new IllegalArgumentException("--limit must be 0 (none) or positive");
    }
    java.util.Objects.requireNonNull(order, "order");
    if (timeout.toMillis() < 1000) {
      throw new IllegalArgumentException(
          "--timeout must be at least 1 second, got " + timeout.toSeconds());
    }
    if (partitions < 1) {
      throw new IllegalArgumentException("--partitions must be at least 1, got " + partitions);
    }
  }

  /** A plan for {@code topic} with the defaults: one epoch in order, unthrottled, no limit. */
  public static Builder to(String topic) {
    return new Builder(topic);
  }

  /** Named values for a plan; every one not set keeps the default of {@link #to}. */
  public static final class Builder {
    private final String topic;
    private int epochs = 1;
    private boolean loop;
    private ReplayOrder order = ReplayOrder.SEQUENTIAL;
    private long seed;
    private double ratePerSecond;
    private long limit;
    private int partitions = 1;
    private Duration timeout = Duration.ofSeconds(30);

    private Builder(String topic) {
      this.topic = topic;
    }

    public Builder epochs(int epochs) {
      this.epochs = epochs;
      return this;
    }

    /** Repeats until stopped. */
    public Builder looping(boolean loop) {
      this.loop = loop;
      return this;
    }

    public Builder looping() {
      return looping(true);
    }

    /** Each epoch in its own random order drawn from {@code seed}. */
    public Builder shuffled(long seed) {
      return order(ReplayOrder.SHUFFLED, seed);
    }

    /** Each epoch in {@code order}, drawn from {@code seed}. */
    public Builder order(ReplayOrder order, long seed) {
      this.order = order;
      this.seed = seed;
      return this;
    }

    /** Images per second; 0 = as fast as the broker takes them. */
    public Builder ratePerSecond(double rate) {
      this.ratePerSecond = rate;
      return this;
    }

    /** Images the stream holds, chosen before the order; 0 = all. */
    public Builder limit(long limit) {
      this.limit = limit;
      return this;
    }

    public Builder partitions(int partitions) {
      this.partitions = partitions;
      return this;
    }

    public Builder timeout(Duration timeout) {
      this.timeout = timeout;
      return this;
    }

    public ReplayPlan build() {
      return new ReplayPlan(
          topic, epochs, loop, order, seed, ratePerSecond, limit, partitions, timeout);
    }
  }
}
