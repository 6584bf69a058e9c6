"""The memory on the analog substrate, one compensation at a time.

:func:`ladder` gives the trials of the comparison the analog backend is
judged by: the same memory on the reference simulator, on the
Braindrop-like substrate without compensation, and with each compensation
added in turn, over several chips (substrate seeds, which are also the
network seeds). They run like any sweep (:func:`~.sweep.run_sweep`, a
resumable store); :func:`table` summarises a store's records.
"""

import dataclasses

import numpy as np
from nengo.exceptions import ValidationError

from nengo_lmu.analysis.experiment import Trial

#: The steps, in order: where the memory runs and what it compensates.
STEPS = (
    ("reference", None),
    ("none", "none"),
    ("calibrate", "calibrate"),
    ("+ synapse", "calibrate+synapse"),
    ("+ heterogeneous", "all"),
)

#: What every trial shares: Braindrop's default 18 ms synapse, the paper's
#: Poisson neurons, unit radii, a 1 s window of 1 Hz white noise (rms 0.3).
BASE = dict(theta=1.0, synapse=0.018, neuron_type="poisson", state_scaling=False,
            duration=4.0, delays=(1.0,), rate_twin=False)

SETTINGS = {
    # 100 trials, about 2 minutes on 2 cores
    "default": dict(orders=(3, 6), n_neurons=(384, 768), chips=5),
    # the notebook's and CI's: 10 trials, about 15 s
    "quick": dict(orders=(3,), n_neurons=(384,), chips=2, duration=2.0),
}


def ladder(setting="default", chips=None, **overrides):
    """The trials of the comparison (``"default"`` or ``"quick"``).

    Parameters
    ----------
    setting : str
        One of :data:`SETTINGS`.
    chips : int, optional
        Substrate seeds (and network seeds) per point; default the setting's.
    **overrides
        Trial fields every trial shares (e.g. ``neuron_type="lif"``).
    """
    if setting not in SETTINGS:
        raise ValidationError(f"must be one of {sorted(SETTINGS)} (got {setting!r})",
                              "setting")
    s = dict(SETTINGS[setting])
    n_chips = s["chips"] if chips is None else int(chips)
    if n_chips < 1:
        raise ValidationError(f"must be >= 1 (got {chips})", "chips")
    base = dict(BASE, **({"duration": s["duration"]} if "duration" in s else {}))
    base = Trial(**dict(base, **overrides))
    trials = []
    for order in s["orders"]:
        for m in s["n_neurons"]:
            for chip in range(n_chips):
                for _, comps in STEPS:
                    t = dataclasses.replace(base, order=order, n_neurons=m, seed=chip)
                    if comps is not None:
                        t = dataclasses.replace(
                            t, backend="analog",
                            backend_options=(("chip", chip), ("compensations", comps)),
                        )
                    trials.append(t)
    return trials


def step_name(record):
    """The :data:`STEPS` name of a record (:func:`trials` gives every analog
    trial its ``compensations``; the reference trials have none)."""
    comps = dict(record["backend_options"]).get("compensations")
    return {c: name for name, c in STEPS}[comps]


def table(df, metric="state_error"):
    """Mean and spread of ``metric`` per (order, neurons, step), and the ratio to reference.

    Returns a DataFrame with columns ``order``, ``n_neurons``, ``step``,
    ``chips``, ``mean``, ``std``, ``min``, ``max`` and ``vs_reference`` (the
    mean over the reference's mean), rows in :data:`STEPS` order.
    """
    import pandas as pd  # noqa: PLC0415

    df = df.assign(step=[step_name(r) for r in df.to_dict("records")])
    order = {name: i for i, (name, _) in enumerate(STEPS)}
    rows = []
    for (d, m, step), g in df.groupby(["order", "n_neurons", "step"]):
        values = g[metric].to_numpy(dtype=float)
        rows.append(dict(order=d, n_neurons=m, step=step, chips=len(values),
                         mean=values.mean(), std=values.std(ddof=1) if len(values) > 1
                         else np.nan, min=values.min(), max=values.max()))
    out = pd.DataFrame(rows)
    ref = out[out.step == "reference"].set_index(["order", "n_neurons"])["mean"]
    out["vs_reference"] = [
        r["mean"] / ref.get((r["order"], r["n_neurons"]), np.nan) for _, r in out.iterrows()
    ]
    out["_rank"] = out.step.map(order)
    return out.sort_values(["order", "n_neurons", "_rank"]).drop(columns="_rank").reset_index(
        drop=True
    )
