"""What a fast Loihi memory's defaults buy, one change at a time.

A LoihiLegendreMemory of order 6 under theta = 0.1 s (``--theta``; fastest dynamics
93 per second, above ``nengo_lmu.hardware.loihi.FAST_DYNAMICS``), fed white
noise of RMS 1 and bandwidth f (theta * f = 0.3 and 1) with radii from that
process, at 2 and 4 x 64 d neurons, as in ``bench_generalisation.py grid``
(the same input, duration and 20 ms readout filter). The mappings:

- ``former``: the input on one on/off pair, each group of neurons decoded
  on even points in [-1, 1] (what such a memory got first);
- ``pairs``: the input on up to 8 pairs (``input_pairs=8``), even points;
- ``points``: one pair, points from the states' normal distribution;
- ``lockstep``: both, the pairs all starting at the same phase and the
  host reading the state one step late (``stagger_input=False,
  readout_lead=False``: the defaults before those two);
- ``staggered``: the pairs' phases staggered (``readout_lead=False``);
- ``lagged``: the readout led by a step (``stagger_input=False``);
- ``default``: the memory's defaults (all of the above);
- ``one-pair``, ``eight-pairs``: the defaults with the input on one pair
  or up to 8 (staggered): for slower memories (``--theta 1``), which take
  one pair by default.

The first three also have ``stagger_input=False, readout_lead=False``.

Each runs on the fast integer emulator (``target="fast"``, nengo-loihi's
integers) and, the same network, on nengo's reference simulator
(``target="reference"``). Prints the window NRMSE (the decoded window at 100
delays against the true delayed input) and the normalised state error E_n
against the ideal memory, mean over seeds.

Usage: ``python benchmarks/bench_fast_memory.py [--seeds 0 1] [--sizes 768 1536]
[--theta-f 1 0.3] [--variants former default] [--targets fast reference]``

Measured (``--seeds 0 1 2 --theta-f 1 0.3 --variants lockstep staggered
lagged default --targets fast``; window NRMSE / E_n at 768 and 1,536
neurons): theta f = 1: lockstep 0.091 / 0.180 and 0.093 / 0.187 (the error
grew with m), staggered 0.090 / 0.134 and 0.091 / 0.136, lagged 0.079 /
0.166 and 0.077 / 0.173, default 0.077 / 0.129 and 0.075 / 0.130; theta f
= 0.3: lockstep 0.080 and 0.075, staggered 0.079 and 0.076, lagged 0.076
and 0.070, default 0.075 and 0.071. The same network on the reference
simulator (``--targets reference --variants default``, theta f = 1): 0.078
/ 0.132 and 0.075 / 0.134.

Measured before the last three variants existed (``--targets fast``, seeds 0
and 1, one loaded run; window NRMSE at 768 / 1,536 neurons; "default" was
then what "lockstep" is now): theta f = 1: former 0.115 / 0.127, pairs 0.115 /
0.119, points 0.090 / 0.093, default 0.084 / 0.088; theta f = 0.3: former
0.061 / 0.066, pairs 0.060 / 0.057, points 0.062 / 0.063, default 0.061 /
0.059.
"""

import argparse
import warnings

import nengo
import numpy as np

import nengo_lmu
from nengo_lmu import metrics, signals
from nengo_lmu.hardware.loihi import LoihiLegendreMemory

DT, ORDER, THETA, PROBE = 0.001, 6, 0.1, 0.02
EVEN = nengo.dists.Uniform(-1, 1)
OLD = dict(stagger_input=False, readout_lead=False)
VARIANTS = {
    "former": dict(input_pairs=1, eval_points=EVEN, **OLD),
    "pairs": dict(input_pairs=8, eval_points=EVEN, **OLD),
    "points": dict(input_pairs=1, **OLD),
    "lockstep": dict(OLD),
    "staggered": dict(readout_lead=False),
    "lagged": dict(stagger_input=False),
    "default": {},
    "one-pair": dict(input_pairs=1),
    "eight-pairs": dict(input_pairs=8),
}


def run(n_neurons, variant, seed, theta_f, target, theta=THETA):
    """Window NRMSE and E_n of one memory on one input."""
    high = theta_f / theta
    duration = round(theta + max(2.0, 10 * theta, 2.0 / high), 6)  # as the grid
    u = signals.white_signal(duration, DT, high=high, rms=1.0, seed=seed)
    process = signals.white_signal_process(duration, high=high, rms=1.0)
    with nengo.Network(seed=seed) as net:
        stim = nengo.Node(signals.input_process(u, DT))
        mem = LoihiLegendreMemory(ORDER, theta, n_neurons, radii=process,
                                  **VARIANTS[variant])
        nengo.Connection(stim, mem.input, synapse=None)
        probe = nengo.Probe(mem.state, synapse=PROBE)
    with nengo_lmu.simulator(net, backend="loihi", target=target,
                             progress_bar=False) as sim:
        sim.run_steps(len(u))
        x = sim.data[probe]
    ideal = metrics.filtered(signals.ideal_memory(u, ORDER, theta, DT), PROBE, DT)
    warm = lambda a: metrics.after_warmup(a, theta, DT)  # noqa: E731
    window = metrics.window_nrmse(x, metrics.filtered(u, PROBE, DT), theta, DT,
                                  warmup=theta)
    return window, metrics.normalised_state_error(warm(x), warm(ideal), mem.radii_full)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1])
    parser.add_argument("--sizes", type=int, nargs="+", default=[768, 1536])
    parser.add_argument("--theta-f", type=float, nargs="+", default=[1.0, 0.3])
    parser.add_argument("--theta", type=float, default=THETA)
    parser.add_argument("--variants", nargs="+", default=list(VARIANTS),
                        choices=list(VARIANTS))
    parser.add_argument("--targets", nargs="+", default=["fast", "reference"],
                        choices=["fast", "reference", "sim"])
    args = parser.parse_args(argv)
    warnings.filterwarnings("ignore", message=".*extra bits in weight")
    print(f"order {ORDER}, theta {args.theta} s; window NRMSE / E_n, mean over seeds "
          f"{args.seeds}")
    for tf in args.theta_f:
        for target in args.targets:
            for variant in args.variants:
                cells = []
                for m in args.sizes:
                    w, e = np.mean([run(m, variant, s, tf, target, args.theta) for s in args.seeds], 0)
                    cells.append(f"m={m}: {w:.3f} / {e:.3f}")
                print(f"theta f {tf:g} {target:>9} {variant:>8}  " + "  ".join(cells),
                      flush=True)


if __name__ == "__main__":
    main()
