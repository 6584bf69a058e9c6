"""Nonlinear functions of the window: accuracy on the reference simulator and Loihi.

Measures the window's mean, RMS and maximum decoded by a
:class:`nengo_lmu.networks.window.WindowFunction` readout against the true
function of the true window (NRMSE after a warm-up of 2 theta; decoded and
true values through the same probe filter, 10 ms and 100 ms), d = 6,
theta = 1 s, 1 Hz white noise of RMS 0.3, 10 s per run:

- the targets' setting on the reference simulator: a memory of 3,000 Poisson
  neurons and a readout of 3,000 more, over 5 seeds, with the rate floor
  (the same decoders on rate activities at the ideal state), with the
  memory's synapse at 0.1 s and at 0.3 s (a longer synapse integrates less
  spike noise: see ``nengo_lmu.analysis.long_window``);
- the Loihi integer emulator against the reference simulator at a size the
  emulator runs in minutes (``--loihi-neurons``, default 600 + 600: the
  emulator is a Python loop over spikes, and 3,000 neurons step at about
  40 ms, so 5 seeds of 10 s would take about an hour), with the reference
  run of the same size (Poisson neurons) as the baseline: ratio = emulator
  NRMSE / reference NRMSE, target <= 1.5.

Usage: ``python benchmarks/bench_window.py [--quick] [--out DIR]`` (or
``make bench-window``); writes ``bench-results/bench_window.json`` one record
at a time (a rerun skips what is there) and prints the tables.
"""

import argparse
import json
import os
import warnings

import numpy as np

from nengo_lmu.analysis.window import run_window_functions

FUNCTIONS = ("mean", "rms", "max")
TARGETS = {"mean": 0.1, "rms": 0.2, "max": 0.2}
TAUS = (0.01, 0.1)


def runs(quick, loihi_neurons):
    seeds = range(2 if quick else 5)
    m = 600 if quick else 3000
    duration = 4.0 if quick else 10.0
    for seed in seeds:
        yield dict(name="reference", backend="reference", n_neurons=m,
                   readout_neurons=m, seed=seed, duration=duration, rate_floor=True)
    for seed in seeds:  # a longer synapse integrates less spike noise
        yield dict(name="reference-tau0.3", backend="reference", n_neurons=m,
                   readout_neurons=m, seed=seed, duration=duration, rate_floor=True,
                   synapse=0.3)
    lm = 300 if quick else loihi_neurons
    for seed in seeds:
        yield dict(name="reference-small", backend="reference", n_neurons=lm,
                   readout_neurons=lm, seed=seed, duration=duration, rate_floor=True)
        yield dict(name="loihi", backend="loihi", n_neurons=lm, readout_neurons=lm,
                   seed=seed, duration=duration, backend_options={"target": "sim"})


def key(spec):
    return json.dumps({k: v for k, v in spec.items()}, sort_keys=True)


def table(records, name):
    rows = [r for r in records if r["name"] == name]
    if not rows:
        return {}
    m = rows[0]["n_neurons"]
    print(f"\n{name}: memory {m} + readout {rows[0]['readout_neurons']} neurons, "
          f"synapse {rows[0]['synapse']:g} s, {len(rows)} seeds, "
          f"{rows[0]['duration']:g} s each")
    cols = [f"nrmse_{f}" for f in FUNCTIONS] + [f"nrmse_{f}_0.1s" for f in FUNCTIONS]
    cols += [f"rate_{f}" for f in FUNCTIONS if f"rate_{f}" in rows[0]]
    print("seed " + " ".join(f"{c:>15}" for c in cols))
    for r in rows:
        print(f"{r['seed']:>4} " + " ".join(f"{r[c]:>15.3f}" for c in cols))
    means = {c: float(np.mean([r[c] for r in rows])) for c in cols}
    print("mean " + " ".join(f"{means[c]:>15.3f}" for c in cols))
    return means


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small and short (CI)")
    parser.add_argument("--out", default="bench-results")
    parser.add_argument("--loihi-neurons", type=int, default=600,
                        help="memory and readout size on the emulator (default 600)")
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    path = os.path.join(args.out, "bench_window" + ("_quick" if args.quick else "") + ".json")
    records = json.load(open(path)) if os.path.exists(path) else []
    done = {r["spec_key"] for r in records}
    for spec in runs(args.quick, args.loihi_neurons):
        k = key(spec)
        if k in done:
            continue
        options = {c: v for c, v in spec.items() if c != "name"}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            record, _ = run_window_functions(
                order=6, theta=1.0, probe_synapse=TAUS, **options
            )
        record.update(name=spec["name"], spec_key=k)
        print(spec["name"], spec["seed"], {c: round(v, 3) for c, v in record.items()
                                           if c.startswith(("nrmse", "rate"))}, flush=True)
        records.append(record)
        with open(path, "w") as f:
            json.dump(records, f, indent=1)

    for name in ("reference", "reference-tau0.3"):
        ref = table(records, name)
        for tau, suffix in ((0.01, ""), (0.1, "_0.1s")):
            print(f"targets (probe filter {tau:g} s): " + ", ".join(
                f"{f} {ref[f'nrmse_{f}{suffix}']:.3f} <= {TARGETS[f]} "
                f"{'met' if ref[f'nrmse_{f}{suffix}'] <= TARGETS[f] else 'NOT met'}"
                for f in FUNCTIONS))
    small = table(records, "reference-small")
    chip = table(records, "loihi")
    if small and chip:
        print("\nLoihi emulator / reference, same size (target <= 1.5): " + ", ".join(
            f"{f} {chip[f'nrmse_{f}'] / small[f'nrmse_{f}']:.2f}" for f in FUNCTIONS))


if __name__ == "__main__":
    main()
