package io.mixstream.tools.fuzz;

import io.mixstream.cifar.Cifar10Dataset;
import io.mixstream.job.ingest.DecodeImages;
import io.mixstream.kafka.LocalKafkaBroker;
import io.mixstream.kafka.TopicReader;
import io.mixstream.records.ImageRecordCodec;
import io.mixstream.records.MalformedRecordException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Future;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Valid CIFAR-10 records with fuzzed ones ({@link RecordFuzzer}) mixed in, sent in order to one
 * topic, and what each record is: the codec that the job decodes with judges every record, so a
 * fuzzed record that happens to be valid counts as valid.
 */
public final class HostileStream {
  /**
   * What was sent.
   *
   * @param validIds the id of every record the codec accepts, in the order sent (the order one
   *     partition hands them to the trainer)
   * @param invalidOffsets the offsets of the records it refuses
   * @param fuzzed the hostile records by kind
   * @param fuzzedValid hostile records that the codec accepts
   */
  public record Sent(
      List<String> validIds,
      Set<Long> invalidOffsets,
      Map<RecordFuzzer.Kind, Long> fuzzed,
      long fuzzedValid) {
    public long records() {
      return validIds.size() + invalidOffsets.size();
    }
  }

  private HostileStream() {}

  /**
   * Sends {@code fuzzed} hostile records, one every {@code fuzzedEvery} records, the rest valid
   * CIFAR-10 images in dataset order (again from the start when it runs out), and then valid ones
   * until the valid count is a multiple of {@code batch} (every image ends in a full batch).
   */
  public static Sent send(
      LocalKafkaBroker broker,
      String topic,
      Cifar10Dataset cifar,
      int fuzzed,
      int fuzzedEvery,
      int batch,
      long seed)
      throws Exception {
    ImageRecordCodec encoder = ImageRecordCodec.withDefaults();
    ImageRecordCodec judge = new ImageRecordCodec(DecodeImages.ANY_LABEL);
    List<byte[]> bases = new ArrayList<>();
    for (int i = 0; i < Math.min(100, cifar.size()); i++) {
      bases.add(encoder.encode(cifar.record(i)));
    }
    RecordFuzzer fuzzer = new RecordFuzzer(bases, seed);
    Map<RecordFuzzer.Kind, Long> kinds = new EnumMap<>(RecordFuzzer.Kind.class);
    List<String> validIds = new ArrayList<>();
    Set<Long> invalidOffsets = new HashSet<>();
    long fuzzedValid = 0;
    try (KafkaProducer<byte[], byte[]> p = producer(broker)) {
      List<Future<RecordMetadata>> offsets = new ArrayList<>();
      List<String> ids = new ArrayList<>(); // the id of each record sent, null when invalid
      int made = 0;
      int plain = 0;
      long sent = 0;
      int validCount = 0;
      while (made < fuzzed || validCount % batch != 0) {
        byte[] key;
        byte[] value;
        boolean hostile = made < fuzzed && sent % fuzzedEvery == 0;
        if (hostile) {
          RecordFuzzer.Fuzzed f = fuzzer.next(made++);
          kinds.merge(f.kind(), 1L, Long::sum);
          key = f.key();
          value = f.value();
        } else {
          var r = cifar.record(plain++ % cifar.size());
          key = r.id().getBytes(StandardCharsets.UTF_8);
          value = encoder.encode(r);
        }
        String id = validId(judge, value);
        if (id != null) {
          validCount++;
          fuzzedValid += hostile ? 1 : 0;
        }
        ids.add(id);
        offsets.add(p.send(new ProducerRecord<>(topic, key, value)));
        sent++;
      }
      for (int i = 0; i < offsets.size(); i++) {
        long offset = offsets.get(i).get().offset();
        if (ids.get(i) == null) {
          invalidOffsets.add(offset);
        } else {
          validIds.add(ids.get(i));
        }
      }
    }
    return new Sent(List.copyOf(validIds), Set.copyOf(invalidOffsets), kinds, fuzzedValid);
  }

  /** The id the job would train the record under; null when it would dead-letter it. */
  private static String validId(ImageRecordCodec judge, byte[] value) {
    try {
      return judge.decode(value).id();
    } catch (MalformedRecordException e) {
      return null;
    }
  }

  /**
   * The source offset named by each record of a dead-letter topic (its writer's headers), with the
   * reason it gives ("" when it gives none).
   *
   * @param expected how many letters there should be; 0: the topic may not exist
   */
  public static Map<Long, String> deadLettered(
      LocalKafkaBroker broker, String topic, int expected) {
    Map<Long, String> out = new java.util.TreeMap<>();
    if (expected == 0) {
      return out; // the sink creates the topic at its first letter: there may be none
    }
    try (TopicReader r = new TopicReader(broker.bootstrapServers(), Map.of(), topic, "the job")) {
      r.readAll(
          Duration.ofMinutes(2),
          rec -> {
            Header offset = rec.headers().lastHeader("mixstream.source.offset");
            Header reason = rec.headers().lastHeader("mixstream.reason");
            out.put(
                Long.parseLong(new String(offset.value(), StandardCharsets.UTF_8)),
                reason == null ? "" : new String(reason.value(), StandardCharsets.UTF_8));
          });
    }
    return out;
  }

  private static KafkaProducer<byte[], byte[]> producer(LocalKafkaBroker broker) {
    return new KafkaProducer<>(
        Map.of(
            ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
            broker.bootstrapServers(),
            ProducerConfig.ACKS_CONFIG,
            "all",
            ProducerConfig.LINGER_MS_CONFIG,
            5,
            // one at a time per partition and idempotent: the offsets come in the order sent
            ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG,
            true),
        new ByteArraySerializer(),
        new ByteArraySerializer());
  }
}
