package io.mixstream.tools.cluster;

import io.mixstream.config.JobConfig;
import io.mixstream.job.MixstreamJob;
import io.mixstream.net.LocalPorts;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.MemorySize;
import org.apache.flink.configuration.TaskManagerOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.clusterframework.TaskExecutorProcessSpec;
import org.apache.flink.runtime.clusterframework.TaskExecutorProcessUtils;
import org.apache.flink.runtime.util.config.memory.ProcessMemoryUtils;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * A Flink session cluster of separate JVMs on this machine: one JobManager and TaskManagers named
 * by the caller (their resource ids, as the REST API shows them), started from a class path the
 * caller gives. Each process logs to DIR/NAME.log and DIR/NAME.out.
 */
public final class StandaloneCluster implements AutoCloseable {
  /** Each TaskManager's process size (Flink derives heap, managed and direct memory from it). */
  public static final String TASK_MANAGER_MEMORY = "1600m";

  private final Path dir;
  private final String classpath;
  private final int restPort;
  private final int slotsPerTaskManager;
  private final Map<String, Process> jobManagers = new LinkedHashMap<>();
  private final Map<String, Integer> restPorts = new LinkedHashMap<>();
  private final Map<String, Process> taskManagers = new LinkedHashMap<>();

  /**
   * Starts the JobManager.
   *
   * @param classpath the processes' class path: Flink, RocksDB and DJL at least (and the job's own
   *     classes when jobs are submitted without a jar)
   */
  public StandaloneCluster(Path dir, String classpath, int slotsPerTaskManager) throws IOException {
    this(dir, classpath, slotsPerTaskManager, Map.of());
  }

