r"""The error-scaling study of :ref:`theory-error-scaling`: its grids and its report.

The LMU paper claims that a memory in m Poisson spiking neurons has error
O(d / sqrt(m)). :func:`study` gives the trials that test it (E_n against m at
fixed d, against d at fixed m, for Poisson, regular LIF and LIFRate neurons,
and against d with state scaling for the raw E); :func:`fits` fits power laws
to whatever a store holds; :func:`report` prints those fits and saves figures.

All study trials use unit radii (``state_scaling=False``) unless they say
otherwise, so that E_n = E and every dimension's neurons represent [-1, 1]:
with state scaling the high-order dimensions of a slow input get tiny radii
while the recurrence still feeds them the spiking noise of the others, so
their E_n grows without bound (measured: E_n 185 at d = 16, m = 4000).
"""

import dataclasses

import numpy as np
from nengo.exceptions import ValidationError

from nengo_lmu import metrics
from nengo_lmu.analysis import figures
from nengo_lmu.analysis.experiment import Trial
from nengo_lmu.analysis.families import complete, families, family_key
from nengo_lmu.analysis.sweep import FIELDS, grid

#: What every study trial shares: a 1 s window of 1 Hz white noise (rms 0.3),
#: the delay readout at theta, 3 s of which 2 s after the warm-up.
BASE = dict(theta=1.0, duration=3.0, state_scaling=False, delays=(1.0,))

#: Neuron types compared: the paper's Poisson neurons, regular (deterministic)
#: LIF spiking, and LIFRate, the noise-free rate twin.
NEURON_TYPES = ("poisson", "lif", "lifrate")

STUDIES = {
    # 320 trials: the 295 of the m and d families took about 6.5 minutes on 2
    # cores (measured; see the README); the theta family's 25 were not timed
    # together with them (46.5 s of simulated input per seed, with the twin)
    "default": dict(
        base=BASE,
        seeds=5,
        order=4,
        m=(100, 200, 400, 800, 1600, 3200, 6400, 12800, 32000),
        # 4800 splits evenly over every d below
        d=(1, 2, 3, 4, 6, 8, 12, 16),
        m_for_d=4800,
        # E against theta at d = 4, m = 1600, 1 cycle per window (3 windows each)
        theta=(0.5, 1.0, 2.0, 4.0, 8.0),
        order_for_theta=4,
        m_for_theta=1600,
    ),
    # under a minute: the same families, small and short
    "quick": dict(
        base=dict(BASE, theta=0.5, duration=1.5),
        seeds=2,
        order=2,
        m=(100, 400, 1600),
        d=(1, 2, 4),
        m_for_d=400,
        theta=(0.5, 1.0, 2.0),
        order_for_theta=2,
        m_for_theta=400,
    ),
}

#: The theory's exponents, by the swept field: :ref:`theory-error-scaling` for m and
#: d; for theta, decoding noise fed back through a recurrence that approaches
#: the identity integrates over the window, so E grows as sqrt(theta)
#: (:mod:`nengo_lmu.analysis.long_window`).
THEORY = {"n_neurons": -0.5, "order": 1.0, "theta": 0.5}


def theta_family(base, thetas, cycles=1.0, windows=3, seeds=range(1)):
    """Trials of ``base`` against ``theta``, the input scaled with the window.

    Each has ``input_high = cycles / theta`` and ``duration = windows *
    theta``, so every window holds the same content (the continuous memory
    is then scale-invariant, and only the neurons see theta).
    """
    return [
        dataclasses.replace(
            base, theta=float(t), input_high=cycles / t, duration=windows * t, seed=s
        )
        for t in thetas
        for s in seeds
    ]


def study(name="default", seeds=None):
    """The trials of study ``name`` (``"default"`` or ``"quick"``).

    Families: E against m at fixed ``order`` and against d at fixed m, each
    for every neuron type of :data:`NEURON_TYPES`, and against d with state
    scaling for Poisson neurons; ``seeds`` network seeds per point (the input
    is the same in all).
    """
    if name not in STUDIES:
        raise ValidationError(f"must be one of {sorted(STUDIES)} (got {name!r})", "study")
    s = STUDIES[name]
    if seeds is not None and int(seeds) < 1:
        raise ValidationError(f"must be >= 1 (got {seeds})", "seeds")
    seeds = range(s["seeds"] if seeds is None else seeds)
    base = Trial(**s["base"])
    trials = grid(
        dataclasses.replace(base, order=s["order"]),
        neuron_type=NEURON_TYPES,
        n_neurons=s["m"],
        seed=seeds,
    )
    trials += grid(
        dataclasses.replace(base, n_neurons=s["m_for_d"]),
        neuron_type=NEURON_TYPES,
        order=s["d"],
        seed=seeds,
    )
    trials += grid(
        dataclasses.replace(base, n_neurons=s["m_for_d"], state_scaling=True),
        order=s["d"],
        seed=seeds,
    )
    trials += theta_family(
        dataclasses.replace(
            base, order=s["order_for_theta"], n_neurons=s["m_for_theta"], state_scaling=True
        ),
        s["theta"],
        seeds=seeds,
    )
    return trials


#: Errors fitted: E_n, raw E, and E_n above the rate twin's floor (spiking only).
METRICS = {
    "E_n": "normalised_state_error",
    "E": "state_error",
}

