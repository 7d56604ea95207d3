#!/usr/bin/python3
"""How much of a replay buffer's training comes from the class arriving now (issue 29).

No images, no model: a count of the draws of `--buffer-size C` / `--updates-per-batch U` on a
class-sorted CIFAR-10 stream (10 classes of 5,000, two passes), batch 256, with the rules of
mixstream's buffer (README.md, "A replay buffer for correlated streams"):

  fifo       the oldest goes
  reservoir  the n-th arrival enters with chance C/n in place of a random one
  minred     an untrained image never goes while a trained one can; which trained one goes is
             MinRed's choice by features, which a count cannot make. Two bounds instead:
             "random" (a random trained image: no better than chance at spotting redundancy) and
             "ideal" (a trained image of the class most present among the trained: redundancy
             seen perfectly, as same-class images are the most similar ones).
  minred (ideal, untrained too)
             "ideal" without the rule that protects untrained images: what the rule costs.

A shuffled stream's share is 0.10 for any policy. Prints one line per U and policy.

  /usr/bin/python3 tools/python/buffer_mix.py --updates-per-batch 1 2 5
"""
import argparse
import collections
import random

CLASSES, PER_CLASS, PASSES, BATCH = 10, 5000, 2, 256


def class_sorted():
    return [c for _ in range(PASSES) for c in range(CLASSES) for _ in range(PER_CLASS)]


def trained_victims(buf, excess, policy, rnd):
    """Indices of `excess` trained images to evict (fewer if there are not enough trained); with
    "ideal, untrained too" any image may go."""
    trained = [i for i, (_, seen) in enumerate(buf) if seen or policy == "ideal, untrained too"]
    if policy == "random":
        return set(rnd.sample(trained, min(excess, len(trained))))
    gone = set()
    counts = collections.Counter(buf[i][0] for i in trained)
    while len(gone) < excess and counts:
        top = counts.most_common(1)[0][0]
        i = rnd.choice([i for i in trained if buf[i][0] == top and i not in gone])
        gone.add(i)
        counts[top] -= 1
        if counts[top] == 0:
            del counts[top]
    return gone


def run(policy, updates, capacity, seed):
    rnd = random.Random(seed)
    stream = class_sorted()
    buf = []  # [class, trained]
    arrived = drawn = current = 0
    for start in range(0, len(stream), BATCH):
        for c in stream[start:start + BATCH]:
            arrived += 1
            if policy != "reservoir" or len(buf) < capacity:
                buf.append([c, False])
            elif rnd.randrange(arrived) < capacity:
                buf[rnd.randrange(capacity)] = [c, False]
        excess = len(buf) - capacity
        if excess > 0 and policy == "fifo":
            del buf[:excess]
        elif excess > 0:
            gone = trained_victims(buf, excess, policy, rnd)
            # at 2C the oldest go even untrained
            gone |= set(range(max(0, len(buf) - len(gone) - 2 * capacity)))
            buf = [b for i, b in enumerate(buf) if i not in gone]
        now = stream[start]
        for _ in range(updates):
            for i in rnd.sample(range(len(buf)), BATCH):
                drawn += 1
                current += buf[i][0] == now
                buf[i][1] = True
    return current / drawn


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--updates-per-batch", type=int, nargs="+", default=[1, 2, 5])
    p.add_argument("--buffer-size", type=int, default=5000)
    p.add_argument("--seed", type=int, default=0)
    a = p.parse_args()
    for u in a.updates_per_batch:
        for policy in ("fifo", "reservoir", "random", "ideal", "ideal, untrained too"):
            name = policy if policy in ("fifo", "reservoir") else f"minred ({policy})"
            share = run(policy, u, a.buffer_size, a.seed)
            print(f"U {u}  {name:30s} current class's share of the draws {share:.2f}")


if __name__ == "__main__":
    main()
