package io.mixstream.model;

import ai.djl.ndarray.NDArray;

/**
 * What one encoder forward gives.
 *
 * @param embedding the Linear head's output [B, dim], not normalised; without a head the pooled
 *     features [B, 8·width]
 * @param featureMap layer4's output [B, 8·width, 4, 4] after its ReLU, before pooling
 */
public record EncoderOutput(NDArray embedding, NDArray featureMap) {}
