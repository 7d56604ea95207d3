package io.mixstream.config;

import io.mixstream.kafka.KafkaClientProperties;
import io.mixstream.records.EmbeddingCodec;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The embedding service's settings ({@code mixstream embed}): what it reads, which model it
 * follows, where its vectors go. Options that mean what the training job's mean are spelled the
 * same. Each option is declared once, in {@link Builder}.
 */
public record EmbedConfig(
    String bootstrapServers,
    String inputTopic,
    String outputTopic,
    String deadLetterTopic,
    String groupId,
    Map<String, String> kafkaProperties,
    String modelKey,
    Path snapshotDir,
    Duration modelPollInterval,
    int batchSize,
    Duration batchTimeout,
    boolean exactlyOnce,
    String reembedTopic,
    String reembedOutputTopic,
    String metricsTopic,
    Duration metricsInterval,
    EmbeddingCodec.Format embeddingsFormat,
    String device,
    int torchThreads,
    Duration checkpointInterval,
    Path checkpointDir,
    boolean bounded,
    int embedParallelism) {

  public EmbedConfig {
    kafkaProperties = Map.copyOf(kafkaProperties);
  }

  /**
   * Local defaults: the broker on 127.0.0.1:9092, topic images in, image-embeddings out, the model
   * "default" in the trainer's default snapshot directory, batches of 64 or 50 ms, exactly once.
   *
   * @param tmp the folder that holds the trainer's mixstream-snapshots
   */
  public static EmbedConfig defaults(Path tmp) {
    Builder b = new Builder();
    b.snapshotDir = tmp.resolve("mixstream-snapshots");
    b.checkpointDir = tmp.resolve("mixstream-embed-checkpoints");
    return b.build();
  }

  public boolean reembeds() {
    return reembedTopic != null && !reembedTopic.isBlank();
  }

  /** Where the reference topic's vectors go. */
  public String resolvedReembedOutputTopic() {
    return reembedOutputTopic == null || reembedOutputTopic.isBlank()
        ? reembedTopic + "-embeddings"
        : reembedOutputTopic;
  }

  /** Every problem, each naming its option; empty when valid. */
  public List<String> problems() {
    List<String> p = OptionTable.problems(toBuilder());
    if (bootstrapServers != null && bootstrapServers.isBlank()) {
      p.add("bootstrap-servers must name at least one HOST:PORT");
    }
    if (inputTopic != null && inputTopic.isBlank()) {
      p.add("input-topic must not be empty");
    }
    List<String> written = new ArrayList<>(List.of(outputTopic, deadLetterTopic, metricsTopic));
    if (reembeds()) {
      written.add(resolvedReembedOutputTopic());
    }
    for (String t : written) {
      if (t == null || t.isBlank()) {
        p.add("output-topic, dead-letter-topic and metrics-topic must be set");
      } else if (t.equals(inputTopic) || t.equals(reembedTopic)) {
        p.add("topic " + t + " is read and written: give the output topics other names");
      }
    }
    if (written.stream().distinct().count() < written.size()) {
      p.add(
          "output-topic, dead-letter-topic, metrics-topic and the re-embedding's output topic"
              + " must all differ, got "
              + written);
    }
    if (modelKey != null && modelKey.isBlank()) {
      p.add("model-key must not be empty");
    }
    Map<String, Duration> durations = new LinkedHashMap<>();
    durations.put("batch-timeout", batchTimeout);
    durations.put("model-poll-interval", modelPollInterval);
    durations.put("metrics-interval", metricsInterval);
    durations.put("checkpoint-interval", checkpointInterval);
    durations.forEach(
        (name, d) -> {
          if (d != null && (d.isNegative() || d.isZero())) {
            p.add(name + " must be positive");
          }
        });
    if (device == null || !List.of("auto", "cpu", "gpu").contains(device)) {
      p.add("device must be auto, cpu or gpu, got '" + device + "'");
    }
    return p;
  }

  /**
   * @throws IllegalArgumentException listing every problem
   */
  public EmbedConfig validate() {
    OptionTable.refuseAny(problems(), "embed config");
    return this;
  }

  /** The effective configuration, secrets masked, for printing once at start. */
  public Map<String, Object> describe() {
    Map<String, Object> m = OptionTable.asMap(this);
    m.put("kafkaProperties", masked());
    if (reembeds()) {
      m.put("reembedOutputTopic", resolvedReembedOutputTopic());
    }
    return m;
  }

  private Map<String, String> masked() {
    return KafkaClientProperties.masked(kafkaProperties);
  }

  public Builder toBuilder() {
    return new Builder(this);
  }

  /**
   * The embedding service's options, each declared once: its name, type and default here, what it
   * means and its range in its {@link Option}. Start from {@code defaults(...)}, set, build.
   */
  public static final class Builder {
    @Option("Kafka bootstrap servers")
    public String bootstrapServers = "127.0.0.1:9092";

    @Option("topic of image records to embed")
    public String inputTopic = "images";

    @Option("where each image's embedding goes, keyed by image id")
    public String outputTopic = "image-embeddings";

    @Option("where malformed records go, with their reason")
    public String deadLetterTopic = "image-embeddings-dead-letters";

    @Option("Kafka consumer group of the source")
    public String groupId = "mixstream-embed";

    /** Extra Kafka client settings: {@code --kafka.KEY VALUE}. */
    public Map<String, String> kafkaProperties = Map.of();

    @Option("the model to follow: its snapshots are SNAPSHOT-DIR/MODEL-KEY/step-N.safetensors")
    public String modelKey = "default";

    @Option("the trainer's snapshot directory (shared, like checkpoints, on a cluster)")
    public Path snapshotDir;

    @Option("how often the model's snapshot folder is listed for a newer step")
    public Duration modelPollInterval = Duration.ofSeconds(1);

    @Option(value = "a batch is embedded when it has this many images...", min = 1)
    public int batchSize = 64;

    @Option("...or when its first image has waited this long")
    public Duration batchTimeout = Duration.ofMillis(50);

    @Option(
        "output through Kafka transactions committed with each checkpoint (a read_committed"
            + " consumer sees each image once, a checkpoint interval late); false: written at once,"
            + " and repeated after a failure back to the last checkpoint")
    public boolean exactlyOnce = true;

    @Option(
        "when set, the whole of this topic is embedded again with each new model version, into"
            + " reembed-output-topic")
    public String reembedTopic = "";

    @Option("where the reference topic's vectors go; default REEMBED-TOPIC-embeddings")
    public String reembedOutputTopic = "";

    @Option("where the service's gauges go as JSON (type \"embed\")")
    public String metricsTopic = "metrics";

    @Option("how often they go there (and at each model swap)")
    public Duration metricsInterval = Duration.ofSeconds(10);

    @Option("binary (compact) or json")
    public EmbeddingCodec.Format embeddingsFormat = EmbeddingCodec.Format.BINARY;

    @Option("auto, cpu or gpu")
    public String device = "auto";

    @Option(
        value =
            "libtorch's CPU threads for each embedder; 0 = the cores divided by embed-parallelism"
                + " (on 2 cores a narrow model embeds faster with 1, leaving a core to the stream;"
                + " a width-64 one much faster with 2: BENCHMARKS.md, issue 15)",
        min = 0,
        range = "0 (one per core) or more")
    public int torchThreads = 0;

    @Option("how often Flink checkpoints (and, exactly once, commits the output)")
    public Duration checkpointInterval = Duration.ofSeconds(1);

    @Option("where checkpoints go")
    public Path checkpointDir;

    @Option("stop at the offsets the input topic has when the job starts (tests, benchmarks)")
    public boolean bounded = false;

    @Option(
        value =
            "embedder subtasks, each embedding its share of the batches with its own model copy"
                + " and torch-threads threads (on a CPU: subtasks x threads = cores)",
        min = 1)
    public int embedParallelism = 1;

    private Builder() {}

    private Builder(EmbedConfig c) {
      OptionTable.fill(this, c);
    }

    public EmbedConfig build() {
      return OptionTable.build(EmbedConfig.class, this);
    }
  }
}
