package io.mixstream.tools.pictures;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import io.mixstream.config.Method;
import io.mixstream.config.TrainingConfig;
import io.mixstream.testing.SharedData;
import io.mixstream.tools.cli.Mixstream;
import io.mixstream.train.MocoTrainer;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AttentionCommandTest {
  @Test
  void writesViridisMapsAndAGridAcrossSnapshots(@TempDir Path tmp) throws Exception {
    TrainingConfig.Builder b = TrainingConfig.defaults().toBuilder();
    b.width = 4;
    b.batchSize = 16;
    b.queueSize = 64;
    Path s0 = tmp.resolve("moco0.safetensors");
    Path s1 = tmp.resolve("a2.safetensors");
    try (MocoTrainer t = new MocoTrainer(b.build(), Device.cpu())) {
      Files.write(s0, t.encoderSnapshot().toSafetensors());
    }
    b.method = Method.APPROACH2;
    b.seed = 9;
    try (MocoTrainer t = new MocoTrainer(b.build(), Device.cpu())) {
      t.step(new byte[16][3072]);
      Files.write(s1, t.encoderSnapshot().toSafetensors());
    }
    BufferedImage photo = new BufferedImage(50, 40, BufferedImage.TYPE_INT_RGB);
    photo.setRGB(10, 10, 0xFF0000);
    Path png = tmp.resolve("photo one.png");
    ImageIO.write(photo, "png", png.toFile());
    Path out = tmp.resolve("att");

    int rc =
        Mixstream.run(
            "attention", // README's form: several values after one option
            "--snapshot",
            s0.toString(),
            s1.toString(),
            "--image",
            "cifar10-test-00003",
            png.toString(),
            "--data",
            SharedData.cifar10().toString(),
            "--size",
            "64",
            "--overlay",
            "--out",
            out.toString(),
            "--device",
            "cpu");
    assertThat(rc).isZero();
    BufferedImage map =
        ImageIO.read(out.resolve("cifar10-test-00003_approach2-step1.png").toFile());
    assertThat(map.getWidth()).isEqualTo(64);
    assertThat(map.getHeight()).isEqualTo(64);
    // min-max normalised, so both ends of viridis appear, and nothing outside it
    Set<Integer> colours = new HashSet<>();
    for (int y = 0; y < 64; y++) {
      for (int x = 0; x < 64; x++) {
        colours.add(map.getRGB(x, y) & 0xFFFFFF);
      }
    }
    assertThat(colours).contains(0x440154, 0xfde725);
    Set<Integer> lut = new HashSet<>();
    for (int i = 0; i < 256; i++) {
      lut.add(Viridis.rgb(i / 255f));
    }
    assertThat(lut).containsAll(colours);
    assertThat(out.resolve("photo_one_moco-step0.png")).exists();
    assertThat(out.resolve("photo_one_moco-step0_overlay.png")).exists();
    BufferedImage grid = ImageIO.read(out.resolve("attention.png").toFile());
    assertThat(grid.getWidth()).isEqualTo(3 * (64 + 4));
    assertThat(grid.getHeight()).isEqualTo(18 + 2 * (64 + 4));
  }

  @Test
  void badInputIsNamed(@TempDir Path tmp) throws Exception {
    assertThat(Mixstream.run("attention", "--snapshot", "x", "--image", "y", "--size", "30"))
        .isEqualTo(1);
    assertThat(
            Mixstream.run(
                "attention",
                "--snapshot",
                tmp.resolve("none.safetensors").toString(),
                "--image",
                "nope.png",
                "--out",
                tmp.toString()))
        .isEqualTo(1);
  }
}
