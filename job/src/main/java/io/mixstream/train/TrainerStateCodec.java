package io.mixstream.train;

import io.mixstream.config.Stem;
import io.mixstream.config.TrainingConfig;
import io.mixstream.model.NamedTensor;
import io.mixstream.queue.NegativeQueue;
import io.mixstream.queue.QueueName;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;

/**
 * The trainer's state as bytes: "MXTS", version 1, the shape-defining config (method, width, dim,
 * batch, K, splits, seed), the step, every named tensor (name, element count, big-endian floats)
 * and every queue (name, pointer, and its floats unless the caller keeps the queues elsewhere). All
 * randomness is derived from (seed, step), so these two are the generators' whole state.
 */
final class TrainerStateCodec {
  private static final int MAGIC = 0x4D585453; // "MXTS"
  private static final int VERSION = 1;

  private TrainerStateCodec() {}

  static byte[] write(
      TrainingConfig c,
      long step,
      List<NamedTensor> tensors,
      Map<QueueName, NegativeQueue> queues,
      boolean queueContents) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      out.writeInt(MAGIC);
      out.writeInt(VERSION);
      out.writeUTF(fingerprint(c));
      out.writeLong(step);
      out.writeInt(tensors.size());
      for (NamedTensor t : tensors) {
        out.writeUTF(t.name());
        writeFloats(out, t.array().toFloatArray());
      }
      out.writeInt(queues.size());
      for (var e : queues.entrySet()) {
        out.writeUTF(e.getKey().name());
        out.writeInt(e.getValue().pointer());
        out.writeBoolean(queueContents);
        if (queueContents) {
          writeFloats(out, e.getValue().matrix().toFloatArray());
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  static long read(
      byte[] bytes,
      TrainingConfig c,
      List<NamedTensor> tensors,
      Map<QueueName, NegativeQueue> queues) {
    try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
      if (in.readInt() != MAGIC) {
        throw new IllegalArgumentException("not a mixstream trainer state (bad magic)");
      }
      int version = in.readInt();
      if (version != VERSION) {
        throw new IllegalArgumentException("trainer state version " + version + " is not 1");
      }
      String saved = in.readUTF();
      if (!saved.equals(fingerprint(c))) {
        throw new IllegalArgumentException(
            "the state was saved for [%s] but this trainer is [%s]"
                .formatted(saved, fingerprint(c)));
      }
      long step = in.readLong();
      int n = in.readInt();
      if (n != tensors.size()) {
        throw new IllegalArgumentException(
            "state holds %d tensors, the trainer has %d".formatted(n, tensors.size()));
      }
      for (NamedTensor t : tensors) {
        String name = in.readUTF();
        if (!name.equals(t.name())) {
          throw new IllegalArgumentException(
              "state has " + name + " where " + t.name() + " was expected");
        }
        float[] v = readFloats(in);
        if (v.length != t.array().getShape().size()) {
          throw new IllegalArgumentException(name + " has the wrong size in the state");
        }
        t.array().set(v);
      }
      int nq = in.readInt();
      for (int i = 0; i < nq; i++) {
        QueueName name = QueueName.valueOf(in.readUTF());
        int pointer = in.readInt();
        float[] v = in.readBoolean() ? readFloats(in) : null;
        NegativeQueue q = queues.get(name);
        if (q == null) {
          throw new IllegalArgumentException(
              "state has queue " + name + ", unused by " + c.method());
        }
        if (v != null) {
          q.restore(v, pointer);
        } else {
          q.setPointer(pointer); // the caller restores the contents column by column
        }
      }
      return step;
    } catch (IOException e) {
      throw new IllegalArgumentException("truncated or corrupt trainer state: " + e, e);
    }
  }

  private static String fingerprint(TrainingConfig c) {
    String base =
        "method=%s width=%d dim=%d batch=%d queue=%d splits=%d seed=%d"
            .formatted(
                c.method(),
                c.model().width(),
                c.model().embeddingDim(),
                c.batchSize(),
                c.moco().queueSize(),
                c.model().bnSplits(),
                c.seed());
    // CIFAR's 32 px and stem add nothing, so that states written before other sizes existed load
    TrainingConfig.Model m = c.model();
    boolean cifar = m.imageSize() == 32 && m.resolvedStem() == Stem.CIFAR;
    if (c.method() == io.mixstream.config.Method.BYOL) {
      base += " byol-hidden=" + c.baselines().byolHidden();
    }
    return cifar ? base : base + " stem=%s size=%d".formatted(m.resolvedStem(), m.imageSize());
  }

  private static void writeFloats(DataOutputStream out, float[] v) throws IOException {
    ByteBuffer b = ByteBuffer.allocate(v.length * 4);
    b.asFloatBuffer().put(v);
    out.writeInt(v.length);
    out.write(b.array());
  }

  private static float[] readFloats(DataInputStream in) throws IOException {
    int n = in.readInt();
    if (n < 0 || n > in.available() / 4) {
      throw new IOException("float block of " + n + " elements does not fit the state");
    }
    byte[] raw = new byte[n * 4];
    in.readFully(raw);
    float[] v = new float[n];
    ByteBuffer.wrap(raw).asFloatBuffer().get(v);
    return v;
  }
}
