package io.mixstream.tools.pictures;

import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;

/** Line charts stacked in panels, to an SVG or PNG file (the name's extension says which). */
public final class ChartFile {
  private static final int WIDTH = 800;
  private static final int PANEL = 320;
  private static final int[] PALETTE = {0x1f77b4, 0xd62728, 0x2ca02c, 0x9467bd, 0xff7f0e};

  /** A named line of (x, y) points. */
  public record Line(String name, List<double[]> points) {}

  /** One chart: its lines, coloured in order. */
  public record Panel(String title, String xLabel, String yLabel, List<Line> lines) {}

  private ChartFile() {}

  public static void write(Path out, List<Panel> panels) throws IOException {
    List<LineChart> charts = new ArrayList<>();
    for (Panel p : panels) {
      List<Series> series = new ArrayList<>();
      for (int i = 0; i < p.lines().size(); i++) {
        Line l = p.lines().get(i);
        series.add(new Series(l.name(), l.points(), PALETTE[i % PALETTE.length], false));
      }
      charts.add(new LineChart(p.title(), p.xLabel(), p.yLabel(), series));
    }
    writeCharts(out, charts);
  }

  static void writeCharts(Path out, List<LineChart> panels) throws IOException {
    int height = PANEL * panels.size();
    if (out.getFileName().toString().endsWith(".svg")) {
      Canvas.Svg svg = new Canvas.Svg(WIDTH, height);
      draw(svg, panels);
      Files.writeString(out, svg.document());
    } else {
      BufferedImage img = new BufferedImage(WIDTH, height, BufferedImage.TYPE_INT_RGB);
      Graphics2D g = img.createGraphics();
      g.setColor(java.awt.Color.WHITE);
      g.fillRect(0, 0, WIDTH, height);
      draw(new Canvas.Raster(g), panels);
      g.dispose();
      ImageIO.write(img, "png", out.toFile());
    }
  }

  private static void draw(Canvas c, List<LineChart> panels) {
    for (int i = 0; i < panels.size(); i++) {
      panels.get(i).draw(c, 0, i * PANEL, WIDTH, PANEL);
    }
  }
}
