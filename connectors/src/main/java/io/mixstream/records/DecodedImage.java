package io.mixstream.records;

/**
 * Pixels as planar bytes: channel planes one after another, each row by row.
 *
 * @param height rows
 * @param width columns
 * @param channels 1 or 3
 * @param planar {@code channels*height*width} bytes
 */
public record DecodedImage(int height, int width, int channels, byte[] planar) {}
