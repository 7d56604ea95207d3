package io.mixstream.tools.options;

import ai.djl.Device;
import io.mixstream.torch.DeviceChoice;
import picocli.CommandLine.Option;

/** The --device option of every command that trains. */
public final class DeviceOption {
  @Option(
      names = "--device",
      defaultValue = "auto",
      description = "auto (a GPU if PyTorch sees one), cpu or gpu (default: ${DEFAULT-VALUE}).")
  String device;

  /** The device, resolved and logged. */
  public Device resolve() {
    return DeviceChoice.resolve(device);
  }
}
