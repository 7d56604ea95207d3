package io.mixstream.tools.replay;

import static org.assertj.core.api.Assertions.assertThat;

import io.mixstream.cifar.Cifar10Dataset;
import io.mixstream.cifar.Cifar10Reader;
import io.mixstream.cifar.CifarSplit;
import io.mixstream.kafka.LocalKafkaBroker;
import io.mixstream.records.EncodedImages;
import io.mixstream.records.ImageRecord;
import io.mixstream.records.ImageRecordCodec;
import io.mixstream.testing.SharedData;
import io.mixstream.testing.TopicRecords;
import io.mixstream.tools.cli.Capture;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageOutputStream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A folder of ordinary photos, as a user has one: a 2 MB JPEG (over Kafka's default record size), a
 * 6,000×4,000 JPEG (over the job's 4,096-pixel side), a WebP, a truncated JPEG, a text file and 100
 * small images. Every file is accounted for, and every record sent decodes as the job decodes it.
 */
@Tag("integration")
class OrdinaryPhotosTest {
  @TempDir static Path tmp;
  static LocalKafkaBroker broker;
  static Path folder;
  static final int ORDINARY = 100;

  @BeforeAll
  static void start() throws Exception {
    broker = LocalKafkaBroker.start(tmp.resolve("kafka"), 0);
    Cifar10Dataset cifar = Cifar10Reader.read(SharedData.cifar10(), CifarSplit.TEST);
    folder = tmp.resolve("photos");
    CifarFiles.write(cifar, folder, ORDINARY / 10, 3);
    Path cats = folder.resolve("cat");
    Files.write(cats.resolve("noisy-2mb.jpg"), noiseJpeg(1400, 1000, 7));
    byte[] large = gradientJpeg(6000, 4000);
    Files.write(cats.resolve("large-6000x4000.jpg"), large);
    Files.write(
        cats.resolve("truncated.jpg"),
        java.util.Arrays.copyOf(noiseJpeg(200, 150, 9), noiseJpeg(200, 150, 9).length / 2));
    Files.write(
        cats.resolve("phone.webp"),
        "RIFF\u0000\u0000\u0000\u0000WEBPVP8 "
            .getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
    Files.writeString(folder.resolve("notes.txt"), "my photos");
  }

  @AfterAll
  static void stop() {
    broker.close();
  }

  private static byte[] noiseJpeg(int w, int h, long seed) throws Exception {
    BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
    SplittableRandom rng = new SplittableRandom(seed);
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        img.setRGB(x, y, rng.nextInt(1 << 24));
      }
    }
    return jpeg(img, 0.95f);
  }

  private static byte[] gradientJpeg(int w, int h) throws Exception {
    BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        img.setRGB(x, y, ((x * 255 / w) << 16) | ((y * 255 / h) << 8) | 128);
      }
    }
    return jpeg(img, 0.8f);
  }

  private static byte[] jpeg(BufferedImage img, float quality) throws Exception {
    ImageWriter writer = ImageIO.getImageWritersByFormatName("jpeg").next();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (ImageOutputStream ios = ImageIO.createImageOutputStream(out)) {
      writer.setOutput(ios);
      ImageWriteParam p = writer.getDefaultWriteParam();
      p.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
      p.setCompressionQuality(quality);
      writer.write(null, new IIOImage(img, null, null), p);
    }
    writer.dispose();
    return out.toByteArray();
  }

  private static Capture replay(String topic) {
    return Capture.run(
        "replay",
        "--bootstrap",
        broker.bootstrapServers(),
        "--topic",
        topic,
        "--data",
        folder.toString());
  }

  /** Every record on the topic decodes as the job's decoder does; their ids. */
  private static Set<String> decodeAll(String topic, long n) throws Exception {
    List<ConsumerRecord<byte[], byte[]>> records =
        TopicRecords.read(broker.bootstrapServers(), topic, (int) n, Duration.ofSeconds(30));
    ImageRecordCodec codec = ImageRecordCodec.withDefaults();
    Set<String> ids = new HashSet<>();
    for (ConsumerRecord<byte[], byte[]> r : records) {
      ImageRecord image = codec.decode(r.value());
      assertThat(Math.max(image.height(), image.width())).isLessThanOrEqualTo(4096);
      assertThat(EncodedImages.planar(image).rgb()).isNotEmpty();
      assertThat(ids.add(image.id())).as("once: " + image.id()).isTrue();
    }
    return ids;
  }

  @Test
  void everyFileIsAccountedForAndWhatIsSentDecodes() throws Exception {
    assertThat(Files.size(folder.resolve("cat/noisy-2mb.jpg"))).isGreaterThan(1_500_000);
    Capture r = replay("photos");
    assertThat(r.rc()).as(r.err()).isZero();
    String summary =
        r.out().lines().filter(l -> l.startsWith("published ")).findFirst().orElseThrow();
    long published =
        Long.parseLong(summary.replaceAll("^published ([0-9,]+) .*", "$1").replace(",", ""));
    long skipped = Long.parseLong(summary.replaceAll(".*; ([0-9,]+) file\\(s\\) skipped.*", "$1"));
    assertThat(published + skipped).as(summary).isEqualTo(ORDINARY + 4);
    assertThat(summary).contains("1 resized to fit").contains("not images, passed over: 1 .txt");
    assertThat(r.err())
        .contains("phone.webp: Java reads no WebP")
        .contains("resizing photos too large to send")
        .contains("large-6000x4000.jpg, 6000x4000")
        .doesNotContain("(stopped)");
    Set<String> ids = decodeAll("photos", published);
    assertThat(ids).contains("cat/noisy-2mb.jpg", "cat/large-6000x4000.jpg");
  }

  @Test
  void aTopicOfKafkasDefaultSizeGetsTheLargePhotoScaledToFit() throws Exception {
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", broker.bootstrapServers()))) {
      NewTopic kafkasDefault =
          new NewTopic("small-records", 1, (short) 1)
              .configs(Map.of("max.message.bytes", "1048588")); // the broker here allows more
      admin.createTopics(List.of(kafkasDefault)).all().get();
    }
    Capture r = replay("small-records");
    assertThat(r.rc()).as(r.err()).isZero();
    assertThat(r.out()).contains("2 resized to fit");
    String summary =
        r.out().lines().filter(l -> l.startsWith("published ")).findFirst().orElseThrow();
    long published =
        Long.parseLong(summary.replaceAll("^published ([0-9,]+) .*", "$1").replace(",", ""));
    assertThat(decodeAll("small-records", published)).contains("cat/noisy-2mb.jpg");
  }

  /** README's first command on the same folder, with the defaults a user would keep. */
  @Test
  void theDemoTrainsOnTheFolder() throws Exception {
    int port;
    try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
      port = s.getLocalPort();
    }
    io.mixstream.tools.cli.Capture demo =
        io.mixstream.tools.cli.Capture.run(
            "demo",
            "--data",
            folder.toString(),
            "--work-dir",
            tmp.resolve("demo").toString(),
            "--width",
            "4",
            "--batch-size",
            "16",
            "--steps",
            "3",
            "--eval-every",
            "0",
            "--rest-port",
            String.valueOf(port));
    assertThat(demo.rc()).as(demo.out() + demo.err()).isZero();
    assertThat(demo.out())
        .containsPattern("stopped after [3-9] steps")
        .as("every file accounted for: 103 JPEG files and the WebP, the text file passed over")
        .contains(
            "94 training and 10 test files, 10 classes: airplane, automobile, bird, cat, deer, dog,"
                + " frog, horse, ship, truck; not images, passed over: 1 .txt");
    assertThat(demo.err())
        .contains("skipped " + folder.resolve("cat/phone.webp") + ": Java reads no WebP")
        .contains("large-6000x4000.jpg, 6000x4000");
  }
}
