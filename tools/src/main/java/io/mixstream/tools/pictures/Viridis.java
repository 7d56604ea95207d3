package io.mixstream.tools.pictures;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/** matplotlib's viridis as a 256-entry lookup table (§10 asks for it). */
public final class Viridis {
  private static final int[] LUT = load();

  private Viridis() {}

  /** The RGB colour (0xRRGGBB) of a value in [0, 1] (clamped). */
  public static int rgb(float v) {
    int i = Math.round(Math.max(0, Math.min(1, v)) * 255);
    return LUT[i];
  }

  private static int[] load() {
    int[] lut = new int[256];
    int n = 0;
    try (InputStream in = Viridis.class.getResourceAsStream("viridis.txt");
        BufferedReader r =
            new BufferedReader(new InputStreamReader(in, StandardCharsets.US_ASCII))) {
      for (String line; (line = r.readLine()) != null; ) {
        if (!line.startsWith("#") && !line.isBlank()) {
          lut[n++] = Integer.parseInt(line.trim(), 16);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    if (n != 256) {
      throw new IllegalStateException("viridis.txt holds " + n + " colours, not 256");
    }
    return lut;
  }
}
