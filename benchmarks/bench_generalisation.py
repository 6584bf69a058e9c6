"""Generalisation across windows and input speeds, on every backend.

Two parts, both trials in the resumable results store (``--out``; a rerun
skips what is stored), scored by the window NRMSE (the decoded window at 100
delays against the true delayed input, after a warm-up of theta):

- ``table71``: the delay network of Voelker's thesis (2019, Table 7.1):
  order 3, theta = 0.1 s, white noise band-limited to 3 Hz (RMS 1), 384
  neurons, 20 ms readout filter, 10 s, on the reference simulator (LIF
  ``LegendreMemory``), on nengo-loihi's integer emulator
  (``LoihiLegendreMemory``, its default neurons), on the reference simulator
  running that same Loihi network, and on the analog backend
  (``AnalogLegendreMemory``), with a mean and 95% interval over seeds. The
  thesis reports 0.057 (CPU), 0.148 (nengo-loihi's emulator), 0.149 (Loihi)
  and 0.159 (Braindrop).
- ``grid``: order d in {3, 6, 12, 24}, theta in {0.05, 0.1, 0.25, 1} s,
  input bandwidth f with theta * f in {0.3, 1}, m in {2, 4, 8} x 64 d
  neurons, seeds, on the same backends (the reference backend with its
  default Poisson neurons). Prints the emulator-to-reference ratio on the
  same network at each point and whether the error falls as m grows, and
  plots the error against theta * f per backend. ``--orders``, ``--thetas``,
  ``--multiples``, ``--seeds`` and ``--backends`` choose a part of it (the
  whole grid on nengo-loihi's emulator takes days on two cores).

Usage::

    python benchmarks/bench_generalisation.py table71 [--seeds 10]
    python benchmarks/bench_generalisation.py grid [--orders 3 6] [--thetas 0.1 1]
        [--multiples 2 4] [--seeds 5] [--backends reference loihi-sim]
"""

import argparse
import os
import warnings

import numpy as np

from nengo_lmu.analysis.experiment import Trial
from nengo_lmu.analysis.store import Store
from nengo_lmu.analysis.sweep import run_sweep

#: Each backend as Trial fields: the memory class, neurons and simulator.
BACKENDS = {
    "reference": dict(backend="reference", neuron_type="poisson"),
    "loihi-sim": dict(backend="loihi", neuron_type="default",
                      backend_options=(("target", "sim"),)),
    "loihi-reference": dict(backend="loihi", neuron_type="default",
                            backend_options=(("target", "reference"),)),
    # the integers of "loihi-sim" from the fast emulator, for large m
    "loihi-fast": dict(backend="loihi", neuron_type="default",
                       backend_options=(("target", "fast"),)),
    "analog": dict(backend="analog", neuron_type="default"),
    # the analog memory with the exact mapping of the chip's synapse, whatever its
    # speed (the default chooses by speed), to compare the two mappings
    "analog-exact": dict(backend="analog", neuron_type="default",
                         backend_options=(("compensations", "calibrate+exact"),)),
}

#: The thesis's figures for its Table 7.1 network (window NRMSE).
THESIS = {"reference": 0.057, "loihi-sim": 0.149, "analog": 0.159}


def table71_trials(seeds):
    base = dict(order=3, theta=0.1, n_neurons=384, input_high=3.0, input_rms=1.0,
                duration=10.0, probe_synapse=0.02, rate_twin=False)
    trials = []
    for name in ("reference", "loihi-sim", "loihi-reference", "analog"):
        fields = dict(BACKENDS[name])
        if name == "reference":
            fields["neuron_type"] = "lif"  # the thesis's neurons
        trials += [Trial(**base, **fields, seed=s, input_seed=s) for s in seeds]
    return trials


def grid_trials(orders, thetas, products, multiples, seeds, backends):
    trials = []
    for d in orders:
        for theta in thetas:
            for tf in products:
                high = tf / theta
                duration = round(theta + max(2.0, 10 * theta, 2.0 / high), 6)
                for k in multiples:
                    for s in seeds:
                        for name in backends:
                            trials.append(Trial(
                                order=d, theta=theta, n_neurons=k * 64 * d,
                                input_high=high, input_rms=1.0, duration=duration,
                                probe_synapse=0.02, rate_twin=False, seed=s,
                                input_seed=s, **BACKENDS[name]))
    return trials


def label(record):
    options = dict(record["backend_options"])
    if record["backend"] == "loihi":
        return f"loihi-{options.get('target', 'sim')}"
    for name, fields in BACKENDS.items():  # e.g. "analog-exact" by its options
        if (fields["backend"] == record["backend"]
                and dict(fields.get("backend_options", ())) == options):
            return name
    return record["backend"]


def frame(store):
    import pandas as pd  # noqa: PLC0415

    df = store.dataframe()
    df["config"] = [label(r) for r in df.to_dict("records")]
    df["theta_f"] = (df["theta"] * df["input_high"]).round(3)
    return df


