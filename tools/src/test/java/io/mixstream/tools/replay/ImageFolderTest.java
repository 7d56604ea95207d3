package io.mixstream.tools.replay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mixstream.cifar.Cifar10Dataset;
import io.mixstream.cifar.Cifar10Reader;
import io.mixstream.cifar.CifarSplit;
import io.mixstream.records.ImageRecord;
import io.mixstream.records.ImageRecordCodec;
import io.mixstream.records.PixelEncoding;
import io.mixstream.testing.SharedData;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageFolderTest {
  static Cifar10Dataset cifar;

  @BeforeAll
  static void read() throws Exception {
    cifar = Cifar10Reader.read(SharedData.cifar10(), CifarSplit.TEST);
  }

  private static List<ImageRecord> all(ImageFolder f) {
    List<ImageRecord> out = new ArrayList<>();
    for (int i = 0; i < f.size(); i++) {
      f.record(i).ifPresent(out::add);
    }
    return out;
  }

  @Test
  void classSubfoldersGiveSortedLabelsAndEveryFileGoesOutAsItIs(@TempDir Path dir)
      throws Exception {
    List<CifarFiles.Written> written = CifarFiles.write(cifar, dir, 3, 1);
    Files.write(dir.resolve("cat/broken.jpg"), new byte[] {(byte) 0xFF, (byte) 0xD8, 1, 2, 3});
    Files.writeString(dir.resolve("notes.txt"), "not an image");
    ByteArrayOutputStream log = new ByteArrayOutputStream();
    ImageFolder f =
        ImageFolder.open(dir, "train", 0, 0, new PrintStream(log, true, StandardCharsets.UTF_8));
    assertThat(f.classes()).containsExactly(CifarFiles.CLASSES); // already in sorted order
    assertThat(f.size()).isEqualTo(31);
    List<ImageRecord> records = all(f);
    assertThat(records).hasSize(30);
    assertThat(f.skipped()).isEqualTo(1);
    assertThat(log.toString(StandardCharsets.UTF_8))
        .contains("skipped " + dir.resolve("cat/broken.jpg"));
    f.record(f.size() - 1); // asking again does not say it again
    all(f);
    assertThat(log.toString(StandardCharsets.UTF_8).lines().count()).isEqualTo(1);

    Map<String, ImageRecord> byId = new HashMap<>();
    records.forEach(r -> byId.put(r.id(), r));
    ImageRecordCodec codec = ImageRecordCodec.withDefaults();
    for (CifarFiles.Written w : written) {
      ImageRecord r = byId.get(w.id());
      assertThat(r).as(w.id()).isNotNull();
      assertThat(r.label()).isEqualTo(w.label());
      assertThat(r.height()).isEqualTo(w.height());
      assertThat(r.width()).isEqualTo(w.width());
      assertThat(r.channels()).isEqualTo(w.grey() ? 1 : 3);
      assertThat(r.encoding())
          .isEqualTo(w.id().endsWith(".png") ? PixelEncoding.PNG : PixelEncoding.JPEG);
      assertThat(r.pixels())
          .as("the file's own bytes")
          .isEqualTo(Files.readAllBytes(dir.resolve(w.id())));
      assertThat(codec.decode(codec.encode(r))).isEqualTo(r); // a legal record
    }
    assertThat(f.writeClasses(dir)).contains(dir.resolve("classes.txt"));
    assertThat(Files.readAllLines(dir.resolve("classes.txt"))).containsExactly(CifarFiles.CLASSES);
  }

  @Test
  void aHeldOutShareIsTheTestSplitTheSameEveryTimeAndResizeSendsSquarePixels(@TempDir Path dir)
      throws Exception {
    CifarFiles.write(cifar, dir, 10, 2);
    PrintStream quiet = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
    ImageFolder train = ImageFolder.open(dir, "train", 0.3, 0, quiet);
    ImageFolder test = ImageFolder.open(dir, "test", 0.3, 0, quiet);
    assertThat(train.size() + test.size()).isEqualTo(100);
    assertThat(test.size()).isBetween(15, 45);
    List<String> testIds = all(test).stream().map(ImageRecord::id).toList();
    assertThat(all(train).stream().map(ImageRecord::id)).doesNotContainAnyElementsOf(testIds);
    assertThat(all(ImageFolder.open(dir, "test", 0.3, 0, quiet)).stream().map(ImageRecord::id))
        .containsExactlyElementsOf(testIds);

    ImageFolder resized = ImageFolder.open(dir, "train", 0.3, 48, quiet);
    Optional<ImageRecord> r = resized.record(0);
    assertThat(r).isPresent();
    assertThat(r.get().encoding()).isEqualTo(PixelEncoding.RAW_PLANAR);
    assertThat(r.get().height()).isEqualTo(48);
    assertThat(r.get().width()).isEqualTo(48);
    assertThat(r.get().pixels()).hasSize(3 * 48 * 48);
  }

  @Test
  void trainAndTestSubfoldersAreTheSplitsAndAFlatFolderIsUnlabelled(@TempDir Path dir)
      throws Exception {
    CifarFiles.write(cifar, dir.resolve("train"), 2, 3);
    CifarFiles.write(cifar, dir.resolve("test"), 1, 4);
    PrintStream quiet = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
    assertThat(ImageFolder.open(dir, "train", 0, 0, quiet).size()).isEqualTo(20);
    assertThat(ImageFolder.open(dir, "test", 0, 0, quiet).size()).isEqualTo(10);

    Path flat = Files.createDirectories(dir.resolve("flat"));
    Files.copy(dir.resolve("test/cat").toFile().listFiles()[0].toPath(), flat.resolve("a.png"));
    ImageFolder unlabelled = ImageFolder.open(flat, "train", 0, 0, quiet);
    assertThat(unlabelled.classes()).isEmpty();
    assertThat(unlabelled.record(0).orElseThrow().label()).isEqualTo(ImageRecord.NO_LABEL);
    assertThat(unlabelled.writeClasses(flat)).isEmpty();
    assertThatThrownBy(() -> ImageFolder.open(flat, "test", 0, 0, quiet))
        .hasMessageContaining("--holdout");
    assertThatThrownBy(() -> ImageFolder.open(dir.resolve("none"), "train", 0, 0, quiet))
        .hasMessageContaining("is not a folder");
    Path empty = Files.createDirectories(dir.resolve("empty"));
    assertThatThrownBy(() -> ImageFolder.open(empty, "train", 0, 0, quiet))
        .hasMessageContaining("no image files");
  }
}
