"""The analog memory on a fast, broadband input: the permuted digits' pixels.

Drives ``AnalogLegendreMemory`` (theta = 0.128 s, each pixel held 2 ms, the
digits network's memory) with test digits one after another, radii from the
training digits (``analysis.training.memory_radii``), and prints its
relative state error (E over the RMS of the ideal discrete memory's state,
both through a 10 ms probe filter, after one theta) next to a plain
``LegendreMemory`` of the same size on the reference simulator.

Each variant is ``compensations[/without]``: the memory's compensations
(``auto`` for its defaults, or names joined by ``+``) and the substrate's
non-idealities switched off (joined by ``+``, or ``rates`` for rate
neurons instead of Poisson spikes), for ablations.

Usage: ``python benchmarks/bench_analog_fast.py [--orders 12 24] [--per-dim 100]
[--digits 10] [--seeds 1] [--variants auto calibrate auto/noise+drift ...]
[--no-reference]``
"""

import argparse
import time
import warnings

import nengo
import numpy as np

import nengo_lmu
from nengo_lmu import metrics, signals, tasks
from nengo_lmu.analysis.training import hold, memory_radii
from nengo_lmu.hardware import analog

THETA = 0.128
STEPS_PER_ITEM = 2
PROBE_SYNAPSE = 0.01


def run(order, m, u, radii, variant, seed):
    """The decoded state (probe-filtered) of one memory; variant "reference" is a
    plain LegendreMemory on nengo's simulator."""
    comps, _, off = variant.partition("/")
    off = [o for o in off.split("+") if o]
    neuron_type = nengo.LIFRate() if "rates" in off else None
    off = [o for o in off if o != "rates"]
    with nengo.Network(seed=seed) as net:
        stim = nengo.Node(signals.input_process(u))
        if comps == "reference":
            mem = nengo_lmu.LegendreMemory(order, THETA, m, radii=radii,
                                           neuron_type=neuron_type)
            backend, options = "reference", {}
        else:
            sub = analog.Substrate(seed=seed).without(*off)
            chosen = None if comps == "auto" else tuple(c for c in comps.split("+") if c)
            mem = analog.AnalogLegendreMemory(order, THETA, m, radii=radii, substrate=sub,
                                              compensations=chosen, neuron_type=neuron_type)
            backend, options = "analog", {}
        nengo.Connection(stim, mem.input, synapse=None)
        probe = nengo.Probe(mem.state, synapse=PROBE_SYNAPSE)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with nengo_lmu.simulator(net, backend=backend, progress_bar=False,
                                 **options) as sim:
            sim.run_steps(len(u))
            return np.asarray(sim.data[probe]), getattr(mem, "compensations", ())


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, nargs="+", default=[12, 24])
    parser.add_argument("--per-dim", type=int, default=100, help="neurons per dimension")
    parser.add_argument("--digits", type=int, default=10, help="test digits, back to back")
    parser.add_argument("--seeds", type=int, default=1)
    parser.add_argument("--variants", nargs="+", default=["auto"])
    parser.add_argument("--no-reference", action="store_true")
    args = parser.parse_args()
    task = tasks.permuted_digits()
    u = hold(task.x_test[: args.digits, :, :1], STEPS_PER_ITEM).reshape(-1, 1)
    variants = list(args.variants) + ([] if args.no_reference else ["reference"])
    print(f"{'d':>3} {'m':>5} {'variant':<32} {'compensations':<28} "
          f"{'rel. E':>7} {'sd':>6}  {'seconds':>7}")
    for order in args.orders:
        m = args.per_dim * order
        radii = memory_radii(task, order, THETA, steps_per_item=STEPS_PER_ITEM)
        ideal = metrics.after_warmup(
            metrics.filtered(signals.ideal_memory(u, order, THETA), PROBE_SYNAPSE), THETA)
        scale = np.sqrt(np.mean(np.sum(ideal**2, axis=1)))
        for variant in variants:
            start = time.perf_counter()
            errors = []
            for seed in range(args.seeds):
                x, comps = run(order, m, u, radii, variant, seed)
                x = metrics.after_warmup(x, THETA)
                errors.append(metrics.state_error(x, ideal) / scale)
            print(f"{order:>3} {m:>5} {variant:<32} {'+'.join(comps) or '-':<28} "
                  f"{np.mean(errors):>7.3f} {np.std(errors):>6.3f}  "
                  f"{time.perf_counter() - start:>7.1f}", flush=True)


if __name__ == "__main__":
    main()
