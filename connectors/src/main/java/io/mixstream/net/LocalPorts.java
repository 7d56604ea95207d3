package io.mixstream.net;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;

/** Whether a local server could listen on a port: asked before starting one that would fail. */
public final class LocalPorts {
  private LocalPorts() {}

  /** True when nothing listens on {@code host:port} now (a bind succeeds). */
  public static boolean isFree(String host, int port) {
    try (ServerSocket s = new ServerSocket()) {
      s.setReuseAddress(true);
      s.bind(new InetSocketAddress(host, port));
      return true;
    } catch (IOException e) {
      return false;
    }
  }
}
