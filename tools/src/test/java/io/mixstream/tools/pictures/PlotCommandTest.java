package io.mixstream.tools.pictures;

import static org.assertj.core.api.Assertions.assertThat;

import io.mixstream.tools.cli.Mixstream;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PlotCommandTest {
  @Test
  void plotsLossTermsAndKnnFromMetricsRecords(@TempDir Path tmp) throws Exception {
    List<String> lines = new ArrayList<>();
    for (int s = 1; s <= 50; s++) {
      double loss = 8 - s * 0.05;
      lines.add(
          "{\"type\":\"train\",\"model\":\"default\",\"step\":%d,\"loss\":%s,\"terms\":{\"original\":%s,\"mixed\":%s},\"lr\":0.06}"
              .formatted(s, loss, loss * 0.6, loss * 0.4));
    }
    lines.add("{\"type\":\"knn\",\"model\":\"default\",\"step\":0,\"accuracy\":0.2}");
    lines.add("{\"type\":\"knn\",\"model\":\"default\",\"step\":50,\"accuracy\":0.3}");
    lines.add("{\"type\":\"knn\",\"model\":\"other\",\"step\":50,\"accuracy\":0.9}");
    lines.add("not json");
    Path in = tmp.resolve("metrics.jsonl");
    Files.write(in, lines);

    Path svg = tmp.resolve("t.svg");
    assertThat(
            Mixstream.run(
                "plot", "--file", in.toString(), "--model", "default", "--out", svg.toString()))
        .isZero();
    String doc = Files.readString(svg);
    assertThat(doc)
        .startsWith("<svg")
        .contains(
            "training loss", "kNN top-1 accuracy", ">original<", ">mixed<", ">random-init floor<");
    // the loss line has one point per step, falling left to right (y grows downwards)
    Matcher m =
        Pattern.compile("<polyline[^>]*stroke=\"#1f77b4\"[^>]*points=\"([^\"]+)\"").matcher(doc);
    assertThat(m.find()).isTrue();
    String[] pts = m.group(1).trim().split(" ");
    assertThat(pts).hasSize(50);
    double firstY = Double.parseDouble(pts[0].split(",")[1]);
    double lastY = Double.parseDouble(pts[49].split(",")[1]);
    assertThat(lastY).isGreaterThan(firstY);
    // kNN: two points (steps 0 and 50) rising; the other model's 90% is not there
    assertThat(m.find()).isTrue();
    String[] knn = m.group(1).trim().split(" ");
    assertThat(knn).hasSize(2);
    assertThat(Double.parseDouble(knn[1].split(",")[1]))
        .isLessThan(Double.parseDouble(knn[0].split(",")[1]));
    assertThat(doc).doesNotContain(">90<");

    Path png = tmp.resolve("t.png");
    assertThat(
            Mixstream.run(
                "plot", "--file", in.toString(), "--model", "default", "--out", png.toString()))
        .isZero();
    BufferedImage img = ImageIO.read(png.toFile());
    assertThat(img.getWidth()).isEqualTo(800);
    assertThat(img.getHeight()).isEqualTo(640);

    assertThat(
            Mixstream.run(
                "plot", "--file", in.toString(), "--model", "none", "--out", svg.toString()))
        .isEqualTo(1);
    assertThat(
            Mixstream.run(
                "plot", "--file", in.toString(), "--out", tmp.resolve("t.pdf").toString()))
        .isEqualTo(1);
  }

  /** Quality records alone (no kNN, as a job without labels writes them) still make charts. */
  @Test
  void plotsTheLabelFreeMeasuresOfAJobWithoutLabels(@TempDir Path tmp) throws Exception {
    List<String> lines = new ArrayList<>();
    for (int s = 1; s <= 4; s++) {
      lines.add(
          "{\"type\":\"train\",\"model\":\"m\",\"step\":%d,\"loss\":7,\"terms\":{}}".formatted(s));
    }
    for (int s = 1; s <= 4; s++) {
      lines.add(
          ("{\"type\":\"quality\",\"model\":\"m\",\"step\":%d,\"window\":64,\"dim\":16,"
                  + "\"rankme\":%s,\"alignment\":0.5,\"uniformity\":-2,\"embedding_std\":0.2,"
                  + "\"collapsed\":false}")
              .formatted(s, s == 3 ? "null" : Double.toString(10.0 + s)));
    }
    Path in = tmp.resolve("metrics.jsonl");
    Files.write(in, lines);
    Path svg = tmp.resolve("q.svg");
    assertThat(Mixstream.run("plot", "--file", in.toString(), "--out", svg.toString())).isZero();
    String doc = Files.readString(svg);
    assertThat(doc)
        .contains("RankMe (directions", "alignment and uniformity", "embedding std x sqrt(d)")
        .doesNotContain("kNN top-1 accuracy");
    Matcher m =
        Pattern.compile("<polyline[^>]*stroke=\"#1f77b4\"[^>]*points=\"([^\"]+)\"").matcher(doc);
    assertThat(m.find()).isTrue(); // the loss
    assertThat(m.find()).isTrue(); // RankMe: three points, the NaN (null) reading left out
    assertThat(m.group(1).trim().split(" ")).hasSize(3);
  }

  /**
   * Two models on one topic: every chart has both, and against images seen the model with the
   * larger batch reaches further right at the same step.
   */
  @Test
  void plotsEveryModelSideBySide(@TempDir Path tmp) throws Exception {
    List<String> lines = new ArrayList<>();
    for (String model : List.of("small", "large")) {
      int batch = model.equals("small") ? 32 : 64;
      lines.add("{\"type\":\"knn\",\"model\":\"%s\",\"step\":0,\"accuracy\":0.1}".formatted(model));
      for (int s = 1; s <= 10; s++) {
        lines.add(
            "{\"type\":\"train\",\"model\":\"%s\",\"step\":%d,\"images\":%d,\"loss\":%s,\"terms\":{}}"
                .formatted(model, s, s * batch, 8 - 0.1 * s));
      }
      lines.add(
          "{\"type\":\"knn\",\"model\":\"%s\",\"step\":10,\"accuracy\":0.2}".formatted(model));
    }
    Path in = tmp.resolve("metrics.jsonl");
    Files.write(in, lines);
    Path svg = tmp.resolve("both.svg");
    assertThat(Mixstream.run("plot", "--file", in.toString(), "--out", svg.toString())).isZero();
    String doc = Files.readString(svg);
    assertThat(doc)
        .contains(
            "kNN top-1 accuracy by step", "kNN top-1 accuracy by images seen", "images trained")
        .contains(">small<", ">large<");
    // in chart order: by step, by images seen, the loss; small is the first colour, large the next
    List<double[]> small = lastPoints(doc, "#1f77b4");
    List<double[]> large = lastPoints(doc, "#ff7f0e");
    assertThat(small).hasSize(3);
    assertThat(large).hasSize(3);
    assertThat(large.get(0)[0]).as("by step: both end at step 10").isEqualTo(small.get(0)[0]);
    assertThat(large.get(1)[0])
        .as("by images: 640 images against 320")
        .isGreaterThan(small.get(1)[0]);
  }

  /** The last point of every polyline drawn in {@code colour}, in document order. */
  private static List<double[]> lastPoints(String svg, String colour) {
    Matcher m =
        Pattern.compile("<polyline[^>]*stroke=\"" + colour + "\"[^>]*points=\"([^\"]+)\"")
            .matcher(svg);
    List<double[]> out = new ArrayList<>();
    while (m.find()) {
      String[] pts = m.group(1).trim().split(" ");
      String[] last = pts[pts.length - 1].split(",");
      out.add(new double[] {Double.parseDouble(last[0]), Double.parseDouble(last[1])});
    }
    return out;
  }
}
