package io.mixstream.tools.cli;

import io.mixstream.kafka.TopicReader;
import io.mixstream.records.EmbeddingCodec;
import io.mixstream.records.EmbeddingRecord;
import io.mixstream.tools.embeddings.EmbeddingSet;
import io.mixstream.tools.embeddings.NpyWriter;
import io.mixstream.tools.options.KafkaClientOptions;
import io.mixstream.tools.options.OptionChecks;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** `mixstream embeddings`: read the embeddings topic; export, follow, nearest neighbours. */
@Command(
    name = "embeddings",
    mixinStandardHelpOptions = true,
    description = {
      "Reads the embeddings topic: export, follow, nearest neighbours.",
      "The job writes one record per evaluation image at each kNN evaluation (id, label, step,"
          + " L2-normalised vector). Without --follow this reads what the topic holds now and"
          + " takes one model's embeddings at one step (the latest by default). With none of"
          + " --npy/--csv/--neighbours it prints a summary of what is on the topic."
    })
final class EmbeddingsCommand implements Callable<Integer> {
  @Mixin KafkaClientOptions kafka;

  @Option(
      names = "--topic",
      defaultValue = "embeddings",
      description = "Topic to read (default: ${DEFAULT-VALUE}).")
  String topic;

  @Option(
      names = "--model",
      defaultValue = "default",
      description = "Model key to take (default: ${DEFAULT-VALUE}).")
  String model;

  @Option(names = "--step", description = "Training step to take (default: the latest).")
  Long step;

  @Option(
      names = "--npy",
      paramLabel = "FILE",
      description =
          "Write the vectors as a [n, dim] float32 .npy, with FILE.ids.txt (one id per row)"
              + " and FILE.labels.npy (int64, -1 = none) beside it.")
  Path npy;

  @Option(
      names = "--csv",
      paramLabel = "FILE",
      description = "Write id,label,step,v0,...,v{dim-1}, one row per image.")
  Path csv;

  @Option(
      names = "--neighbours",
      paramLabel = "IMAGE-ID",
      description = "Print the nearest images to this one by cosine similarity.")
  String neighboursOf;

  @Option(
      names = "--top",
      defaultValue = "10",
      description = "How many neighbours (default: ${DEFAULT-VALUE}).")
  int top;

  @Option(
      names = "--follow",
      description = "Print each record as it arrives (as JSON lines), until Ctrl-C.")
  boolean follow;

  @Option(
      names = "--timeout",
      defaultValue = "30",
      paramLabel = "SECONDS",
      description =
          "How long to wait for the broker and the topic's end (default: ${DEFAULT-VALUE}).")
  int timeoutSeconds;

  @Override
  public Integer call() throws IOException {
    OptionChecks checks = new OptionChecks();
    checks.atLeast("--top", top, 1, null);
    checks.atLeast("--timeout", timeoutSeconds, 1, "seconds");
    if (step != null) {
      checks.atLeast("--step", step, 0, null);
    }
    checks.throwIfAny();
    Duration timeout = Duration.ofSeconds(timeoutSeconds);
    try (TopicReader reader =
        new TopicReader(
            kafka.bootstrap(),
            kafka.properties(),
            topic,
            "the job writes it at its first kNN evaluation")) {
      if (follow) {
        reader.follow(
            timeout,
            v -> {
              try {
                System.out.println(EmbeddingCodec.json(EmbeddingCodec.decode(v)));
              } catch (IllegalArgumentException e) {
                System.err.println("skipped a record that is not an embedding: " + e.getMessage());
              }
            });
        return 0;
      }
      List<EmbeddingRecord> all = new ArrayList<>();
      long malformed = 0;
      for (byte[] v : reader.readAll(timeout)) {
        try {
          all.add(EmbeddingCodec.decode(v));
        } catch (IllegalArgumentException e) {
          malformed++;
        }
      }
      if (malformed > 0) {
        System.err.printf("skipped %,d records that are not embeddings%n", malformed);
      }
      if (reader.tombstones() > 0) {
        System.err.printf("skipped %,d records without a value%n", reader.tombstones());
      }
      EmbeddingSet set =
          EmbeddingSet.select(
              all, model, step == null ? OptionalLong.empty() : OptionalLong.of(step));
      System.out.printf(
          "%s: %,d records; model %s at step %d: %,d images of dimension %d%n",
          topic, all.size(), set.model(), set.step(), set.records().size(), set.dim());
      if (npy != null) {
        writeNpy(set, npy);
        System.out.println("wrote " + npy + " (+ .ids.txt, .labels.npy)");
      }
      if (csv != null) {
        writeCsv(set, csv);
        System.out.println("wrote " + csv);
      }
      if (neighboursOf != null) {
        System.out.printf("nearest to %s:%n", neighboursOf);
        for (EmbeddingSet.Neighbour n : set.neighbours(neighboursOf, top)) {
          System.out.printf(
              "  %-24s label %2d  cosine %.4f%n",
              n.record().imageId(), n.record().label(), n.cosine());
        }
      }
    }
    return 0;
  }

  static void writeNpy(EmbeddingSet set, Path file) throws IOException {
    NpyWriter.writeFloat32(file, set.matrix(), set.records().size(), set.dim());
    Files.write(
        file.resolveSibling(file.getFileName() + ".ids.txt"),
        set.records().stream().map(EmbeddingRecord::imageId).toList());
    NpyWriter.writeInt64(
        file.resolveSibling(file.getFileName() + ".labels.npy"),
        set.records().stream().mapToLong(EmbeddingRecord::label).toArray());
  }

  static void writeCsv(EmbeddingSet set, Path file) throws IOException {
    try (BufferedWriter w = Files.newBufferedWriter(file)) {
      StringBuilder header = new StringBuilder("id,label,step");
      for (int i = 0; i < set.dim(); i++) {
        header.append(",v").append(i);
      }
      w.write(header.append('\n').toString());
      for (EmbeddingRecord r : set.records()) {
        StringBuilder row = new StringBuilder(r.imageId());
        row.append(',').append(r.label()).append(',').append(r.step());
        for (float v : r.vector()) {
          row.append(',').append(v); // Float.toString round-trips exactly
        }
        w.write(row.append('\n').toString());
      }
    }
  }
}
