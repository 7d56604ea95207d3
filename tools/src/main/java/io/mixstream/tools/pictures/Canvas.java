package io.mixstream.tools.pictures;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.Path2D;
import java.util.Locale;

/** What a chart draws with; one implementation writes SVG, one paints a PNG. */
interface Canvas {
  void line(double x1, double y1, double x2, double y2, int rgb, double width, boolean dashed);

  void polyline(double[] xs, double[] ys, int rgb, double width);

  /** anchor: -1 left, 0 centre, 1 right. */
  void text(double x, double y, String s, int anchor, int size);

  /** SVG text, built as the chart draws. */
  final class Svg implements Canvas {
    private final StringBuilder b = new StringBuilder();
    private final int width;
    private final int height;

    Svg(int width, int height) {
      this.width = width;
      this.height = height;
    }

    private static String colour(int rgb) {
      return "#%06x".formatted(rgb & 0xFFFFFF);
    }

    @Override
    public void line(
        double x1, double y1, double x2, double y2, int rgb, double w, boolean dashed) {
      b.append(
          String.format(
              Locale.ROOT,
              "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" stroke-width=\"%.1f\"%s/>%n",
              x1,
              y1,
              x2,
              y2,
              colour(rgb),
              w,
              dashed ? " stroke-dasharray=\"5,4\"" : ""));
    }

    @Override
    public void polyline(double[] xs, double[] ys, int rgb, double w) {
      b.append("<polyline fill=\"none\" stroke=\"")
          .append(colour(rgb))
          .append("\" stroke-width=\"")
          .append(String.format(Locale.ROOT, "%.1f", w))
          .append("\" points=\"");
      for (int i = 0; i < xs.length; i++) {
        b.append(String.format(Locale.ROOT, "%.1f,%.1f ", xs[i], ys[i]));
      }
      b.append("\"/>\n");
    }

    @Override
    public void text(double x, double y, String s, int anchor, int size) {
      String a = anchor < 0 ? "start" : anchor > 0 ? "end" : "middle";
      b.append(
          String.format(
              Locale.ROOT,
              "<text x=\"%.1f\" y=\"%.1f\" font-family=\"sans-serif\" font-size=\"%d\" text-anchor=\"%s\">%s</text>%n",
              x,
              y,
              size,
              a,
              s.replace("&", "&amp;").replace("<", "&lt;")));
    }

    String document() {
      return "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\">%n"
              .formatted(width, height, width, height)
          + "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
          + b
          + "</svg>\n";
    }
  }

  /** Paints onto a Java2D graphics (a PNG). */
  final class Raster implements Canvas {
    private final Graphics2D g;

    Raster(Graphics2D g) {
      this.g = g;
      g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
    }

    @Override
    public void line(
        double x1, double y1, double x2, double y2, int rgb, double w, boolean dashed) {
      g.setColor(new Color(rgb));
      g.setStroke(
          dashed
              ? new BasicStroke(
                  (float) w,
                  BasicStroke.CAP_BUTT,
                  BasicStroke.JOIN_MITER,
                  10,
                  new float[] {5, 4},
                  0)
              : new BasicStroke((float) w));
      g.draw(new java.awt.geom.Line2D.Double(x1, y1, x2, y2));
    }

    @Override
    public void polyline(double[] xs, double[] ys, int rgb, double w) {
      if (xs.length == 0) {
        return;
      }
      Path2D.Double p = new Path2D.Double();
      p.moveTo(xs[0], ys[0]);
      for (int i = 1; i < xs.length; i++) {
        p.lineTo(xs[i], ys[i]);
      }
      g.setColor(new Color(rgb));
      g.setStroke(new BasicStroke((float) w));
      g.draw(p);
    }

    @Override
    public void text(double x, double y, String s, int anchor, int size) {
      g.setColor(Color.BLACK);
      g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, size));
      int w = g.getFontMetrics().stringWidth(s);
      double left = anchor < 0 ? x : anchor > 0 ? x - w : x - w / 2.0;
      g.drawString(s, (float) left, (float) y);
    }
  }
}
