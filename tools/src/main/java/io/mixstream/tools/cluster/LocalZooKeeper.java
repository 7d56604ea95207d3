package io.mixstream.tools.cluster;

import io.mixstream.net.LocalPorts;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.flink.shaded.zookeeper3.org.apache.zookeeper.server.ServerCnxnFactory;
import org.apache.flink.shaded.zookeeper3.org.apache.zookeeper.server.ZooKeeperServer;

/**
 * A single ZooKeeper server in this process, for Flink's ZooKeeper high availability: the server of
 * the same ZooKeeper that Flink's own client is built from (flink-shaded-zookeeper-3, from Maven
 * Central), so client and server agree and no second ZooKeeper comes onto the class path. Its tick
 * is 500 ms, so sessions may time out from 1 s to 10 s.
 */
public final class LocalZooKeeper implements AutoCloseable {
  private final ZooKeeperServer server;
  private final ServerCnxnFactory connections;
  private final int port;

  private LocalZooKeeper(ZooKeeperServer server, ServerCnxnFactory connections, int port) {
    this.server = server;
    this.connections = connections;
    this.port = port;
  }

  public static LocalZooKeeper start(Path dataDir) throws IOException {
    Files.createDirectories(dataDir);
    int port = LocalPorts.anyFree();
    ZooKeeperServer server = new ZooKeeperServer(dataDir.toFile(), dataDir.toFile(), 500);
    ServerCnxnFactory connections =
        ServerCnxnFactory.createFactory(new InetSocketAddress("127.0.0.1", port), 100);
    try {
      connections.startup(server);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while ZooKeeper started", e);
    }
    return new LocalZooKeeper(server, connections, port);
  }

  /** host:port, for {@code high-availability.zookeeper.quorum}. */
  public String quorum() {
    return "127.0.0.1:" + port;
  }

  @Override
  public void close() {
    connections.shutdown();
    server.shutdown();
  }
}
