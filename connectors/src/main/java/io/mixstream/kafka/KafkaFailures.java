package io.mixstream.kafka;

import java.util.Locale;
import java.util.Map;

/**
 * One line for a Kafka client's failure: the innermost cause's message (a wrong password, a
 * truststore that is not there), not the wrapper's ("Failed to create new KafkaAdminClient"); and
 * for a broker that does not answer, a word on security, because a plaintext client at a TLS or
 * SASL listener sees nothing but silence.
 */
public final class KafkaFailures {
  private KafkaFailures() {}

  /** The innermost message of {@code e}'s causes, with its exception's simple name. */
  public static String rootCause(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
    }
    String m = t.getMessage();
    return t.getClass().getSimpleName() + (m == null || m.isBlank() ? "" : ": " + m.strip());
  }

  /**
   * What to add to "no broker answered": when the client speaks plaintext, that a broker requiring
   * TLS or SASL does not answer it; otherwise nothing.
   */
  public static String silenceHint(Map<String, ?> clientProperties) {
    Object protocol = clientProperties.get("security.protocol");
    if (protocol == null || "PLAINTEXT".equals(protocol.toString().toUpperCase(Locale.ROOT))) {
      return " (this client speaks plaintext: a broker that requires TLS or SASL does not answer"
          + " it; set security.protocol and the ssl.*/sasl.* settings)";
    }
    return "";
  }
}
