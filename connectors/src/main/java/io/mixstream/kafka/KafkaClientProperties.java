package io.mixstream.kafka;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;

/**
 * Kafka client settings a user passes through without code changes: a properties file (for example
 * one holding {@code security.protocol}, {@code sasl.mechanism} and {@code sasl.jaas.config})
 * and/or {@code key=value} pairs, the pairs winning.
 */
public final class KafkaClientProperties {
  private KafkaClientProperties() {}

  /**
   * Merges the file (may be null) and the pairs into one map.
   *
   * @throws IllegalArgumentException naming a pair without '=' or a file that cannot be read
   */
  public static Map<String, String> merge(Path file, List<String> pairs) {
    Map<String, String> out = new TreeMap<>();
    if (file != null) {
      Properties p = new Properties();
      try (Reader r = Files.newBufferedReader(file)) {
        p.load(r);
      } catch (IOException e) {
        throw new IllegalArgumentException(
            "cannot read the Kafka client properties file " + file + ": " + e.getMessage(), e);
      }
      p.stringPropertyNames().forEach(k -> out.put(k, p.getProperty(k)));
    }
    for (String pair : pairs) {
      int eq = pair.indexOf('=');
      if (eq <= 0) {
        throw new IllegalArgumentException(
            "Kafka client property '%s' is not KEY=VALUE (for example security.protocol=SASL_SSL)"
                .formatted(pair));
      }
      out.put(pair.substring(0, eq).trim(), pair.substring(eq + 1));
    }
    return out;
  }

  /** The map with secrets masked, for printing the effective config. */
  public static Map<String, String> masked(Map<String, String> props) {
    Map<String, String> out = new TreeMap<>();
    props.forEach(
        (k, v) -> {
          String key = k.toLowerCase(java.util.Locale.ROOT);
          boolean secret =
              key.contains("password") || key.contains("jaas") || key.contains("secret");
          out.put(k, secret ? "******" : v);
        });
    return out;
  }
}
