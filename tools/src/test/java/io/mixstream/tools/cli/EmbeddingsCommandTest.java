package io.mixstream.tools.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.mixstream.kafka.LocalKafkaBroker;
import io.mixstream.records.EmbeddingCodec;
import io.mixstream.records.EmbeddingRecord;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The embeddings reader against a real broker, on records in both encodings. */
@Tag("integration")
class EmbeddingsCommandTest {
  @TempDir static Path tmp;
  static LocalKafkaBroker broker;
  static List<EmbeddingRecord> latest = new ArrayList<>();

  @BeforeAll
  static void start() throws Exception {
    broker = LocalKafkaBroker.start(tmp.resolve("kafka"), 0);
    SplittableRandom r = new SplittableRandom(1);
    try (KafkaProducer<byte[], byte[]> p =
        new KafkaProducer<>(
            Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()),
            new ByteArraySerializer(),
            new ByteArraySerializer())) {
      for (long step : new long[] {100, 200}) {
        for (int i = 0; i < 30; i++) {
          float[] v = new float[8];
          for (int d = 0; d < v.length; d++) {
            v[d] = (float) r.nextGaussian();
          }
          EmbeddingRecord e =
              new EmbeddingRecord("default", "img-%02d".formatted(i), i % 10, step, v);
          if (step == 200) {
            latest.add(e);
          }
          // every third record as JSON: a topic may hold both encodings
          EmbeddingCodec.Format f =
              i % 3 == 0 ? EmbeddingCodec.Format.JSON : EmbeddingCodec.Format.BINARY;
          p.send(
                  new ProducerRecord<>(
                      "embeddings",
                      e.imageId().getBytes(StandardCharsets.UTF_8),
                      EmbeddingCodec.encode(e, f)))
              .get();
        }
      }
      p.send(new ProducerRecord<>("embeddings", null, new byte[] {1, 2, 3})).get();
      // a tombstone (no value) used to end the reader with a NullPointerException
      p.send(new ProducerRecord<>("embeddings", "img-00".getBytes(StandardCharsets.UTF_8), null))
          .get();
      // another model's record and a step-200 duplicate of img-05 (as after a job restart)
      p.send(
              new ProducerRecord<>(
                  "embeddings",
                  null,
                  EmbeddingCodec.encode(
                      new EmbeddingRecord("other", "x", 1, 300, new float[8]),
                      EmbeddingCodec.Format.BINARY)))
          .get();
      p.send(
              new ProducerRecord<>(
                  "embeddings",
                  null,
                  EmbeddingCodec.encode(latest.get(5), EmbeddingCodec.Format.BINARY)))
          .get();
    }
  }

  @AfterAll
  static void stop() {
    broker.close();
  }

  @Test
  void exportsTheLatestStepsVectorsExactlyAsTheTopicHoldsThem() throws Exception {
    Path npy = tmp.resolve("e.npy");
    Path csv = tmp.resolve("e.csv");
    Capture c =
        Capture.run(
            "embeddings",
            "--bootstrap",
            broker.bootstrapServers(),
            "--npy",
            npy.toString(),
            "--csv",
            csv.toString(),
            "--neighbours",
            "img-07",
            "--top",
            "3");
    assertThat(c.rc()).as(c.err()).isZero();
    assertThat(c.out()).contains("model default at step 200: 30 images of dimension 8");
    assertThat(c.err())
        .contains("skipped 1 records that are not embeddings")
        .contains("skipped 1 records without a value");

    // .npy: parse the header and the little-endian floats by hand
    byte[] bytes = Files.readAllBytes(npy);
    assertThat(new String(bytes, 1, 5, StandardCharsets.US_ASCII)).isEqualTo("NUMPY");
    int headerLength = (bytes[8] & 0xFF) | (bytes[9] & 0xFF) << 8;
    String header = new String(bytes, 10, headerLength, StandardCharsets.US_ASCII);
    assertThat(header).contains("'descr': '<f4'", "'shape': (30, 8)").endsWith("\n");
    assertThat((10 + headerLength) % 64).isZero();
    ByteBuffer data =
        ByteBuffer.wrap(bytes, 10 + headerLength, bytes.length - 10 - headerLength)
            .order(ByteOrder.LITTLE_ENDIAN);
    List<String> ids = Files.readAllLines(tmp.resolve("e.npy.ids.txt"));
    assertThat(ids).hasSize(30).first().isEqualTo("img-00");
    for (int i = 0; i < 30; i++) {
      EmbeddingRecord expected = latest.get(i);
      assertThat(ids.get(i)).isEqualTo(expected.imageId());
      for (float v : expected.vector()) {
        assertThat(data.getFloat()).isEqualTo(v);
      }
    }
    assertThat(data.remaining()).isZero();

    List<String> rows = Files.readAllLines(csv);
    assertThat(rows).hasSize(31);
    assertThat(rows.get(0)).startsWith("id,label,step,v0,v1").endsWith(",v7");
    String[] row3 = rows.get(4).split(",");
    assertThat(row3[0]).isEqualTo("img-03");
    assertThat(row3[1]).isEqualTo("3");
    assertThat(row3[2]).isEqualTo("200");
    for (int d = 0; d < 8; d++) {
      assertThat(Float.parseFloat(row3[3 + d])).isEqualTo(latest.get(3).vector()[d]);
    }

    // neighbours: the brute-force ranking by cosine
    float[] q = latest.get(7).vector();
    List<EmbeddingRecord> others = new ArrayList<>(latest);
    others.remove(7);
    others.sort((a, b) -> Double.compare(cos(q, b.vector()), cos(q, a.vector())));
    String nearest = c.out().substring(c.out().indexOf("nearest to img-07"));
    for (int k = 0; k < 3; k++) {
      assertThat(nearest).contains(others.get(k).imageId());
    }
    assertThat(nearest).doesNotContain(others.get(3).imageId() + " ");
    assertThat(nearest.indexOf(others.get(0).imageId()))
        .isLessThan(nearest.indexOf(others.get(1).imageId()));
  }

  @Test
  void anEarlierStepAndUnknownThingsAreNamed() throws Exception {
    Capture c =
        Capture.run("embeddings", "--bootstrap", broker.bootstrapServers(), "--step", "100");
    assertThat(c.out()).contains("at step 100: 30 images");
    c = Capture.run("embeddings", "--bootstrap", broker.bootstrapServers(), "--step", "150");
    assertThat(c.rc()).isEqualTo(1);
    assertThat(c.err())
        .contains("no embeddings of model default at step 150; steps on the topic: [100, 200]");
    c = Capture.run("embeddings", "--bootstrap", broker.bootstrapServers(), "--model", "nope");
    assertThat(c.err())
        .contains("no embeddings of model nope; models on the topic: [default, other]");
    c =
        Capture.run(
            "embeddings",
            "--bootstrap",
            broker.bootstrapServers(),
            "--topic",
            "absent",
            "--timeout",
            "5");
    assertThat(c.err()).contains("topic absent does not exist");
  }

  private static double cos(float[] a, float[] b) {
    double dot = 0, na = 0, nb = 0;
    for (int i = 0; i < a.length; i++) {
      dot += (double) a[i] * b[i];
      na += (double) a[i] * a[i];
      nb += (double) b[i] * b[i];
    }
    return dot / Math.sqrt(na * nb);
  }
}
