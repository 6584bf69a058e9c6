"""Families of trial records: records that differ in one swept field and the seeds only.

The study's fits (:func:`.study.fits`) and figures (:mod:`.figures`) group a
store's records this way: a family against ``n_neurons`` holds records that
agree in every :class:`~nengo_lmu.analysis.experiment.Trial` field but
``n_neurons``, the seeds and what scales with the swept field
(:data:`ALONG`).
"""

from nengo_lmu.analysis.experiment import Trial
from nengo_lmu.analysis.sweep import FIELDS

#: Fields that a theta family scales with theta (the input's bandwidth in
#: cycles per window, and the run's length in windows), so they do not set
#: families apart.
ALONG = {"theta": ("input_high", "duration")}


def complete(df):
    """``df`` with every Trial field, defaults filling fields older records lack."""
    defaults = Trial().spec()
    missing = {n: [defaults[n]] * len(df) for n in FIELDS if n not in df}
    df = df.reset_index(drop=True)  # unique labels, whatever was concatenated
    return df.assign(**missing) if missing else df


def _free(x):
    """The fields a family against ``x`` may vary: ``x``, the seeds, :data:`ALONG`."""
    return (x, "seed", "input_seed") + ALONG.get(x, ())


def family_key(family, x):
    """A family's fixed fields (all but ``x``, the seeds and what scales with ``x``), as text."""
    first = family.iloc[0]
    return repr([(n, first[n]) for n in FIELDS if n not in _free(x)])


def families(df, x):
    """Groups of records that differ only in ``x`` (and what scales with it,
    :data:`ALONG`) and the seeds, with >= 2 x values."""
    df = complete(df)
    fixed = [n for n in FIELDS if n not in _free(x)]
    keyed = df.assign(**{n: df[n].map(repr) for n in fixed})
    for _, index in keyed.groupby(fixed, dropna=False, sort=True).groups.items():
        family = df.loc[index]
        if family[x].nunique() >= 2:
            yield family

