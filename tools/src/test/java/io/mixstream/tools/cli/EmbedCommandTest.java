package io.mixstream.tools.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import io.mixstream.config.Method;
import io.mixstream.config.TrainingConfig;
import io.mixstream.kafka.LocalKafkaBroker;
import io.mixstream.records.EmbeddingCodec;
import io.mixstream.records.EmbeddingRecord;
import io.mixstream.snapshot.SnapshotDirectory;
import io.mixstream.testing.SharedData;
import io.mixstream.testing.TopicRecords;
import io.mixstream.train.MocoTrainer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * `mixstream embed` from the command line, and its output read by `mixstream embeddings` and by the
 * README's Python recipe for the embedding record, unchanged.
 */
@Tag("integration")
class EmbedCommandTest {
  static final String PYTHON = System.getenv().getOrDefault("MIXSTREAM_PYTHON", "/usr/bin/python3");

  @TempDir static Path tmp;
  static LocalKafkaBroker broker;

  @BeforeAll
  static void start() throws Exception {
    broker = LocalKafkaBroker.start(tmp.resolve("kafka"), 0);
  }

  @AfterAll
  static void stop() {
    broker.close();
  }

  @Test
  void helpAndOptionsListTheServicesOptionsAndABadOneIsNamed() {
    Capture help = Capture.run("embed", "--help");
    assertThat(help.rc()).isZero();
    assertThat(help.out()).contains("--rest-port", "--fresh", "read_committed");
    Capture options = Capture.run("embed", "--options");
    assertThat(options.out())
        .contains(
            "--input-topic",
            "--output-topic",
            "--model-key",
            "--snapshot-dir",
            "--batch-size",
            "--batch-timeout",
            "--reembed-topic",
            "--exactly-once",
            "--kafka.KEY");
    Capture bad = Capture.run("embed", "--batch-size", "0");
    assertThat(bad.rc()).isNotZero();
    assertThat(bad.err()).contains("batch-size must be at least 1");
  }

  @Test
  void embedsABoundedTopicThatTheReaderAndThePythonRecipeRead() throws Exception {
    String b = broker.bootstrapServers();
    Capture replay =
        Capture.run(
            "replay",
            "--data",
            SharedData.cifar10().toString(),
            "--split",
            "test",
            "--limit",
            "48",
            "--topic",
            "cli-in",
            "--bootstrap",
            b);
    assertThat(replay.rc()).as(replay.err()).isZero();
    Path snapshots = tmp.resolve("snapshots");
    SnapshotDirectory dir = new SnapshotDirectory(snapshots, "default");
    Files.createDirectories(dir.folder());
    TrainingConfig.Builder t = TrainingConfig.defaults().toBuilder();
    t.method = Method.MOCO;
    t.width = 4;
    t.queueSize = 64;
    t.batchSize = 32;
    try (MocoTrainer trainer = new MocoTrainer(t.build(), Device.cpu())) {
      Files.write(dir.file(0), trainer.encoderSnapshot().toSafetensors());
    }

    Capture embed =
        Capture.run(
            "embed",
            "--bootstrap-servers",
            b,
            "--input-topic",
            "cli-in",
            "--output-topic",
            "cli-out",
            "--dead-letter-topic",
            "cli-dead",
            "--snapshot-dir",
            snapshots.toString(),
            "--checkpoint-dir",
            tmp.resolve("ckpt").toString(),
            "--checkpoint-interval",
            "500ms",
            "--bounded",
            "--device",
            "cpu",
            "--rest-port",
            "0");
    assertThat(embed.rc()).as(embed.err()).isZero();
    assertThat(embed.out()).contains("the vectors are on cli-out");

    Path npy = tmp.resolve("v.npy");
    Capture read =
        Capture.run("embeddings", "--bootstrap", b, "--topic", "cli-out", "--npy", npy.toString());
    assertThat(read.rc()).as(read.err()).isZero();
    assertThat(Files.readAllLines(tmp.resolve("v.npy.ids.txt"))).hasSize(48);

    List<ConsumerRecord<byte[], byte[]>> out =
        TopicRecords.read(b, "cli-out", 48, Duration.ofSeconds(30), true);
    assertThat(out).hasSize(48);
    assertReadmeRecipeReads(out.get(0).value(), EmbeddingCodec.decode(out.get(0).value()));
  }

  /** The README's "In Python, the binary form is ..." recipe, run on a record of the topic. */
  private static void assertReadmeRecipeReads(byte[] value, EmbeddingRecord expected)
      throws Exception {
    if (!Files.isExecutable(Path.of(PYTHON))
        || new ProcessBuilder(PYTHON, "-c", "import numpy").start().waitFor() != 0) {
      System.out.println(PYTHON + " has no numpy (Debian: python3-numpy): the recipe is skipped");
      return;
    }
    Path file = tmp.resolve("record.bin");
    Files.write(file, value);
    String script =
        String.join(
            "\n",
            "import struct, sys, numpy",
            "v = open(sys.argv[1], 'rb').read()",
            "magic, version, step, label = struct.unpack('>4sBqi', v[:17])",
            "o = 17",
            "(m,) = struct.unpack('>H', v[o:o+2]); model = v[o+2:o+2+m].decode(); o += 2 + m",
            "(n,) = struct.unpack('>H', v[o:o+2]); image = v[o+2:o+2+n].decode(); o += 2 + n",
            "(d,) = struct.unpack('>i', v[o:o+4]); o += 4",
            "vec = numpy.frombuffer(v[o:], '>f4')",
            "assert magic == b'MXEM' and version == 1 and len(vec) == d",
            "print(model, image, step, label, d, repr(float(vec[0])), repr(float(vec[-1])))");
    Process p =
        new ProcessBuilder(PYTHON, "-c", script, file.toString()).redirectErrorStream(true).start();
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    String printed = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
    assertThat(p.exitValue()).as(printed).isZero();
    float[] v = expected.vector();
    assertThat(printed)
        .isEqualTo(
            "%s %s %d %d %d %s %s"
                .formatted(
                    expected.modelKey(),
                    expected.imageId(),
                    expected.step(),
                    expected.label(),
                    v.length,
                    Double.toString(v[0]),
                    Double.toString(v[v.length - 1])));
  }
}
