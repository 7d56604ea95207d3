package io.mixstream.model;

import ai.djl.ndarray.NDArray;

/**
 * A tensor a model owns, under its PyTorch name (for example {@code layer1.0.bn1.running_mean}).
 *
 * @param trainable true for parameters the optimizer updates, false for buffers (BN statistics)
 */
public record NamedTensor(String name, NDArray array, boolean trainable) {}
