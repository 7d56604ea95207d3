package io.mixstream.tools.demo;

import io.mixstream.records.MetricsCodec;
import io.mixstream.records.MetricsRecord;
import io.mixstream.tools.metrics.ModelTable;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/** Prints each kNN result from the metrics topic as it arrives, the floor beside it. */
final class KnnPrinter extends Thread implements AutoCloseable {
  private final KafkaConsumer<byte[], byte[]> c;
  private volatile boolean running = true;

  private final boolean severalModels;

  /**
   * Starts reading at the topic's current end (so: this run's results), which must exist.
   *
   * @param severalModels name the model in each line
   */
  KnnPrinter(String bootstrap, String topic, boolean severalModels) {
    super("mixstream-demo-knn");
    this.severalModels = severalModels;
    setDaemon(true);
    c =
        new KafkaConsumer<>(
            Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap),
            new ByteArrayDeserializer(),
            new ByteArrayDeserializer());
    TopicPartition tp = new TopicPartition(topic, 0);
    c.assign(List.of(tp));
    c.seek(tp, c.endOffsets(List.of(tp), Duration.ofSeconds(30)).get(tp));
  }

  @Override
  public void run() {
    try (c) {
      while (running) {
        print(c.poll(Duration.ofMillis(500)));
      }
      print(c.poll(Duration.ofMillis(500))); // what came in while stopping
    } catch (RuntimeException e) {
      System.err.println("demo: stopped reading kNN results: " + e.getMessage());
    }
  }

  private final ModelTable table = new ModelTable(); // each model's floor too

  /** Every model's latest kNN beside its floor, from what this run printed. */
  synchronized ModelTable table() {
    return table;
  }

  private synchronized void print(Iterable<ConsumerRecord<byte[], byte[]>> records) {
    for (ConsumerRecord<byte[], byte[]> r : records) {
      if (r.value() == null) {
        continue;
      }
      MetricsRecord m = MetricsCodec.decode(new String(r.value(), StandardCharsets.UTF_8));
      table.add(m);
      if (!(m instanceof MetricsRecord.Knn knn)) {
        continue; // the topic carries every step's losses too
      }
      long step = knn.step();
      double acc = knn.accuracy();
      double floor = table.row(knn.model()).floor;
      System.out.printf(
          "kNN top-1%s at step %d: %.2f%% (bank %d, test %d%s)%n",
          severalModels ? " of " + knn.model() : "",
          step,
          100 * acc,
          knn.bankSize(),
          knn.testSize(),
          step == 0
              ? "; the random-init floor"
              : Double.isNaN(floor) ? "" : "; floor %.2f%%".formatted(100 * floor));
    }
  }

  @Override
  public void close() throws InterruptedException {
    running = false;
    join(5_000);
  }
}
