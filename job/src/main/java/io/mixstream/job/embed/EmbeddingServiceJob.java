package io.mixstream.job.embed;

import io.mixstream.config.EmbedConfig;
import io.mixstream.config.EmbedOptions;
import io.mixstream.job.MixstreamJob;
import io.mixstream.job.evaluation.EmbeddingSerializer;
import io.mixstream.job.ingest.DeadLetter;
import io.mixstream.job.ingest.DeadLetterSerializer;
import io.mixstream.job.ingest.DecodeImages;
import io.mixstream.job.ingest.RawRecordDeserializer;
import io.mixstream.job.ingest.TrainingImage;
import io.mixstream.job.metrics.MetricsSerializer;
import io.mixstream.kafka.KafkaConnectors;
import io.mixstream.kafka.KafkaPreflight;
import io.mixstream.kafka.KafkaRecordSizes;
import io.mixstream.records.EmbeddingRecord;
import io.mixstream.records.RecordLimits;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Properties;
import java.util.function.UnaryOperator;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * The embedding service: Kafka images → decode and validate (bad records to the dead-letter topic)
 * → {@link EmbedOperator} with the newest snapshot of one model → embeddings keyed by image id, in
 * Kafka transactions committed with each checkpoint.
 */
public final class EmbeddingServiceJob {
  private static final org.slf4j.Logger LOG =
      org.slf4j.LoggerFactory.getLogger(EmbeddingServiceJob.class);

  private EmbeddingServiceJob() {}

  /** Entry point for {@code flink run -c io.mixstream.job.embed.EmbeddingServiceJob}. */
  public static void main(String[] args) throws Exception {
    Path tmp = Path.of(System.getProperty("java.io.tmpdir"));
    if (Arrays.asList(args).contains("--help")) {
      System.out.println(
          "Usage: flink run -c "
              + EmbeddingServiceJob.class.getName()
              + " mixstream-job.jar [--config FILE] [--option value]...");
      EmbedOptions.help(tmp).forEach(System.out::println);
      return;
    }
    EmbedConfig c = EmbedOptions.parse(args, tmp);
    KafkaPreflight.Findings kafka = preflight(c, MixstreamJob.PREFLIGHT_TIMEOUT);
    StreamExecutionEnvironment env =
        StreamExecutionEnvironment.getExecutionEnvironment(flinkConfiguration(c));
    LOG.info("mixstream embed config: {}", c.describe());
    build(env, c, kafka);
    env.execute(jobName(c));
  }

  public static String jobName(EmbedConfig c) {
    return "mixstream embed (" + c.modelKey() + ")";
  }

  /** RocksDB, file checkpoints and restarts, as the training job has them. */
  public static Configuration flinkConfiguration(EmbedConfig c) {
    return MixstreamJob.flinkConfiguration(c.checkpointDir(), c.checkpointInterval());
  }

  /**
   * Asks the broker, before the job is submitted, that it answers, that the topics read exist, and
   * how large a dead letter its topic takes.
   *
   * @throws KafkaPreflight.PreflightException naming the problem and the fix
   */
  public static KafkaPreflight.Findings preflight(EmbedConfig c, Duration timeout) {
    List<KafkaPreflight.InputTopic> inputs = new ArrayList<>();
    inputs.add(
        new KafkaPreflight.InputTopic(
            c.inputTopic(),
            "--input-topic",
            "publish images with `mixstream replay --data PATH --topic %s --bootstrap %s`"
                .formatted(c.inputTopic(), c.bootstrapServers())));
    if (c.reembeds()) {
      inputs.add(
          new KafkaPreflight.InputTopic(
              c.reembedTopic(),
              "--reembed-topic",
              "publish the reference images with `mixstream replay --data PATH --topic %s"
                      .formatted(c.reembedTopic())
                  + " --bootstrap %s`, or leave --reembed-topic out"
                      .formatted(c.bootstrapServers())));
    }
    return KafkaPreflight.check(
        c.bootstrapServers(), c.kafkaProperties(), inputs, c.deadLetterTopic(), timeout);
  }

  /** Adds the service to {@code env}; returns its embeddings, before they go to Kafka. */
  public static DataStream<EmbeddingRecord> build(
      StreamExecutionEnvironment env, EmbedConfig c, KafkaPreflight.Findings broker) {
    return build(env, c, broker, s -> s);
  }

