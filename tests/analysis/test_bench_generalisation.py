"""The generalisation benchmark's grid: its trials, labels, the falls-with-m
check, and one small part of it run end to end on real simulators."""

import pathlib
import sys

import numpy as np
import pandas as pd

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2] / "benchmarks"))

import bench_generalisation as bench  # noqa: E402


def test_grid_trials_span_the_grid_on_every_backend():
    trials = bench.grid_trials([3, 6], [0.1], [0.3, 1.0], [2, 4], range(2),
                               ["reference", "analog-exact"])
    assert len(trials) == 2 * 1 * 2 * 2 * 2 * 2
    for t in trials:
        assert t.n_neurons in (2 * 64 * t.order, 4 * 64 * t.order)
        assert round(t.theta * t.input_high, 6) in (0.3, 1.0)
        assert t.seed == t.input_seed
        # a warm-up of theta, then at least 2 s and 2 input periods
        assert t.duration >= t.theta + 2.0 and t.duration >= t.theta + 2.0 / t.input_high
    labels = {bench.label(t.spec()) for t in trials}
    assert labels == {"reference", "analog-exact"}


def test_labels_tell_the_backends_apart():
    for name, fields in bench.BACKENDS.items():
        trial = bench.grid_trials([3], [1.0], [1.0], [2], [0], [name])[0]
        assert bench.label(trial.spec()) == name, fields


def test_falls_with_m_needs_every_larger_m_to_be_better():
    table = pd.DataFrame(dict(
        order=[3] * 6, theta=[0.1] * 6, theta_f=[0.3] * 3 + [1.0] * 3,
        n_neurons=[384, 768, 1536] * 2,
        a=[0.3, 0.2, 0.1, 0.3, 0.2, 0.1],
        b=[0.3, 0.2, 0.1, 0.3, 0.2, 0.2],  # flat at the largest m
        c=[0.3, np.nan, 0.1, 0.3, 0.31, np.nan],  # missing sizes are skipped
    ))
    assert bench.falls_with_m(table, ["a", "b", "c"]) == {
        "a": (2, 2), "b": (1, 2), "c": (1, 2)}


def test_a_grid_part_runs_and_reports(tmp_path, capsys):
    """Order 3 over 1 s with 64 and 128 neurons, one seed, on the reference
    simulator and the analog backend with the exact mapping: the store, the
    table and the figure are written, and more neurons hold the slow window
    better."""
    out = tmp_path / "grid"
    bench.main(["grid", "--orders", "3", "--thetas", "1", "--products", "0.3",
                "--multiples", "1", "2", "--seeds", "1",
                "--backends", "reference", "analog-exact", "--out", str(out)])
    printed = capsys.readouterr().out
    table = pd.read_csv(out / "generalisation.csv")
    assert list(table.n_neurons) == [192, 384]
    assert set(table.columns) >= {"reference", "analog-exact"}
    assert np.all((table[["reference", "analog-exact"]] > 0.01).to_numpy())
    assert np.all((table[["reference", "analog-exact"]] < 0.7).to_numpy())
    # 0.46 -> 0.23 and 0.44 -> 0.26 when written
    assert np.all(table[["reference", "analog-exact"]].iloc[1]
                  < 0.8 * table[["reference", "analog-exact"]].iloc[0])
    assert "reference 1/1, analog-exact 1/1" in printed
    assert "window NRMSE falls with m at (d, theta, f) points" in printed
    assert (out / "generalisation.png").stat().st_size > 0
    # a rerun finds every trial in the store and runs nothing
    records = sorted(p.name for p in (out / "records").iterdir())
    bench.main(["grid", "--orders", "3", "--thetas", "1", "--products", "0.3",
                "--multiples", "1", "2", "--seeds", "1",
                "--backends", "reference", "analog-exact", "--out", str(out)])
    assert sorted(p.name for p in (out / "records").iterdir()) == records
