package io.mixstream.cifar;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mixstream.testing.SharedData;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class Cifar10ReaderTest {
  private final Path data = SharedData.cifar10();

  @Test
  void trainSplitHasTheOfficialOrderAndCounts() throws IOException {
    Cifar10Dataset train = Cifar10Reader.read(data, CifarSplit.TRAIN);
    assertThat(train.size()).isEqualTo(50_000);
    int[] first = new int[10];
    for (int i = 0; i < 10; i++) {
      first[i] = train.label(i);
    }
    assertThat(first).containsExactly(6, 9, 9, 4, 1, 1, 2, 7, 8, 3);
    int[] perClass = new int[10];
    for (int i = 0; i < train.size(); i++) {
      perClass[train.label(i)]++;
    }
    assertThat(perClass).containsOnly(5000);
    // data_batch_1's class counts, from the dataset's README
    int[] batch1 = new int[10];
    for (int i = 0; i < 10_000; i++) {
      batch1[train.label(i)]++;
    }
    assertThat(batch1).containsExactly(1005, 974, 1032, 1016, 999, 937, 1030, 1001, 1025, 981);
  }

  @Test
  void pixelsAreThePlanarBytesAfterEachLabelByte() throws IOException {
    Cifar10Dataset train = Cifar10Reader.read(data, CifarSplit.TRAIN);
    byte[] raw = Files.readAllBytes(data.resolve("data_batch_2.bin"));
    int k = 1234;
    byte[] expected = Arrays.copyOfRange(raw, k * 3073 + 1, (k + 1) * 3073);
    assertThat(train.pixels(10_000 + k)).containsExactly(expected);
    assertThat(train.label(10_000 + k)).isEqualTo(raw[k * 3073]);
    assertThat(train.record(10_000 + k).id()).isEqualTo("cifar10-train-11234");
  }

  @Test
  void testSplitFirstLabelIsCat() throws IOException {
    Cifar10Dataset test = Cifar10Reader.read(data, CifarSplit.TEST);
    assertThat(test.size()).isEqualTo(10_000);
    assertThat(test.label(0)).isEqualTo(3);
  }

  @Test
  void readsTheOfficialTarGzDirectly(@TempDir Path tmp) throws Exception {
    Path folder = tmp.resolve("cifar-10-batches-bin");
    Files.createDirectories(folder);
    Files.copy(data.resolve("test_batch.bin"), folder.resolve("test_batch.bin"));
    Files.copy(data.resolve("batches.meta.txt"), folder.resolve("batches.meta.txt"));
    Path archive = tmp.resolve("cifar-10-binary.tar.gz");
    Process tar =
        new ProcessBuilder(
                "tar", "czf", archive.toString(), "-C", tmp.toString(), "cifar-10-batches-bin")
            .inheritIO()
            .start();
    assertThat(tar.waitFor()).isZero();

    Cifar10Dataset fromTar = Cifar10Reader.read(archive, CifarSplit.TEST);
    Cifar10Dataset fromFolder = Cifar10Reader.read(data, CifarSplit.TEST);
    assertThat(fromTar.size()).isEqualTo(10_000);
    for (int i : new int[] {0, 1, 4999, 9999}) {
      assertThat(fromTar.label(i)).isEqualTo(fromFolder.label(i));
      assertThat(fromTar.pixels(i)).isEqualTo(fromFolder.pixels(i));
    }
    // the folder that holds cifar-10-batches-bin/ works too
    assertThat(Cifar10Reader.read(tmp, CifarSplit.TEST).size()).isEqualTo(10_000);
    // and the archive lacks the training batches: a clear error
    assertThatThrownBy(() -> Cifar10Reader.read(archive, CifarSplit.TRAIN))
        .isInstanceOf(CifarFormatException.class)
        .hasMessageContaining("has no data_batch_1.bin");
  }

  @Test
  void truncatedOrCorruptBatchesGiveAClearError(@TempDir Path tmp) throws IOException {
    byte[] test = Files.readAllBytes(data.resolve("test_batch.bin"));
    Files.write(tmp.resolve("test_batch.bin"), Arrays.copyOf(test, test.length - 100));
    assertThatThrownBy(() -> Cifar10Reader.read(tmp, CifarSplit.TEST))
        .isInstanceOf(CifarFormatException.class)
        .hasMessageContaining("not a whole number of 3073-byte records");

    byte[] corrupt = test.clone();
    corrupt[5 * 3073] = 42;
    Files.write(tmp.resolve("test_batch.bin"), corrupt);
    assertThatThrownBy(() -> Cifar10Reader.read(tmp, CifarSplit.TEST))
        .isInstanceOf(CifarFormatException.class)
        .hasMessageContaining("record 5 has label byte 42");

    Path notGzip = tmp.resolve("cifar-10-binary.tar.gz");
    Files.write(notGzip, new byte[] {1, 2, 3, 4});
    assertThatThrownBy(() -> Cifar10Reader.read(notGzip, CifarSplit.TEST))
        .isInstanceOf(CifarFormatException.class)
        .hasMessageContaining("not a readable .tar.gz");
  }

  @Test
  void missingDataNamesWhatIsExpected(@TempDir Path tmp) {
    assertThatThrownBy(() -> Cifar10Reader.read(tmp.resolve("nope"), CifarSplit.TRAIN))
        .isInstanceOf(CifarFormatException.class)
        .hasMessageContaining("does not exist")
        .hasMessageContaining("cifar-10-binary.tar.gz");
    assertThatThrownBy(() -> Cifar10Reader.read(tmp, CifarSplit.TRAIN))
        .hasMessageContaining("has no data_batch_1.bin");
  }
}
