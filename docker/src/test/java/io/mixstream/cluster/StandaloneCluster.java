package io.mixstream.cluster;

import io.mixstream.net.LocalPorts;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.MemorySize;
import org.apache.flink.configuration.TaskManagerOptions;
import org.apache.flink.runtime.clusterframework.TaskExecutorProcessSpec;
import org.apache.flink.runtime.clusterframework.TaskExecutorProcessUtils;
import org.apache.flink.runtime.util.config.memory.ProcessMemoryUtils;

/**
 * A Flink session cluster of separate JVMs on this machine: one JobManager, TaskManagers named
 * tm-1, tm-2, ..., started from the Flink and DJL jars on the class path Maven computed (never the
 * job's own classes, which arrive in the submitted jar). Logs go to DIR/*.log.
 */
final class StandaloneCluster implements AutoCloseable {
  private static final String TASK_MANAGER_MEMORY = "1600m";

  private final Path dir;
  private final String classpath;
  private final int restPort;
  private final Process jobManager;
  private final Map<String, Process> taskManagers = new LinkedHashMap<>();
  private final int slotsPerTaskManager;

  StandaloneCluster(Path dir, String classpath, int slotsPerTaskManager) throws IOException {
    this.dir = dir;
    this.classpath = classpath;
    this.restPort = LocalPorts.anyFree();
    this.slotsPerTaskManager = slotsPerTaskManager;
    Files.createDirectories(dir.resolve("conf"));
    Files.writeString(
        dir.resolve("conf/config.yaml"),
        String.join(
            "\n",
            "jobmanager.rpc.address: 127.0.0.1",
            "jobmanager.rpc.port: " + LocalPorts.anyFree(),
            "jobmanager.bind-host: 127.0.0.1",
            "jobmanager.memory.process.size: 1024m",
            "rest.address: 127.0.0.1",
            "rest.bind-address: 127.0.0.1",
            "rest.port: " + restPort,
            "taskmanager.host: 127.0.0.1",
            "taskmanager.bind-host: 127.0.0.1",
            "taskmanager.numberOfTaskSlots: " + slotsPerTaskManager,
            "taskmanager.memory.process.size: " + TASK_MANAGER_MEMORY,
            "taskmanager.load-balance.mode: slots", // spread a job's slots over the TaskManagers
            "heartbeat.interval: 1000",
            "heartbeat.timeout: 8000",
            "parallelism.default: 1",
            // DJL loads its natives once per JVM: its classes must come from the cluster's class
            // path, not from each job's class loader (STACK.md), so a second job works.
            "classloader.parent-first-patterns.additional: ai.djl.",
            ""));
    jobManager =
        start(
            "jobmanager",
            List.of("-Xmx768m"),
            "org.apache.flink.runtime.entrypoint.StandaloneSessionClusterEntrypoint",
            List.of());
  }

  String restUrl() {
    return "http://127.0.0.1:" + restPort;
  }

  /**
   * Starts TaskManager {@code name} (its resource id, as the REST API shows it). Like Flink's
   * scripts, this derives the memory and CPU settings a TaskManager requires, and its JVM's heap
   * and direct-memory limits, from the process size.
   */
  void startTaskManager(String name) throws IOException {
    Configuration c = new Configuration();
    c.set(TaskManagerOptions.TOTAL_PROCESS_MEMORY, MemorySize.parse(TASK_MANAGER_MEMORY));
    c.set(TaskManagerOptions.NUM_TASK_SLOTS, slotsPerTaskManager);
    TaskExecutorProcessSpec spec = TaskExecutorProcessUtils.processSpecFromConfig(c);
    List<String> jvm =
        List.of(ProcessMemoryUtils.generateJvmParametersStr(spec).trim().split("\\s+"));
    List<String> args = new ArrayList<>();
    args.addAll(
        List.of(TaskExecutorProcessUtils.generateDynamicConfigsStr(spec).trim().split("\\s+")));
    args.add("-D");
    args.add("taskmanager.resource-id=" + name);
    taskManagers.put(
        name, start(name, jvm, "org.apache.flink.runtime.taskexecutor.TaskManagerRunner", args));
  }

  /** Kills the TaskManager's process at once (SIGKILL), as a crash would. */
  void kill(String name) throws InterruptedException {
    Process p = taskManagers.get(name);
    p.destroyForcibly();
    p.waitFor();
  }

  private Process start(String name, List<String> jvmArgs, String mainClass, List<String> args)
      throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(jvmArgs);
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
    cmd.addAll(args);
    ProcessBuilder pb = new ProcessBuilder(cmd);
    pb.environment().putIfAbsent("MALLOC_MMAP_MAX_", "0");
    pb.redirectErrorStream(true);
    pb.redirectOutput(dir.resolve(name + ".out").toFile());
    return pb.start();
  }

  Path dir() {
    return dir;
  }

  /** The last lines of every process's output and log, for a failure's message. */
  String tails() {
    StringBuilder b = new StringBuilder();
    try (var files = Files.list(dir)) {
      for (Path f : files.filter(Files::isRegularFile).sorted().toList()) {
        List<String> lines = Files.readAllLines(f);
        b.append("\n==> ").append(f.getFileName()).append(" <==\n");
        lines.stream()
            .filter(l -> l.contains(" ERROR ") || l.startsWith("Caused by"))
            .limit(8)
            .forEach(l -> b.append(l).append('\n'));
        b.append("...\n");
        lines
            .subList(Math.max(0, lines.size() - 15), lines.size())
            .forEach(l -> b.append(l).append('\n'));
      }
    } catch (IOException e) {
      b.append(e);
    }
    return b.toString();
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