def interval(values):
    from scipy import stats  # noqa: PLC0415

    values = np.asarray(values, dtype=float)
    if len(values) < 2:
        return values.mean(), np.nan, np.nan
    lo, hi = stats.t.interval(0.95, len(values) - 1, loc=values.mean(),
                              scale=stats.sem(values))
    return values.mean(), lo, hi


def report_table71(df):
    rows = df[(df.order == 3) & (df.theta == 0.1) & (df.n_neurons == 384)]
    print("Table 7.1 network: window NRMSE, mean [95% interval] over seeds")
    for name in BACKENDS:
        sub = rows[rows.config == name]["window_nrmse"]
        if len(sub):
            mean, lo, hi = interval(sub)
            thesis = THESIS.get(name)
            ref = f"   thesis {thesis:.3f}" if thesis else ""
            print(f"  {name:16s} {mean:.3f} [{lo:.3f}, {hi:.3f}]  n={len(sub)}{ref}")


def falls_with_m(table, configs):
    """For each config, (points where the error falls at every larger m, points
    with more than one m)."""
    falls = {}
    for c in configs:
        ok = []
        for _, g in table.groupby(["order", "theta", "theta_f"]):
            e = g.sort_values("n_neurons")[c].to_numpy()
            e = e[np.isfinite(e)]
            if len(e) > 1:
                ok.append(bool(np.all(np.diff(e) < 0)))
        falls[c] = (sum(ok), len(ok))
    return falls


def report_grid(df, out):
    keys = ["order", "theta", "theta_f", "n_neurons"]
    table = (df.groupby(keys + ["config"])["window_nrmse"].mean()
             .unstack("config").reset_index())
    chip = "loihi-sim" if "loihi-sim" in table.columns else "loihi-fast"
    if {chip, "loihi-reference"} <= set(table.columns):
        table["emulator/reference"] = table[chip] / table["loihi-reference"]
    print(table.to_string(index=False, float_format=lambda x: f"{x:.3f}"))
    table.to_csv(os.path.join(out, "generalisation.csv"), index=False)
    configs = [c for c in BACKENDS if c in table.columns]
    print("window NRMSE falls with m at (d, theta, f) points: "
          + ", ".join(f"{c} {a}/{b}" for c, (a, b) in falls_with_m(table, configs).items()))
    # the window NRMSE includes what an order-d window cannot hold of a fast
    # input, the same at every m; the state error against the ideal memory
    # is the neurons' own
    states = (df.groupby(keys + ["config"])["normalised_state_error"].mean()
              .unstack("config").reset_index())
    print("state error against the ideal memory (E_n) falls with m: "
          + ", ".join(f"{c} {a}/{b}" for c, (a, b) in falls_with_m(states, configs).items()))
    if "emulator/reference" in table:
        r = table["emulator/reference"].dropna()
        if len(r):
            print(f"emulator / reference on the same network: max {r.max():.2f}, "
                  f"median {r.median():.2f}, points <= 1.3: {(r <= 1.3).sum()}/{len(r)}")
    plot(df, os.path.join(out, "generalisation.png"))


def plot(df, path):
    import matplotlib  # noqa: PLC0415

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt  # noqa: PLC0415

    fig, ax = plt.subplots(figsize=(6, 4))
    for c, g in df.groupby("config"):
        m = g.groupby("theta_f")["window_nrmse"].median()
        ax.plot(m.index, m.values, "o-", label=c)
    ax.set_xlabel("theta * f (input bandwidth x window)")
    ax.set_ylabel("window NRMSE (median over the grid)")
    ax.set_yscale("log")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path)
    print(f"figure: {path}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("part", choices=("table71", "grid"))
    parser.add_argument("--out", default="bench-results/generalisation")
    parser.add_argument("--seeds", type=int, default=None)
    parser.add_argument("--orders", type=int, nargs="+", default=[3, 6, 12, 24])
    parser.add_argument("--thetas", type=float, nargs="+", default=[0.05, 0.1, 0.25, 1.0])
    parser.add_argument("--products", type=float, nargs="+", default=[0.3, 1.0])
    parser.add_argument("--multiples", type=int, nargs="+", default=[2, 4, 8])
    parser.add_argument("--backends", nargs="+",
                        default=["reference", "loihi-sim", "loihi-reference", "analog"],
                        choices=list(BACKENDS))
    parser.add_argument("--scheduler", default="serial")
    args = parser.parse_args(argv)
    warnings.filterwarnings("ignore")
    if args.part == "table71":
        trials = table71_trials(range(args.seeds or 10))
    else:
        trials = grid_trials(args.orders, args.thetas, args.products, args.multiples,
                             range(args.seeds or 5), args.backends)
    os.makedirs(args.out, exist_ok=True)
    run_sweep(trials, args.out, scheduler=args.scheduler, resume=True)
    df = frame(Store(args.out))
    keys = {t.key for t in trials}
    df = df[df.key.isin(keys)]
    if args.part == "table71":
        report_table71(df)
    else:
        report_grid(df, args.out)


if __name__ == "__main__":
    main()
