package io.mixstream.snapshot;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * One model's snapshot files: {@code DIR/MODEL-KEY/step-NNNNNNNN.safetensors} with a {@code .json}
 * beside each. The writer moves each file into place whole, so a name that matches is a whole file.
 */
public final class SnapshotDirectory {
  private static final Pattern NAME = Pattern.compile("step-(\\d+)\\.safetensors");

  private final Path dir;
  private final String modelKey;

  /**
   * @param dir the snapshot directory, which holds one folder per model key
   */
  public SnapshotDirectory(Path dir, String modelKey) {
    this.dir = dir;
    this.modelKey = modelKey;
  }

  /** Where the snapshot of {@code step} of {@code modelKey} goes under {@code dir}. */
  public static Path file(Path dir, String modelKey, long step) {
    return dir.resolve(modelKey).resolve("step-%08d.safetensors".formatted(step));
  }

  public Path file(long step) {
    return file(dir, modelKey, step);
  }

  /** The model's folder. */
  public Path folder() {
    return dir.resolve(modelKey);
  }

  /** The highest step with a snapshot file; empty when there is none (or no folder yet). */
  public OptionalLong latestStep() throws IOException {
    long best = -1;
    try (Stream<Path> files = Files.list(folder())) {
      for (Path f : (Iterable<Path>) files::iterator) {
        Matcher m = NAME.matcher(f.getFileName().toString());
        if (m.matches()) {
          best = Math.max(best, Long.parseLong(m.group(1)));
        }
      }
    } catch (NoSuchFileException e) {
      return OptionalLong.empty();
    }
    return best < 0 ? OptionalLong.empty() : OptionalLong.of(best);
  }

  /**
   * The step of the snapshot file written last (the highest step on a tie); empty when there is
   * none. In a run that is the highest step; after a new run starts in the same folder it is that
   * run's newest, although an older run's higher steps may still be there.
   */
  public OptionalLong lastWrittenStep() throws IOException {
    long best = -1;
    long bestTime = Long.MIN_VALUE;
    try (Stream<Path> files = Files.list(folder())) {
      for (Path f : (Iterable<Path>) files::iterator) {
        Matcher m = NAME.matcher(f.getFileName().toString());
        if (!m.matches()) {
          continue;
        }
        long step = Long.parseLong(m.group(1));
        long time;
        try {
          time = Files.getLastModifiedTime(f).toMillis();
        } catch (NoSuchFileException gone) { // pruned while listed
          continue;
        }
        if (time > bestTime || (time == bestTime && step > best)) {
          best = step;
          bestTime = time;
        }
      }
    } catch (NoSuchFileException e) {
      return OptionalLong.empty();
    }
    return best < 0 ? OptionalLong.empty() : OptionalLong.of(best);
  }

  /** Every step that has a snapshot file, ascending; empty when there is no folder yet. */
  public List<Long> steps() throws IOException {
    List<Long> out = new java.util.ArrayList<>();
    try (Stream<Path> files = Files.list(folder())) {
      for (Path f : (Iterable<Path>) files::iterator) {
        Matcher m = NAME.matcher(f.getFileName().toString());
        if (m.matches()) {
          out.add(Long.parseLong(m.group(1)));
        }
      }
    } catch (NoSuchFileException e) {
      return List.of();
    }
    out.sort(null);
    return out;
  }

  /** The JSON written beside the snapshot of {@code step}. */
  public Path sidecar(long step) {
    return folder().resolve("step-%08d.json".formatted(step));
  }

  /** Deletes the snapshot of {@code step}: the weights file first, then its sidecar. */
  public void delete(long step) throws IOException {
    Files.deleteIfExists(file(step));
    Files.deleteIfExists(sidecar(step));
  }

  /**
   * The training run a snapshot belongs to, from its JSON sidecar; empty when the sidecar is
   * missing, unreadable or names none (a snapshot written before lineages existed).
   */
  public Optional<String> lineage(long step) {
    Path json = sidecar(step);
    try {
      var o = com.google.gson.JsonParser.parseString(Files.readString(json)).getAsJsonObject();
      return o.has("lineage") ? Optional.of(o.get("lineage").getAsString()) : Optional.empty();
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
  }

  /**
   * @throws IOException when the file cannot be read
   * @throws IllegalArgumentException when it is not a mixstream encoder snapshot
   */
  public EncoderSnapshot read(long step) throws IOException {
    return EncoderSnapshot.fromSafetensors(Files.readAllBytes(file(step)));
  }

  @Override
  public String toString() {
    return folder().toString();
  }
}
