package io.mixstream.tools.cli;

import io.mixstream.cifar.Cifar10Reader;
import io.mixstream.cifar.CifarSplit;
import io.mixstream.tools.chaos.ChaosPlan;
import io.mixstream.tools.chaos.ChaosResult;
import io.mixstream.tools.chaos.ChaosRun;
import io.mixstream.tools.options.TrainingOptionHelp;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** `mixstream chaos`: repeated faults on a real standalone cluster, and the proof afterwards. */
@Command(
    name = "chaos",
    mixinStandardHelpOptions = true,
    description = {
      "Proves exact recovery: trains once undisturbed and once under kills, and compares.",
      "Starts a local broker and a standalone Flink cluster of separate processes (a JobManager"
          + " and two TaskManagers), trains on a bounded stream of real CIFAR-10 with 5%% hostile"
          + " records (one partition) once undisturbed and once while SIGKILLing the trainer's"
          + " TaskManager at moments aimed at a step, a checkpoint, a snapshot write and an"
          + " evaluation (a replacement started each time), and stopping and restarting the"
          + " broker once. Then proves, from the job's outputs, that the final weights, optimizer"
          + " buffers and queues equal the undisturbed run's (SHA-256), that every valid image was"
          + " trained exactly once per epoch (the trainer's checkpointed digest against the"
          + " replayed one), that every step's loss is the undisturbed one, that every refused"
          + " record is on the dead-letter topic with its reason, and that every snapshot loads"
          + " and equals the undisturbed run's. Exit status 1 when any does not hold."
    })
final class ChaosCommand implements Callable<Integer> {
  @Option(names = "--data", required = true, paramLabel = "PATH", description = "CIFAR-10 data.")
  Path data;

  @Option(
      names = "--kills",
      defaultValue = "3",
      description = "TaskManager kills (default: ${DEFAULT-VALUE}).")
  int kills;

  @Option(
      names = "--seed",
      defaultValue = "1",
      description = "The kills' moments and the model's seed (default: ${DEFAULT-VALUE}).")
  long seed;

  @Option(
      names = "--width",
      defaultValue = "8",
      description = "The model's width (default: ${DEFAULT-VALUE}).")
  int width;

  @Option(
      names = "--method",
      defaultValue = "approach2",
      description =
          "What the model trains, as train --method (default: ${DEFAULT-VALUE}, the most state;"
              + " byol has a target network and two heads).")
  String method;

  @Option(
      names = "--no-broker-restart",
      description = "Leave the broker running (by default it is stopped and started once).")
  boolean noBrokerRestart;

  @Option(
      names = "--ha",
      description =
          "ZooKeeper high availability (an in-process ZooKeeper server) with a standby"
              + " JobManager; one kill in five then kills the leading JobManager and starts a new"
              + " standby.")
  boolean ha;

  @Option(
      names = "--buffer-size",
      defaultValue = "0",
      paramLabel = "C",
      descriptionKey = TrainingOptionHelp.PREFIX + "buffer-size")
  int bufferSize;

  @Option(
      names = "--buffer-policy",
      defaultValue = "minred",
      descriptionKey = TrainingOptionHelp.PREFIX + "buffer-policy")
  String bufferPolicy;

  @Option(
      names = "--updates-per-batch",
      defaultValue = "1",
      paramLabel = "U",
      descriptionKey = TrainingOptionHelp.PREFIX + "updates-per-batch")
  int updatesPerBatch;

  @Option(
      names = "--work-dir",
      paramLabel = "DIR",
      description =
          "Where the broker, the cluster's logs, checkpoints and snapshots go (default: a new"
              + " temporary folder, deleted after a run that proves everything).")
  Path workDir;

