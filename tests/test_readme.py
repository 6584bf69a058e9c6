"""The README's API example runs as written."""

import pathlib
import re

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
