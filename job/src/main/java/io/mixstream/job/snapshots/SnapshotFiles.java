package io.mixstream.job.snapshots;

import io.mixstream.snapshot.EncoderSnapshot;
import io.mixstream.snapshot.Safetensors;
import io.mixstream.snapshot.SnapshotDirectory;
import io.mixstream.snapshot.SnapshotRetention;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.api.connector.sink2.WriterInitContext;

/**
 * Writes each snapshot as {@code DIR/MODEL-KEY/step-NNNNNNNN.safetensors} with a {@code .json}
 * beside it (step, method, full config), each file written under a temporary name and then moved
 * into place, so a reader never sees half a file. A snapshot written again after a restore has the
 * same bytes and replaces the first. After each write, the model's older snapshots that {@link
 * SnapshotRetention} does not keep are deleted (the kNN evaluator gets each snapshot in the stream,
 * not from these files; an embedding service restored to a deleted step takes the newest).
 */
public final class SnapshotFiles implements Sink<ModelSnapshot> {
  private static final long serialVersionUID = 1L;
  private static final org.slf4j.Logger LOG =
      org.slf4j.LoggerFactory.getLogger(SnapshotFiles.class);

  private final String dir;
  private final SnapshotRetention retention;

  public SnapshotFiles(Path dir, SnapshotRetention retention) {
    this.dir = dir.toAbsolutePath().toString();
    this.retention = retention;
  }

  @Override
  public SinkWriter<ModelSnapshot> createWriter(WriterInitContext context) {
    return new SinkWriter<>() {
      @Override
      public void write(ModelSnapshot s, Context context) throws IOException {
        Path target = SnapshotDirectory.file(Path.of(dir), s.modelKey, s.step);
        Files.createDirectories(target.getParent());
        String json =
            EncoderSnapshot.sidecarJson(Safetensors.readMetadata(s.safetensors), s.lineage);
        String base = target.getFileName().toString().replace(".safetensors", "");
        // the sidecar first: whoever sees the weights file can read its lineage
        replace(target.resolveSibling(base + ".json"), json.getBytes(StandardCharsets.UTF_8));
        replace(target, s.safetensors);
        LOG.info("snapshot of step {} written to {}", s.step, target);
        SnapshotDirectory folder = new SnapshotDirectory(Path.of(dir), s.modelKey);
        for (long old : retention.toDelete(folder.steps())) {
          folder.delete(old);
        }
      }

      @Override
      public void flush(boolean endOfInput) {}

      @Override
      public void close() {}
    };
  }

  private static void replace(Path target, byte[] bytes) throws IOException {
    Path tmp = target.resolveSibling(target.getFileName() + ".tmp");
    Files.write(tmp, bytes);
    Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }
}
