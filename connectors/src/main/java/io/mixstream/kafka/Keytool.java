package io.mixstream.kafka;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The JDK's own {@code keytool}, run in {@code dir} on PKCS12 stores that share one password: the
 * few steps a local CA and a certificate signed by it take. Files named by a plain string are
 * relative to {@code dir}.
 */
record Keytool(Path dir, String storePassword) {
  /** A new 2048-bit RSA key pair under {@code alias}, its certificate self-signed. */
  void newKeyPair(String alias, String distinguishedName, String extension, Path store)
      throws IOException {
    run(
        "-genkeypair -alias ? -keyalg RSA -keysize 2048 -dname ? -ext ? -validity 3650"
            + " -keystore ? -storetype PKCS12 -storepass ? -keypass ?",
        alias,
        distinguishedName,
        extension,
        store,
        storePassword,
        storePassword);
  }

  /** The certificate under {@code alias} written as PEM. */
  void exportCert(String alias, Path store, String pemFile) throws IOException {
    run(
        "-exportcert -alias ? -keystore ? -storepass ? -rfc -file ?",
        alias,
        store,
        storePassword,
        pemFile);
  }

  /** A signing request for the key under {@code alias}. */
  void certRequest(String alias, Path store, String csrFile) throws IOException {
    run("-certreq -alias ? -keystore ? -storepass ? -file ?", alias, store, storePassword, csrFile);
  }

  /** The request signed by the key under {@code caAlias}, as a PEM certificate. */
  void sign(String caAlias, Path caStore, String csrFile, String pemFile, String extension)
      throws IOException {
    run(
        "-gencert -alias ? -keystore ? -storepass ? -infile ? -outfile ? -rfc -ext ?"
            + " -validity 3650",
        caAlias,
        caStore,
        storePassword,
        csrFile,
        pemFile,
        extension);
  }

  /**
   * A PEM certificate imported under {@code alias}: trusted when the alias is new, the reply to a
   * signing request when the alias holds that key.
   */
  void importCert(String alias, String pemFile, Path store) throws IOException {
    run(
        "-importcert -alias ? -file ? -keystore ? -storetype PKCS12 -storepass ? -noprompt",
        alias,
        pemFile,
        store,
        storePassword);
  }

  /**
   * Runs keytool with {@code template}'s words, each {@code ?} replaced by the next of {@code
   * values} (whole, so a value may hold spaces).
   */
  private void run(String template, Object... values) throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
    int next = 0;
    for (String word : template.split(" ")) {
      cmd.add(word.equals("?") ? values[next++].toString() : word);
    }
    if (next != values.length) {
      throw new IllegalArgumentException(values.length + " values for " + next + " places");
    }
    String step = cmd.get(1);
    Process proc =
        new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
    try {
      if (!proc.waitFor(60, TimeUnit.SECONDS)) {
        proc.destroyForcibly();
        throw new IOException("keytool " + step + " did not finish in 60 s");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while keytool ran", e);
    }
    String out = new String(proc.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
    if (proc.exitValue() != 0) {
      throw new IOException("keytool " + step + " failed: " + out);
    }
  }
}