  /**
   * @param beforeSink what the tests and the benchmark put between the embedder and the output
   *     topic (a fault); the service itself adds nothing there
   */
  public static DataStream<EmbeddingRecord> build(
      StreamExecutionEnvironment env,
      EmbedConfig c,
      KafkaPreflight.Findings broker,
      UnaryOperator<DataStream<EmbeddingRecord>> beforeSink) {
    c.validate();
    // every operator here makes a new object per record and keeps none it passed on: the copies
    // between chained operators that Flink makes otherwise cost more than a width-16 forward's
    // share per image
    env.getConfig().enableObjectReuse();
    Properties kafka = new Properties();
    kafka.putAll(c.kafkaProperties());
    int deadLetterMaxBytes =
        KafkaRecordSizes.deadLetterMaxBytes(
            RecordLimits.DEFAULT, broker.deadLetterMaxMessageBytes());
    var source =
        KafkaConnectors.source(
            c.bootstrapServers(),
            c.inputTopic(),
            c.groupId(),
            kafka,
            new RawRecordDeserializer(),
            c.bounded());
    SingleOutputStreamOperator<TrainingImage> images =
        env.fromSource(source, WatermarkStrategy.noWatermarks(), "images from Kafka")
            .uid("embed-kafka-source")
            .setParallelism(1)
            .process(new DecodeImages(DecodeImages.ANY_LABEL, deadLetterMaxBytes))
            .name("decode and validate images")
            .uid("embed-decode")
            .setParallelism(1);
    // several embedders: keyed by id, so that after a restore each image goes to the subtask, and
    // so the model version, that embedded it before; one: chained to the decoder, no shuffle
    DataStream<TrainingImage> toEmbed =
        c.embedParallelism() == 1 ? images : images.keyBy(image -> image.id);
    SingleOutputStreamOperator<EmbeddingRecord> embeddings =
        toEmbed
            .transform(
                "embed with " + c.modelKey(),
                TypeInformation.of(EmbeddingRecord.class),
                new EmbedOperator(c, deadLetterMaxBytes))
            .uid("embedder")
            .setParallelism(c.embedParallelism());
    DataStream<EmbeddingRecord> out = beforeSink.apply(embeddings);
    out.sinkTo(
            sink(
                c,
                kafka,
                new EmbeddingSerializer(c.outputTopic(), c.embeddingsFormat()),
                c.outputTopic()))
        .name("embeddings to Kafka")
        .uid("embed-output-sink")
        .setParallelism(1);
    if (c.reembeds()) {
      embeddings
          .getSideOutput(EmbedOperator.REFERENCE)
          .sinkTo(
              sink(
                  c,
                  kafka,
                  new EmbeddingSerializer(c.resolvedReembedOutputTopic(), c.embeddingsFormat()),
                  c.resolvedReembedOutputTopic()))
          .name("reference embeddings to Kafka")
          .uid("embed-reference-sink")
          .setParallelism(1);
    }
    embeddings
        .getSideOutput(EmbedOperator.METRICS)
        .sinkTo(
            KafkaConnectors.atLeastOnceSink(
                c.bootstrapServers(), kafka, MetricsSerializer.embed(c.metricsTopic())))
        .name("embed metrics to Kafka")
        .uid("embed-metrics-sink")
        .setParallelism(1);
    DataStream<DeadLetter> deadLetters =
        images
            .getSideOutput(DecodeImages.DEAD_LETTERS)
            .union(embeddings.getSideOutput(EmbedOperator.DEAD_LETTERS));
    deadLetters
        .sinkTo(
            KafkaConnectors.atLeastOnceSink(
                c.bootstrapServers(), kafka, new DeadLetterSerializer(c.deadLetterTopic())))
        .name("dead letters to Kafka")
        .uid("embed-dead-letter-sink")
        .setParallelism(1);
    return embeddings;
  }

  /** Exactly once through transactions, or at least once, as configured. */
  private static <T> KafkaSink<T> sink(
      EmbedConfig c, Properties kafka, KafkaRecordSerializationSchema<T> serializer, String topic) {
    return c.exactlyOnce()
        ? KafkaConnectors.exactlyOnceSink(
            c.bootstrapServers(), kafka, serializer, "mixstream-embed-" + c.groupId() + "-" + topic)
        : KafkaConnectors.atLeastOnceSink(c.bootstrapServers(), kafka, serializer);
  }
}