#: Costs fitted against m (theory: O(m) time and memory for fixed d): seconds
#: of simulation and MiB of the built model's signals.
COSTS = {"time": ("run_s", 1.0), "memory": ("model_mb", 1.0)}


def _label(varying, family):
    """The ``varying`` fields' values in ``family``, as text."""
    first = family.iloc[0]
    return ", ".join(f"{n}={first[n]!r}" for n in varying)


def fits(df, confidence=0.95, n_resamples=2000):
    """Power-law fits of every family of records in ``df``.

    ``df`` is a DataFrame of trial records (:meth:`.Store.dataframe`). A family
    is a set of records that differ only in ``n_neurons`` (or only in
    ``order``, or only in ``theta`` with the input scaled to it,
    :func:`theta_family`) and in the seeds, with at least two values of it. Each family
    gives one row per metric: E_n, E and, for spiking neurons with a rate
    twin, ``E_n>floor`` (E_n with the twin's E_n removed in quadrature,
    :func:`.metrics.above_floor`); against m also ``time`` (``run_s``) and
    ``memory`` (``model_mb``), whose theory is +1 (a wall-clock fit, so it
    depends on the machine and its load).

    Returns
    -------
    pandas.DataFrame
        One row per fit: ``swept`` ("m", "d" or "theta"), ``backend``, ``neuron_type``,
        ``state_scaling``, ``fixed`` (the other of d, m; both for theta), ``label`` (any other
        fields that set the family apart from the others), ``metric``,
        ``exponent``, ``ci_low``, ``ci_high``, ``theory``, ``n_points``,
        ``n`` (trials), ``x_min``, ``x_max``, ``floor`` (the twin's mean E_n at
        the largest x; NaN without a twin), ``prefactor`` and ``family`` (its
        fixed fields, :func:`family_key`).
    """
    import pandas as pd  # noqa: PLC0415

    rows = []
    df = complete(df)
    # fields that set families apart beyond those every row shows
    shown = ("seed", "input_seed", "neuron_type", "state_scaling", "order", "n_neurons")
    varying = [n for n in FIELDS if n not in shown and df[n].map(repr).nunique() > 1]
    for x, label, other in (
        ("n_neurons", "m", "order"),
        ("order", "d", "n_neurons"),
        ("theta", "theta", None),
    ):
        for family in families(df, x):
            first = family.iloc[0]
            spiking = first["neuron_type"] != first.get("twin_neuron_type", first["neuron_type"])
            has_twin = "twin_normalised_state_error" in family and bool(
                family["twin_normalised_state_error"].notna().all()
            )
            ys = {name: family[col].to_numpy(float) for name, col in METRICS.items()}
            theory = dict.fromkeys(ys, THEORY[x])
            if x == "n_neurons":
                for name, (col, power) in COSTS.items():
                    if col in family and family[col].notna().all():
                        ys[name], theory[name] = family[col].to_numpy(float), power
            floor = np.nan
            if has_twin:
                twin = family["twin_normalised_state_error"].to_numpy(float)
                top = family[x].to_numpy() == family[x].max()
                floor = float(np.mean(twin[top]))
                if spiking:
                    ys["E_n>floor"] = metrics.above_floor(ys["E_n"], twin)
                    theory["E_n>floor"] = THEORY[x]
            for name, y in ys.items():
                keep = y > 0
                if len(np.unique(family[x].to_numpy()[keep])) < 2:
                    continue
                fit = metrics.power_law_fit(
                    family[x].to_numpy(float)[keep],
                    y[keep],
                    confidence=confidence,
                    n_resamples=n_resamples,
                )
                rows.append(
                    dict(
                        family=family_key(family, x),
                        label=_label(varying, family),
                        backend=first["backend"],
                        swept=label,
                        neuron_type=first["neuron_type"],
                        state_scaling=bool(first["state_scaling"]),
                        fixed=(
                            f"d={first['order']},m={first['n_neurons']}"
                            if other is None
                            else f"{'d' if other == 'order' else 'm'}={first[other]}"
                        ),
                        metric=name,
                        theory=theory[name],
                        x_min=(float if x == "theta" else int)(family[x].min()),
                        x_max=(float if x == "theta" else int)(family[x].max()),
                        floor=floor,
                        **fit,
                    )
                )
    columns = ["swept", "backend", "neuron_type", "state_scaling", "fixed", "label",
               "metric", "exponent",
               "ci_low", "ci_high", "theory", "n_points", "n", "x_min", "x_max",
               "floor", "prefactor", "family"]
    return pd.DataFrame(rows, columns=columns)


def report(store, out=None, confidence=0.95, n_resamples=2000):
    """Fit the records of ``store`` and save the study's figures.

    Parameters
    ----------
    store : Store
        The results store.
    out : str, optional
        Folder for ``fits.csv`` and the PNG figures (default
        ``<store>/report``).

    Returns
    -------
    table : pandas.DataFrame
        :func:`fits` of the store's records.
    paths : list of str
        The files written.
    """
    import os  # noqa: PLC0415

    out = os.path.join(store.path, "report") if out is None else os.fspath(out)
    os.makedirs(out, exist_ok=True)
    df = store.dataframe()
    table = fits(df, confidence=confidence, n_resamples=n_resamples)
    paths = [os.path.join(out, "fits.csv")]
    table.to_csv(paths[0], index=False)
    if len(table):
        paths += figures.plot_scaling(df, table, out)
    return table, paths
