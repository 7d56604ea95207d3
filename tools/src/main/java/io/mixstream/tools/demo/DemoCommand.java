package io.mixstream.tools.demo;

import ai.djl.Device;
import io.mixstream.cifar.Cifar10Dataset;
import io.mixstream.cifar.Cifar10Reader;
import io.mixstream.cifar.CifarSplit;
import io.mixstream.config.Method;
import io.mixstream.config.TrainingConfig;
import io.mixstream.job.EvaluationConfig;
import io.mixstream.job.JobConfig;
import io.mixstream.job.MixstreamJob;
import io.mixstream.kafka.LocalKafkaBroker;
import io.mixstream.tools.cli.DeviceOption;
import io.mixstream.tools.replay.Progress;
import io.mixstream.tools.replay.ReplayPlan;
import io.mixstream.tools.replay.Replayer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** `mixstream demo`: the whole loop on one machine, from CIFAR-10 files to training steps. */
@Command(
    name = "demo",
    mixinStandardHelpOptions = true,
    description = {
      "Starts a local Kafka broker, replays CIFAR-10 into it in a loop, and runs the training job",
      "in a local Flink with its dashboard, printing the loss as it goes. Ctrl-C stops everything."
    })
public final class DemoCommand implements Callable<Integer> {
  @Option(
      names = "--data",
      defaultValue = "${env:MIXSTREAM_DATA:-../shared/data/cifar10}",
      paramLabel = "PATH",
      description = "CIFAR-10 binary folder or cifar-10-binary.tar.gz (default: ${DEFAULT-VALUE}).")
  Path data;

  @Option(
      names = "--work-dir",
      defaultValue = "${sys:java.io.tmpdir}/mixstream-demo",
      description = "Where the broker keeps its data (default: ${DEFAULT-VALUE}).")
  Path workDir;

  @Option(
      names = "--method",
      defaultValue = "moco",
      description = "moco, moco-cutmix, unmix, approach1 or approach2 (default: ${DEFAULT-VALUE}).")
  String method;

  @Option(
      names = "--width",
      defaultValue = "0",
      description = "Stem width; 0 = 64 on a GPU, 16 on a CPU (default: ${DEFAULT-VALUE}).")
  int width;

  @Option(
      names = "--batch",
      defaultValue = "64",
      description = "Batch size (default: ${DEFAULT-VALUE}).")
  int batch;

  @Option(
      names = "--steps",
      defaultValue = "0",
      description =
          "Stop once this many steps are done (a step may still finish while the job is cancelled); 0 = until Ctrl-C (default: ${DEFAULT-VALUE}).")
  long steps;

  @Mixin DeviceOption device;

  @Option(
      names = "--rest-port",
      defaultValue = "8081",
      description = "Flink dashboard port on 127.0.0.1 (default: ${DEFAULT-VALUE}).")
  int restPort;

  @Option(
      names = "--replay-rate",
      defaultValue = "1000",
      description =
          "Images per second the replay publishes, looping over the data (default:"
              + " ${DEFAULT-VALUE}).")
  double replayRate;

  @Override
  public Integer call() throws Exception {
    Device dev = device.resolve();
    TrainingConfig.Builder b = TrainingConfig.defaults().toBuilder();
    b.method = Method.parse(method);
    b.width = width > 0 ? width : (dev.isGpu() ? 64 : 16);
    b.batchSize = batch;
    TrainingConfig config = b.build().validate();
    System.out.println("training config: " + config.asMap());
    Cifar10Dataset train = Cifar10Reader.read(data, CifarSplit.TRAIN);
    AtomicBoolean stop = new AtomicBoolean();
    Thread main = Thread.currentThread();
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  stop.set(true);
                  try {
                    main.join(30_000);
                  } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                  }
                }));
    try (LocalKafkaBroker broker = LocalKafkaBroker.start(workDir.resolve("kafka"), 0)) {
      createBoundedTopic(broker.bootstrapServers());
      Thread replay =
          new Thread(
              () -> {
                try {
                  new Replayer(broker.bootstrapServers(), Map.of())
                      .replay(
                          train,
                          new ReplayPlan(
                              "images", 1, true, true, 0, replayRate, 0, 1, Duration.ofSeconds(30)),
                          new Progress(System.out, "images replayed", -1, false));
                } catch (Exception e) {
                  System.err.println("demo: the replay failed, stopping: " + e.getMessage());
                  stop.set(true);
                }
              },
              "mixstream-demo-replay");
      replay.setDaemon(true);
      replay.start();

      JobConfig defaults = JobConfig.defaults(config, workDir.resolve("checkpoints"));
      JobConfig job =
          new JobConfig(
              config,
              broker.bootstrapServers(),
              "images",
              "images-dead-letters",
              "mixstream-demo",
              Map.of(),
              defaults.modelKey(),
              dev.isGpu() ? "gpu" : "cpu",
              defaults.checkpointInterval(),
              defaults.checkpointDir(),
              false,
              1,
              EvaluationConfig.off(workDir.resolve("snapshots")));
      Configuration conf = MixstreamJob.flinkConfiguration(job);
      conf.addAll(
          Configuration.fromMap(
              Map.of("rest.port", String.valueOf(restPort), "rest.bind-address", "127.0.0.1")));
      StreamExecutionEnvironment env =
          StreamExecutionEnvironment.createLocalEnvironmentWithWebUI(conf);
      System.out.printf(
          "Kafka broker %s, topics images and images-dead-letters (data in %s)%n"
              + "Flink dashboard http://127.0.0.1:%d; checkpoints in %s%n",
          broker.bootstrapServers(), broker.dataDir(), restPort, job.checkpointDir());
      StepCounter.reset();
      MixstreamJob.build(env, job)
          .filter(new StepCounter())
          .name("progress")
          .setParallelism(1)
          .sinkTo(new DiscardingSink<>());
      JobClient client = env.executeAsync("mixstream demo");
      while (!stop.get() && (steps == 0 || StepCounter.steps() < steps)) {
        Thread.sleep(100);
      }
      client.cancel().get();
      long done = StepCounter.steps();
      replay.interrupt();
      System.out.printf(
          "stopped after %d steps; checkpoints in %s, broker data in %s%n",
          done, job.checkpointDir(), broker.dataDir());
    }
    return 0;
  }

  /** The looping replay never ends: keep at most about 256 MB of it on disk. */
  private static void createBoundedTopic(String bootstrap) throws Exception {
    try (Admin admin =
        Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
      if (!admin.listTopics().names().get().contains("images")) {
        admin
            .createTopics(
                List.of(
                    new NewTopic("images", 1, (short) 1)
                        .configs(
                            Map.of("retention.bytes", "268435456", "segment.bytes", "33554432"))))
            .all()
            .get();
      }
    }
  }
}
