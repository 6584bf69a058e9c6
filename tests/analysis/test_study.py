import numpy as np
import pandas as pd
import pytest
from nengo.exceptions import ValidationError

from nengo_lmu.analysis import study, tables
from nengo_lmu.analysis.experiment import Trial
from nengo_lmu.analysis.store import Store


def test_study_grids():
    trials = study.study("default")
    # m family: 9 sizes x 3 neuron types x 5 seeds; d family: 8 orders x 3 x 5;
    # d with state scaling: 8 x 5 (Poisson); theta: 5 windows x 5 seeds
    assert len(trials) == 135 + 120 + 40 + 25
    assert {t.neuron_type for t in trials} == {"poisson", "lif", "lifrate"}
    m_family = [t for t in trials if t.order == 4 and not t.state_scaling]
    assert {t.n_neurons for t in m_family} >= {100, 32000}
    d_family = [t for t in trials if t.n_neurons == 4800 and not t.state_scaling]
    assert {t.order for t in d_family} == {1, 2, 3, 4, 6, 8, 12, 16}
    assert all(4800 % t.order == 0 for t in d_family)  # even split
    theta_family = [t for t in trials if t.n_neurons == 1600 and t.order == 4
                    and t.state_scaling]
    assert {t.theta for t in theta_family} == {0.5, 1.0, 2.0, 4.0, 8.0}
    # the same content per window at every theta
    assert {(t.input_high * t.theta, t.duration / t.theta) for t in theta_family} == {(1.0, 3.0)}
    assert len(study.study("quick", seeds=1)) == (3 * 3 + 3 * 3 + 3 + 3)
    with pytest.raises(ValidationError, match=r"study: must be one of \['default', 'quick'\]"):
        study.study("huge")
    with pytest.raises(ValidationError, match="seeds: must be >= 1"):
        study.study("quick", seeds=0)


def synthetic(rng, alpha_m=-0.5, alpha_d=1.0, seeds=5, floor=0.002):
    """Records with a known power law, multiplicative noise and a rate-twin floor."""
    rows = []
    for nt in ("poisson", "lifrate"):
        for m in (100, 400, 1600, 6400):
            for s in range(seeds):
                rows.append((nt, 4, m, s))
        for d in (1, 2, 4, 8):
            for s in range(seeds):
                rows.append((nt, d, 4800, s))
    records = []
    for nt, d, m, s in rows:
        r = Trial(neuron_type=nt, order=d, n_neurons=m, seed=s, state_scaling=False).spec()
        noise = 0.3 * d * m**alpha_m * (d / 4) ** (alpha_d - 1) * np.exp(rng.normal(0, 0.05))
        e = float(np.hypot(noise, floor)) if nt == "poisson" else floor * (1 + 0.01 * s)
        r.update(state_error=e, normalised_state_error=e, twin_normalised_state_error=floor,
                 twin_neuron_type="lifrate", key=f"{nt}{d}{m}{s}")
        records.append(r)
    return pd.DataFrame(records)


def test_fits_recover_known_exponents(rng):
    table = study.fits(synthetic(rng), n_resamples=500)
    pois = table[table.neuron_type == "poisson"].set_index(["swept", "metric"])
    # the floor bends the raw E_n curve; removing it recovers the noise's exponent
    above = pois.loc[("m", "E_n>floor")]
    assert above.ci_low < -0.5 < above.ci_high and abs(above.exponent + 0.5) < 0.03
    assert pois.loc[("m", "E_n")].exponent > above.exponent  # flattened by the floor
    d = pois.loc[("d", "E_n>floor")]
    assert d.ci_low < 1.0 < d.ci_high
    assert set(pois.loc[("m", "E_n")][["n_points", "n", "x_min", "x_max"]]) == {5, 25, 100, 6400}  # d = 4 at m = 4800 joins
    assert pois.loc[("m", "E_n")].floor == pytest.approx(0.002)
    assert pois.loc[("m", "E_n")].fixed == "d=4" and pois.loc[("d", "E_n")].fixed == "m=4800"
    # rate neurons have no noise above their own floor to fit
    rate = table[table.neuron_type == "lifrate"]
    assert set(rate.metric) == {"E_n", "E"}
    text = tables.format_fits(table)
    assert "E_n>floor" in text and "95% CI" in text


def test_report_writes_fits_and_figures(rng, tmp_path):
    store = Store(tmp_path / "store")
    for record in synthetic(rng, seeds=2).to_dict("records"):
        store.append(record)
    table, paths = study.report(store, n_resamples=200)
    names = sorted(p.rsplit("/", 1)[1] for p in paths)
    assert names == ["error-vs-d.png", "error-vs-m.png", "fits.csv", "neuron-types.png"]
    for p in paths[1:]:
        with open(p, "rb") as f:
            assert f.read(8) == b"\x89PNG\r\n\x1a\n"
    assert len(pd.read_csv(paths[0])) == len(table) > 0


def test_report_of_an_empty_store(tmp_path):
    table, paths = study.report(Store(tmp_path))
    assert len(table) == 0 and len(paths) == 1
    assert "no family" in tables.format_fits(table)


def test_fits_survive_lost_seeds_and_tell_families_apart(rng):
    df = synthetic(rng, seeds=3)
    df = df.drop(index=df.index[(df.n_neurons == 100) & (df.seed > 0)])  # one seed left
    other = df[df.neuron_type == "poisson"].assign(theta=2.0)
    other["key"] = other["key"] + "t2"
    table = study.fits(pd.concat([df, other]), n_resamples=200)
    rows = table[(table.neuron_type == "poisson") & (table.metric == "E_n")
                 & (table.swept == "m")]
    assert len(rows) == 2 and rows.family.nunique() == 2
    assert sorted(rows.label) == ["theta=1.0", "theta=2.0"]
    assert np.isfinite(rows.ci_low).all()
    # records written before a field existed still fit, with its default
    assert len(study.fits(df.drop(columns=["rate_twin"]), n_resamples=50)) == len(
        study.fits(df, n_resamples=50))


def test_fits_against_theta(rng):
    """A theta family (input scaled with the window) fits as one family."""
    records = []
    for t in (1.0, 4.0, 16.0):
        for s, trial in enumerate(study.theta_family(Trial(order=6, n_neurons=6000), [t],
                                                     seeds=range(4))):
            e = 0.01 * np.sqrt(t) * np.exp(rng.normal(0, 0.05))
            r = trial.spec()
            r.update(state_error=e, normalised_state_error=2 * e, key=f"{t}{s}")
            records.append(r)
    table = study.fits(pd.DataFrame(records), n_resamples=200)
    row = table[(table.swept == "theta") & (table.metric == "E")].iloc[0]
    assert row.ci_low < 0.5 < row.ci_high and row.theory == 0.5
    assert (row.x_min, row.x_max, row.n_points, row.n) == (1.0, 16.0, 3, 12)
    assert row.fixed == "d=6,m=6000"
    assert "theta 1-16, d=6,m=6000" in tables.format_fits(table)
