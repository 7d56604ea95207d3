package io.mixstream.tools.chaos;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import io.mixstream.tools.chaos.ChaosResult.Kill;
import io.mixstream.tools.chaos.ChaosResult.Moment;
import io.mixstream.tools.cluster.FlinkRest;
import io.mixstream.tools.cluster.ProcessMemory;
import io.mixstream.tools.cluster.StandaloneCluster;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Random;

/**
 * The kills of one disturbed run: each waits for its target step and its moment (a step, a
 * checkpoint in progress, a snapshot write, an evaluation, or the leading JobManager), kills the
 * process and times how long until the job trains again.
 */
final class ChaosKills {
  private final StandaloneCluster cluster;
  private final FlinkRest rest;
  private final String job;
  private final MetricsTail tail;
  private final Random random;
  private final Path checkpoints;

  /**
   * @param job the disturbed run's job id
   * @param tail its metrics topic as it grows
   * @param random the seeded source of the kills' moments
   * @param checkpoints its checkpoint folder (where a checkpoint in progress shows)
   */
  ChaosKills(
      StandaloneCluster cluster,
      FlinkRest rest,
      String job,
      MetricsTail tail,
      Random random,
      Path checkpoints) {
    this.cluster = cluster;
    this.rest = rest;
    this.job = job;
    this.tail = tail;
    this.random = random;
    this.checkpoints = checkpoints;
  }

  /**
   * Waits until the run has passed {@code target} steps, then for the moment, and kills the
   * trainer's TaskManager; null when the input ended first.
   */
  Kill killAt(int number, Moment moment, long target) throws Exception {
    long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
    while (tail.newestStep() < target) {
      if (tail.ended() || System.nanoTime() > deadline) {
        return null;
      }
      Thread.sleep(5);
    }
    switch (moment) {
      case STEP, JOB_MANAGER -> Thread.sleep(random.nextInt(100));
      case CHECKPOINT -> {
        long until = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!checkpointInProgress() && System.nanoTime() < until) {
          Thread.sleep(5);
        }
      }
      case SNAPSHOT, EVALUATION -> {
        // a snapshot is written right after its step, then the evaluator embeds its sets
        long until = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (tail.newestStep() % ChaosPlan.EVAL_EVERY != 0 && System.nanoTime() < until) {
          if (tail.ended()) {
            return null;
          }
          Thread.sleep(2);
        }
        if (moment == Moment.EVALUATION) {
          Thread.sleep(50 + random.nextInt(250));
        }
      }
    }
    if (tail.ended()) {
      return null;
    }
    String host =
        moment == Moment.JOB_MANAGER ? cluster.leaderJobManager() : trainerHost(rest, job);
    if (host == null) {
      throw new IllegalStateException("no JobManager says it leads");
    }
    long step = tail.newestStep();
    boolean inProgress = checkpointInProgress();
    long rss = moment == Moment.JOB_MANAGER ? 0 : ProcessMemory.residentBytes(cluster.pid(host));
    long killedAt = System.nanoTime();
    if (moment == Moment.JOB_MANAGER) {
      cluster.killJobManager(host);
      // the TaskManagers train on until they hear of a new leader: time from when there is one
      while (cluster.leaderJobManager() == null) {
        if (System.nanoTime() - killedAt > Duration.ofMinutes(5).toNanos()) {
          throw new IllegalStateException("no new leading JobManager within 5 minutes");
        }
        Thread.sleep(20);
      }
      long led = System.nanoTime();
      while (tail.newestStepNanos() < led) {
        Thread.sleep(20);
      }
      return new Kill(
          number, moment, host, step, inProgress, 0, (tail.newestStepNanos() - killedAt) / 1e9);
    }
    cluster.kill(host);
    while (tail.newestStepNanos() < killedAt) {
      if (System.nanoTime() - killedAt > Duration.ofMinutes(5).toNanos()) {
        throw new IllegalStateException(
            "no step within 5 minutes of killing " + host + " (kill " + number + ")");
      }
      Thread.sleep(20);
    }
    return new Kill(
        number, moment, host, step, inProgress, rss, (tail.newestStepNanos() - killedAt) / 1e9);
  }

  /**
   * Whether a checkpoint of the job is being taken: the newest checkpoint's folder (the JobManager
   * makes it when it triggers one) is there without the metadata that completes it. Older folders
   * without metadata are checkpoints a kill aborted, which Flink leaves behind. Read from the
   * files, not the REST API, which caches checkpoint statistics for seconds.
   */
  private boolean checkpointInProgress() throws IOException {
    Path dir = checkpoints.resolve(job);
    if (!Files.isDirectory(dir)) {
      return false;
    }
    long newest = -1;
    try (var entries = Files.list(dir)) {
      for (Path p : (Iterable<Path>) entries::iterator) {
        String name = p.getFileName().toString();
        if (name.startsWith("chk-")) {
          newest = Math.max(newest, Long.parseLong(name.substring(4)));
        }
      }
    } catch (java.nio.file.NoSuchFileException | java.io.UncheckedIOException e) {
      return false; // subsumed and deleted while listed
    }
    return newest >= 0 && !Files.exists(dir.resolve("chk-" + newest).resolve("_metadata"));
  }

  /** The TaskManager the trainer's subtask is deployed on, waiting for it to be deployed. */
  private static String trainerHost(FlinkRest rest, String job) throws Exception {
    // a JobManager that has just taken over answers for the job before it knows its vertices
    JsonObject graph =
        rest.await(
            "/jobs/" + job,
            o -> o.has("vertices") && !o.getAsJsonArray("vertices").isEmpty(),
            Duration.ofMinutes(2));
    String vertex = null;
    for (JsonElement v : graph.getAsJsonArray("vertices")) {
      if (v.getAsJsonObject().get("name").getAsString().startsWith("train ")) {
        vertex = v.getAsJsonObject().get("id").getAsString();
      }
    }
    if (vertex == null) {
      throw new IllegalStateException("no trainer in job " + job);
    }
    JsonObject where =
        rest.await(
            "/jobs/" + job + "/vertices/" + vertex + "/taskmanagers",
            o -> {
              var tms = o.getAsJsonArray("taskmanagers"); // absent while a new leader recovers
              return tms != null
                  && tms.size() == 1
                  && tms.get(0).getAsJsonObject().has("status")
                  && tms.get(0).getAsJsonObject().get("status").getAsString().equals("RUNNING");
            },
            Duration.ofMinutes(2));
    return where
        .getAsJsonArray("taskmanagers")
        .get(0)
        .getAsJsonObject()
        .get("taskmanager-id")
        .getAsString();
  }
}
