package io.mixstream.config;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Builds an {@link EmbedConfig} as {@link JobOptions} builds the training job's: a properties file
 * and/or {@code --option value} flags under each component's kebab-case name, flags winning, Kafka
 * client settings as {@code --kafka.KEY VALUE}.
 */
public final class EmbedOptions {
  private static final Set<String> BOOLEANS = OptionTable.booleans(EmbedConfig.Builder.class);

  private EmbedOptions() {}

  /**
   * @param tmp where the defaults' snapshot and checkpoint folders are
   * @throws IllegalArgumentException naming the option that is unknown, missing a value, or bad
   */
  public static EmbedConfig parse(String[] args, Path tmp) {
    Map<String, String> rest = new LinkedHashMap<>(JobOptions.values(args, BOOLEANS));
    Map<String, String> kafka = JobOptions.takeKafka(rest);
    EmbedConfig.Builder b = EmbedConfig.defaults(tmp).toBuilder();
    Map<String, String> problems = new LinkedHashMap<>();
    OptionTable.set(b, rest, problems);
    if (!problems.isEmpty()) {
      throw new IllegalArgumentException(String.join("; ", problems.values()));
    }
    JobOptions.refuseUnknown(rest);
    Map<String, String> merged = new TreeMap<>(b.kafkaProperties);
    merged.putAll(kafka);
    b.kafkaProperties = merged;
    return b.build().validate();
  }

  /** Every option with its default, for --help. */
  public static List<String> help(Path tmp) {
    List<String> lines = new ArrayList<>();
    lines.add(
        "  --config FILE                  properties file with any of the options below (name=value)");
    lines.addAll(OptionTable.help(EmbedConfig.defaults(tmp).toBuilder(), name -> ""));
    lines.add(
        "  --kafka.KEY VALUE              any Kafka client setting (security.protocol, sasl.*, ssl.*)");
    return lines;
  }
}
