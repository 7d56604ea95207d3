package io.mixstream.kafka;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.config.ConfigResource;

/**
 * What a job checks before it is submitted, so that a user reads one line naming the problem
 * instead of a job restarting on it: the broker answers, the topics the job reads exist, and how
 * large a record the dead-letter topic takes.
 */
public final class KafkaPreflight {
  private KafkaPreflight() {}

  /**
   * A topic the job reads.
   *
   * @param name the topic
   * @param option the option that names it, for the message ("--images-topic")
   * @param howToPublish what a user runs to fill it
   */
  public record InputTopic(String name, String option, String howToPublish) {}

  /**
   * What the broker said.
   *
   * @param deadLetterMaxMessageBytes the dead-letter topic's {@code max.message.bytes} (the
   *     broker's {@code message.max.bytes} while the topic does not exist yet)
   */
  public record Findings(int deadLetterMaxMessageBytes) {}

  /** The broker did not answer, or a topic is missing: one line that names it and the fix. */
  public static final class PreflightException extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    PreflightException(String message, Throwable cause) {
      super(message, cause);
    }
  }

  /**
   * @throws PreflightException when no broker answers at {@code bootstrap} within {@code timeout}
   *     or an input topic is missing (all missing ones named at once)
   */
  public static Findings check(
      String bootstrap,
      Map<String, String> clientProperties,
      List<InputTopic> inputs,
      String deadLetterTopic,
      Duration timeout) {
    Map<String, Object> config = new HashMap<>(clientProperties);
    config.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    int ms = (int) Math.min(Integer.MAX_VALUE, timeout.toMillis());
    config.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, ms);
    config.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, Math.min(ms, 30_000));
    try (Admin admin = Admin.create(config)) {
      Node node;
      Set<String> topics;
      try {
        var nodes = admin.describeCluster().nodes().get(ms, TimeUnit.MILLISECONDS);
        node = nodes.iterator().next();
        topics = admin.listTopics().names().get(ms, TimeUnit.MILLISECONDS);
      } catch (TimeoutException | ExecutionException e) {
        Throwable cause =
            e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
        boolean timedOut =
            e instanceof TimeoutException
                || cause instanceof org.apache.kafka.common.errors.TimeoutException;
        throw new PreflightException(
            timedOut
                ? ("no Kafka broker answered at %s within %ds: start one (mixstream kafka"
                        + " --data-dir DIR) or give --bootstrap-servers HOST:PORT (and"
                        + " --kafka.KEY VALUE for security settings)%s")
                    .formatted(
                        bootstrap, timeout.toSeconds(), KafkaFailures.silenceHint(clientProperties))
                : "the Kafka broker at %s refused the job's client: %s"
                    .formatted(bootstrap, KafkaFailures.rootCause(cause)),
            cause);
      }
      List<String> missing = new ArrayList<>();
      for (InputTopic t : inputs) {
        if (!topics.contains(t.name())) {
          missing.add(
              "topic %s (%s) does not exist at %s: %s"
                  .formatted(t.name(), t.option(), bootstrap, t.howToPublish()));
        }
      }
      if (!missing.isEmpty()) {
        throw new PreflightException(String.join("; ", missing), null);
      }
      return new Findings(maxMessageBytes(admin, deadLetterTopic, topics, node, ms));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new PreflightException("interrupted while asking the broker at " + bootstrap, e);
    } catch (org.apache.kafka.common.KafkaException e) {
      throw new PreflightException(
          "cannot make a Kafka client for %s: %s".formatted(bootstrap, KafkaFailures.rootCause(e)),
          e);
    }
  }

  /**
   * The topic's {@code max.message.bytes}, or the broker's {@code message.max.bytes} for a topic
   * not yet created; Kafka's default where the broker will not say (no describe permission).
   */
  private static int maxMessageBytes(
      Admin admin, String topic, Set<String> topics, Node node, int ms)
      throws InterruptedException {
    boolean exists = topics.contains(topic);
    ConfigResource resource =
        exists
            ? new ConfigResource(ConfigResource.Type.TOPIC, topic)
            : new ConfigResource(ConfigResource.Type.BROKER, node.idString());
    String name = exists ? "max.message.bytes" : "message.max.bytes";
    try {
      Config c =
          admin
              .describeConfigs(List.of(resource))
              .all()
              .get(ms, TimeUnit.MILLISECONDS)
              .get(resource);
      ConfigEntry e = c == null ? null : c.get(name);
      if (e != null && e.value() != null) {
        return Integer.parseInt(e.value());
      }
    } catch (ExecutionException | TimeoutException | NumberFormatException e) {
      // fall through to Kafka's default: a smaller limit only drops more dead-letter values
    }
    return KafkaRecordSizes.KAFKA_DEFAULT_MAX_MESSAGE_BYTES;
  }
}
