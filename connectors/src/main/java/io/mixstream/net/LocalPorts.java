package io.mixstream.net;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;

/** Whether a local server could listen on a port: asked before starting one that would fail. */
public final class LocalPorts {
  private LocalPorts() {}

  /**
   * A port on the loopback address that nothing listens on now (the OS's pick). Another process can
   * take it before the caller binds it; callers bind at once.
   */
  public static int anyFree() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

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
