package io.mixstream.tools.metrics;

import io.mixstream.kafka.TopicReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The JSON records of a metrics topic, or of a file of them (one per line), for the commands that
 * read it ({@code plot}, {@code models}).
 *
 * @param lines the records, in topic (or file) order
 * @param tombstones records without a value on the topic, skipped
 */
public record MetricsInput(List<String> lines, long tombstones) {
  /**
   * @param file a JSON-lines file to read instead of the topic; null = the topic
   * @throws IllegalArgumentException when the file does not exist
   */
  public static MetricsInput read(
      String bootstrap, Map<String, String> kafka, String topic, Path file, Duration timeout)
      throws IOException {
    if (file != null) {
      if (!Files.isRegularFile(file)) {
        throw new IllegalArgumentException("--file " + file + ": no such file");
      }
      return new MetricsInput(
          Files.readAllLines(file).stream().filter(l -> !l.isBlank()).toList(), 0);
    }
    List<String> out = new ArrayList<>();
    try (TopicReader r =
        new TopicReader(bootstrap, kafka, topic, "the job writes it from its first step")) {
      for (byte[] v : r.readAll(timeout)) {
        out.add(new String(v, StandardCharsets.UTF_8));
      }
      return new MetricsInput(out, r.tombstones());
    }
  }
}
