package io.mixstream.tools.pictures;

import ai.djl.Device;
import io.mixstream.eval.AttentionMaps;
import io.mixstream.eval.LoadedEncoder;
import io.mixstream.snapshot.EncoderSnapshot;
import io.mixstream.tools.options.DeviceOption;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import javax.imageio.ImageIO;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** `mixstream attention`: §10's attention maps, side by side across snapshots (Fig. 4). */
@Command(
    name = "attention",
    mixinStandardHelpOptions = true,
    description = {
      "Attention maps of the final layer (ALGORITHM.md §10) for images and snapshots.",
      "Each image is resized to SIZE x SIZE and run through each snapshot's encoder in eval mode"
          + " up to layer4; A = mean over channels of F^p, upsampled, min-max normalised and"
          + " coloured with viridis. Writes one PNG per image and snapshot, and attention.png: a"
          + " row per image, the photo first, then a column per snapshot (snapshots of several"
          + " methods side by side give the paper's Fig. 4)."
    })
public final class AttentionCommand implements Callable<Integer> {
  private static final int HEADER = 18;

  @Option(
      names = "--snapshot",
      required = true,
      arity = "1..*",
      paramLabel = "FILE",
      description =
          "Step-NNNNNNNN.safetensors snapshots, one column each: several after one --snapshot, or"
              + " the option repeated.")
  List<Path> snapshots;

  @Option(
      names = "--image",
      required = true,
      arity = "1..*",
      paramLabel = "ID|FILE",
      description =
          "CIFAR-10 ids (cifar10-test-00042) or PNG/JPEG files, one row each: several after one"
              + " --image, or the option repeated.")
  List<String> images;

  @Option(
      names = "--data",
      defaultValue = "${env:MIXSTREAM_DATA:-../shared/data/cifar10}",
      paramLabel = "PATH",
      description = "CIFAR-10 folder or archive, for CIFAR ids (default: ${DEFAULT-VALUE}).")
  Path data;

  @Option(
      names = "--size",
      defaultValue = "128",
      description =
          "Side S the images are resized to; the map is S/8 before upsampling; 32 = CIFAR's own (default: ${DEFAULT-VALUE}).")
  int size;

  @Option(
      names = "--power",
      defaultValue = "1",
      description = "p in mean(F^p): 1, or 2 for Zagoruyko-Komodakis (default: ${DEFAULT-VALUE}).")
  int power;

  @Option(names = "--overlay", description = "Also write each map over its photo at alpha 0.5.")
  boolean overlay;

  @Option(
      names = "--out",
      defaultValue = "attention",
      description = "Output folder (default: ${DEFAULT-VALUE}).")
  Path out;

  @Mixin DeviceOption device;

  @Override
  public Integer call() throws IOException {
    if (size < 8 || size % 8 != 0) {
      throw new IllegalArgumentException("--size must be a positive multiple of 8, got " + size);
    }
    if (power != 1 && power != 2) {
      throw new IllegalArgumentException(
          "--power must be 1 (the mean of F) or 2 (Zagoruyko-Komodakis's mean of F^2), got "
              + power);
    }
    Files.createDirectories(out);
    Images loader = new Images(data);
    List<BufferedImage> photos = new ArrayList<>();
    for (String spec : images) {
      photos.add(Images.square(loader.load(spec), size));
    }
    Device dev = device.resolve();
    List<String> labels = new ArrayList<>();
    BufferedImage[][] maps = new BufferedImage[images.size()][snapshots.size()];
    for (int s = 0; s < snapshots.size(); s++) {
      EncoderSnapshot snap = EncoderSnapshot.fromSafetensors(Files.readAllBytes(snapshots.get(s)));
      String label = "%s @ %d".formatted(snap.method(), snap.step());
      labels.add(label);
      try (LoadedEncoder encoder = new LoadedEncoder(snap, dev)) {
        for (int i = 0; i < photos.size(); i++) {
          float[] a = AttentionMaps.of(encoder, Images.toPlanar(photos.get(i)), size, power);
          maps[i][s] = Images.viridis(a, size);
          String name =
              "%s_%s-step%d".formatted(fileName(images.get(i)), snap.method(), snap.step());
          write(maps[i][s], out.resolve(name + ".png"));
          if (overlay) {
            write(Images.overlay(photos.get(i), maps[i][s]), out.resolve(name + "_overlay.png"));
          }
        }
      }
    }
    Path grid = out.resolve("attention.png");
    write(grid(photos, maps, labels), grid);
    System.out.printf(
        "wrote %d maps (%dx%d, p=%d) and %s%n",
        photos.size() * snapshots.size(), size, size, power, grid);
    return 0;
  }

  private BufferedImage grid(
      List<BufferedImage> photos, BufferedImage[][] maps, List<String> labels) {
    int gap = 4;
    int cols = 1 + labels.size();
    BufferedImage g =
        new BufferedImage(
            cols * (size + gap), HEADER + photos.size() * (size + gap), BufferedImage.TYPE_INT_RGB);
    Graphics2D gr = g.createGraphics();
    gr.setColor(Color.WHITE);
    gr.fillRect(0, 0, g.getWidth(), g.getHeight());
    for (int i = 0; i < photos.size(); i++) {
      int y = HEADER + i * (size + gap);
      gr.drawImage(photos.get(i), 0, y, null);
      for (int s = 0; s < labels.size(); s++) {
        gr.drawImage(maps[i][s], (s + 1) * (size + gap), y, null);
      }
    }
    try {
      gr.setColor(Color.BLACK);
      gr.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
      gr.drawString("image", 2, 13);
      for (int s = 0; s < labels.size(); s++) {
        gr.drawString(labels.get(s), (s + 1) * (size + gap) + 2, 13);
      }
    } catch (RuntimeException | Error e) { // a machine without fonts: the grid without labels
      System.err.println("attention: no font to label the columns (" + e + ")");
    }
    gr.dispose();
    return g;
  }

  private static String fileName(String spec) {
    String base = Path.of(spec).getFileName().toString();
    int dot = base.lastIndexOf('.');
    return (dot > 0 ? base.substring(0, dot) : base).replaceAll("[^A-Za-z0-9_-]", "_");
  }

  private static void write(BufferedImage img, Path file) throws IOException {
    if (!ImageIO.write(img, "png", file.toFile())) {
      throw new IOException("no PNG writer");
    }
  }
}
