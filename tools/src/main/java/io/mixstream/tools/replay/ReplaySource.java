package io.mixstream.tools.replay;

import io.mixstream.cifar.Cifar10Dataset;
import io.mixstream.records.ImageRecord;
import java.util.Optional;

/** What a replay publishes: a fixed list of images, each read when it is sent. */
public interface ReplaySource {
  int size();

  /**
   * Image {@code index} as a record, or empty when it cannot be read (said once on the source's own
   * output, with the reason, and counted by {@link #skipped()}).
   */
  Optional<ImageRecord> record(int index);

  /**
   * Image {@code index}'s label without reading it, or {@link ImageRecord#NO_LABEL}: what the
   * orders by class arrange by.
   */
  default int label(int index) {
    return ImageRecord.NO_LABEL;
  }

  /** Distinct images skipped so far because they could not be read. */
  default int skipped() {
    return 0;
  }

  /** Distinct images sent scaled down because they were too large to send as they are. */
  default int resized() {
    return 0;
  }

  /** Files of the source that are not images, by extension (".txt"), passed over. */
  default java.util.Map<String, Integer> ignoredFiles() {
    return java.util.Map.of();
  }

  /** The largest record value the topic takes: a source scales larger images down to fit. */
  default void limitRecordBytes(int maxRecordBytes) {}

  /** The classes' names by label, when the source has classes; empty otherwise. */
  default java.util.List<String> classes() {
    return java.util.List.of();
  }

  static ReplaySource of(Cifar10Dataset data) {
    return new ReplaySource() {
      @Override
      public int size() {
        return data.size();
      }

      @Override
      public Optional<ImageRecord> record(int index) {
        return Optional.of(data.record(index));
      }

      @Override
      public int label(int index) {
        return data.label(index);
      }

      @Override
      public java.util.List<String> classes() {
        return Cifar10Dataset.CLASS_NAMES;
      }
    };
  }
}
