"""Where a slow, high-order Loihi memory's error stops falling with its size.

A LoihiLegendreMemory of order 12, theta = 1 s, fed white noise of 0.3 Hz
(theta * f = 0.3) with radii from that process, at m = 768, 1,536 and 3,072
neurons. Its recurrent weights are run three ways:

- ``float``: the weights as solved, on nengo's reference simulator (no grid);
- ``gpfq``: the memory's default, the weights put on the chip's 8-bit grid by
  GPFQ (``quantize=True``), on the integer emulator (``target="fast"``);
- ``rounded``: nengo-loihi's own rounding (``quantize=False``), on the
  integer emulator;
- ``gpfq-1pair``, ``rounded-1pair``: the same with the input carried by one
  on/off pair (``input_pairs=1``, the mapping before the input was spread
  over several pairs), whose large weights into the high orders set every
  core's grid; ``gpfq-32pairs``: up to 32 pairs (the default takes up to 8).

It prints the window NRMSE (the decoded window at 100 delays against the
true delayed input, 20 ms readout filter) for each seed, and the mean. The
radii of this memory span a factor of 32 (the floor
``nengo_lmu.hardware.loihi.MAX_RADIUS_RATIO``), so the weights from its
low orders into its high ones are up to that much larger than the rest; the
input's weights, with one on/off pair, are up to 9 times larger still, and
a core's one weight grid is set by the largest.

Usage: ``python benchmarks/bench_weight_grid.py [--seeds 0 1] [--sizes 768 1536 3072]
[--variants float gpfq gpfq-1pair] [--theta-f 0.3]`` (about 10 minutes for two seeds and
three variants on two cores). Measured (2 seeds): float 0.202 / 0.065 / 0.044,
gpfq-32pairs (then the default) 0.206 / 0.068 / 0.053, gpfq-1pair 0.238 /
0.094 / 0.170. ``--sizes 3072 --seeds 0 --variants gpfq-8pairs
gpfq-32pairs``: 0.069 and 0.069; with ``--theta-f 1`` and ``gpfq-1pair``
too: 0.055 / 0.061 / 0.094 (``gpfq``, the default, takes up to 8 pairs).
"""

import argparse
import warnings

import nengo
import numpy as np

import nengo_lmu
from nengo_lmu import metrics, signals
from nengo_lmu.hardware.loihi import LoihiLegendreMemory

DT = 0.001
ORDER, THETA, HIGH, DURATION, PROBE = 12, 1.0, 0.3, 11.0, 0.02
VARIANTS = {
    "float": dict(quantize=False, target="reference"),
    "gpfq": dict(quantize=True, target="fast"),
    "rounded": dict(quantize=False, target="fast"),
    "gpfq-1pair": dict(quantize=True, target="fast", input_pairs=1),
    "gpfq-8pairs": dict(quantize=True, target="fast", input_pairs=8),
    "gpfq-32pairs": dict(quantize=True, target="fast", input_pairs=32),
    "rounded-1pair": dict(quantize=False, target="fast", input_pairs=1),
}


def run(n_neurons, variant, seed, high=HIGH):
    """Window NRMSE of one memory on one input of ``high`` Hz."""
    v = VARIANTS[variant]
    u = signals.white_signal(DURATION, DT, high=high, rms=1.0, seed=seed)
    process = signals.white_signal_process(DURATION, high=high, rms=1.0)
    with nengo.Network(seed=seed) as net:
        stim = nengo.Node(signals.input_process(u, DT))
        mem = LoihiLegendreMemory(ORDER, THETA, n_neurons, radii=process,
                                  quantize=v["quantize"],
                                  input_pairs=v.get("input_pairs"))
        nengo.Connection(stim, mem.input, synapse=None)
        probe = nengo.Probe(mem.state, synapse=PROBE)
    with nengo_lmu.simulator(net, backend="loihi", target=v["target"],
                             progress_bar=False) as sim:
        sim.run_steps(len(u))
    u_f = metrics.filtered(u, PROBE, DT)
    return metrics.window_nrmse(sim.data[probe], u_f, THETA, DT, warmup=THETA)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1])
    parser.add_argument("--sizes", type=int, nargs="+", default=[768, 1536, 3072])
    parser.add_argument("--variants", nargs="+", default=list(VARIANTS),
                        choices=list(VARIANTS))
    parser.add_argument("--theta-f", type=float, default=HIGH * THETA,
                        help="the input's bandwidth times theta (default 0.3)")
    args = parser.parse_args(argv)
    high = args.theta_f / THETA
    warnings.filterwarnings("ignore", message=".*extra bits in weight")
    print(f"order {ORDER}, theta {THETA} s, {high:g} Hz white noise (RMS 1), "
          f"{DURATION} s; window NRMSE per seed {args.seeds}")
    print(f"{'m':>6} {'weights':>8}  per seed -> mean")
    for m in args.sizes:
        for variant in args.variants:
            errors = [run(m, variant, s, high) for s in args.seeds]
            per_seed = " ".join(f"{e:.3f}" for e in errors)
            print(f"{m:>6} {variant:>8}  {per_seed} -> {np.mean(errors):.3f}", flush=True)


if __name__ == "__main__":
    main()
