package io.mixstream.kafka;

import io.mixstream.net.LocalPorts;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import kafka.tools.StorageTool;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;

/**
 * A real single-node Kafka broker (KRaft, combined broker and controller) in this JVM, listening on
 * 127.0.0.1 only. Its data lives under one folder, formatted on first use and reused when the
 * broker starts again on the same folder, so topics and records survive a restart.
 *
 * <p>The controller quorum is given statically ({@code controller.quorum.voters}), so the
 * controller port may differ from one start to the next.
 */
public final class LocalKafkaBroker implements AutoCloseable {
  private final KafkaRaftServer server;
  private final int port;
  private final Path dataDir;
  private final Path claimed;

  /** The real paths of the data dirs that brokers of this JVM run on. */
  private static final Set<Path> IN_USE = ConcurrentHashMap.newKeySet();

  private LocalKafkaBroker(KafkaRaftServer server, int port, Path dataDir, Path claimed) {
    this.server = server;
    this.port = port;
    this.dataDir = dataDir;
    this.claimed = claimed;
  }

  /**
   * Formats {@code dataDir} if it is new, then starts the broker.
   *
   * @param port the client port on 127.0.0.1, or 0 for any free port
   */
  public static LocalKafkaBroker start(Path dataDir, int port) throws IOException {
    return start(dataDir, port, null);
  }

  /**
   * {@link #start(Path, int)} with the client listener requiring TLS and a SASL/PLAIN password
   * ({@code security} not null): {@code SASL_SSL://127.0.0.1:port}. The KRaft controller's own
   * listener stays plaintext on 127.0.0.1 (another port, not for clients).
   */
  public static LocalKafkaBroker start(Path dataDir, int port, BrokerSecurity security)
      throws IOException {
    Files.createDirectories(dataDir.resolve("logs"));
    Path claimed = dataDir.toRealPath();
    // Checked before Kafka opens a file: a second broker on a folder in use resizes the first
    // one's memory-mapped indexes (SIGBUS in its raft thread) before Kafka's own lock refuses it.
    if (!IN_USE.add(claimed)) {
      throw new BrokerNotStartedException(
          "Kafka data dir %s is in use by a broker in this process: stop it first, or use another"
                  .formatted(dataDir)
              + " --data-dir");
    }
    try {
      return startOn(dataDir, claimed, port, security);
    } catch (IOException | RuntimeException e) {
      IN_USE.remove(claimed);
      throw e;
    }
  }

  private static LocalKafkaBroker startOn(
      Path dataDir, Path claimed, int port, BrokerSecurity security) throws IOException {
    refuseIfLocked(dataDir);
    if (port != 0) {
      refuseIfTaken(port);
    }
    int clientPort = port == 0 ? LocalPorts.anyFree() : port;
    int controllerPort = LocalPorts.anyFree();
    while (controllerPort == clientPort) { // the OS may hand out a just-closed port again
      controllerPort = LocalPorts.anyFree();
    }
    Properties props = serverProperties(dataDir, clientPort, controllerPort);
    format(dataDir, props); // before the security settings: no password goes into that file
    if (security != null) {
      String listener = "SASL_SSL://127.0.0.1:" + clientPort;
      props.setProperty("listeners", listener + ",CONTROLLER://127.0.0.1:" + controllerPort);
      props.setProperty("advertised.listeners", listener);
      props.setProperty("inter.broker.listener.name", "SASL_SSL");
      props.setProperty("listener.security.protocol.map", "SASL_SSL:SASL_SSL,CONTROLLER:PLAINTEXT");
      security.serverSettings().forEach(props::setProperty);
    }
    KafkaRaftServer server = new KafkaRaftServer(new KafkaConfig(props, false), Time.SYSTEM);
    try {
      server.startup();
    } catch (RuntimeException e) {
      server.shutdown();
      throw new IOException(
          "the Kafka broker did not start on 127.0.0.1:%d with data in %s: %s"
              .formatted(clientPort, dataDir, e.getMessage()),
          e);
    }
    return new LocalKafkaBroker(server, clientPort, dataDir, claimed);
  }

