"""Training with nengo-dl (the dl extra), then rates -> spikes -> Loihi emulator."""

import json
import subprocess
import sys

import numpy as np
import pytest
from nengo.exceptions import ValidationError

pytest.importorskip("nengo_dl", reason="the dl extra (make install-dl) is not installed")

from nengo_lmu import tasks  # noqa: E402
from nengo_lmu.analysis import baselines, deployment, pipeline, training  # noqa: E402
from nengo_lmu.networks.cell import LMUNetwork, load  # noqa: E402


@pytest.fixture(scope="module")
def quick_digits(tmp_path_factory):
    """The quick digits pipeline, run once for the module (its own time limit: 2 min)."""
    out = tmp_path_factory.mktemp("digits")
    lines = []
    results = pipeline.run("digits", out=str(out), quick=True, log=lines.append)
    return out, results, lines


def rows(results):
    return {row["stage"]: row for row in results["rows"]}


def test_quick_training_learns_the_digits(quick_digits):
    _, results, _ = quick_digits
    loss = results["training"]["loss"]
    assert loss[-1] < 0.5 * loss[0]
    by_stage = rows(results)
    rate = by_stage["rate (nengo-dl)"]["score"]
    assert rate > 0.6, rate  # chance is 0.1
    # the trained network is the same network on nengo's reference simulator
    assert by_stage["rate (reference)"]["score"] == pytest.approx(rate, abs=0.02)
    # and with spikes it keeps most of its accuracy
    assert by_stage["spiking (reference)"]["score"] > rate - 0.15
    # the Loihi stage runs; its accuracy is far below (see the README)
    assert by_stage["spiking (Loihi emulator)"]["n_test"] == 4
    assert 0 <= by_stage["spiking (Loihi emulator)"]["score"] <= 1
    # the conversion's stages, each with the accuracy lost at its step: the
    # ideal memory (measured 0.72 against the neural memory's 0.77), the analog chip
    ideal = by_stage["rate (ideal memory)"]["score"]
    assert ideal > rate - 0.2, (ideal, rate)
    reference = by_stage["rate (reference)"]
    assert reference["lost"] == pytest.approx(ideal - reference["score"])
    spikes = by_stage["spiking (reference)"]
    assert spikes["lost"] == pytest.approx(reference["score"] - spikes["score"])
    analog = by_stage["spiking (analog)"]
    assert analog["n_test"] == 20 and 0 <= analog["score"] <= 1
    assert analog["lost"] == pytest.approx(spikes["score"] - analog["score"])
    assert by_stage["rate (nengo-dl)"]["lost"] is None


def test_loihi_memory_follows_the_reference(quick_digits):
    """On the Loihi emulator the trained network's memory tracks the reference's."""
    import nengo

    from nengo_lmu import hardware

    out, results, _ = quick_digits
    task = pipeline.make_task(results["config"])
    x = training.hold(task.x_test[:1], results["config"]["steps_per_item"])[0]
    states = {}
    for backend in ("reference", "loihi"):
        net = deployment.deploy(str(out / "network.npz"), backend=backend, spiking=True)
        net.input.output = deployment.Feed(x, net.spec["dt"])
        with net:
            probe = nengo.Probe(net.cells[0].memory.state, synapse=0.02)
        options = {"target": "sim"} if backend == "loihi" else {}
        with hardware.simulator(net, backend=backend, progress_bar=False, **options) as sim:
            sim.run_steps(len(x))
            states[backend] = sim.data[probe][50:]
    corr = [np.corrcoef(states["reference"][:, i], states["loihi"][:, i])[0, 1]
            for i in range(4)]
    assert min(corr) > 0.9, corr


def test_dl_and_reference_rates_agree(quick_digits):
    out, results, _ = quick_digits
    task = pipeline.make_task(results["config"]).subset(n_test=8)
    k = results["config"]["steps_per_item"]
    dl = deployment.evaluate(str(out / "network.npz"), task, backend="dl", spiking=False,
                           steps_per_item=k)
    ref = deployment.evaluate(str(out / "network.npz"), task, backend="reference",
                            spiking=False, steps_per_item=k)
    np.testing.assert_allclose(dl["outputs"], ref["outputs"], atol=2e-3, rtol=1e-3)
    spikes = deployment.evaluate(str(out / "network.npz"), task, backend="reference",
                               spiking=True, steps_per_item=k)
    assert not np.allclose(spikes["outputs"], ref["outputs"], atol=1e-2)


def test_run_resumes_from_disk(quick_digits):
    out, results, lines = quick_digits
    assert any(line.startswith("training on") for line in lines)
    saved = json.loads((out / "results.json").read_text())
    assert saved["rows"] == json.loads(json.dumps(results["rows"]))
    again = []
    same = pipeline.run("digits", out=str(out), quick=True, log=again.append)
    assert again == [] and same["rows"] == saved["rows"]  # nothing trained or run
    net = load(out / "network.npz")
    assert isinstance(net, LMUNetwork) and net.spec["cells"][0]["order"] == 24


