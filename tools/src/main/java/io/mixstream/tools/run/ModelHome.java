package io.mixstream.tools.run;

import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.TreeMap;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.apache.flink.util.FileUtils;

/**
 * Where a model lives between runs of {@code mixstream demo} or {@code train}, so that a second run
 * resumes the model the first one trained: the savepoint taken at each stop, the checkpoints (kept
 * after a crash), the snapshots, and the options the model was trained with.
 *
 * @param checkpoints Flink's checkpoint folder (job id / chk-N inside)
 * @param savepoints where each stop's savepoint goes
 * @param snapshots the folder of the model's snapshot files
 * @param configFile the options the model was trained with
 */
public record ModelHome(Path checkpoints, Path savepoints, Path snapshots, Path configFile) {
  /** The demo's layout: everything in one work dir, the model's key "default". */
  public static ModelHome inWorkDir(Path workDir) {
    return new ModelHome(
        workDir.resolve("checkpoints"),
        workDir.resolve("savepoints"),
        workDir.resolve("snapshots").resolve("default"),
        workDir.resolve("model-config.properties"));
  }

  /**
   * {@code mixstream train}'s layout: savepoints and the recorded options inside the checkpoint
   * folder, snapshots where the job writes them.
   */
  public static ModelHome inCheckpointDir(Path checkpointDir, Path modelSnapshots) {
    return new ModelHome(
        checkpointDir,
        checkpointDir.resolve("savepoints"),
        modelSnapshots,
        checkpointDir.resolve("model-config.properties"));
  }

  /**
   * A service's home ({@code mixstream embed}): checkpoints and savepoints in its checkpoint
   * folder; it writes no snapshots (it reads the trainer's), so there are none here to forget.
   */
  public static ModelHome ofService(Path checkpointDir) {
    return new ModelHome(
        checkpointDir,
        checkpointDir.resolve("savepoints"),
        checkpointDir.resolve("snapshots"),
        checkpointDir.resolve("service-config.properties"));
  }

