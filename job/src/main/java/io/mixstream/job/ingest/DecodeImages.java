package io.mixstream.job.ingest;

import io.mixstream.records.DecodedImage;
import io.mixstream.records.ImageRecord;
import io.mixstream.records.ImageRecordCodec;
import io.mixstream.records.MalformedRecordException;
import io.mixstream.records.RecordLimits;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * Decodes and validates image records. A good record becomes a {@link TrainingImage}; a bad one
 * goes to the {@link #DEAD_LETTERS} side output with its reason, and the counter {@code
 * deadLetters} counts it. A dead letter larger than the dead-letter topic takes goes without its
 * value (counted by {@code deadLettersWithoutValue}): the sink would otherwise fail on it and
 * restart the job. Nothing here throws on bad input, so bad input never restarts the job.
 */
public final class DecodeImages extends ProcessFunction<RawRecord, TrainingImage> {
  private static final long serialVersionUID = 1L;

  public static final OutputTag<DeadLetter> DEAD_LETTERS =
      new OutputTag<>("dead-letters", TypeInformation.of(DeadLetter.class));

  /**
   * The record limits the jobs decode with: any label (training does not read them; the kNN
   * evaluator takes 0 to knn-classes-1 and skips, saying so, any other).
   */
  public static final RecordLimits ANY_LABEL =
      new RecordLimits(
          Short.MAX_VALUE, RecordLimits.DEFAULT.maxSide(), RecordLimits.DEFAULT.maxPixelBytes());

  private final RecordLimits limits;
  private final int deadLetterMaxBytes;
  private transient ImageRecordCodec codec;
  private transient Counter deadLetters;
  private transient Counter withoutValue;

  /**
   * @param deadLetterMaxBytes the largest key plus value a dead letter keeps ({@link
   *     io.mixstream.kafka.KafkaRecordSizes#deadLetterMaxBytes})
   */
  public DecodeImages(RecordLimits limits, int deadLetterMaxBytes) {
    this.limits = limits;
    this.deadLetterMaxBytes = deadLetterMaxBytes;
  }

  @Override
  public void open(OpenContext openContext) {
    codec = new ImageRecordCodec(limits);
    deadLetters = getRuntimeContext().getMetricGroup().counter("deadLetters");
    withoutValue = getRuntimeContext().getMetricGroup().counter("deadLettersWithoutValue");
  }

  /**
   * A valid record's image: any size and 1 or 3 channels (the views crop and resize it, grey
   * becomes RGB). No model yet: the training job's {@code ToEveryModel} makes one copy per model.
   *
   * @throws MalformedRecordException saying why the record is not a valid image
   */
  public static TrainingImage decode(ImageRecordCodec codec, byte[] value)
      throws MalformedRecordException {
    ImageRecordCodec.Decoded decoded = codec.decodeWithPixels(value);
    ImageRecord r = decoded.record();
    DecodedImage img = decoded.image();
    return new TrainingImage(
        null,
        r.id(),
        r.label(),
        img.height(),
        img.width(),
        img.channels(),
        r.encoding(),
        r.pixels());
  }

  @Override
  public void processElement(RawRecord raw, Context ctx, Collector<TrainingImage> out) {
    try {
      out.collect(decode(codec, raw.value));
    } catch (MalformedRecordException e) {
      deadLetters.inc();
      DeadLetter letter =
          new DeadLetter(raw, e.reason().name(), e.getMessage()).fitting(deadLetterMaxBytes);
      if (letter.omittedValueBytes >= 0) {
        withoutValue.inc();
      }
      ctx.output(DEAD_LETTERS, letter);
    }
  }
}
