"""Build time, time per simulated second and peak memory of LegendreMemory.

Each (construction, m) runs in a fresh child process so that its peak
resident memory is its own; a child that imports the same packages and
builds nothing gives the baseline that is subtracted. The baseline
construction is the naive one: a ``nengo.networks.EnsembleArray`` of m/d
Poisson neurons per dimension with nengo's default evaluation points, fed
back through the discrete mapping. Children run under an address-space limit
so that a construction that cannot fit fails with MemoryError instead of
taking the machine down.

Usage: python benchmarks/bench_memory.py [--sizes 1000 10000 100000] [--out DIR]
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import time

import numpy as np

ORDER, THETA, DT, TAU = 6, 1.0, 0.001, 0.1


def child(construction, m, sim_seconds):
    import nengo

    # decoders must be solved in every run, not read from an earlier one
    nengo.rc["decoder_cache"]["enabled"] = "False"

    from nengo_lmu import mapping, signals
    from nengo_lmu.dynamics import lmu_matrices
    from nengo_lmu.networks import LegendreMemory

    u = signals.white_signal(max(sim_seconds, 1.0), DT, high=1.0, rms=0.3, seed=0)
    if construction == "baseline":
        with nengo.Network() as net:
            nengo.Node(signals.input_process(u, DT))
        nengo.Simulator(net, progress_bar=False).close()
        return dict(build_s=0.0, run_s_per_sim_s=0.0)
    with nengo.Network(seed=0) as net:
        stim = nengo.Node(signals.input_process(u, DT))
        if construction == "nengo-lmu":
            radii = signals.white_signal_process(1.0, high=1.0, rms=0.3)
            mem = LegendreMemory(ORDER, THETA, m, radii=radii, dt=DT, synapse=TAU)
            nengo.Connection(stim, mem.input, synapse=None)
            nengo.Probe(mem.state, synapse=0.01)
        else:  # the naive EnsembleArray construction
            A, B = lmu_matrices(ORDER, THETA)
            Ap, Bp = mapping.discrete_lowpass(A, B, TAU, DT)
            ea = nengo.networks.EnsembleArray(
                m // ORDER, ORDER, neuron_type=nengo.PoissonSpiking(nengo.LIFRate())
            )
            nengo.Connection(ea.output, ea.input, transform=Ap, synapse=TAU)
            nengo.Connection(stim, ea.input, transform=Bp, synapse=TAU)
            nengo.Probe(ea.output, synapse=0.01)
    t0 = time.perf_counter()
    sim = nengo.Simulator(net, dt=DT, progress_bar=False)
    t1 = time.perf_counter()
    sim.run(0.1)  # warm-up: first steps allocate
    runs = []
    for _ in range(3):  # the least disturbed of three runs
        t2 = time.perf_counter()
        sim.run(sim_seconds)
        runs.append((time.perf_counter() - t2) / sim_seconds)
    sim.close()
    return dict(build_s=t1 - t0, run_s_per_sim_s=min(runs))


def run_child(construction, m, sim_seconds, limit_gb):
    cmd = [sys.executable, __file__, "--child", construction, str(m), str(sim_seconds),
           "--limit-gb", str(limit_gb)]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("{")]
    if proc.returncode != 0 or not lines:
        tail = (proc.stderr.strip().splitlines() or ["?"])[-1]
        return dict(construction=construction, m=m, error=tail[:120])
    return dict(construction=construction, m=m, **json.loads(lines[-1]))


def slope(xs, ys):
    xs, ys = np.asarray(xs, float), np.asarray(ys, float)
    ok = np.isfinite(ys) & (ys > 0)
    if ok.sum() < 2:
        return float("nan")
    return float(np.polyfit(np.log(xs[ok]), np.log(ys[ok]), 1)[0])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 100000])
    parser.add_argument("--sim-seconds", type=float, default=0.5,
                        help="simulated seconds per timed run (3 runs, fastest kept)")
    parser.add_argument("--limit-gb", type=float, default=16.0,
                        help="address-space limit of each child (GiB)")
    parser.add_argument("--out", default="bench-results")
    args = parser.parse_args()

    if args.child:
        limit = int(args.limit_gb * 2**30)
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        construction, m, sim_seconds = args.child
        result = child(construction, int(m), float(sim_seconds))
        result["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(json.dumps(result))
        return

    from tqdm import tqdm

    # both constructions get the same neurons: the naive EnsembleArray holds
    # m // d per dimension, so m is rounded down to a multiple of d
    args.sizes = [m - m % ORDER for m in args.sizes]

    jobs = [("baseline", 0)] + [(c, m) for m in args.sizes for c in ("nengo-lmu", "naive")]
    results = []
    for construction, m in tqdm(jobs, desc="bench", unit="run"):
        results.append(run_child(construction, m, args.sim_seconds, args.limit_gb))
    if "error" in results[0]:
        sys.exit(f"the baseline child failed: {results[0]['error']}")
    base = results[0]["peak_mb"]
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "bench_memory.json"), "w") as f:
        json.dump(dict(baseline_peak_mb=base, results=results[1:]), f, indent=1)

    print(f"\nd = {ORDER}, Poisson LIFRate, dt = {DT}; peak memory is the child's peak "
          f"RSS minus {base:.0f} MiB (imports, no network)")
    header = (f"{'m':>7}  {'construction':>12}  {'build [s]':>9}  {'run [s/sim s]':>13}  "
              f"{'peak [MiB]':>10}  {'build ratio':>11}  {'run ratio':>9}  {'mem ratio':>9}")
    print(header + "\n" + "-" * len(header))
    by = {(r["construction"], r["m"]): r for r in results[1:]}
    for m in args.sizes:
        ours, naive = by[("nengo-lmu", m)], by[("naive", m)]
        for name, r in (("nengo-lmu", ours), ("naive", naive)):
            if "error" in r:
                print(f"{m:>7}  {name:>12}  failed: {r['error']}")
                continue
            ratios = ["", "", ""]
            if name == "nengo-lmu" and "error" not in naive:
                ratios = [f"{ours['build_s'] / naive['build_s']:.2f}",
                          f"{ours['run_s_per_sim_s'] / naive['run_s_per_sim_s']:.2f}",
                          f"{(ours['peak_mb'] - base) / max(naive['peak_mb'] - base, 1):.2f}"]
            print(f"{m:>7}  {name:>12}  {r['build_s']:>9.2f}  {r['run_s_per_sim_s']:>13.2f}  "
                  f"{r['peak_mb'] - base:>10.0f}  {ratios[0]:>11}  {ratios[1]:>9}  {ratios[2]:>9}")
    ours = [by[("nengo-lmu", m)] for m in args.sizes]
    if all("error" not in r for r in ours):
        print("\nnengo-lmu log-log slopes over m (target <= 1.1): "
              f"build {slope(args.sizes, [r['build_s'] for r in ours]):.2f}, "
              f"run {slope(args.sizes, [r['run_s_per_sim_s'] for r in ours]):.2f}, "
              f"peak memory {slope(args.sizes, [r['peak_mb'] - base for r in ours]):.2f}")
    print("ratios: nengo-lmu / naive, same run (< 1 is better)")


if __name__ == "__main__":
    main()
