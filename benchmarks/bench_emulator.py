"""The fast Loihi emulator against nengo-loihi's and nengo's reference simulator.

For ``LoihiLegendreMemory`` networks (d = 6 and 24, m = 300 ... 3000, 1 Hz
white-noise input), in one run:

- milliseconds per 1 ms step of the fast emulator (``target="fast"``),
  nengo-loihi's emulator (``target="sim"``) and nengo's reference simulator
  on the same network, and the ratios (the fast emulator and the reference
  simulator: the fastest of ``--repeats`` runs each);
- whether the fast emulator's probe data equal nengo-loihi's (``array_equal``
  over the steps both ran);
- build times (the memory's construction, which quantises its weights,
  then nengo-loihi's builder and each emulator's set-up);
- peak memory (tracemalloc) of each emulator: its set-up plus 20 steps,
  beside the built model's weights (which nengo-loihi's emulator reads in
  place and the fast one copies into its matrices), and the ratio of the
  totals (model + fast) / (model + nengo-loihi's);
- batched throughput: ``run_batch`` on B sequences, per sequence-step;
- with ``--digits``: the quick digits network scored on the whole test set
  by ``analysis.deployment.evaluate`` (batched, fast) against nengo-loihi's
  emulator one sequence at a time (extrapolated from two).

Both emulators run on one nengo-loihi build: the fast simulator is built,
run, then its chip is swapped for nengo-loihi's ``EmulatorInterface`` and run
again from the start.

Usage: ``python benchmarks/bench_emulator.py [--quick] [--only 6:300,24:1200]
[--repeats 3] [--digits] [--out DIR]``; prints a table and merges its rows into
``DIR/bench_emulator.json`` (default ``bench-results``).
"""

import argparse
import json
import os
import time
import tracemalloc
import warnings

import nengo
import numpy as np
from nengo_loihi.emulator import EmulatorInterface

import nengo_lmu
from nengo_lmu import signals
from nengo_lmu.hardware.loihi import LoihiLegendreMemory
from nengo_lmu.hardware.loihi.emulator import Emulator
from nengo_lmu.hardware.loihi.fast import Sequences

CONFIGS = [(6, 300), (6, 600), (6, 1200), (6, 3000), (24, 600), (24, 1200), (24, 3000)]
QUICK = [(6, 300), (6, 1200), (24, 1200)]
BATCHED = [(6, 1200), (24, 1200)]


def memory_net(order, m, u, seed=0):
    with nengo.Network(seed=seed) as net:
        stim = nengo.Node(u)
        mem = LoihiLegendreMemory(
            order, 1.0, m, radii=signals.white_signal_process(1.0), seed=seed
        )
        nengo.Connection(stim, mem.input, synapse=None)
        probes = [nengo.Probe(mem.state, synapse=0.01),
                  nengo.Probe(mem.ensemble.neurons)]
    return net, probes


def per_step(run, steps):
    t0 = time.perf_counter()
    run(steps)
    return 1e3 * (time.perf_counter() - t0) / steps


def best_per_step(restart, run, steps, repeats):
    """The fastest of ``repeats`` runs from the start: on a shared machine
    the least disturbed one, taken the same way for each simulator."""
    times = []
    for _ in range(repeats):
        restart()
        times.append(per_step(run, steps))
    return min(times)


def use_emulator(sim, make):
    """Restart ``sim`` from step 0 on the chip emulator ``make(model, seed)``."""
    seed = sim.sims["emulator"].seed
    for name in ("host_pre", "host"):
        if name in sim.sims:
            sim.sims[name].reset()
    for inp in sim.model.inputs:
        inp.spikes.clear()  # what the last run sent for its next step
    sim.sims["emulator"] = make(sim.model, seed)
    sim._new_runner()
    sim.clear_probes()
    sim._n_steps = 0


def peak_mib(sim, make, steps=20):
    tracemalloc.start()
    use_emulator(sim, make)
    sim.run_steps(steps)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak / 2**20


def model_mib(model):
    """The built model's weight and index arrays, which both emulators read."""
    return sum(
        w.nbytes + i.nbytes
        for block in model.blocks
        for syn in block.synapses
        for w, i in zip(syn.weights, syn.indices)
    ) / 2**20