  /**
   * Claims the model's folder for this process until the lock is closed or the process ends, so
   * that a second {@code train} or {@code demo} on it is refused in one line instead of resuming
   * from the live run's checkpoints. An operating-system file lock: a process killed with {@code
   * kill -9} leaves nothing held.
   *
   * @param option the command's option that names the folder, for the message
   * @throws IllegalStateException when another process (or this one) holds it
   */
  public AutoCloseable lock(String option) throws IOException {
    Path file = checkpoints().resolve(".mixstream.lock");
    Files.createDirectories(checkpoints());
    FileChannel channel =
        FileChannel.open(
            file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
    FileLock held;
    try {
      held = channel.tryLock();
    } catch (OverlappingFileLockException e) {
      held = null;
    }
    if (held == null) {
      String holder = new String(Files.readAllBytes(file), StandardCharsets.UTF_8).trim();
      channel.close();
      throw new IllegalStateException(
          "%s %s is in use by another run (process %s): stop that one first (Ctrl-C), or give"
                  .formatted(option, checkpoints(), holder.isEmpty() ? "?" : holder)
              + " another "
              + option);
    }
    channel.truncate(0);
    channel.write(
        java.nio.ByteBuffer.wrap(
            Long.toString(ProcessHandle.current().pid()).getBytes(StandardCharsets.UTF_8)));
    FileLock lock = held;
    return () -> {
      lock.release();
      channel.close();
    };
  }

  /**
   * Forgets the model: its checkpoints, savepoints, snapshots and recorded options (the topics
   * stay). Deletes only what Flink and the job wrote there (job-id folders, savepoint folders,
   * snapshot files): a checkpoint dir may be a folder the user keeps other things in.
   */
  public void forget() throws IOException {
    deleteChildren(checkpoints(), ModelHome::isJobFolder, null);
    deleteChildren(savepoints(), ModelHome::isSavepoint, null);
    deleteChildren(snapshots(), p -> p.getFileName().toString().startsWith("step-"), null);
    Files.deleteIfExists(configFile());
  }

  /**
   * After a stop with {@code savepoint}: deletes the older savepoints and the checkpoints, which it
   * supersedes (a canonical savepoint holds all it needs). At width 64 each one is over 100 MB, and
   * every stop would add one.
   */
  public void keepOnly(Path savepoint) throws IOException {
    deleteChildren(savepoints(), ModelHome::isSavepoint, savepoint);
    deleteChildren(checkpoints(), ModelHome::isJobFolder, savepoint);
  }

  /** Flink names a job's checkpoint folder by the job id: 32 hex digits. */
  private static boolean isJobFolder(Path p) {
    return Files.isDirectory(p) && p.getFileName().toString().matches("[0-9a-f]{32}");
  }

  private static boolean isSavepoint(Path p) {
    return Files.isDirectory(p) && p.getFileName().toString().startsWith("savepoint-");
  }

  private static void deleteChildren(Path dir, Predicate<Path> which, Path keep)
      throws IOException {
    if (!Files.isDirectory(dir)) {
      return;
    }
    try (Stream<Path> children = Files.list(dir)) {
      for (Path child : children.toList()) {
        if (which.test(child) && !child.equals(keep)) {
          if (Files.isDirectory(child)) {
            FileUtils.deleteDirectory(child.toFile());
          } else {
            Files.delete(child);
          }
        }
      }
    }
  }

  /**
   * The newest complete savepoint or checkpoint (a folder with Flink's {@code _metadata}), if there
   * is one.
   */
  public Optional<Path> latest() throws IOException {
    List<Path> metadata = new ArrayList<>(find(savepoints(), 2));
    for (Path m : find(checkpoints(), 3)) {
      if (!m.startsWith(savepoints())) {
        metadata.add(m);
      }
    }
    return metadata.stream().max(Comparator.comparing(ModelHome::modified)).map(Path::getParent);
  }

  /**
   * Records {@code options} as the model's, or checks them against the ones recorded. An option one
   * side does not name counts as its default there: a model recorded before an option existed was
   * trained with that option's default, and resumes with it.
   *
   * @param options what the model's state depends on, by option name; a model's own option of
   *     several as {@code model.KEY.OPTION}
   * @param defaults each option's default, by option name (for {@code model.KEY.OPTION}: OPTION's)
   * @param fresh how the user starts a new model instead ("--fresh")
   * @return each option of {@link #CHANGEABLE_ON_RESUME} that differs, in words (the new value is
   *     recorded)
   * @throws IllegalArgumentException naming each other option that differs from the recorded
   *     model's: restoring it would fail deep inside the job
   */
  public List<String> claim(Map<String, ?> options, Map<String, ?> defaults, String fresh)
      throws IOException {
    List<String> changed = new ArrayList<>();
    Map<String, String> wanted = new TreeMap<>();
    options.forEach((k, v) -> wanted.put(k, String.valueOf(v)));
    if (Files.isRegularFile(configFile()) && latest().isPresent()) {
      Properties p = new Properties();
      try (Reader r = Files.newBufferedReader(configFile(), StandardCharsets.UTF_8)) {
        p.load(r);
      }
      Map<String, String> recorded = recordedOptions(p);
      java.util.Set<String> names = new java.util.TreeSet<>(wanted.keySet());
      names.addAll(recorded.keySet());
      List<String> differences = new ArrayList<>();
      for (String k : names) {
        String before = recorded.getOrDefault(k, defaultOf(k, defaults));
        String now = wanted.getOrDefault(k, defaultOf(k, defaults));
        if (java.util.Objects.equals(before, now)) {
          continue;
        }
        if (CHANGEABLE_ON_RESUME.contains(k.substring(k.lastIndexOf('.') + 1))) {
          changed.add("%s %s (until now: %s)".formatted(k, now, before));
        } else {
          differences.add("%s %s (asked: %s)".formatted(k, before, now));
        }
      }
      if (!differences.isEmpty()) {
        throw new IllegalArgumentException(
            "the model in %s was trained with %s: give the same options to resume it, or %s"
                .formatted(checkpoints(), String.join(", ", differences), fresh));
      }
    }
    Files.createDirectories(configFile().getParent());
    Properties p = new Properties();
    p.putAll(wanted);
    try (Writer w = Files.newBufferedWriter(configFile(), StandardCharsets.UTF_8)) {
      p.store(w, "the options of the model whose checkpoints are here (mixstream)");
    }
    return changed;
  }

  /**
   * Options a model may resume with another value of: the state does not depend on them. The base
   * learning rate, so that a run that diverged resumes from its last good checkpoint at a lower
   * one.
   */
  public static final java.util.Set<String> CHANGEABLE_ON_RESUME = java.util.Set.of("baseLr");

  /** An option's default as text: {@code model.KEY.OPTION} takes OPTION's; null when none. */
  private static String defaultOf(String name, Map<String, ?> defaults) {
    Object d =
        defaults.containsKey(name)
            ? defaults.get(name)
            : name.startsWith("model.")
                ? defaults.get(name.substring(name.lastIndexOf('.') + 1))
                : null;
    return d == null ? null : String.valueOf(d);
  }

  /**
   * The recorded options, with the form of earlier versions read as today's: one line {@code model
   * KEY={a=1, b=2}} per model of several became {@code model.KEY.a=1} and {@code model.KEY.b=2}.
   */
  private static Map<String, String> recordedOptions(Properties p) {
    Map<String, String> out = new TreeMap<>();
    for (String k : p.stringPropertyNames()) {
      String v = p.getProperty(k);
      if (k.startsWith("model ") && v.startsWith("{") && v.endsWith("}")) {
        String key = k.substring("model ".length());
        for (String pair : v.substring(1, v.length() - 1).split(", ")) {
          int eq = pair.indexOf('=');
          if (eq > 0) {
            out.put("model." + key + "." + pair.substring(0, eq), pair.substring(eq + 1));
          }
        }
      } else {
        out.put(k, v);
      }
    }
    return out;
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
