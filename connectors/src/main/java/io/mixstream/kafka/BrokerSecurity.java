package io.mixstream.kafka;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What a local broker needs to require TLS and a password: a CA made for it, the broker's key and
 * certificate signed by that CA (for 127.0.0.1 and localhost), a truststore with the CA for the
 * clients, all made with the JDK's own {@code keytool} ({@link Keytool}), and SASL/PLAIN users.
 *
 * @param dir where the stores are
 * @param storePassword the password of the key and trust stores (PKCS12)
 * @param users user name to password; the broker itself logs in to its own listener as {@link
 *     #BROKER_USER}
 */
public record BrokerSecurity(Path dir, String storePassword, Map<String, String> users) {
  /** The user the broker connects to itself as (transaction markers, coordinators). */
  public static final String BROKER_USER = "broker";

  public BrokerSecurity {
    users = Map.copyOf(users);
  }

  public Path keystore() {
    return dir.resolve("broker.p12");
  }

  public Path truststore() {
    return dir.resolve("truststore.p12");
  }

  /**
   * Makes the CA, the broker's certificate and the truststore in {@code dir} (reused when they are
   * there already, so a broker restarted on the same folder keeps its certificate).
   *
   * @throws IOException when keytool fails, with its output
   */
  public static BrokerSecurity generate(Path dir, String storePassword, Map<String, String> users)
      throws IOException {
    BrokerSecurity s = new BrokerSecurity(dir, storePassword, users);
    if (Files.exists(s.keystore()) && Files.exists(s.truststore())) {
      return s;
    }
    Files.createDirectories(dir);
    Path ca = dir.resolve("ca.p12");
    String san = "SAN=IP:127.0.0.1,DNS:localhost";
    Keytool keytool = new Keytool(dir, storePassword);
    keytool.newKeyPair("ca", "CN=mixstream local CA", "bc:c", ca);
    keytool.exportCert("ca", ca, "ca.pem");
    keytool.newKeyPair("broker", "CN=127.0.0.1", san, s.keystore());
    keytool.certRequest("broker", s.keystore(), "broker.csr");
    keytool.sign("ca", ca, "broker.csr", "broker.pem", san);
    keytool.importCert("ca", "ca.pem", s.keystore());
    keytool.importCert("broker", "broker.pem", s.keystore());
    keytool.importCert("ca", "ca.pem", s.truststore());
    return s;
  }

  /**
   * {@link #generate} with the stores' password kept in {@code dir/store-password} (made random on
   * first use), as {@code mixstream kafka --sasl-ssl} keeps them beside the broker's data.
   */
  public static BrokerSecurity inFolder(Path dir, Map<String, String> users) throws IOException {
    Files.createDirectories(dir);
    return generate(dir, secret(dir.resolve("store-password")), users);
  }

  /**
   * Writes {@link #clientProperties} for {@code user} as a properties file (for the tools' {@code
   * --kafka-config}); returns its path.
   */
  public Path writeClientFile(String user) throws IOException {
    String password = users.get(user);
    if (password == null) {
      throw new IllegalArgumentException("no user " + user);
    }
    java.util.Properties p = new java.util.Properties();
    p.putAll(clientProperties(user, password));
    Path f = dir.resolve("client-" + user + ".properties");
    try (var out = Files.newBufferedWriter(f)) {
      p.store(out, "Kafka client settings for " + user + " at the local SASL_SSL broker");
    }
    return f;
  }

  /** The broker's own password (random per folder, kept beside the stores). */
  String brokerPassword() throws IOException {
    return secret(dir.resolve("broker-password"));
  }

  /** The random secret kept in {@code file}, made on first use. */
  private static String secret(Path file) throws IOException {
    if (!Files.exists(file)) {
      Files.writeString(file, Long.toHexString(new java.security.SecureRandom().nextLong()));
    }
    return Files.readString(file).strip();
  }

  /** The broker's settings for a SASL_SSL listener named {@code SASL_SSL}. */
  Map<String, String> serverSettings() throws IOException {
    Map<String, String> m = new LinkedHashMap<>();
    StringBuilder jaas =
        new StringBuilder("org.apache.kafka.common.security.plain.PlainLoginModule required");
    String own = brokerPassword();
    jaas.append(" username=\"")
        .append(BROKER_USER)
        .append("\" password=\"")
        .append(own)
        .append('"');
    jaas.append(" user_").append(BROKER_USER).append("=\"").append(own).append('"');
    users.forEach((u, pw) -> jaas.append(" user_").append(u).append("=\"").append(pw).append('"'));
    jaas.append(';');
    m.put("sasl.enabled.mechanisms", "PLAIN");
    m.put("sasl.mechanism.inter.broker.protocol", "PLAIN");
    m.put("listener.name.sasl_ssl.plain.sasl.jaas.config", jaas.toString());
    m.put("ssl.keystore.type", "PKCS12");
    m.put("ssl.keystore.location", keystore().toAbsolutePath().toString());
    m.put("ssl.keystore.password", storePassword);
    m.put("ssl.key.password", storePassword);
    m.put("ssl.truststore.type", "PKCS12");
    m.put("ssl.truststore.location", truststore().toAbsolutePath().toString());
    m.put("ssl.truststore.password", storePassword);
    m.put("ssl.client.auth", "none");
    return m;
  }

  /** A client's settings as {@code user} with {@code password}: SASL_SSL, PLAIN, the truststore. */
  public Map<String, String> clientProperties(String user, String password) {
    Map<String, String> m = new LinkedHashMap<>();
    m.put("security.protocol", "SASL_SSL");
    m.put("sasl.mechanism", "PLAIN");
    m.put(
        "sasl.jaas.config",
        "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"%s\" password=\"%s\";"
            .formatted(user, password));
    m.put("ssl.truststore.type", "PKCS12");
    m.put("ssl.truststore.location", truststore().toAbsolutePath().toString());
    m.put("ssl.truststore.password", storePassword);
    return m;
  }
}
