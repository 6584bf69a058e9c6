"""The README's API example runs as written."""

import pathlib
import re
import warnings

import numpy as np

README = pathlib.Path(__file__).resolve().parents[1] / "README.md"


def test_readme_example_runs():
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)
    assert blocks, "README.md has no python example"
    namespace = {}
    exec(compile(blocks[0], "README.md", "exec"), namespace)  # noqa: S102
    sim, p = namespace["sim"], namespace["p"]
    assert sim.data[p].shape == (10000, 1)
    # u(t - theta) from 3000 Poisson neurons follows the input a second later
    u = sim.data[namespace["p_u"]]
    y, target = sim.data[p][2000:, 0], u[1000:-1000, 0]
    assert np.corrcoef(y, target)[0, 1] > 0.8


def test_readme_loihi_example_runs(capsys):
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)
    assert len(blocks) >= 2, "README.md has no Loihi example"
    namespace = {}
    exec(compile(blocks[0].split("with nengo.Network")[0], "README.md", "exec"), namespace)  # noqa: S102
    exec(compile(blocks[1], "README.md", "exec"), namespace)  # noqa: S102
    sim, p = namespace["sim"], namespace["p"]
    assert sim.data[p].shape == (10000, 1)
    text = capsys.readouterr().out
    assert "cores 4" in text and "energy_loihi_j" in text


def test_readme_analog_example_runs(capsys):
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)
    analog = [b for b in blocks if "AnalogLegendreMemory" in b]
    assert analog, "README.md has no analog example"
    namespace = {}
    exec(compile(blocks[0].split("with nengo.Network")[0], "README.md", "exec"), namespace)  # noqa: S102
    exec(compile(analog[0], "README.md", "exec"), namespace)  # noqa: S102
    sim, p = namespace["sim"], namespace["p"]
    assert sim.data[p].shape == (10000, 1)
    assert sim.model.substrate.seed == 3 and sim.model.calibrate
    text = capsys.readouterr().out
    assert "energy_braindrop_j" in text and "'neurons': 768" in text


def test_readme_training_example_runs(tmp_path, monkeypatch):
    """The training example, shrunk (64 digits, 1 epoch, 640 memory neurons)."""
    import pytest

    pytest.importorskip("nengo_dl", reason="the dl extra is not installed")
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)
    code = [b for b in blocks if "training.train" in b]
    assert code, "README.md has no training example"
    shrunk = code[0]
    for old, new in (("tasks.permuted_digits()",
                      "tasks.permuted_digits().subset(n_train=64, n_test=4)"),
                     ("epochs=40", "epochs=1"), ("n_neurons=6400", "n_neurons=640")):
        assert old in shrunk
        shrunk = shrunk.replace(old, new)
    monkeypatch.chdir(tmp_path)
    namespace = {}
    exec(compile(shrunk, "README.md", "exec"), namespace)  # noqa: S102
    spikes = namespace["spikes"]
    assert spikes["metric"] == "accuracy" and spikes["n_test"] == 4
    assert spikes["outputs"].shape == (4, 64, 10)
    assert (tmp_path / "digits.npz").exists()


#: How far the demo's errors may be from the README's table: the printed
#: digits' rounding (half a unit in the last place) plus 0.5% of the value.
#: BLAS kernels differ in the order of their sums, which moves the analog
#: row's E by about 0.2% (0.058948 with one OpenBLAS core type, 0.059065 with
#: another); the demo pins BLAS to one thread, so nothing else varies.
DEMO_RTOL = 0.005


def parse_table(text):
    """The rows of a demo table (``nengo-lmu demo``'s format) by backend:
    column name -> printed text."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.split()[:2] == ["backend", "neurons"])
    header = lines[start]
    # names are separated by two spaces or more and right-aligned over their column
    names = [(m.group(), m.end()) for m in re.finditer(r"\S+(?: \S+)*", header)]
    rows = {}
    for line in lines[start + 1:]:
        if not line.strip():
            break
        if set(line.split()) == {"-" * len(w) for w in line.split()} and "-" in line:
            continue  # the rule under the header
        row, left = {}, 0
        for name, right in names:
            row[name], left = line[left:right].strip(), right
        rows[row["backend"]] = row
    return rows


def test_readme_demo_table_is_reproduced(tmp_path, capfd):
    """``nengo-lmu demo`` (as ``make demo`` runs it) prints the README's errors."""
    from nengo_lmu import cli

    blocks = re.findall(r"^```[a-z]*\n(.*?)^```", README.read_text(), flags=re.S | re.M)
    tables = [b for b in blocks if "backend" in b and "NRMSE(1 theta)" in b]
    assert tables, "README.md has no demo table"
    readme = parse_table(tables[0])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert cli.main(["demo", "--no-progress", "--out", str(tmp_path)]) == 0
    out = capfd.readouterr()
    measured = parse_table(out.out)
    assert set(measured) == set(readme), "the README's rows are not the demo's backends"
    errors = [c for c in readme["reference"] if c in ("E", "E_n") or "NRMSE" in c
              or c.startswith("vs ideal")]
    assert len(errors) >= 8  # E, E_n and three delays against the truth and the ideal
    wrong = []
    for backend, row in readme.items():
        assert measured[backend]["neurons"] == row["neurons"], backend
        for column in errors:
            quoted, got = row[column], measured[backend][column]
            half_ulp = 0.5 * 10.0 ** -len(quoted.split(".")[1])
            if abs(float(got) - float(quoted)) > half_ulp + DEMO_RTOL * abs(float(quoted)):
                wrong.append(f"{backend} {column}: README {quoted}, demo {got}")
    assert not wrong, "README.md's demo table differs from `nengo-lmu demo`: " + "; ".join(
        wrong)
    # and the console holds the table alone: no warnings, no TensorFlow log lines
    assert [str(w.message) for w in caught] == []
    assert out.err == ""
