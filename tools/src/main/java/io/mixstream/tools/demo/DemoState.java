package io.mixstream.tools.demo;

import io.mixstream.config.TrainingConfig;
import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.apache.flink.util.FileUtils;

/**
 * What the demo keeps in its work dir between runs, so that a second run resumes the model the
 * first one trained: the savepoint taken at each stop, the checkpoints (kept after a crash), and
 * the training config they belong to.
 */
final class DemoState {
  private final Path workDir;

  DemoState(Path workDir) {
    this.workDir = workDir;
  }

  Path checkpoints() {
    return workDir.resolve("checkpoints");
  }

  Path savepoints() {
    return workDir.resolve("savepoints");
  }

  Path snapshots() {
    return workDir.resolve("snapshots");
  }

  private Path configFile() {
    return workDir.resolve("model-config.properties");
  }

  /** Forgets the model: checkpoints, savepoints, snapshots and their config (the topics stay). */
  void forget() throws IOException {
    FileUtils.deleteDirectory(checkpoints().toFile());
    FileUtils.deleteDirectory(savepoints().toFile());
    FileUtils.deleteDirectory(snapshots().toFile());
    Files.deleteIfExists(configFile());
  }

  /**
   * After a stop with {@code savepoint}: deletes the older savepoints and the checkpoint folders,
   * which it supersedes (a canonical savepoint holds all it needs). At width 64 each one is over
   * 100 MB, and every stop would add one.
   */
  void keepOnly(Path savepoint) throws IOException {
    for (Path dir : List.of(savepoints(), checkpoints())) {
      if (!Files.isDirectory(dir)) {
        continue;
      }
      try (Stream<Path> children = Files.list(dir)) {
        for (Path child : children.toList()) {
          if (!child.equals(savepoint)) {
            FileUtils.deleteDirectory(child.toFile());
          }
        }
      }
    }
  }

  /**
   * The newest complete savepoint or checkpoint (a folder with Flink's {@code _metadata}), if there
   * is one.
   */
  Optional<Path> latest() throws IOException {
    List<Path> metadata = new ArrayList<>(find(savepoints(), 2));
    metadata.addAll(find(checkpoints(), 3));
    return metadata.stream().max(Comparator.comparing(DemoState::modified)).map(Path::getParent);
  }

  /**
   * Records {@code config} as the model's, or checks it against the one recorded.
   *
   * @throws IllegalArgumentException when the work dir's model was trained with another config:
   *     restoring it would fail deep inside the job
   */
  void claim(TrainingConfig config) throws IOException {
    Map<String, String> wanted = new TreeMap<>();
    config.asMap().forEach((k, v) -> wanted.put(k, String.valueOf(v)));
    if (Files.isRegularFile(configFile()) && latest().isPresent()) {
      Properties recorded = new Properties();
      try (Reader r = Files.newBufferedReader(configFile(), StandardCharsets.UTF_8)) {
        recorded.load(r);
      }
      List<String> differences = new ArrayList<>();
      wanted.forEach(
          (k, v) -> {
            if (!v.equals(recorded.getProperty(k))) {
              differences.add("%s %s (asked: %s)".formatted(k, recorded.getProperty(k), v));
            }
          });
      if (!differences.isEmpty()) {
        throw new IllegalArgumentException(
            "the model in %s was trained with %s: give the same options to resume it, or --fresh"
                    .formatted(workDir, String.join(", ", differences))
                + " to start a new model there (or another --work-dir)");
      }
    }
    Files.createDirectories(workDir);
    Properties p = new Properties();
    p.putAll(wanted);
    try (Writer w = Files.newBufferedWriter(configFile(), StandardCharsets.UTF_8)) {
      p.store(w, "the training config of the model in this work dir (mixstream demo)");
    }
  }

  private static List<Path> find(Path dir, int depth) throws IOException {
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    try (Stream<Path> found =
        Files.find(
            dir,
            depth,
            (p, a) -> a.isRegularFile() && p.getFileName().toString().equals("_metadata"))) {
      return found.toList();
    }
  }

  private static FileTime modified(Path p) {
    try {
      return Files.getLastModifiedTime(p);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