def test_training_errors():
    task = tasks.permuted_digits().subset(n_train=8, n_test=2)
    net = training.network_for(task, [dict(units=5, order=2, theta=0.064)], spiking=True)
    with pytest.raises(ValidationError, match="net: must be a rate network"):
        training.train(net, task)
    rate = training.network_for(task, [dict(units=5, order=2, theta=0.064)])
    with pytest.raises(ValidationError, match="batch_size: must be at most the 8"):
        training.train(rate, task, batch_size=32)
    with pytest.raises(ValidationError, match="backend: must be a backend, .*'reference', 'loihi'.* or 'keras'"):
        deployment.evaluate("x.npz", task, backend="braindrop")
    with pytest.raises(ValidationError, match="task: must be one of"):
        pipeline.settings("mnist")
    with pytest.raises(ValidationError, match="stages: must be among"):
        pipeline.run("digits", stages=["spiking (GPU)"])


def test_mackey_glass_against_an_lstm(tmp_path):
    results = pipeline.run("mackey-glass", out=str(tmp_path), quick=True,
                           stages=["rate (nengo-dl)", "spiking (reference)"],
                           log=lambda line: None)
    by_stage = rows(results)
    lmu = by_stage["rate (nengo-dl)"]["score"]
    lstm = by_stage["LSTM (keras)"]
    assert by_stage["rate (nengo-dl)"]["metric"] == "NRMSE"
    assert lmu < 0.5, lmu  # predicting the mean scores 1
    assert lstm["score"] < 1.0
    # the LSTM has about as many weights as the LMU network
    weights = results["training"]["parameters"]
    assert abs(lstm["parameters"] - weights) < 0.2 * weights
    assert by_stage["spiking (reference)"]["score"] < 1.0


def test_lstm_units_for():
    for n in (100, 1751, 20000):
        u = baselines.lstm_units_for(n)
        assert abs(4 * u * (u + 2) + u + 1 - n) <= 4 * (2 * u + 3) + 1


