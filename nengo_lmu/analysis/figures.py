"""Figures of trial results (matplotlib, Agg when no display)."""

import numpy as np
from scipy.special import eval_legendre

from nengo_lmu.analysis.families import families, family_key


def plot_trial(data, trial, path):
    """Save a PNG: input, decoded vs ideal vs true delays, states, Legendre basis."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(4, 1, figsize=(9, 11), constrained_layout=True)
    t = data["t"]
    axes[0].plot(t, data["u"], color="k", lw=1)
    axes[0].set(title="Input u(t) (probe-filtered)", xlabel="t [s]")

    ax = axes[1]
    for i, tp in enumerate(data["delays"]):
        color = f"C{i}"
        ax.plot(t, data["true_delays"][:, i], color=color, lw=2, alpha=0.35)
        ax.plot(t, data["ideal_delays"][:, i], color=color, ls="--", lw=1)
        ax.plot(t, data["decoded_delays"][:, i], color=color, lw=0.8,
                label=f"theta' = {tp:g} s")
    ax.set(title=f"u(t - theta'): true (thick), ideal memory (dashed), "
                 f"{trial.n_neurons} {trial.neuron_type} neurons (thin)",
           xlabel="t [s]")
    ax.legend(loc="upper right", fontsize=8)

    ax = axes[2]
    scale = np.asarray(data["radii"])
    for i in range(data["ideal"].shape[1]):
        ax.plot(t, data["ideal"][:, i] / scale[i] + 2.2 * i, color="k", lw=1)
        ax.plot(t, data["decoded"][:, i] / scale[i] + 2.2 * i, color=f"C{i}", lw=0.6)
    ax.set(title="Memory state m_i / radius_i: ideal (black), decoded (colour), offset",
           xlabel="t [s]", yticks=[])

    ax = axes[3]
    tp = np.linspace(0, trial.theta, 200)
    for i in range(trial.order):
        ax.plot(tp, eval_legendre(i, 2 * tp / trial.theta - 1), label=f"P_{i}")
    ax.set(title="Legendre basis over the window", xlabel="theta' [s]")
    ax.legend(loc="lower left", ncol=trial.order, fontsize=8)
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return path


def _pyplot():
    import matplotlib  # noqa: PLC0415

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt  # noqa: PLC0415

    return plt


COLORS = {"poisson": "C0", "lif": "C1", "lifrate": "C2"}


def _scaling_axes(ax, df, table, x, label):
    """One swept variable: seeds as dots, means as lines, fits and references."""
    for family in families(df, x):
        first = family.iloc[0]
        nt, scaled = first["neuron_type"], bool(first["state_scaling"])
        metric = "state_error" if scaled else "normalised_state_error"
        name = f"{nt}{', state scaling: E' if scaled else ''}"
        color = COLORS.get(nt, "C3") if not scaled else "C4"
        xs = family[x].to_numpy(float)
        ys = family[metric].to_numpy(float)
        ax.scatter(xs, ys, s=8, color=color, alpha=0.5)
        points = np.unique(xs)
        means = [ys[xs == p].mean() for p in points]
        ax.plot(points, means, color=color, lw=1, label=name)
        row = table[(table.family == family_key(family, x))
                    & (table.metric == ("E" if scaled else "E_n"))]
        if len(row):
            r = row.iloc[0]
            ax.plot(points, r.prefactor * points**r.exponent, color=color, ls=":",
                    lw=1.5, label=f"fit: alpha = {r.exponent:.2f} "
                                   f"[{r.ci_low:.2f}, {r.ci_high:.2f}]")
        if nt == "poisson" and not scaled:
            if "twin_normalised_state_error" in family:
                twin = family["twin_normalised_state_error"].to_numpy(float)
                ax.plot(points, [twin[xs == p].mean() for p in points], color="0.5",
                        ls="--", lw=1, label="rate twin (systematic floor)")
            # the theory's shape d / sqrt(m), its one constant fitted to the means
            other = family["order" if x == "n_neurons" else "n_neurons"].to_numpy(float)
            d = points if x == "order" else np.full(len(points), other[0])
            m = points if x == "n_neurons" else np.full(len(points), other[0])
            shape = d / np.sqrt(m)
            c = np.exp(np.mean(np.log(means) - np.log(shape)))
            ax.plot(points, c * shape, color="k", lw=0.8,
                    label=f"{c:.2f} d / sqrt(m) (theory's shape)")
    ax.set(xscale="log", yscale="log", xlabel=label, ylabel="E_n (unit radii, so = E)")
    if ax.get_legend_handles_labels()[0]:
        ax.legend(fontsize=7)


def plot_scaling(df, table, out):
    """Save the study's PNGs into folder ``out``: E against m and E against d
    (for whichever :func:`.study.fits` found) and the neuron types compared.
    Returns their paths."""
    import os  # noqa: PLC0415

    plt = _pyplot()
    paths = []
    for x, label, name in (("n_neurons", "m (neurons)", "error-vs-m.png"),
                           ("order", "d (Legendre dimensions)", "error-vs-d.png")):
        if not (table.swept == label[0]).any():
            continue
        fig, ax = plt.subplots(figsize=(7, 5), constrained_layout=True)
        _scaling_axes(ax, df, table, x, label)
        ax.set_title(f"State error against {label.split()[0]}: seeds (dots), means (lines)")
        path = os.path.join(out, name)
        fig.savefig(path, dpi=90)
        plt.close(fig)
        paths.append(path)

    fig, axes = plt.subplots(1, 2, figsize=(11, 4.5), constrained_layout=True)
    for ax, (x, label) in zip(axes, (("n_neurons", "m"), ("order", "d"))):
        for family in families(df[~df["state_scaling"].astype(bool)], x):
            nt = family.iloc[0]["neuron_type"]
            xs = family[x].to_numpy(float)
            ys = family["normalised_state_error"].to_numpy(float)
            points = np.unique(xs)
            lo, mid, hi = (np.array([f(ys[xs == p]) for p in points])
                           for f in (np.min, np.mean, np.max))
            color = COLORS.get(nt, "C3")
            ax.fill_between(points, lo, hi, color=color, alpha=0.2)
            ax.plot(points, mid, color=color, marker="o", ms=3, label=nt)
        ax.set(xscale="log", yscale="log", xlabel=label, ylabel="E_n",
               title=f"Neuron types against {label}: mean, min-max over seeds")
        if ax.get_legend_handles_labels()[0]:
            ax.legend(fontsize=8)
    path = os.path.join(out, "neuron-types.png")
    fig.savefig(path, dpi=90)
    plt.close(fig)
    paths.append(path)
    return paths