  /** As above, with more Flink settings for every process ({@code config.yaml} keys). */
  public StandaloneCluster(
      Path dir, String classpath, int slotsPerTaskManager, Map<String, String> settings)
      throws IOException {
    this.dir = dir;
    this.classpath = classpath;
    this.restPort = LocalPorts.anyFree();
    this.slotsPerTaskManager = slotsPerTaskManager;
    Files.createDirectories(dir.resolve("conf"));
    try (InputStream log4j =
        StandaloneCluster.class.getResourceAsStream("cluster-log4j2.properties")) {
      Files.copy(log4j, dir.resolve("conf/log4j2.properties"));
    }
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
            "web.exception-history-size: 1000", // every failover of a chaos run, not the last 16
            // DJL loads its natives once per JVM: its classes must come from the cluster's class
            // path, not from each job's class loader, or a second job fails with "libc10.so
            // already loaded in another classloader" (OPERATIONS.md, Troubleshooting).
            "classloader.parent-first-patterns.additional: ai.djl.",
            ""));
    for (var e : settings.entrySet()) {
      Files.writeString(
          dir.resolve("conf/config.yaml"),
          e.getKey() + ": " + e.getValue() + "\n",
          java.nio.file.StandardOpenOption.APPEND);
    }
    jobManagers.put(
        "jobmanager",
        start(
            "jobmanager",
            List.of("-Xmx768m"),
            "org.apache.flink.runtime.entrypoint.StandaloneSessionClusterEntrypoint",
            List.of()));
    restPorts.put("jobmanager", restPort);
  }

  /**
   * Starts another JobManager on ports of its own: with high availability configured, a standby
   * that takes over when the leader dies.
   */
  public void startJobManager(String name) throws IOException {
    if (jobManagers.containsKey(name)) {
      throw new IllegalArgumentException("JobManager " + name + " was started before");
    }
    int rest = LocalPorts.anyFree();
    jobManagers.put(
        name,
        start(
            name,
            List.of("-Xmx768m"),
            "org.apache.flink.runtime.entrypoint.StandaloneSessionClusterEntrypoint",
            List.of(
                "-D", "rest.port=" + rest, "-D", "jobmanager.rpc.port=" + LocalPorts.anyFree())));
    restPorts.put(name, rest);
  }

  /** Kills a JobManager's process at once (SIGKILL). */
  public void killJobManager(String name) throws InterruptedException {
    Process p = jobManagers.get(name);
    if (p == null) {
      throw new IllegalArgumentException("no JobManager " + name);
    }
    p.destroyForcibly();
    p.waitFor();
  }

  /**
   * The live JobManager that was granted leadership (its log says so: a standby's does not until it
   * takes over); null when none has been.
   */
  public String leaderJobManager() throws IOException {
    for (var e : jobManagers.entrySet()) {
      Path log = dir.resolve(e.getKey() + ".log");
      if (e.getValue().isAlive()
          && Files.exists(log)
          && Files.readString(log).contains("was granted leadership")) {
        return e.getKey();
      }
    }
    return null;
  }

  /** The REST address of every JobManager started and still alive, by name. */
  public Map<String, String> liveRestUrls() {
    Map<String, String> out = new LinkedHashMap<>();
    jobManagers.forEach(
        (name, p) -> {
          if (p.isAlive()) {
            out.put(name, "http://127.0.0.1:" + restPorts.get(name));
          }
        });
    return out;
  }

  public String restUrl() {
    return "http://127.0.0.1:" + restPort;
  }

  public int restPort() {
    return restPort;
  }

  /**
   * Starts TaskManager {@code name}. Like Flink's scripts, this derives the memory and CPU settings
   * a TaskManager requires, and its JVM's heap and direct-memory limits, from the process size.
   */
  public void startTaskManager(String name) throws IOException {
    if (taskManagers.containsKey(name)) {
      throw new IllegalArgumentException("TaskManager " + name + " was started before");
    }
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

  /**
   * Submits the job of {@code c} without a jar (its classes must be on the cluster's class path),
   * with mixstream's Flink settings and {@code overrides} on top.
   */
  public JobClient submit(JobConfig c, Map<String, String> overrides) throws Exception {
    return submit(c, overrides, restPort);
  }

  /** {@link #submit(JobConfig, Map)} through the REST port of a JobManager (the leader). */
  public JobClient submit(JobConfig c, Map<String, String> overrides, int port) throws Exception {
    Configuration conf = MixstreamJob.flinkConfiguration(c);
    overrides.forEach(conf::setString);
    StreamExecutionEnvironment env =
        StreamExecutionEnvironment.createRemoteEnvironment("127.0.0.1", port, conf);
    MixstreamJob.build(env, c);
    return env.executeAsync(MixstreamJob.jobName(c) + " " + c.groupId());
  }

  /** Kills the TaskManager's process at once (SIGKILL), as a crash would. */
  public void kill(String name) throws InterruptedException {
    Process p = taskManagers.get(name);
    if (p == null) {
      throw new IllegalArgumentException("no TaskManager " + name);
    }
    p.destroyForcibly();
    p.waitFor();
  }

  /** Stops the TaskManager as an operator would (SIGTERM), waiting for it to exit. */
  public void stop(String name) throws InterruptedException {
    Process p = taskManagers.get(name);
    if (p == null) {
      throw new IllegalArgumentException("no TaskManager " + name);
    }
    p.destroy();
    if (!p.waitFor(30, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      p.waitFor();
    }
  }

  /** The operating system's process id of TaskManager {@code name}. */
  public long pid(String name) {
    return taskManagers.get(name).pid();
  }

  public boolean isAlive(String name) {
    Process p = taskManagers.get(name);
    return p != null && p.isAlive();
  }

  private Process start(String name, List<String> jvmArgs, String mainClass, List<String> args)
      throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(jvmArgs);
    cmd.add("-Dlog.file=" + dir.resolve(name + ".log"));
    cmd.add("-Dlog4j.configurationFile=" + dir.resolve("conf/log4j2.properties").toUri());
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
    // the launcher's malloc settings (tools/bin/mixstream says why) where the caller has none
    pb.environment().putIfAbsent("MALLOC_MMAP_MAX_", "0");
    pb.environment().putIfAbsent("MALLOC_TRIM_THRESHOLD_", "17179869184");
    pb.environment().putIfAbsent("MALLOC_ARENA_MAX", "2");
    pb.redirectErrorStream(true);
    pb.redirectOutput(dir.resolve(name + ".out").toFile());
    return pb.start();
  }

  public Path dir() {
    return dir;
  }

  /** The last lines of every process's output and log, for a failure's message. */
  public String tails() {
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
    List<Process> all = new ArrayList<>(taskManagers.values());
    all.addAll(jobManagers.values());
    for (Process p : all) {
      p.destroy();
    }
    for (Process p : all) {
      if (!p.waitFor(20, TimeUnit.SECONDS)) {
        p.destroyForcibly();
      }
    }
  }
}
