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
 * same.
 *
 * @param bootstrapServers Kafka bootstrap servers
 * @param inputTopic topic of image records to embed
 * @param outputTopic where each image's embedding goes, keyed by image id
 * @param deadLetterTopic where malformed records go, with their reason
 * @param groupId Kafka consumer group of the source
 * @param kafkaProperties extra Kafka client settings (security and the like)
 * @param modelKey the model to follow: its snapshots are SNAPSHOT-DIR/MODEL-KEY/step-N.safetensors
 * @param snapshotDir the trainer's snapshot directory (shared, like checkpoints, on a cluster)
 * @param modelPollInterval how often the model's snapshot folder is listed for a newer step
 * @param batchSize a batch is embedded when it has this many images...
 * @param batchTimeout ...or when its first image has waited this long
 * @param exactlyOnce output through Kafka transactions committed with each checkpoint (a {@code
 *     read_committed} consumer sees each image once, a checkpoint interval late); false: written at
 *     once, and repeated after a failure back to the last checkpoint
 * @param reembedTopic when set, the whole of this topic is embedded again with each new model
 *     version, into reembedOutputTopic
 * @param reembedOutputTopic where the reference topic's vectors go; default
 *     REEMBED-TOPIC-embeddings
 * @param metricsTopic where the service's gauges go as JSON (type "embed")
 * @param metricsInterval how often they go there (and at each model swap)
 * @param embeddingsFormat binary (compact) or json
 * @param device auto, cpu or gpu
 * @param torchThreads libtorch's CPU threads for each embedder; 0 = the cores divided by
 *     embedParallelism (on 2 cores a narrow model embeds faster with 1, leaving a core to the
 *     stream; a width-64 one much faster with 2: BENCHMARKS.md, issue 15)
 * @param checkpointInterval how often Flink checkpoints (and, exactly once, commits the output)
 * @param checkpointDir where checkpoints go
 * @param bounded stop at the offsets the input topic has when the job starts (tests, benchmarks)
 * @param embedParallelism embedder subtasks, each embedding its share of the batches with its own
 *     model copy and torchThreads threads (on a CPU: subtasks x threads = cores)
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
    return new EmbedConfig(
        "127.0.0.1:9092",
        "images",
        "image-embeddings",
        "image-embeddings-dead-letters",
        "mixstream-embed",
        Map.of(),
        "default",
        tmp.resolve("mixstream-snapshots"),
        Duration.ofSeconds(1),
        64,
        Duration.ofMillis(50),
        true,
        "",
        "",
        "metrics",
        Duration.ofSeconds(10),
        EmbeddingCodec.Format.BINARY,
        "auto",
        0,
        Duration.ofSeconds(1),
        tmp.resolve("mixstream-embed-checkpoints"),
        false,
        1);
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
    List<String> p = new ArrayList<>();
    if (bootstrapServers == null || bootstrapServers.isBlank()) {
      p.add("bootstrap-servers must name at least one HOST:PORT");
    }
    if (inputTopic == null || inputTopic.isBlank()) {
      p.add("input-topic must be set");
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
    if (modelKey == null || modelKey.isBlank()) {
      p.add("model-key must be set");
    }
    if (batchSize < 1) {
      p.add("batch-size must be at least 1");
    }
    for (var d :
        Map.of(
                "batch-timeout", batchTimeout,
                "model-poll-interval", modelPollInterval,
                "metrics-interval", metricsInterval,
                "checkpoint-interval", checkpointInterval)
            .entrySet()) {
      if (d.getValue().isNegative() || d.getValue().isZero()) {
        p.add(d.getKey() + " must be positive");
      }
    }
    if (device == null || !List.of("auto", "cpu", "gpu").contains(device)) {
      p.add("device must be auto, cpu or gpu, got '" + device + "'");
    }
    if (torchThreads < 0) {
      p.add("torch-threads must be 0 (one per core) or more");
    }
    if (embedParallelism < 1) {
      p.add("embed-parallelism must be at least 1");
    }
    return p;
  }

  /**
   * @throws IllegalArgumentException listing every problem
   */
  public EmbedConfig validate() {
    List<String> p = problems();
    if (!p.isEmpty()) {
      throw new IllegalArgumentException("invalid embed config: " + String.join("; ", p));
    }
    return this;
  }

  /** The effective configuration, secrets masked, for printing once at start. */
  public Map<String, Object> describe() {
    Map<String, Object> m = new LinkedHashMap<>();
    for (var c : EmbedConfig.class.getRecordComponents()) {
      try {
        Object v = c.getAccessor().invoke(this);
        m.put(c.getName(), c.getName().equals("kafkaProperties") ? masked() : v);
      } catch (ReflectiveOperationException e) {
        throw new IllegalStateException(e);
      }
    }
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

  /** Named values for an {@link EmbedConfig}: start from {@code defaults(...)}, set, build. */
  public static final class Builder {
    public String bootstrapServers;
    public String inputTopic;
    public String outputTopic;
    public String deadLetterTopic;
    public String groupId;
    public Map<String, String> kafkaProperties;
    public String modelKey;
    public Path snapshotDir;
    public Duration modelPollInterval;
    public int batchSize;
    public Duration batchTimeout;
    public boolean exactlyOnce;
    public String reembedTopic;
    public String reembedOutputTopic;
    public String metricsTopic;
    public Duration metricsInterval;
    public EmbeddingCodec.Format embeddingsFormat;
    public String device;
    public int torchThreads;
    public Duration checkpointInterval;
    public Path checkpointDir;
    public boolean bounded;
    public int embedParallelism;

    private Builder(EmbedConfig c) {
      bootstrapServers = c.bootstrapServers;
      inputTopic = c.inputTopic;
      outputTopic = c.outputTopic;
      deadLetterTopic = c.deadLetterTopic;
      groupId = c.groupId;
      kafkaProperties = c.kafkaProperties;
      modelKey = c.modelKey;
      snapshotDir = c.snapshotDir;
      modelPollInterval = c.modelPollInterval;
      batchSize = c.batchSize;
      batchTimeout = c.batchTimeout;
      exactlyOnce = c.exactlyOnce;
      reembedTopic = c.reembedTopic;
      reembedOutputTopic = c.reembedOutputTopic;
      metricsTopic = c.metricsTopic;
      metricsInterval = c.metricsInterval;
      embeddingsFormat = c.embeddingsFormat;
      device = c.device;
      torchThreads = c.torchThreads;
      checkpointInterval = c.checkpointInterval;
      checkpointDir = c.checkpointDir;
      bounded = c.bounded;
      embedParallelism = c.embedParallelism;
    }

    public EmbedConfig build() {
      return new EmbedConfig(
          bootstrapServers,
          inputTopic,
          outputTopic,
          deadLetterTopic,
          groupId,
          kafkaProperties,
          modelKey,
          snapshotDir,
          modelPollInterval,
          batchSize,
          batchTimeout,
          exactlyOnce,
          reembedTopic,
          reembedOutputTopic,
          metricsTopic,
          metricsInterval,
          embeddingsFormat,
          device,
          torchThreads,
          checkpointInterval,
          checkpointDir,
          bounded,
          embedParallelism);
    }
  }
}
