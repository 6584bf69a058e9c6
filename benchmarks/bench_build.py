"""Building a LoihiLegendreMemory for the chip: nengo-loihi's builder against ours.

For each ``d:m`` (theta = 0.128 s, unquantised weights, so that only the
builder is timed), in one run: seconds for nengo-loihi's builder to build,
split into cores and discretise the network, the same for
``nengo_lmu.hardware.loihi.build.Builder``, their ratio, the cores, and
whether the two models' weights are identical. ``--large`` networks are built
with ours only (nengo-loihi's builder takes hours there); the largest memory
of order 64 that fits Loihi's axons has 4,032 neurons (63 per dimension).

Usage: ``python benchmarks/bench_build.py [--only 6:600,16:1600,32:3200] [--large 64:4032]``
(``make bench-build``; about 10 minutes, most of it nengo-loihi's builder at d = 32).
"""

import argparse
import time
import warnings

import nengo
import numpy as np
import nengo_loihi

from nengo_lmu.hardware.loihi import LoihiLegendreMemory, build, loihi_model
from nengo_lmu.hardware.loihi.inputs import chip_input_filter


def network(order, m):
    with nengo.Network(seed=0) as net:
        stim = nengo.Node(np.zeros(1))
        mem = LoihiLegendreMemory(order, 0.128, m, quantize=False, seed=0)
        nengo.Connection(stim, mem.input, synapse=None)
    return net, mem


def build_seconds(net, mem, fast):
    model = loihi_model([mem], mem.dt)
    if fast:
        model.builder = build.Builder()
    start = time.perf_counter()
    with warnings.catch_warnings(), chip_input_filter([mem]):
        warnings.simplefilter("ignore")
        model.build(net, precompute=False, remove_passthrough=True, discretize=True)
    return time.perf_counter() - start, model


def weights(model):
    return [w for block in model.blocks for syn in block.synapses for w in syn.weights]


def pairs(text):
    return [tuple(int(v) for v in item.split(":")) for item in text.split(",") if item]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default="6:600,16:1600,32:3200",
                        help="d:m,... for both builders")
    parser.add_argument("--large", default="64:4032", help="d:m,... for ours only")
    args = parser.parse_args()
    print(f"{'d':>3} {'m':>5} {'cores':>5}  {'nengo-loihi [s]':>15} {'ours [s]':>8} "
          f"{'ratio':>6}  same weights")
    for order, m in pairs(args.only):
        net, mem = network(order, m)
        t_ref, ref = build_seconds(net, mem, fast=False)
        t_ours, ours = build_seconds(net, mem, fast=True)
        same = all(np.array_equal(a, b) for a, b in zip(weights(ref), weights(ours)))
        same = same and len(weights(ref)) == len(weights(ours))
        print(f"{order:>3} {m:>5} {len(ours.blocks):>5}  {t_ref:>15.1f} {t_ours:>8.1f} "
              f"{t_ref / t_ours:>5.1f}x  {'yes' if same else 'NO'}", flush=True)
    for order, m in pairs(args.large):
        net, mem = network(order, m)
        t_ours, ours = build_seconds(net, mem, fast=True)
        print(f"{order:>3} {m:>5} {len(ours.blocks):>5}  {'(hours)':>15} {t_ours:>8.1f}",
              flush=True)
    print(f"nengo-loihi {nengo_loihi.__version__}; seconds on this machine, ratios from "
          "one run")


if __name__ == "__main__":
    main()
