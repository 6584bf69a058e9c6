"""Long windows: memories of 10^3, 10^4 and 10^5 steps (dt = 1 ms).

Input: band-limited white noise (RMS 0.3) up to ``cycles / theta`` Hz, so
that every window holds the same content whatever its length.

- ``--part ideal``: the ideal discrete memory's delay NRMSE at theta' = theta
  and theta / 2 against d in {6, 12, 24, 48}, for theta = 1, 10, 100 s and 1
  and 4 cycles per window, beside the continuous memory's (the transfer
  function on the same input). Seconds.
- ``--part spiking``: the spiking memory (d = 6, 6,000 Poisson neurons,
  synapse 0.1 s, state scaling) against theta, with its rate-neuron twin:
  state error E, E_n, delay NRMSE, and the exponent of E against theta
  (spike noise integrating predicts 0.5; the twin's should not grow).
  theta = 100 s means 300 s of simulated time per run (``--windows 3``), about
  10 minutes with the twin on one core; ``--thetas 1 10`` runs in about 3.
- ``--part fixes``: at theta = 10 s (``--fix-theta``), the same memory with a
  longer synapse (0.3 s, 1 s), 4x the neurons and without state scaling.

Usage: ``python benchmarks/bench_long_window.py [--part ideal|spiking|fixes|all]
[--thetas 1 10 100] [--neurons 6000] [--synapse 0.1] [--seeds 0] [--windows 3]
[--quick]``
(``make bench-long-window`` runs all parts at full size); records go to
``bench-results/bench_long_window.json`` one at a time (a rerun skips them).
"""

import argparse
import dataclasses
import json
import os
import warnings

import numpy as np

from nengo_lmu.analysis.experiment import run_trial
from nengo_lmu.analysis.long_window import ORDERS, THETAS, growth, ideal_errors, spiking_trials

COLUMNS = ("theta", "synapse", "n_neurons", "state_scaling", "seed", "state_error",
           "normalised_state_error", "delay_nrmse_1", "delay_nrmse_0.5",
           "twin_state_error", "twin_delay_nrmse_1", "run_s")


def part_ideal(args):
    rows = ideal_errors(thetas=args.thetas, orders=ORDERS if not args.quick else (6, 12),
                        cycles=(1.0, 4.0))
    print("\nideal discrete memory: delay NRMSE (continuous memory in brackets)")
    print(f"{'steps':>7} {'cycles':>6} {'theta_p':>7} " + " ".join(
        f"{'d=' + str(d):>21}" for d in sorted({r['order'] for r in rows})))
    keys = sorted({(r["steps"], r["cycles"], r["fraction"]) for r in rows})
    for steps, c, frac in keys:
        cells = [r for r in rows if (r["steps"], r["cycles"], r["fraction"]) == (steps, c, frac)]
        cells.sort(key=lambda r: r["order"])
        print(f"{steps:>7} {c:>6g} {frac:>5g}th " + " ".join(
            f"{r['nrmse']:>9.2e} [{r['predicted']:>9.2e}]" for r in cells))
    return rows


def run_all(trials, path, records):
    done = {r["key"] for r in records}
    for trial in trials:
        if trial.key in done:
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            record = run_trial(trial)
        records.append(record)
        print({c: record.get(c) for c in COLUMNS}, flush=True)
        with open(path, "w") as f:
            json.dump(records, f, indent=1, default=str)
    keys = {t.key for t in trials}
    return [r for r in records if r["key"] in keys]


def show(rows, title):
    print(f"\n{title}")
    print(" ".join(f"{c:>14}" for c in COLUMNS))
    for r in sorted(rows, key=lambda r: (r["theta"], r["synapse"], r["n_neurons"])):
        print(" ".join(f"{r.get(c, float('nan')):>14.4g}" if isinstance(r.get(c), (int, float))
                       else f"{str(r.get(c)):>14}" for c in COLUMNS))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--part", choices=("ideal", "spiking", "fixes", "all"), default="all")
    parser.add_argument("--thetas", type=float, nargs="+", default=list(THETAS))
    parser.add_argument("--neurons", type=int, default=6000)
    parser.add_argument("--synapse", type=float, default=0.1,
                        help="the memory's synapse in seconds (default 0.1)")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0])
    parser.add_argument("--windows", type=int, default=3,
                        help="run length in windows; the first is the warm-up")
    parser.add_argument("--fix-theta", type=float, default=10.0)
    parser.add_argument("--quick", action="store_true", help="small and short (CI)")
    parser.add_argument("--out", default="bench-results")
    args = parser.parse_args()
    if args.quick:
        args.thetas, args.neurons, args.fix_theta = [0.5, 2.0], 600, 2.0
    os.makedirs(args.out, exist_ok=True)
    path = os.path.join(args.out, "bench_long_window" + ("_quick" if args.quick else "") + ".json")
    records = json.load(open(path)) if os.path.exists(path) else []

    if args.part in ("ideal", "all"):
        part_ideal(args)
    spec = dict(order=6, n_neurons=args.neurons, windows=args.windows, seeds=args.seeds,
                synapse=args.synapse, rate_twin=True)
    if args.part in ("spiking", "all"):
        rows = run_all(spiking_trials(thetas=args.thetas, **spec), path, records)
        show(rows, f"spiking memory, d = 6, m = {args.neurons}, synapse {args.synapse:g} s, "
                   f"{args.windows} windows per run, against theta")
        if len({r["theta"] for r in rows}) >= 2:
            for y in ("state_error", "twin_state_error", "delay_nrmse_1"):
                fit = growth(rows, y=y)
                print(f"exponent of {y} against theta: {fit['exponent']:.3f} "
                      f"[{fit['ci_low']:.3f}, {fit['ci_high']:.3f}]")
    if args.part in ("fixes", "all"):
        base = spiking_trials(thetas=[args.fix_theta], **spec)
        trials = list(base)
        for t in base:
            trials += [dataclasses.replace(t, synapse=0.3), dataclasses.replace(t, synapse=1.0),
                       dataclasses.replace(t, n_neurons=4 * t.n_neurons),
                       dataclasses.replace(t, state_scaling=False)]
        rows = run_all(trials, path, records)
        show(rows, f"what fixes it, theta = {args.fix_theta:g} s")
        ref = [r for r in rows if r["synapse"] == args.synapse and r["n_neurons"] == args.neurons
               and r["state_scaling"]]
        if ref:
            e0 = np.mean([r["state_error"] for r in ref])
            twin = np.mean([r["twin_state_error"] for r in ref])
            print(f"E above the twin's floor (in quadrature): {np.sqrt(max(e0**2 - twin**2, 0)):.4f}"
                  f" (E {e0:.4f}, twin {twin:.4f})")


if __name__ == "__main__":
    main()
