package io.mixstream.tools.chaos;

import io.mixstream.cifar.Cifar10Dataset;
import io.mixstream.records.ImageRecordCodec;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Future;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

/** CIFAR-10 images as image records on a topic, keyed by id, for the chaos and soak runs. */
final class CifarTopic {
  private static final ImageRecordCodec CODEC = ImageRecordCodec.withDefaults();

  private CifarTopic() {}

  /**
   * Sends {@code n} images from position {@code from} of the dataset (wrapping around) and waits
   * until the broker has every one: a refused record ends the run instead of leaving a gap. The
   * first is acknowledged before the rest are sent, so that a topic's one partition holds a record
   * of this producer before batches are pipelined (a fresh partition can refuse a first batch and
   * accept the next, as the replay tool found: {@link io.mixstream.tools.replay.Replayer}).
   *
   * @return n
   */
  static long send(
      KafkaProducer<byte[], byte[]> p, String topic, Cifar10Dataset d, long from, int n)
      throws Exception {
    List<Future<?>> sent = new ArrayList<>(n);
    for (long i = from; i < from + n; i++) {
      int at = (int) (i % d.size());
      sent.add(
          p.send(
              new ProducerRecord<>(
                  topic, d.id(at).getBytes(StandardCharsets.UTF_8), CODEC.encode(d.record(at)))));
      if (i == from) {
        sent.get(0).get();
      }
    }
    for (Future<?> f : sent) {
      f.get();
    }
    return n;
  }
}
