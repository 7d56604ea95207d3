package io.mixstream.queue;

/**
 * Where one enqueue wrote: columns [start, start + count) of one queue.
 *
 * @param queue the queue written
 * @param start the first column written (the pointer before the enqueue)
 * @param count columns written (the batch size)
 */
public record QueueWrite(QueueName queue, int start, int count) {}
