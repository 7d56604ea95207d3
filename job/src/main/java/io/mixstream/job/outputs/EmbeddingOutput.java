package io.mixstream.job.outputs;

import io.mixstream.records.EmbeddingRecord;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.util.OutputTag;

/**
 * The side output on which both the kNN evaluator (the evaluation images at each snapshot) and the
 * trainer ({@code --embed-incoming}: a snapshot step's training images) send embeddings; the job
 * joins the two into the embeddings topic. Its own package, so that neither operator's package
 * needs the other's.
 */
public final class EmbeddingOutput {
  public static final OutputTag<EmbeddingRecord> TAG =
      new OutputTag<>("embeddings", TypeInformation.of(EmbeddingRecord.class));

  private EmbeddingOutput() {}
}