def test_importing_nengo_lmu_does_not_import_tensorflow():
    code = ("import sys, nengo_lmu, nengo_lmu.networks.cell, nengo_lmu.tasks; "
            "import nengo_lmu.analysis.training, nengo_lmu.analysis.deployment, "
            "nengo_lmu.analysis.pipeline, nengo_lmu.analysis.baselines, "
            "nengo_lmu.analysis.parallel; "
            "print('tensorflow' in sys.modules, 'nengo_dl' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.split() == ["False", "False"]


def test_paper_mackey_glass_from_the_command_line(tmp_path, capsys):
    """The paper's setup, trained in parallel, scored on the step network, against an
    LSTM of as many weights."""
    from nengo_lmu import cli

    assert cli.main(["train", "--task", "mackey-glass-paper", "--quick",
                     "--out", str(tmp_path)]) == 0
    results = json.loads((tmp_path / "results.json").read_text())
    by_stage = rows(results)
    keras, reference = by_stage["rate (keras)"], by_stage["rate (reference)"]
    assert keras["score"] == pytest.approx(reference["score"], abs=1e-4)
    assert keras["score"] < 0.8, keras  # predicting the mean scores 1
    lstm, weights = by_stage["LSTM (keras)"], results["training"]["parameters"]
    assert abs(lstm["parameters"] - weights) < 0.2 * weights
    assert results["config"]["trainer"] == "parallel"
    assert "rate (keras)" in capsys.readouterr().out


def test_paper_mackey_glass_setting_starts_as_the_benchmark():
    """The full setting's cells start with ReLU units, memory kernels at 0.3 of
    Glorot's scale and biases of 0.1 (the benchmark's winning initialisation)."""
    config = pipeline.settings("mackey-glass-paper", n_train=4, n_test=2)
    task = pipeline.make_task(config)
    net = pipeline.make_network(config, task)
    plain = pipeline.make_network(
        dict(config, cells=[dict(c, memory_kernel_scale=1.0, bias_init=0.0)
                            for c in config["cells"]]), task)
    values, reference = net.parameters(), plain.parameters()
    assert len(net.cells) == 4 and all(c.activation == "relu" for c in net.cells)
    for i in range(4):
        np.testing.assert_array_equal(values[f"cell{i}.bias"], 0.1)
        np.testing.assert_allclose(values[f"cell{i}.memory_kernel"],
                                   0.3 * reference[f"cell{i}.memory_kernel"], rtol=1e-12)


def test_memory_radii_cover_the_states_means():
    # pixels are non-negative: the window mean (m0) has a large mean, which
    # radii from standard deviations left out of the neurons' range
    from nengo_lmu import signals, tasks  # noqa: PLC0415

    task = tasks.permuted_digits().subset(n_train=20)
    radii = training.memory_radii(task, 6, 0.064, steps_per_item=1)
    # each example from rest, as the network sees it
    m = np.concatenate([signals.ideal_memory(x[:, 0], 6, 0.064) for x in task.x_train])
    assert np.allclose(radii[0], 3 * np.sqrt(np.mean(m[:, 0] ** 2)), rtol=0.05)
    assert radii[0] > 3 * np.abs(m[:, 0]).mean()
    assert radii[0] > 3 * m[:, 0].std() * 1.2


def write_fashion(folder, n_train=60, n_test=20, seed=0):
    """Small IDX files in Fashion-MNIST's format: 6x6 images, 3 classes, each
    bright in its own third of the pixels (dim noise elsewhere)."""
    from tests.test_tasks import write_idx  # noqa: PLC0415

    rng = np.random.RandomState(seed)
    for split, n in (("train", n_train), ("t10k", n_test)):
        labels = rng.randint(0, 3, size=n)
        images = rng.randint(0, 40, size=(n, 36))
        for image, label in zip(images, labels):
            image[12 * label: 12 * label + 12] = rng.randint(200, 256, size=12)
        write_idx(folder / f"{split}-images-idx3-ubyte.gz", images.reshape(n, 6, 6), gz=True)
        write_idx(folder / f"{split}-labels-idx1-ubyte.gz", labels, gz=True)


def test_psfmnist_rates_and_spikes_from_idx_files(tmp_path):
    """psfmnist's pipeline on small IDX files (no Debian package needed): trained
    in parallel, rates scored with keras on every test sequence, then the
    conversion's stages (digits' knobs) on fewer, spikes on nengo's reference
    simulator; ``nengo-lmu convert`` reuses the setting's knobs."""
    from nengo_lmu import cli  # noqa: PLC0415

    data = tmp_path / "data"
    data.mkdir()
    write_fashion(data)
    out = tmp_path / "out"
    # items held 8 steps: at 2, the 10 ms synapses blur the items (spikes 0.35)
    conversion = dict(n_neurons=600, rate_scale=800.0, time_scale=8,
                      hidden_synapse=0.01, readout_synapse=0.005, compensate=True)
    results = pipeline.run(
        "psfmnist", out=str(out), quick=True, log=lambda line: None, data=str(data),
        cells=[dict(units=20, order=6, hidden_synapse=None, input_to_hidden=True)],
        n_train=60, n_test=None, batch_size=10, epochs=10, learning_rate=1e-2,
        conversion=conversion, stage_n_test={"ideal rates": 12, "neural rates": 12,
                                             "spikes (reference)": 12},
    )
    by_stage = rows(results)
    assert list(by_stage) == ["rate (keras)", "ideal rates", "neural rates",
                              "spikes (reference)"]
    keras = by_stage["rate (keras)"]
    assert keras["n_test"] == 20 and keras["score"] > 0.8, keras  # chance is 1/3
    ideal, neural, spikes = (by_stage[s] for s in ("ideal rates", "neural rates",
                                                   "spikes (reference)"))
    assert ideal["n_test"] == neural["n_test"] == spikes["n_test"] == 12
    assert spikes["spiking"] and spikes["memory"] == "neural"
    assert spikes["backend"] == "reference"
    assert ideal["score"] > 0.8, ideal
    assert spikes["score"] > 0.8, spikes
    assert neural["lost"] == pytest.approx(ideal["score"] - neural["score"])
    assert spikes["lost"] == pytest.approx(neural["score"] - spikes["score"])
    assert results["config"]["conversion"] == conversion
    # the conversion again from the command line: the setting's knobs and sizes
    assert cli.main(["convert", "--out", str(out), "--stage", "spikes (reference)"]) == 0
    saved = json.loads((out / "conversion.json").read_text())
    assert saved["knobs"] == conversion
    assert saved["rows"][0]["score"] == pytest.approx(spikes["score"])
    assert saved["rows"][0]["n_test"] == 12
    with pytest.raises(ValidationError, match="path: must be a folder with Fashion"):
        pipeline.make_task(pipeline.settings("psfmnist", data=str(tmp_path / "no")))


def test_train_lstm_uses_the_optimizer_it_is_given():
    """An LSTM and an LMU can train with the same optimiser settings (a schedule):
    the given optimiser makes every update, and at step size 0 nothing is learnt."""
    import tensorflow as tf

    task = tasks.mackey_glass_paper_task(n_sequences=8, n_steps=40).subset(n_train=4)
    frozen = tf.optimizers.Adam(0.0)
    result = baselines.train_lstm(task, 3, epochs=2, batch_size=2, layers=2,
                                  optimizer=frozen)
    assert int(frozen.iterations.numpy()) == 2 * 2  # epochs x batches
    assert result["loss"][0] == pytest.approx(result["loss"][1], rel=1e-6)
    moving = baselines.train_lstm(task, 3, epochs=2, batch_size=2, layers=2,
                                  optimizer=tf.optimizers.Adam(0.05))
    assert moving["loss"][1] < moving["loss"][0]