  /** Kafka's own lock on its log dir ({@code logs/.lock}), held by a running broker's process. */
  private static void refuseIfLocked(Path dataDir) throws IOException {
    Path lock = dataDir.resolve("logs").resolve(".lock");
    try (FileChannel ch =
        FileChannel.open(lock, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
      FileLock held = ch.tryLock();
      if (held == null) {
        throw new BrokerNotStartedException(
            ("Kafka data dir %s is in use by another running broker (it holds %s): stop that one"
                    + " first, or use another --data-dir")
                .formatted(dataDir, lock));
      }
      held.release();
    } catch (OverlappingFileLockException e) {
      throw new BrokerNotStartedException(
          "Kafka data dir %s is in use by a broker in this process: stop it first, or use another"
                  .formatted(dataDir)
              + " --data-dir");
    }
  }

  private static void refuseIfTaken(int port) throws IOException {
    if (!LocalPorts.isFree("127.0.0.1", port)) {
      throw new BrokerNotStartedException(
          ("port %d on 127.0.0.1 is in use (another broker?): pick another with --port, or"
                  + " --port 0 for any free one")
              .formatted(port));
    }
  }

  /** Why a broker was not started, in one line that names the fix; nothing was touched. */
  public static final class BrokerNotStartedException extends IOException {
    private static final long serialVersionUID = 1L;

    BrokerNotStartedException(String message) {
      super(message);
    }
  }

  /** {@code 127.0.0.1:port}, for {@code bootstrap.servers}. */
  public String bootstrapServers() {
    return "127.0.0.1:" + port;
  }

  public int port() {
    return port;
  }

  public Path dataDir() {
    return dataDir;
  }

  /** Stops the broker and waits until it has; the data stays in {@link #dataDir()}. */
  @Override
  public void close() {
    try {
      server.shutdown();
      server.awaitShutdown();
    } finally {
      IN_USE.remove(claimed);
    }
  }

  private static Properties serverProperties(Path dataDir, int clientPort, int controllerPort) {
    Properties p = new Properties();
    p.setProperty("process.roles", "broker,controller");
    p.setProperty("node.id", "1");
    p.setProperty("controller.quorum.voters", "1@127.0.0.1:" + controllerPort);
    p.setProperty(
        "listeners",
        "PLAINTEXT://127.0.0.1:%d,CONTROLLER://127.0.0.1:%d".formatted(clientPort, controllerPort));
    p.setProperty("advertised.listeners", "PLAINTEXT://127.0.0.1:" + clientPort);
    p.setProperty("controller.listener.names", "CONTROLLER");
    p.setProperty("inter.broker.listener.name", "PLAINTEXT");
    p.setProperty("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
    p.setProperty("log.dirs", dataDir.resolve("logs").toAbsolutePath().toString());
    // One node: every internal topic has one replica.
    p.setProperty("offsets.topic.replication.factor", "1");
    p.setProperty("offsets.topic.num.partitions", "4");
    p.setProperty("transaction.state.log.replication.factor", "1");
    p.setProperty("transaction.state.log.min.isr", "1");
    p.setProperty("transaction.state.log.num.partitions", "4");
    p.setProperty("share.coordinator.state.topic.replication.factor", "1");
    p.setProperty("share.coordinator.state.topic.min.isr", "1");
    p.setProperty("group.initial.rebalance.delay.ms", "0");
    p.setProperty("num.partitions", "1");
    p.setProperty("auto.create.topics.enable", "true");
    // Images are about 3 KB; allow large encoded images and snapshots too.
    p.setProperty("message.max.bytes", String.valueOf(32 << 20));
    p.setProperty("replica.fetch.max.bytes", String.valueOf(32 << 20));
    return p;
  }

  /** Writes meta.properties on first use; a formatted folder is left as it is. */
  private static void format(Path dataDir, Properties props) throws IOException {
    if (Files.exists(dataDir.resolve("logs").resolve("meta.properties"))) {
      return;
    }
    Path config = dataDir.resolve("server.properties");
    try (OutputStream out = Files.newOutputStream(config)) {
      props.store(out, "written by mixstream LocalKafkaBroker to format this folder");
    }
    ByteArrayOutputStream log = new ByteArrayOutputStream();
    int rc;
    try (PrintStream ps = new PrintStream(log, true, StandardCharsets.UTF_8)) {
      rc =
          StorageTool.execute(
              new String[] {
                "format",
                "--cluster-id",
                Uuid.randomUuid().toString(),
                "--config",
                config.toString()
              },
              ps);
    } catch (RuntimeException e) {
      throw new IOException("formatting Kafka storage in %s failed: %s".formatted(dataDir, e), e);
    }
    if (rc != 0) {
      throw new IOException(
          "formatting Kafka storage in %s failed (exit %d): %s"
              .formatted(dataDir, rc, log.toString(StandardCharsets.UTF_8)));
    }
  }
}
