"""Loihi mapping: accuracy and speed on nengo-loihi's emulator.

Measures, against the ideal discrete memory (delay-theta NRMSE after a warm-up
of theta, 10 ms probe filter, 1 Hz white noise of RMS 0.3):

- the former nengo-loihi docs LMU example (the baseline, same run) and
  LoihiLegendreMemory at d = 6, m = 600 over seeds, on the integer emulator
  and on the reference simulator (same network);
- LoihiLegendreMemory as m grows (300 ... 3000) and at d = 12;
- speed: emulator steps per second as a multiple of realtime, and the ratio
  to the baseline's.

Usage: ``python benchmarks/bench_loihi.py [--quick] [--out DIR]``; writes
``bench-results/bench_loihi.json`` one record at a time (a rerun skips what
is there).
"""

import argparse
import json
import os
import time
import warnings

import nengo
import numpy as np

import nengo_lmu
from nengo_lmu import dynamics, metrics, signals
from nengo_lmu.hardware import describe
from nengo_lmu.hardware.loihi import LoihiLegendreMemory

from docs_example import docs_example


def measure(kind, m, order, seed, backend, duration, max_rates=(200.0, 300.0)):
    u = signals.white_signal(duration, 0.001, 1.0, 0.3, seed=seed)
    t0 = time.perf_counter()
    with nengo.Network(seed=seed) as net:
        stim = nengo.Node(signals.input_process(u))
        if kind == "docs":
            mem = docs_example(order=order, n_per_dimension=m // order)
        else:
            mem = LoihiLegendreMemory(
                order, 1.0, m, radii=signals.white_signal_process(duration),
                max_rates=max_rates, seed=seed,
            )
        nengo.Connection(stim, mem.input, synapse=None)
        probe = nengo.Probe(mem.state, synapse=0.01)
    options = {} if backend == "reference" else {"target": backend}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with nengo_lmu.simulator(
            net, backend="reference" if backend == "reference" else "loihi",
            progress_bar=False, **options
        ) as sim:
            t1 = time.perf_counter()
            sim.run_steps(len(u))
            t2 = time.perf_counter()
            x = sim.data[probe]
            info = describe(sim) if kind == "ours" and backend != "reference" else {}
    ideal = metrics.filtered(signals.ideal_memory(u, order, 1.0), 0.01)
    C = dynamics.delay_readout(order, 1.0, 1.0)
    warm = lambda a: metrics.after_warmup(a, 1.0)  # noqa: E731
    record = dict(
        kind=kind, m=m, order=order, seed=seed, backend=backend, duration=duration,
        max_rates=list(max_rates) if kind == "ours" else [100, 120],
        nrmse_theta=metrics.nrmse(warm(x @ C), warm(ideal @ C)),
        build_s=t1 - t0, realtime=duration / (t2 - t1),
    )
    if kind == "ours":
        record["quantization"] = mem.quantization
    record.update(info)
    return record


def plan(quick):
    if quick:
        return [("docs", 300, 3, 0, "sim", 3.0), ("ours", 300, 3, 0, "sim", 3.0),
                ("ours", 300, 3, 0, "reference", 3.0)]
    jobs = []
    for seed in (0, 1, 2):
        jobs += [("docs", 600, 6, seed, "sim", 10.0), ("docs", 600, 6, seed, "reference", 10.0)]
        jobs += [("ours", 600, 6, seed, "sim", 10.0), ("ours", 600, 6, seed, "reference", 10.0)]
    # error against m on one 4 s input (the emulator needs ~40 ms per step at m = 3000)
    for m in (300, 600, 1200, 3000):
        jobs += [("ours", m, 6, 0, "sim", 4.0), ("ours", m, 6, 0, "reference", 4.0)]
    jobs += [("ours", 1200, 12, 0, "sim", 10.0), ("ours", 1200, 12, 0, "reference", 10.0)]
    return jobs


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--out", default="bench-results")
    args = parser.parse_args(argv)
    os.makedirs(args.out, exist_ok=True)
    path = os.path.join(args.out, "bench_loihi" + ("_quick" if args.quick else "") + ".json")
    records = json.load(open(path)) if os.path.exists(path) else []
    done = {(r["kind"], r["m"], r["order"], r["seed"], r["backend"], r["duration"])
            for r in records}
    for job in plan(args.quick):
        if job in done:
            continue
        rec = measure(*job)
        records.append(rec)
        with open(path + ".tmp", "w") as f:
            json.dump(records, f, indent=1)
        os.replace(path + ".tmp", path)
        print(f"{rec['kind']:4s} m={rec['m']:5d} d={rec['order']:2d} seed={rec['seed']} "
              f"{rec['backend']:9s} NRMSE(theta)={rec['nrmse_theta']:.3f} "
              f"realtime={rec['realtime']:.2f}x build={rec['build_s']:.1f}s "
              f"cores={rec.get('cores', '-')}", flush=True)
    summarise(records)


def summarise(records):
    def pick(**kw):
        return [r for r in records if all(r[k] == v for k, v in kw.items())]

    print("\nsummary (delay-theta NRMSE against the ideal memory)")
    for kind in ("docs", "ours"):
        for backend in ("sim", "reference"):
            rs = pick(kind=kind, m=600, order=6, backend=backend, duration=10.0)
            if rs:
                e = [r["nrmse_theta"] for r in rs]
                rt = [r["realtime"] for r in rs]
                print(f"  {kind:4s} d=6 m=600 {backend:9s}: NRMSE {np.mean(e):.3f} "
                      f"({', '.join(f'{v:.3f}' for v in e)}), realtime {np.mean(rt):.2f}x")
    docs = pick(kind="docs", m=600, order=6, backend="sim", duration=10.0)
    ours = pick(kind="ours", m=600, order=6, backend="sim", duration=10.0)
    if docs and ours:
        print(f"  emulator speed ours / docs: "
              f"{np.mean([r['realtime'] for r in ours]) / np.mean([r['realtime'] for r in docs]):.2f}")
    for r in sorted(pick(kind="ours", seed=0, backend="sim"), key=lambda r: (r["order"], r["duration"], r["m"])):
        ref = pick(kind="ours", order=r["order"], seed=0, backend="reference", m=r["m"],
                   duration=r["duration"])
        print(f"  d={r['order']} m={r['m']:5d} {r['duration']:g} s emulator {r['nrmse_theta']:.3f} reference "
              f"{ref[0]['nrmse_theta'] if ref else float('nan'):.3f} "
              f"cores {r.get('cores')} realtime {r['realtime']:.3f}x")


if __name__ == "__main__":
    main()
