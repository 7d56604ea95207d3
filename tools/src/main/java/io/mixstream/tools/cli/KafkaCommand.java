package io.mixstream.tools.cli;

import io.mixstream.kafka.BrokerSecurity;
import io.mixstream.kafka.LocalKafkaBroker;
import java.nio.file.Path;
import java.time.Duration;
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
  private static final Duration STOP_TIMEOUT = Duration.ofSeconds(30);

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

  @Option(
      names = "--sasl-ssl",
      description =
          "Require TLS and a SASL/PLAIN password on the client port: a CA, the broker's certificate"
              + " and a truststore are made with keytool in DATA-DIR/tls (kept for the next start),"
              + " and a client settings file for each --user.")
  boolean saslSsl;

  @Option(
      names = "--user",
      paramLabel = "NAME=PASSWORD",
      description = "A SASL/PLAIN user of a --sasl-ssl broker (repeatable).")
  java.util.Map<String, String> users = new java.util.LinkedHashMap<>();

  @Override
  public Integer call() throws Exception {
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("--port must be 0 to 65535, got " + port);
    }
    if (saslSsl && users.isEmpty()) {
      throw new IllegalArgumentException("--sasl-ssl needs at least one --user NAME=PASSWORD");
    }
    if (!saslSsl && !users.isEmpty()) {
      throw new IllegalArgumentException("--user is for a --sasl-ssl broker; add --sasl-ssl");
    }
    BrokerSecurity security =
        saslSsl ? BrokerSecurity.inFolder(dataDir.resolve("tls"), users) : null;
    // refuses, before anything starts, a folder or port that a running broker holds
    LocalKafkaBroker broker = LocalKafkaBroker.start(dataDir, port, security);
    System.out.println("started Kafka (KRaft, one node) with data in " + dataDir.toAbsolutePath());
    if (security != null) {
      System.out.println("the client port requires TLS and a password (SASL_SSL, PLAIN); clients:");
      for (String user : users.keySet()) {
        System.out.printf(
            "  %s: --kafka-config %s (the tools), or its lines with kafka. before each key in a"
                + " job's --config file%n",
            user, security.writeClientFile(user));
      }
    }
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  System.out.println("stopping Kafka; data kept in " + dataDir.toAbsolutePath());
                  Thread closer = new Thread(broker::close, "mixstream-kafka-close");
                  closer.setDaemon(true);
                  closer.start();
                  try {
                    closer.join(STOP_TIMEOUT.toMillis());
                  } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                  }
                  if (closer.isAlive()) {
                    // Ctrl-C must end the process: its data is on disk, Kafka recovers the log
                    System.out.printf(
                        "Kafka did not stop within %ds; exiting anyway%n",
                        STOP_TIMEOUT.toSeconds());
                  }
                  stopped.countDown();
                },
                "mixstream-kafka-shutdown"));
    System.out.println("Kafka broker ready: bootstrap servers " + broker.bootstrapServers());
    System.out.println("press Ctrl-C to stop");
    stopped.await();
    return 0;
  }
}
