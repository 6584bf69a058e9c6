"""The reference memory's radius floor: E_n and window NRMSE with and without it.

Runs a plain ``LegendreMemory`` (its default Poisson neurons, 0.1 s synapse)
on nengo's simulator with white noise of RMS 1 and bandwidth
``theta_f / theta``, as ``bench_generalisation.py grid`` does (the same
inputs, seeds, duration, 20 ms probe filter and warm-up of theta), with the
radii of two standard deviations of each state under that input
(:func:`nengo_lmu.signals.state_radii`) raised to the largest over each
``--ratios`` value (0: not floored, the memory's default before
:data:`nengo_lmu.networks.memory.MAX_RADIUS_RATIO`). Prints, per ratio, the
normalised state error E_n (each dimension's error over its own radius, and
over the unfloored radii), the same after a warm-up of two thetas, the
window NRMSE and the state error E, means over seeds, and the window NRMSE
over the first ratio's on the same seed (mean and 95% interval). ``--per-dim`` also
prints each dimension's radius, error over radius, and decoded gain
(regression of the decoded state on the ideal one) for the first seed.

``--compare BEFORE AFTER`` instead reads two stores of
``bench_generalisation.py grid`` (e.g. one run before the floor and one
after) and prints, for the reference backend at the orders both hold, each
point's window NRMSE and E_n in both, the ratio of the window NRMSEs, and at
how many points each falls with m.

Usage::

    python benchmarks/bench_radius_floor.py --order 12 --theta 1 --theta-f 0.3
        [--multiple 2] [--seeds 5] [--ratios 0 32 100] [--per-dim]
    python benchmarks/bench_radius_floor.py --compare STORE_BEFORE STORE_AFTER
"""

import argparse
import warnings

import nengo
import numpy as np
from scipy import stats

from nengo_lmu import metrics, signals
from nengo_lmu.networks.memory import LegendreMemory

DT = 0.001
PROBE_SYNAPSE = 0.02


def run(order, theta, theta_f, n_neurons, ratio, seed):
    """One trial; returns (decoded, ideal, radii, unfloored radii, u filtered)."""
    high = theta_f / theta
    duration = round(theta + max(2.0, 10 * theta, 2.0 / high), 6)
    u = signals.white_signal(duration, DT, high, 1.0, seed=seed)
    process = signals.white_signal_process(duration, high, 1.0)
    r0 = signals.state_radii(order, theta, process, dt=DT)
    radii = r0 if ratio == 0 else np.maximum(r0, r0.max() / ratio)
    with nengo.Network(seed=seed) as net:
        stim = nengo.Node(signals.input_process(u, DT))
        mem = LegendreMemory(order, theta, n_neurons, radii=radii)
        nengo.Connection(stim, mem.input, synapse=None)
        probe = nengo.Probe(mem.state, synapse=PROBE_SYNAPSE)
    with nengo.Simulator(net, dt=DT, progress_bar=False) as sim:
        sim.run_steps(len(u))
    ideal = metrics.filtered(signals.ideal_memory(u, order, theta, DT), PROBE_SYNAPSE, DT)
    return sim.data[probe], ideal, radii, r0, metrics.filtered(u, PROBE_SYNAPSE, DT)


