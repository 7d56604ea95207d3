package io.mixstream.cifar;

import java.io.IOException;

/** The CIFAR-10 data is missing, incomplete or corrupt; the message says which file and how. */
public final class CifarFormatException extends IOException {
  private static final long serialVersionUID = 1L;

  public CifarFormatException(String message) {
    super(message);
  }
}
