package io.mixstream.kafka;

import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.connector.source.Boundedness;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.api.connector.source.SourceReader;
import org.apache.flink.api.connector.source.SourceReaderContext;
import org.apache.flink.api.connector.source.SplitEnumerator;
import org.apache.flink.api.connector.source.SplitEnumeratorContext;
import org.apache.flink.api.java.typeutils.ResultTypeQueryable;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.enumerator.KafkaSourceEnumState;
import org.apache.flink.connector.kafka.source.split.KafkaPartitionSplit;
import org.apache.flink.core.io.SimpleVersionedSerializer;

/**
 * A bounded {@link KafkaSource} that ends after a restore too. The connector's enumerator, when
 * recreated from state (a job resumed from a savepoint or a retained checkpoint, or a JobManager
 * failover), finds every partition already assigned and never tells its readers that no more splits
 * come, so they read to their stopping offsets and wait forever (FLINK-31006, open in
 * flink-connector-kafka 5.0.0-2.2). Here the restored enumerator is wrapped in {@link
 * EndSignallingEnumerator}. Everything else, the splits and both state formats included, is the
 * Kafka source's own, so savepoints move freely between the two.
 */
public final class BoundedKafkaSource<T>
    implements Source<T, KafkaPartitionSplit, KafkaSourceEnumState>, ResultTypeQueryable<T> {
  private static final long serialVersionUID = 1L;

  private final KafkaSource<T> kafka;

  /**
   * @param kafka a bounded source
   */
  public BoundedKafkaSource(KafkaSource<T> kafka) {
    if (kafka.getBoundedness() != Boundedness.BOUNDED) {
      throw new IllegalArgumentException("the Kafka source is not bounded");
    }
    this.kafka = kafka;
  }

  @Override
  public Boundedness getBoundedness() {
    return kafka.getBoundedness();
  }

  @Override
  public SourceReader<T, KafkaPartitionSplit> createReader(SourceReaderContext context)
      throws Exception {
    return kafka.createReader(context);
  }

  @Override
  public SplitEnumerator<KafkaPartitionSplit, KafkaSourceEnumState> createEnumerator(
      SplitEnumeratorContext<KafkaPartitionSplit> context) {
    return kafka.createEnumerator(context);
  }

  @Override
  public SplitEnumerator<KafkaPartitionSplit, KafkaSourceEnumState> restoreEnumerator(
      SplitEnumeratorContext<KafkaPartitionSplit> context, KafkaSourceEnumState state)
      throws Exception {
    return new EndSignallingEnumerator<>(context, c -> kafka.restoreEnumerator(c, state));
  }

  @Override
  public SimpleVersionedSerializer<KafkaPartitionSplit> getSplitSerializer() {
    return kafka.getSplitSerializer();
  }

  @Override
  public SimpleVersionedSerializer<KafkaSourceEnumState> getEnumeratorCheckpointSerializer() {
    return kafka.getEnumeratorCheckpointSerializer();
  }

  @Override
  public TypeInformation<T> getProducedType() {
    return kafka.getProducedType();
  }
}