def compare(before, after):
    """Print the reference backend's grid points in two stores side by side."""
    import os  # noqa: PLC0415
    import sys  # noqa: PLC0415

    import pandas as pd  # noqa: PLC0415

    from nengo_lmu.analysis.store import Store  # noqa: PLC0415

    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from bench_generalisation import falls_with_m, frame  # noqa: PLC0415

    keys = ["order", "theta", "theta_f", "n_neurons"]
    tables = []
    for path in (before, after):
        df = frame(Store(path))
        df = df[df.config == "reference"]
        tables.append(df.groupby(keys)[["window_nrmse", "normalised_state_error"]].mean())
    orders = sorted(set(tables[0].index.get_level_values(0))
                    & set(tables[1].index.get_level_values(0)))
    tables = [t[t.index.get_level_values(0).isin(orders)] for t in tables]
    both = tables[0].join(tables[1], lsuffix="_before", rsuffix="_after", how="inner")
    both["window_after/before"] = both["window_nrmse_after"] / both["window_nrmse_before"]
    pd.set_option("display.width", 200)
    print(both.round(3).to_string())
    r = both["window_after/before"]
    print(f"orders {orders}: window NRMSE after / before: median {r.median():.3f}, "
          f"range {r.min():.3f}-{r.max():.3f} over {len(r)} (point, m) pairs")
    for col in ("window_nrmse", "normalised_state_error"):
        for when in ("before", "after"):
            table = both[f"{col}_{when}"].rename("x").reset_index()
            a, b = falls_with_m(table, ["x"])["x"]
            print(f"{col} {when}: falls with m at {a}/{b} (d, theta, f) points")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--order", type=int, default=12)
    parser.add_argument("--theta", type=float, default=1.0)
    parser.add_argument("--theta-f", type=float, default=0.3)
    parser.add_argument("--multiple", type=int, default=2,
                        help="neurons: multiple x 64 x order")
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--ratios", type=float, nargs="+", default=[0, 32, 100])
    parser.add_argument("--per-dim", action="store_true")
    parser.add_argument("--compare", nargs=2, metavar=("BEFORE", "AFTER"))
    args = parser.parse_args(argv)
    warnings.filterwarnings("ignore")
    if args.compare:
        compare(*args.compare)
        return
    np.set_printoptions(precision=3, linewidth=160)
    n = args.multiple * 64 * args.order
    print(f"order {args.order}, theta {args.theta} s, theta * f {args.theta_f}, {n} neurons, "
          f"{args.seeds} seeds")
    print(f"{'ratio':>6} {'E_n':>8} {'E_n(r0)':>10} {'E_n 2th':>8} {'window':>7} {'sd':>6} "
          f"{'E':>7}  window / first ratio's, same seed [95%]")
    first = None
    for ratio in args.ratios:
        rows = []
        for seed in range(args.seeds):
            decoded, ideal, radii, r0, u_f = run(
                args.order, args.theta, args.theta_f, n, ratio, seed)
            warm = lambda x, k=1: metrics.after_warmup(x, k * args.theta, DT)  # noqa: E731
            rows.append([
                metrics.normalised_state_error(warm(decoded), warm(ideal), radii),
                metrics.normalised_state_error(warm(decoded), warm(ideal), r0),
                metrics.normalised_state_error(warm(decoded, 2), warm(ideal, 2), radii),
                metrics.window_nrmse(decoded, u_f, args.theta, DT, warmup=args.theta),
                metrics.state_error(warm(decoded), warm(ideal)),
            ])
            if args.per_dim and seed == 0:
                x, x_hat = warm(ideal), warm(decoded)
                err = np.sqrt(np.mean((x_hat - x) ** 2, axis=0))
                print(f"  ratio {ratio:g}, seed 0:\n  radius    {radii}\n"
                      f"  rmse/r    {err / radii}\n"
                      f"  ideal sd  {x.std(axis=0)}\n"
                      f"  gain      {np.sum(x_hat * x, axis=0) / np.sum(x * x, axis=0)}")
        rows = np.array(rows)
        mean = rows.mean(axis=0)
        first = rows[:, 3] if first is None else first
        paired = rows[:, 3] / first
        half = 0.0
        if len(paired) > 1:
            half = stats.t.ppf(0.975, len(paired) - 1) * stats.sem(paired)
        print(f"{ratio:>6g} {mean[0]:>8.3f} {mean[1]:>10.3f} {mean[2]:>8.3f} {mean[3]:>7.4f} "
              f"{rows[:, 3].std():>6.4f} {mean[4]:>7.4f}  {paired.mean():.3f} "
              f"[{paired.mean() - half:.3f}, {paired.mean() + half:.3f}]", flush=True)


if __name__ == "__main__":
    main()
