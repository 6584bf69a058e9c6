"""NIR export: the exported memory's state error in NumPy and snnTorch, against nengo's.

For d = 3, 6, 12 (100 neurons per dimension, theta = 1 s) and three seeds,
a ``LoihiLegendreMemory`` of ``LIF(tau_ref=0)`` neurons is run in nengo's
reference simulator, exported to NIR, written to a file and read back, and
run in the NumPy NIR executor and in snnTorch (through nirtorch). Each
decoded state is scored against the ideal discrete memory (state error E
after a warm-up of theta, 10 ms probe filter, 1 Hz white noise of RMS 0.3).
Targets: E in each NIR executor within 1.1x of nengo's, and the two
executors' spikes identical.

Usage: ``python benchmarks/bench_nir.py [--quick] [--numpy-only] [--out DIR]``
(``make bench-nir``: needs the nir extra for snnTorch); writes
``bench-results/bench_nir.json``.
"""

import argparse
import json
import os

from nengo_lmu.export.compare import compare_memory


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="d = 3 and one seed")
    parser.add_argument("--numpy-only", action="store_true", help="skip snnTorch")
    parser.add_argument("--duration", type=float, default=4.0, help="seconds per run")
    parser.add_argument("--out", default="bench-results")
    args = parser.parse_args()
    orders = (3,) if args.quick else (3, 6, 12)
    seeds = (0,) if args.quick else (0, 1, 2)
    executors = ("numpy",) if args.numpy_only else ("numpy", "snntorch")
    records = []
    header = f"{'d':>3} {'m':>5} {'seed':>4} {'E nengo':>8} " + " ".join(
        f"{'E ' + e:>10} {'ratio':>6}" for e in executors
    )
    print(header + ("  spikes equal" if len(executors) == 2 else ""))
    for order in orders:
        for seed in seeds:
            r = compare_memory(
                order=order, n_neurons=100 * order, duration=args.duration, seed=seed,
                executors=executors,
            )
            records.append(r)
            line = f"{order:>3} {r['n_neurons']:>5} {seed:>4} {r['E_nengo']:>8.4f} " + " ".join(
                f"{r['E_' + e]:>10.4f} {r['ratio_' + e]:>6.3f}" for e in executors
            )
            if len(executors) == 2:
                line += f"  {r['spikes_equal']}"
            print(line, flush=True)
    worst = {e: max(r[f"ratio_{e}"] for r in records) for e in executors}
    print("worst ratio to nengo: " + ", ".join(f"{e} {v:.3f}" for e, v in worst.items()))
    print("target (<= 1.1) met:", all(v <= 1.1 for v in worst.values()))
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "bench_nir.json"), "w") as f:
        json.dump(records, f, indent=1)


if __name__ == "__main__":
    main()
