"""Figures of trial results (matplotlib, Agg when no display)."""

import numpy as np
from scipy.special import eval_legendre


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
