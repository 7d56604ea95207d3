package io.mixstream.tools.options;

import io.mixstream.kafka.KafkaClientProperties;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Option;

/** Where the broker is and how to talk to it: the options every Kafka client command shares. */
public final class KafkaClientOptions {
  @Option(
      names = {"--bootstrap-servers", "--bootstrap"},
      defaultValue = "127.0.0.1:9092",
      paramLabel = "HOST:PORT",
      description = "Kafka bootstrap servers (default: ${DEFAULT-VALUE}).")
  String bootstrap;

  @Option(
      names = {"--kafka-property", "-X"},
      paramLabel = "KEY=VALUE",
      description = "Any Kafka client property, repeatable (e.g. -X security.protocol=SASL_SSL).")
  List<String> kafkaProperties = new ArrayList<>();

  @Option(
      names = "--kafka-config",
      paramLabel = "FILE",
      description = "A properties file of Kafka client settings (SASL/SSL etc.); -X wins over it.")
  Path kafkaConfig;

  public String bootstrap() {
    return bootstrap;
  }

  /** The file's settings with -X on top. */
  public Map<String, String> properties() {
    return KafkaClientProperties.merge(kafkaConfig, kafkaProperties);
  }
}
