package io.mixstream.job;

import static org.assertj.core.api.Assertions.assertThat;

import io.mixstream.cifar.Cifar10Dataset;
import io.mixstream.cifar.Cifar10Reader;
import io.mixstream.cifar.CifarSplit;
import io.mixstream.config.JobConfig;
import io.mixstream.config.Method;
import io.mixstream.job.training.StepResult;
import io.mixstream.kafka.KafkaPreflight;
import io.mixstream.kafka.LocalKafkaBroker;
import io.mixstream.records.ImageRecord;
import io.mixstream.records.ImageRecordCodec;
import io.mixstream.records.PixelEncoding;
import io.mixstream.testing.SharedData;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.MemoryCacheImageOutputStream;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One record over a producer's default 1 MB used to restart the job until it failed (the
 * dead-letter sink threw RecordTooLargeException). Now every sink is sized from the record limits,
 * and a dead letter larger than its topic takes goes without its value.
 */
@Tag("integration")
class LargeRecordsTest {
  private static final int DEAD_TOPIC_MAX = 4 << 20;

  @Test
  void aTenMegabyteRecordAndALargeJpegNeitherRestartNorStopTheJob(@TempDir Path tmp)
      throws Exception {
    Cifar10Dataset cifar = Cifar10Reader.read(SharedData.cifar10(), CifarSplit.TEST);
    byte[] jpeg = mosaicJpeg(cifar);
    assertThat(jpeg.length).as("an ordinary photo's size").isGreaterThan(3 << 19);
    byte[] junk = new byte[10 << 20];
    new Random(1).nextBytes(junk);

    try (LocalKafkaBroker broker = LocalKafkaBroker.start(tmp.resolve("kafka"), 0)) {
      JobFixtures fx = new JobFixtures(broker, cifar, tmp);
      JobConfig c = fx.job(Method.MOCO, "large", "large", 1, true);
      try (Admin admin =
          Admin.create(
              Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()))) {
        admin
            .createTopics(
                List.of(
                    new NewTopic("large", 1, (short) 1),
                    new NewTopic(c.deadLetterTopic(), 1, (short) 1)
                        .configs(Map.of("max.message.bytes", String.valueOf(DEAD_TOPIC_MAX)))))
            .all()
            .get();
      }
      ImageRecordCodec codec = ImageRecordCodec.withDefaults();
      byte[] jpegRecord =
          codec.encode(new ImageRecord("photo", 3, 1792, 1792, 3, PixelEncoding.JPEG, jpeg));
      try (KafkaProducer<byte[], byte[]> p =
          new KafkaProducer<>(
              Map.of(
                  ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                  broker.bootstrapServers(),
                  ProducerConfig.MAX_REQUEST_SIZE_CONFIG,
                  String.valueOf(16 << 20)),
              new ByteArraySerializer(),
              new ByteArraySerializer())) {
        for (int i = 0; i < 95; i++) { // 95 CIFAR images and the photo: three steps of 32
          if (i == 20) {
            p.send(new ProducerRecord<>("large", bytes("junk"), junk)).get();
          }
          if (i == 40) {
            p.send(new ProducerRecord<>("large", bytes("photo"), jpegRecord)).get();
          }
          p.send(new ProducerRecord<>("large", bytes(cifar.id(i)), codec.encode(cifar.record(i))))
              .get();
        }
      }

      KafkaPreflight.Findings findings = MixstreamJob.preflight(c, MixstreamJob.PREFLIGHT_TIMEOUT);
      assertThat(findings.deadLetterMaxMessageBytes()).isEqualTo(DEAD_TOPIC_MAX);
      Configuration conf = MixstreamJob.flinkConfiguration(c);
      // no restarts allowed: a sink that threw fails the test instead of retrying
      conf.addAll(Configuration.fromMap(Map.of("restart-strategy.type", "none")));
      StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
      env.setParallelism(1);
      DataStream<StepResult> steps = MixstreamJob.build(env, c, findings);
      List<StepResult> out;
      try (var it = steps.executeAndCollect("large records")) {
        out = new java.util.ArrayList<>();
        it.forEachRemaining(out::add);
      }

      Set<String> trained = new HashSet<>();
      out.forEach(s -> trained.addAll(List.of(s.imageIds)));
      assertThat(out).hasSize(3);
      assertThat(trained)
          .as("a 1792x1792 JPEG trains like any image: cropped and resized to 32")
          .hasSize(96)
          .contains("photo")
          .doesNotContain("junk");

      List<ConsumerRecord<byte[], byte[]>> dead =
          StreamingJobTest.consume(broker, c.deadLetterTopic(), 1);
      assertThat(dead).hasSize(1);
      ConsumerRecord<byte[], byte[]> junkLetter = dead.get(0);
      assertThat(new String(junkLetter.key(), StandardCharsets.UTF_8)).isEqualTo("junk");
      assertThat(junkLetter.value()).as("too large for the topic: sent without it").isNull();
      assertThat(StreamingJobTest.header(junkLetter, "mixstream.value.omitted"))
          .isEqualTo(String.valueOf(junk.length));
      assertThat(StreamingJobTest.header(junkLetter, "mixstream.reason")).isNotBlank();
      assertThat(StreamingJobTest.header(junkLetter, "mixstream.source.offset")).isEqualTo("20");
    }
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  /** 56 x 56 real CIFAR images side by side, as a quality-1.0 JPEG: a photo-sized file. */
  static byte[] mosaicJpeg(Cifar10Dataset cifar) throws Exception {
    int tiles = 56;
    BufferedImage img = new BufferedImage(32 * tiles, 32 * tiles, BufferedImage.TYPE_INT_RGB);
    for (int t = 0; t < tiles * tiles; t++) {
      byte[] px = cifar.pixels(t % cifar.size());
      for (int y = 0; y < 32; y++) {
        for (int x = 0; x < 32; x++) {
          int o = y * 32 + x;
          int rgb = (px[o] & 0xff) << 16 | (px[1024 + o] & 0xff) << 8 | (px[2048 + o] & 0xff);
          img.setRGB((t % tiles) * 32 + x, (t / tiles) * 32 + y, rgb);
        }
      }
    }
    ImageWriter w = ImageIO.getImageWritersByFormatName("jpeg").next();
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (MemoryCacheImageOutputStream out = new MemoryCacheImageOutputStream(bytes)) {
      w.setOutput(out);
      ImageWriteParam p = w.getDefaultWriteParam();
      p.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
      p.setCompressionQuality(1.0f);
      w.write(null, new IIOImage(img, null, null), p);
    } finally {
      w.dispose();
    }
    return bytes.toByteArray();
  }
}
