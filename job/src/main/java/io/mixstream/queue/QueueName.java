package io.mixstream.queue;

/** MoCo's negative queues: the original one, and the approaches' global and local ones. */
public enum QueueName {
  ORIGINAL,
  GLOBAL,
  LOCAL
}
