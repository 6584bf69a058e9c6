"""Analog backend: speed against the reference simulator on the same network.

For d = 6 and m = 600 / 3000 Poisson neurons (1 Hz white noise, 2 s), runs

- ``AnalogLegendreMemory`` (all compensations) on ``nengo.Simulator``: the
  baseline, the same network on the reference simulator;
- the same network on the analog backend, Braindrop-like substrate, calibrated;
- a plain ``LegendreMemory`` of the same size on ``nengo.Simulator``, for
  scale;

each ``--repeats`` times in this process, and reports the best run time of
each and the analog backend's speed as a fraction of the baseline's (target
>= 0.5). Usage: ``python benchmarks/bench_analog.py [--quick] [--out DIR]``;
writes ``bench-results/bench_analog.json`` one record at a time (a rerun
skips what is there).
"""

import argparse
import json
import os
import time
import warnings

import nengo

import nengo_lmu
from nengo_lmu import signals
from nengo_lmu.hardware import analog


def network(kind, m, order=6, duration=2.0, seed=0):
    u = signals.white_signal(duration, 0.001, 1.0, 0.3, seed=seed)
    with nengo.Network(seed=seed) as net:
        stim = nengo.Node(signals.input_process(u))
        if kind == "plain":
            mem = nengo_lmu.LegendreMemory(order, 1.0, m)
        else:
            mem = analog.AnalogLegendreMemory(order, 1.0, m)
        nengo.Connection(stim, mem.input, synapse=None)
        nengo.Probe(mem.state, synapse=0.01)
    return net, len(u)


def measure(kind, backend, m, repeats):
    runs, builds = [], []
    for _ in range(repeats):
        net, steps = network(kind, m)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            t0 = time.perf_counter()
            with nengo_lmu.simulator(net, backend=backend, cache=False,
                                     progress_bar=False) as sim:
                t1 = time.perf_counter()
                sim.run_steps(steps)
                t2 = time.perf_counter()
        builds.append(t1 - t0)
        runs.append(t2 - t1)
    return dict(kind=kind, backend=backend, n_neurons=m, steps=steps,
                run_s=min(runs), build_s=min(builds), runs=runs)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="m = 600 only, 2 repeats")
    parser.add_argument("--out", default="bench-results")
    args = parser.parse_args(argv)
    sizes = (600,) if args.quick else (600, 3000)
    repeats = 2 if args.quick else 5
    os.makedirs(args.out, exist_ok=True)
    path = os.path.join(args.out, "bench_analog" + ("_quick" if args.quick else "") + ".json")
    records = json.load(open(path)) if os.path.exists(path) else []
    done = {(r["kind"], r["backend"], r["n_neurons"]) for r in records}
    for m in sizes:
        # interleaved, so that a busy machine slows every configuration alike
        for kind, backend in (("analog-net", "reference"), ("analog-net", "analog"),
                              ("plain", "reference")):
            if (kind, backend, m) in done:
                continue
            records.append(measure(kind, backend, m, repeats))
            with open(path, "w") as f:
                json.dump(records, f, indent=1)
    print(f"{'m':>5}  {'network':<11} {'backend':<9} {'run s':>6} {'build s':>7}  speed vs same net on reference")
    for m in sizes:
        rows = {(r["kind"], r["backend"]): r for r in records if r["n_neurons"] == m}
        base = rows[("analog-net", "reference")]["run_s"]
        for (kind, backend), r in rows.items():
            print(f"{m:>5}  {kind:<11} {backend:<9} {r['run_s']:6.2f} {r['build_s']:7.2f}  "
                  f"{base / r['run_s']:.2f}x")
    print(f"best of the repeats; results in {path}")
    return records


if __name__ == "__main__":
    main()
