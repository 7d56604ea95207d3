package io.mixstream.cluster;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A Flink session cluster of separate JVMs on this machine: one JobManager, TaskManagers named
 * tm-1, tm-2, ..., started from the Flink and DJL jars on the class path Maven computed (never the
 * job's own classes, which arrive in the submitted jar). Logs go to DIR/*.log.
 */
final class StandaloneCluster implements AutoCloseable {
  private final Path dir;
  private final String classpath;
  private final int restPort;
  private final Process jobManager;
  private final Map<String, Process> taskManagers = new LinkedHashMap<>();

  StandaloneCluster(Path dir, String classpath, int slotsPerTaskManager) throws IOException {
    this.dir = dir;
    this.classpath = classpath;
    this.restPort = freePort();
    Files.createDirectories(dir.resolve("conf"));
    Files.writeString(
        dir.resolve("conf/config.yaml"),
        String.join(
            "\n",
            "jobmanager.rpc.address: 127.0.0.1",
            "jobmanager.rpc.port: " + freePort(),
            "jobmanager.bind-host: 127.0.0.1",
            "jobmanager.memory.process.size: 1024m",
            "rest.address: 127.0.0.1",
            "rest.bind-address: 127.0.0.1",
            "rest.port: " + restPort,
            "taskmanager.host: 127.0.0.1",
            "taskmanager.bind-host: 127.0.0.1",
            "taskmanager.numberOfTaskSlots: " + slotsPerTaskManager,
            "taskmanager.memory.process.size: 1600m",
            "cluster.evenly-spread-out-slots: true",
            "heartbeat.interval: 1000",
            "heartbeat.timeout: 8000",
            "parallelism.default: 1",
            // DJL loads its natives once per JVM: its classes must come from the cluster's class
            // path, not from each job's class loader (STACK.md), so a second job works.
            "classloader.parent-first-patterns.additional: ai.djl.",
            ""));
    jobManager =
        start(
            "jobmanager", "org.apache.flink.runtime.entrypoint.StandaloneSessionClusterEntrypoint");
  }

  String restUrl() {
    return "http://127.0.0.1:" + restPort;
  }

  /** Starts TaskManager {@code name} (its resource id, as the REST API shows it). */
  void startTaskManager(String name) throws IOException {
    taskManagers.put(
        name,
        start(
            name,
            "org.apache.flink.runtime.taskexecutor.TaskManagerRunner",
            "-Dtaskmanager.resource-id=" + name));
  }

  /** Kills the TaskManager's process at once (SIGKILL), as a crash would. */
  void kill(String name) throws InterruptedException {
    Process p = taskManagers.get(name);
    p.destroyForcibly();
    p.waitFor();
  }

  private Process start(String name, String mainClass, String... args) throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-Xmx768m");
    cmd.add("-Dlog.file=" + dir.resolve(name + ".log"));
    cmd.add(
        "-Dlog4j.configurationFile="
            + Path.of(System.getProperty("mixstream.clusterLog4j")).toUri());
    cmd.add("-Dai.djl.offline=true");
    cmd.add("--add-opens=java.base/java.util=ALL-UNNAMED");
    cmd.add("--add-opens=java.base/java.lang=ALL-UNNAMED");
    cmd.add("-cp");
    cmd.add(classpath);
    cmd.add(mainClass);
    cmd.add("--configDir");
    cmd.add(dir.resolve("conf").toString());
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd);
    pb.environment().putIfAbsent("MALLOC_MMAP_MAX_", "0");
    pb.redirectErrorStream(true);
    pb.redirectOutput(dir.resolve(name + ".out").toFile());
    return pb.start();
  }

  Path dir() {
    return dir;
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  @Override
  public void close() throws InterruptedException {
    for (Process p : taskManagers.values()) {
      p.destroy();
    }
    jobManager.destroy();
    for (Process p : taskManagers.values()) {
      if (!p.waitFor(
          Duration.ofSeconds(20).toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)) {
        p.destroyForcibly();
      }
    }
    if (!jobManager.waitFor(20, java.util.concurrent.TimeUnit.SECONDS)) {
      jobManager.destroyForcibly();
    }
  }
}
