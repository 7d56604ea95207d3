package io.mixstream.tools.demo;

import io.mixstream.records.EncodedImages;
import io.mixstream.records.ImageRecord;
import io.mixstream.records.ImageRecordCodec;
import io.mixstream.records.MalformedRecordException;
import io.mixstream.train.MocoTrainer;
import io.mixstream.train.StepReport;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * Trains the learning core straight from a Kafka topic with a plain consumer: decode, batch, step.
 * The demo's engine until the Flink job (issue 4) takes its place; it keeps no checkpoint.
 */
final class StreamTrainer {
  private final String bootstrap;
  private final String topic;
  private final PrintStream out;

  StreamTrainer(String bootstrap, String topic, PrintStream out) {
    this.bootstrap = bootstrap;
    this.topic = topic;
    this.out = out;
  }

  /**
   * Steps until {@code maxSteps} (0 = no limit) or until {@code stop} says so.
   *
   * @return steps done
   */
  long run(MocoTrainer trainer, long maxSteps, BooleanSupplier stop) {
    ImageRecordCodec codec = ImageRecordCodec.withDefaults();
    int batch = trainer.config().batchSize();
    List<byte[]> pending = new ArrayList<>(batch);
    long rejected = 0;
    long start = System.nanoTime();
    long images = 0;
    try (KafkaConsumer<String, byte[]> consumer =
        new KafkaConsumer<>(
            Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                bootstrap,
                ConsumerConfig.GROUP_ID_CONFIG,
                "mixstream-demo",
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG,
                "earliest",
                ConsumerConfig.MAX_POLL_RECORDS_CONFIG,
                batch),
            new StringDeserializer(),
            new ByteArrayDeserializer())) {
      consumer.subscribe(List.of(topic));
      while (!stop.getAsBoolean() && (maxSteps == 0 || trainer.stepCount() < maxSteps)) {
        for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
          try {
            ImageRecord image = codec.decode(r.value());
            if (image.height() != 32 || image.width() != 32 || image.channels() != 3) {
              throw new MalformedRecordException(
                  MalformedRecordException.Reason.SHAPE_MISMATCH,
                  "the demo trains on 32x32 RGB images, got " + image);
            }
            pending.add(EncodedImages.planar(image).planar());
          } catch (MalformedRecordException e) {
            rejected++;
            out.printf("skipped record %s at offset %d: %s%n", r.key(), r.offset(), e.getMessage());
          }
          if (pending.size() == batch) {
            StepReport s = trainer.step(pending.toArray(new byte[0][]));
            images += batch;
            pending.clear();
            if (s.step() % 10 == 0 || s.step() == 1) {
              double seconds = (System.nanoTime() - start) / 1e9;
              out.printf(
                  "step %5d  epoch %d  loss %.4f  lr %.5f  lambda %s  %.1f images/s%n",
                  s.step(),
                  s.epoch(),
                  s.loss(),
                  s.lr(),
                  Double.isNaN(s.lambda()) ? "-" : "%.3f".formatted(s.lambda()),
                  images / seconds);
            }
          }
        }
      }
    }
    if (rejected > 0) {
      out.printf("%d malformed records skipped%n", rejected);
    }
    return trainer.stepCount();
  }
}
