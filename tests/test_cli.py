import json
import os

import pytest
from nengo.exceptions import ValidationError

from nengo_lmu import cli
from nengo_lmu.analysis import tables
from nengo_lmu.analysis.store import Store


def test_demo_prints_table_and_writes_figure(tmp_path, capsys):
    out = tmp_path / "demo"
    code = cli.main(
        ["demo", "--neurons", "300", "--duration", "2", "--out", str(out), "--no-progress",
         "--loihi-neurons", "120"]
    )
    assert code == 0
    text = capsys.readouterr().out
    assert "NRMSE(1 theta)" in text and "reference" in text and "300 poisson" in text
    # the Loihi row: emulator, one core, an energy estimate
    loihi_row = [line for line in text.splitlines() if line.strip().startswith("loihi")]
    assert len(loihi_row) == 1 and "120 spiking-relu" in loihi_row[0]
    assert "uJ/s chip" in text
    path = out / "lmu-demo.png"
    assert path.exists() and os.path.getsize(path) > 10000
    with open(path, "rb") as f:
        assert f.read(8) == b"\x89PNG\r\n\x1a\n"


def test_table_without_hardware_rows_has_no_hardware_columns():
    rec = {"backend": "reference", "n_neurons": 10, "neuron_type": "lif", "delays": [1.0],
           "state_error": 0.1, "normalised_state_error": 0.2, "delay_nrmse_1": 0.3,
           "delay_nrmse_ideal_1": 0.3, "realtime": 1.0, "build_s": 0.1, "peak_rss_mb": 10}
    assert "cores" not in tables.format_table([rec])


def test_sweep_quick_study_and_report(tmp_path, capsys):
    """The quick study end to end from the command line: fits and figures."""
    out = tmp_path / "study"
    code = cli.main(["sweep", "--study", "quick", "--seeds", "2", "--out", str(out),
                     "--scheduler", "serial", "--no-progress", "--report"])
    assert code == 0
    text = capsys.readouterr().out
    assert "42 trials run (0 failed), 0 already in" in text
    lines = {tuple(line.split()[:5]): line for line in text.splitlines() if "poisson" in line}
    fit_m = lines[("m", "100-1600,", "d=2", "poisson", "no")]
    assert "E_n>floor" in text and "95% CI" in text
    alpha = float(fit_m.split()[6])
    assert -0.75 < alpha < -0.35  # quick setting: 3 sizes x 2 seeds
    for name in ("fits.csv", "error-vs-m.png", "error-vs-d.png", "neuron-types.png"):
        assert (out / "report" / name).exists()
    # a second run without --resume refuses the store; with it, skips everything
    with pytest.raises(SystemExit) as exit_:
        cli.main(["sweep", "--study", "quick", "--seeds", "2", "--out", str(out),
                  "--scheduler", "serial", "--no-progress"])
    assert exit_.value.code == 2
    assert "resume: " in capsys.readouterr().err
    assert cli.main(["sweep", "--study", "quick", "--seeds", "2", "--out", str(out),
                     "--scheduler", "serial", "--no-progress", "--resume"]) == 0
    assert "0 trials run (0 failed), 42 already in" in capsys.readouterr().out


def test_run_prints_one_trial(capsys):
    assert cli.main(["run", "--set", "n_neurons=120", "--set", "order=2", "--set",
                     "duration=1.5", "--set", "theta=0.5", "--no-progress", "--json"]) == 0
    record = json.loads(capsys.readouterr().out)
    assert record["n_neurons"] == 120 and record["twin_neuron_type"] == "lifrate"
    assert 0 < record["twin_state_error"] < record["state_error"] < 1


def test_sweep_set_fixes_fields_of_every_trial(tmp_path, capsys):
    toml = tmp_path / "g.toml"
    toml.write_text("[base]\norder = 2\nduration = 1.0\ntheta = 0.5\n\n"
                    "[[grid]]\nn_neurons = [60, 120]\n")
    out = tmp_path / "s"
    assert cli.main(["sweep", "--config", str(toml), "--set", "neuron_type=lif",
                     "--set", "delays=0.5/1", "--out", str(out), "--scheduler", "serial",
                     "--no-progress"]) == 0
    records = Store(out).records()
    assert sorted(r["n_neurons"] for r in records) == [60, 120]
    assert all(r["neuron_type"] == "lif" and r["delays"] == [0.5, 1.0] for r in records)


def test_sweep_needs_trials(tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_:
        cli.main(["sweep", "--out", str(tmp_path)])
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert err == "nengo-lmu sweep: error: sweep: nothing to run: give --study, --config or --grid\n"
    with pytest.raises(ValidationError, match="sweep: nothing to run"):
        cli.main(["--traceback", "sweep", "--out", str(tmp_path)])


def test_analog_ladder_from_the_command_line(tmp_path, capsys):
    out = tmp_path / "analog"
    table = cli.main(["analog", "--quick", "--chips", "1", "--out", str(out),
                      "--scheduler", "serial", "--no-progress"])
    assert table == 0
    text = capsys.readouterr().out
    for step in ("reference", "none", "calibrate", "+ synapse", "+ heterogeneous"):
        assert f"  {step} " in text
    assert len(Store(out).keys()) == 5
    # a rerun resumes: nothing left to run
    cli.main(["analog", "--quick", "--chips", "1", "--out", str(out), "--scheduler", "serial",
              "--no-progress"])
    assert "5 already in" in capsys.readouterr().out


def test_python_dash_m_version_and_one_line_errors(tmp_path):
    """``python -m nengo_lmu`` is the command; errors are one line with status 2."""
    import subprocess
    import sys

    import nengo_lmu

    def run(*args):
        return subprocess.run([sys.executable, "-m", "nengo_lmu", *args], capture_output=True,
                              text=True, timeout=120)

    done = run("--version")
    assert (done.returncode, done.stdout) == (0, f"nengo-lmu {nengo_lmu.__version__}\n")
    # --workers -1 used to hang a Dask LocalCluster forever
    done = run("sweep", "--out", str(tmp_path / "s"), "--grid", "order=2", "--workers", "-1")
    assert done.returncode == 2 and done.stderr.splitlines()[-1] == (
        "nengo-lmu sweep: error: argument --workers: must be an integer >= 1 (got '-1')")
    done = run("report", str(tmp_path / "typo"))
    assert done.returncode == 2 and done.stderr.count("\n") == 1
    assert "store: must be a results store written by a sweep" in done.stderr
    assert not (tmp_path / "typo").exists()  # no empty store made for a typo
