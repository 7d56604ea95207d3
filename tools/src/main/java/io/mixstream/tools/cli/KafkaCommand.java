package io.mixstream.tools.cli;

import io.mixstream.kafka.LocalKafkaBroker;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** `mixstream kafka`: a local single-node broker until Ctrl-C. */
@Command(
    name = "kafka",
    mixinStandardHelpOptions = true,
    description = {
      "Starts a real single-node Kafka broker (KRaft) on 127.0.0.1 and runs until Ctrl-C.",
      "Its data stays in --data-dir: starting again on the same folder keeps topics and records."
    })
final class KafkaCommand implements Callable<Integer> {
  @Option(
      names = "--data-dir",
      required = true,
      paramLabel = "DIR",
      description = "Folder for the broker's logs and metadata (created if missing).")
  Path dataDir;

  @Option(
      names = "--port",
      defaultValue = "9092",
      paramLabel = "PORT",
      description = "Client port on 127.0.0.1 (default: ${DEFAULT-VALUE}; 0 = any free port).")
  int port;

  @Override
  public Integer call() throws Exception {
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("--port must be 0 to 65535, got " + port);
    }
    System.out.println("starting Kafka (KRaft, one node) with data in " + dataDir.toAbsolutePath());
    LocalKafkaBroker broker;
    try {
      broker = LocalKafkaBroker.start(dataDir, port);
    } catch (java.io.IOException e) {
      throw new IllegalStateException(
          e.getMessage()
              + (port != 0 ? " (is port %d already in use? try --port 0)".formatted(port) : ""),
          e);
    }
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  System.out.println("stopping Kafka; data kept in " + dataDir.toAbsolutePath());
                  broker.close();
                  stopped.countDown();
                },
                "mixstream-kafka-shutdown"));
    System.out.println("Kafka broker ready: bootstrap servers " + broker.bootstrapServers());
    System.out.println("press Ctrl-C to stop");
    stopped.await();
    return 0;
  }
}
