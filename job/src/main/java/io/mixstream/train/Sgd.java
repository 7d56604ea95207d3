package io.mixstream.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.mixstream.model.NamedTensor;
import java.util.ArrayList;
import java.util.List;

/**
 * SGD with PyTorch's semantics (§1.5): d = g + wd·θ; buf ← μ·buf + d (on the first step buf = d,
 * which a zero buffer gives exactly); θ ← θ − lr·buf. No Nesterov, no dampening. Call with gradient
 * mode off: the updates are in place.
 */
public final class Sgd {
  private final List<NamedTensor> parameters;
  private final List<NDArray> buffers = new ArrayList<>();
  private final double momentum;
  private final double weightDecay;

  public Sgd(NDManager m, List<NamedTensor> parameters, double momentum, double weightDecay) {
    this.parameters = List.copyOf(parameters);
    this.momentum = momentum;
    this.weightDecay = weightDecay;
    for (NamedTensor p : parameters) {
      buffers.add(m.zeros(p.array().getShape(), p.array().getDataType()));
    }
  }

  /** One update from the gradients the last backward left on the parameters. */
  public void step(double lr) {
    for (int i = 0; i < parameters.size(); i++) {
      NDArray theta = parameters.get(i).array();
      NDArray d = theta.getGradient().add(theta.mul((float) weightDecay));
      buffers.get(i).muli((float) momentum).addi(d);
      theta.subi(buffers.get(i).mul((float) lr));
    }
  }

  /** The momentum buffers, in the order of the parameters, named "sgd.&lt;parameter&gt;". */
  public List<NamedTensor> buffers() {
    List<NamedTensor> out = new ArrayList<>();
    for (int i = 0; i < parameters.size(); i++) {
      out.add(new NamedTensor("sgd." + parameters.get(i).name(), buffers.get(i), false));
    }
    return out;
  }
}