def measure(order, m, quick, repeats=1):
    duration = 1.0
    u = signals.white_signal(duration, 0.001, 1.0, 0.3, seed=0)
    steps = {"fast": len(u), "reference": len(u),
             "sim": 300 if m <= 600 else (60 if quick else 120)}
    row = {"order": order, "m": m, "steps": steps}
    t0 = time.perf_counter()
    net, probes = memory_net(order, m, signals.input_process(u))
    row["construct_s"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    with nengo.Simulator(net, progress_bar=False) as ref:
        row["build_reference_s"] = time.perf_counter() - t0
        row["ms_reference"] = best_per_step(ref.reset, ref.run_steps,
                                            steps["reference"], repeats)

    t0 = time.perf_counter()
    sim = nengo_lmu.simulator(net, backend="loihi", target="fast")
    row["build_loihi_s"] = time.perf_counter() - t0
    with sim:
        row["ms_fast"] = per_step(sim.run_steps, steps["fast"])
        fast_data = [np.array(sim.data[p])[: steps["sim"]] for p in probes]
        if repeats > 1:
            again = best_per_step(
                lambda: use_emulator(sim, lambda mo, s: Emulator(mo, seed=s)),
                sim.run_steps, steps["fast"], repeats - 1)
            row["ms_fast"] = min(row["ms_fast"], again)
        t0 = time.perf_counter()
        use_emulator(sim, lambda model, seed: Emulator(model, seed=seed))
        row["setup_fast_s"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        use_emulator(sim, lambda model, seed: EmulatorInterface(model, seed=seed))
        row["setup_sim_s"] = time.perf_counter() - t0
        row["ms_sim"] = per_step(sim.run_steps, steps["sim"])
        sim_data = [np.array(sim.data[p]) for p in probes]
        row["bit_exact"] = all(
            np.array_equal(a, b) for a, b in zip(fast_data, sim_data))
        row["model_mib"] = model_mib(sim.model)
        row["peak_fast_mib"] = peak_mib(sim, lambda mo, s: Emulator(mo, seed=s))
        row["peak_sim_mib"] = peak_mib(sim, lambda mo, s: EmulatorInterface(mo, seed=s))
    row["memory_fast_vs_sim"] = (row["model_mib"] + row["peak_fast_mib"]) / (
        row["model_mib"] + row["peak_sim_mib"])
    row["fast_vs_sim"] = row["ms_sim"] / row["ms_fast"]
    row["fast_vs_reference"] = row["ms_reference"] / row["ms_fast"]
    return row


def measure_batch(order, m, batch, steps=500):
    rng = np.random.RandomState(0)
    u = np.stack([signals.white_signal(1.0, 0.001, 1.0, 0.3, seed=s)[:steps, :1]
                  for s in rng.randint(2**31 - 1, size=batch)])
    net, _ = memory_net(order, m, Sequences(u))
    with nengo_lmu.simulator(net, backend="loihi", target="fast") as sim:
        t0 = time.perf_counter()
        sim.run_batch(steps, progress_bar=False)
        seconds = time.perf_counter() - t0
    return {"order": order, "m": m, "batch": batch, "steps": steps,
            "ms_per_sequence_step": 1e3 * seconds / (batch * steps)}


def measure_digits(n_sim=2, seed=0):
    """The quick digits network (d = 24, m = 1200, 50 hidden units, untrained:
    the same work as trained) scored on the whole test set by ``evaluate`` on
    the fast emulator, against ``n_sim`` sequences back to back on nengo-loihi's."""
    import tempfile  # noqa: PLC0415

    from nengo_lmu.analysis import deployment, pipeline  # noqa: PLC0415

    config = pipeline.settings("digits", quick=True)
    task = pipeline.make_task(config)
    net = pipeline.make_network(config, task, seed=seed)
    k = config["steps_per_item"]
    out = {"task": "digits (quick network)", "n_test": len(task.x_test),
           "steps": task.n_steps * k}
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "net.npz")
        net.save(path)
        fast = deployment.evaluate(path, task, backend="loihi", steps_per_item=k,
                                   seed=seed, progress_bar=False)
        sim = deployment.evaluate(path, task, backend="loihi", steps_per_item=k,
                                  n_test=n_sim, seed=seed, target="sim")
    out["fast_s"] = fast["seconds"]
    out["sim_s_per_sequence"] = sim["seconds"] / n_sim
    out["sim_s_extrapolated"] = out["sim_s_per_sequence"] * len(task.x_test)
    out["speedup"] = out["sim_s_extrapolated"] / fast["seconds"]
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="three networks only")
    parser.add_argument("--out", default="bench-results")
    parser.add_argument("--repeats", type=int, default=3,
                        help="runs of the fast emulator and of the reference "
                        "simulator per network, the fastest counted")
    parser.add_argument("--batch", type=int, default=32, help="sequences per batch")
    parser.add_argument("--digits", action="store_true",
                        help="only score the digits test set (evaluate, batched)")
    parser.add_argument("--only", default=None,
                        help="networks to run, as order:m pairs, e.g. 6:3000,24:1200")
    args = parser.parse_args()
    configs = QUICK if args.quick else CONFIGS
    if args.only:
        configs = [tuple(int(v) for v in pair.split(":"))
                   for pair in args.only.split(",")]
    os.makedirs(args.out, exist_ok=True)
    warnings.simplefilter("ignore")
    if args.digits:
        d = measure_digits()
        print(f"digits test set ({d['n_test']} sequences of {d['steps']} steps): "
              f"fast emulator, batched {d['fast_s']:.0f} s; nengo-loihi one at a "
              f"time {d['sim_s_per_sequence']:.1f} s per sequence, "
              f"{d['sim_s_extrapolated']:.0f} s extrapolated: {d['speedup']:.0f}x")
        with open(os.path.join(args.out, "bench_emulator_digits.json"), "w") as f:
            json.dump(d, f, indent=1)
        return
    rows, batched = [], []
    print(f"{'d':>3} {'m':>5} | ms/step: {'fast':>6} {'sim':>7} {'ref':>6} | "
          f"{'fast/sim':>8} {'fast/ref':>8} | {'exact':>5} | build s: {'mem':>5} "
          f"{'loihi':>6} {'fast':>5} | MiB: {'model':>5} {'fast':>5} {'sim':>5} "
          f"{'ratio':>5}")
    for order, m in configs:
        r = measure(order, m, args.quick, repeats=args.repeats)
        rows.append(r)
        print(f"{order:>3} {m:>5} | {r['ms_fast']:>15.3f} {r['ms_sim']:>7.2f} "
              f"{r['ms_reference']:>6.2f} | {r['fast_vs_sim']:>7.1f}x "
              f"{r['fast_vs_reference']:>7.2f}x | {str(r['bit_exact']):>5} | "
              f"{r['construct_s']:>14.1f} {r['build_loihi_s']:>6.1f} "
              f"{r['setup_fast_s']:>5.2f} | {r['model_mib']:>10.1f} "
              f"{r['peak_fast_mib']:>5.1f} "
              f"{r['peak_sim_mib']:>5.1f} {r['memory_fast_vs_sim']:>4.2f}x", flush=True)
    for order, m in [c for c in BATCHED if c in configs]:
        b = measure_batch(order, m, args.batch)
        one = next(r for r in rows if (r["order"], r["m"]) == (order, m))
        b["speedup_vs_fast_single"] = one["ms_fast"] / b["ms_per_sequence_step"]
        b["speedup_vs_sim_single"] = one["ms_sim"] / b["ms_per_sequence_step"]
        batched.append(b)
        print(f"batched d={order} m={m} B={b['batch']}: "
              f"{b['ms_per_sequence_step']:.3f} ms per sequence-step, "
              f"{b['speedup_vs_fast_single']:.1f}x one sequence on fast, "
              f"{b['speedup_vs_sim_single']:.0f}x one sequence on nengo-loihi",
              flush=True)
    path = os.path.join(args.out, "bench_emulator.json")
    old = {"rows": [], "batched": []}
    if os.path.exists(path):  # keep the networks this run did not measure
        with open(path) as f:
            old = json.load(f)
    for key, new in (("rows", rows), ("batched", batched)):
        done = {(r["order"], r["m"]) for r in new}
        old[key] = [r for r in old[key] if (r["order"], r["m"]) not in done] + new
    with open(path, "w") as f:
        json.dump(old, f, indent=1)


if __name__ == "__main__":
    main()