  @Override
  public Integer call() throws Exception {
    Path work = workDir != null ? workDir : Files.createTempDirectory("mixstream-chaos");
    Files.createDirectories(work);
    if (workDir != null) {
      try (Stream<Path> s = Files.list(work)) {
        if (s.findAny().isPresent()) {
          throw new IllegalArgumentException(
              "--work-dir " + work + " is not empty: give a new or empty folder");
        }
      }
    }
    io.mixstream.config.BufferPolicy policy;
    try {
      policy =
          io.mixstream.config.BufferPolicy.valueOf(bufferPolicy.toUpperCase(java.util.Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "--buffer-policy must be fifo, reservoir or minred, got " + bufferPolicy, e);
    }
    // the job's own checks, before the cluster starts
    io.mixstream.config.Method chosen = io.mixstream.config.Method.parse(method);
    io.mixstream.config.TrainingConfig.Builder check =
        io.mixstream.config.TrainingConfig.defaults(chosen).toBuilder();
    check.batchSize = ChaosPlan.BATCH;
    check.queueSize = 256;
    check.bufferSize = bufferSize;
    check.bufferPolicy = policy;
    check.updatesPerBatch = updatesPerBatch;
    check.build().validate();
    ChaosPlan plan =
        new ChaosPlan(
            kills,
            seed,
            width,
            !noBrokerRestart,
            ha,
            work,
            new io.mixstream.config.TrainingConfig.Buffer(bufferSize, policy, updatesPerBatch),
            chosen);
    System.out.printf(
        "chaos: %s, %d kills, seed %d, width %d, %d batches of arrivals%s%s; work in %s%n",
        chosen,
        kills,
        seed,
        width,
        plan.steps(),
        bufferSize > 0
            ? ", a %s buffer of %d, %d step(s) per batch"
                .formatted(policy.cliName(), bufferSize, updatesPerBatch)
            : "",
        ha ? ", ZooKeeper HA" : "",
        work);
    ChaosResult r =
        ChaosRun.run(
            plan,
            Cifar10Reader.read(data, CifarSplit.TRAIN),
            Cifar10Reader.read(data, CifarSplit.TEST),
            System.getProperty("java.class.path"),
            System.out);
    summary(r).forEach(System.out::println);
    if (!r.proven()) {
      System.out.println("NOT PROVEN: the work folder is kept: " + work);
      return 1;
    }
    if (workDir == null) {
      delete(work);
    }
    return 0;
  }

  /** The summary's lines, as RELIABILITY.md quotes them. */
  static java.util.List<String> summary(ChaosResult r) {
    java.util.List<String> out = new java.util.ArrayList<>();
    var sent = r.sent();
    out.add(
        "stream: %d records, %d valid, %d refused by the codec (%d hostile sent, %d of them valid)"
            .formatted(
                sent.records(),
                sent.validIds().size(),
                sent.invalidOffsets().size(),
                sent.fuzzed().values().stream().mapToLong(Long::longValue).sum(),
                sent.fuzzedValid()));
    out.add(
        ("faults: %d kills of %d asked%s; %d job restarts (as the last leading JobManager"
                + " counts them)")
            .formatted(
                r.kills().size(),
                r.plan().kills(),
                r.brokerRestarted() ? ", the broker restarted once" : "",
                r.restarts()));
    for (ChaosResult.Moment m : ChaosResult.Moment.values()) {
      long n = r.kills().stream().filter(k -> k.aimedAt() == m).count();
      if (m == ChaosResult.Moment.JOB_MANAGER && !r.plan().ha()) {
        continue;
      }
      long ckpt =
          r.kills().stream().filter(k -> k.aimedAt() == m && k.checkpointInProgress()).count();
      out.add(
          "  kills %s%s: %d (%d with a checkpoint in progress)"
              .formatted(m == ChaosResult.Moment.JOB_MANAGER ? "of " : "aimed ", m, n, ckpt));
    }
    double[] recovery =
        r.kills().stream().mapToDouble(ChaosResult.Kill::secondsToNextStep).sorted().toArray();
    if (recovery.length > 0) {
      out.add(
          "  kill to the next step: median %.1f s, max %.1f s"
              .formatted(recovery[recovery.length / 2], recovery[recovery.length - 1]));
    }
    out.add(
        check(
            r.referenceSha() != null && r.referenceSha().equals(r.chaosSha()),
            "final weights, optimizer buffers and queues equal the undisturbed run's (SHA-256 %s)"
                .formatted(r.chaosSha())));
    out.add(
        check(
            r.expectedDigest().equals(r.chaosDigest())
                && r.expectedDigest().equals(r.referenceDigest()),
            r.plan().buffer().on()
                ? ("the same draws from the replay buffer as the undisturbed run, every step a"
                        + " full batch: trained digest %s, the undisturbed run's %s")
                    .formatted(r.chaosDigest(), r.referenceDigest())
                : "every valid image trained exactly once per epoch: trained digest %s, replayed %s"
                    .formatted(r.chaosDigest(), r.expectedDigest())));
    out.add(
        check(
            r.stepsDiffering().isEmpty(),
            ("every one of %d steps' loss bit for bit the undisturbed run's (%d step records: %d"
                    + " steps done again after restores)%s")
                .formatted(
                    r.steps(),
                    r.stepRecords(),
                    r.stepRecords() - r.steps(),
                    r.stepsDiffering().isEmpty()
                        ? ""
                        : "; differing: " + r.stepsDiffering().stream().limit(20).toList())));
    out.add(
        check(
            r.notDeadLettered().isEmpty() && r.withoutReason().isEmpty(),
            ("every refused record on the dead-letter topic with its reason (missing: %d, without"
                    + " a reason: %d)")
                .formatted(r.notDeadLettered().size(), r.withoutReason().size())));
    out.add(
        check(
            r.snapshots() > 0 && r.badSnapshots().isEmpty(),
            "%d snapshots, each loadable and byte for byte the undisturbed run's (%d leftover .tmp)%s"
                .formatted(
                    r.snapshots(),
                    r.leftoverTemporaryFiles(),
                    r.badSnapshots().isEmpty() ? "" : ": " + r.badSnapshots())));
    out.add(
        check(
            r.memoryWithinMargin(),
            ("the trainer's TaskManager's memory before each kill within %.1fx of the first's:"
                    + " first %d MiB, largest %d MiB, last over first %.2f")
                .formatted(
                    ChaosResult.MEMORY_MARGIN,
                    r.firstRss() >> 20,
                    r.largestRss() >> 20,
                    r.memoryGrowth())));
    out.add(
        "time: undisturbed %.0f s, disturbed %.0f s"
            .formatted(r.referenceSeconds(), r.chaosSeconds()));
    return out;
  }

  private static String check(boolean ok, String what) {
    return (ok ? "ok    " : "FAIL  ") + what;
  }

  private static void delete(Path dir) throws IOException {
    try (Stream<Path> s = Files.walk(dir)) {
      s.sorted(Comparator.reverseOrder())
          .forEach(
              p -> {
                try {
                  Files.delete(p);
                } catch (IOException e) {
                  throw new UncheckedIOException(e);
                }
              });
    }
  }
}
