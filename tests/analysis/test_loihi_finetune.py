"""The Loihi stage's hidden layer and readout, trained again on the chip's memory."""

import dataclasses

import numpy as np
import pytest
from nengo.exceptions import ValidationError

pytest.importorskip("nengo_dl", reason="the dl extra (make install-dl) is not installed")
pytest.importorskip("nengo_loihi")

from nengo_lmu import metrics, signals  # noqa: E402
from nengo_lmu.analysis import (  # noqa: E402
    conversion, deployment, loihi_finetune, pipeline)
from nengo_lmu.tasks import mackey_glass_task  # noqa: E402
from tests.analysis.quick_digits import CELLS, train_quick_digits  # noqa: E402

#: Deployed with a compensated 10 ms memory-to-hidden synapse, a 5 ms readout,
#: each item held 8 steps (4x as trained) and 800 Hz hidden units (400 on Loihi).
KNOBS = dict(hidden_synapse=0.01, compensate=True, readout_synapse=0.005, time_scale=4,
             rate_scale=800)
STEPS = 8
STAGE = "spikes (Loihi emulator)"


@pytest.fixture(scope="module")
def quick():
    _, task, trained = train_quick_digits()
    u_range = conversion.input_range(trained, task, 2)
    network = conversion.converted(trained, **KNOBS)
    return trained, task, network, conversion.stage_overrides(STAGE, u_range)


@pytest.fixture(scope="module")
def tuned(quick):
    _, task, network, overrides = quick
    return loihi_finetune.finetune(network, task, overrides, STEPS, n_examples=32)


def test_ideal_states_are_the_ideal_memory_as_a_probe_filters_it(quick):
    _, task, network, _ = quick
    states, inputs = loihi_finetune.ideal_states(network, task.x_train[:2], STEPS, 20)
    cell = network.spec["cells"][0]
    x = np.repeat(task.x_train[:2], STEPS, axis=1)
    for i in range(2):
        u = x[i] @ network.parameters["cell0.input_encoders"].T
        m = metrics.filtered(signals.ideal_memory(u, cell["order"], cell["theta"]), 0.01)
        np.testing.assert_allclose(states[i], m[-20:], atol=1e-10)
        np.testing.assert_allclose(inputs[i], metrics.filtered(x[i], 0.01)[-20:],
                                   atol=1e-12)


def test_staircase_rates_are_nengo_loihis(quick):
    """The TensorFlow staircase is nengo-loihi's rate function, bit for bit,
    with the rectified-linear gradient."""
    import tensorflow as tf

    j = np.concatenate([[-5.0, 0.0, 1e-3], np.linspace(1, 1000, 997)])
    tf_j = tf.constant(j, tf.float64)
    with tf.GradientTape() as tape:
        tape.watch(tf_j)
        out = loihi_finetune._tf_staircase(tf_j, 0.001)
    np.testing.assert_array_equal(out.numpy(), loihi_finetune.staircase_rates(j, 0.001))
    np.testing.assert_array_equal(tape.gradient(out, tf_j).numpy(), j > 0)
    assert loihi_finetune.staircase_rates([600.0], 0.001)[0] == 500  # 1 / ceil(1.67) ms


def test_the_model_of_the_stage_tracks_the_emulator(quick):
    """The staircase-rate model of the hidden layer and readout, on the chip's
    recorded states, classifies the recorded examples as the emulator did,
    and the map of the ideal state explains most of the chip's."""
    _, task, network, overrides = quick
    rec = loihi_finetune.record(network, task, overrides, STEPS, n_examples=16)
    assert rec["states"].shape == (16, 41, 12) and rec["rate"] == 400
    model = loihi_finetune.outputs(network.parameters, rec["states"], rec["inputs"],
                                   rec["rate"], 0.005, 0.001)
    agree = np.mean(model.argmax(1) == rec["outputs"].argmax(1))
    assert agree >= 0.75, agree
    ideal, _ = loihi_finetune.ideal_states(network, task.x_train[:16], STEPS, 41)
    chip = loihi_finetune.ChipStates.fit(ideal, rec["states"])
    assert np.mean(chip.residuals ** 2) < 0.25 * np.mean(rec["states"] ** 2)


def test_finetuned_weights_are_kept_only_where_they_help(quick, tuned):
    """The held-out check compares the emulator's own outputs; the network
    comes back changed only where the tuned weights won it."""
    _, task, network, overrides = quick
    out, info = tuned
    assert info["held_out"] == 8 and np.isfinite(info["loss"])
    held = dataclasses.replace(task, x_test=task.x_train[24:32], y_test=task.y_train[24:32])
    untuned = deployment.evaluate(network, held, backend="loihi", steps_per_item=STEPS,
                                  progress_bar=False, overrides=overrides)
    assert info["accuracy"]["deployed"] == untuned["score"]
    now = deployment.evaluate(out, held, backend="loihi", steps_per_item=STEPS,
                              progress_bar=False, overrides=overrides)
    assert now["score"] >= untuned["score"]
    changed = [k for k in network.parameters
               if not np.array_equal(network.parameters[k], out.parameters[k])]
    if info["kept"]:
        assert now["score"] == info["accuracy"]["tuned"]
        assert set(changed) == {"cell0.memory_kernel", "cell0.input_kernel",
                                "cell0.bias", "readout"}
    else:
        assert out is network and changed == []
    labels = np.array([0, 1])
    assert loihi_finetune.better(np.eye(2), np.eye(2)[::-1], labels)
    assert not loihi_finetune.better(np.eye(2), 2 * np.eye(2), labels)  # less sure


def test_convert_fine_tunes_the_loihi_stage(quick):
    trained, task, _, _ = quick
    lines = []
    rows = conversion.convert(trained, task, stages=[STAGE], steps_per_item=2, n_test=8,
                              loihi_calibration=0, loihi_finetune=16, log=lines.append,
                              **KNOBS)
    info = rows[0]["loihi_finetune"]
    assert info["held_out"] == 4 and isinstance(info["kept"], bool)
    assert lines[0] == loihi_finetune.describe(info) and "held-out" in lines[0]
    assert 0 <= rows[0]["score"] <= 1


def test_finetune_errors(quick):
    trained, task, network, overrides = quick
    for n in (-1, 8, len(task.x_train) + 1):
        match = (r"loihi_finetune: must be an integer >= 0 \(got -1\)" if n < 0 else
                 rf"loihi_finetune: must be 0 or in \[16, 512\].*\(got {n}\)")
        with pytest.raises(ValidationError, match=match):
            conversion.convert(trained, task, stages=[STAGE], loihi_finetune=n)
    with pytest.raises(ValidationError, match=r"n_examples: must be an integer >= 16"):
        loihi_finetune.finetune(network, task, overrides, n_examples=8)
    mg = mackey_glass_task(n_train=4, n_test=2, n_steps=20)
    with pytest.raises(ValidationError, match=r"loihi_finetune: must be used with a "
                                              r"classification task.*\(got a regression"):
        conversion.convert(trained, mg, stages=[STAGE], loihi_finetune=16)
    two = dataclasses.replace(network, spec=dict(network.spec,
                                                 cells=network.spec["cells"] * 2))
    with pytest.raises(ValidationError, match=r"cells: must be used with a network of "
                                              r"one cell \(got 2 cells\)"):
        loihi_finetune.finetune(two, task, overrides, n_examples=16)
    fed = dataclasses.replace(network, spec=dict(network.spec, cells=[dict(
        network.spec["cells"][0], hidden_to_hidden=True)]))
    with pytest.raises(ValidationError, match=r"hidden_to_hidden: must be used with "
                                              r"hidden_to_hidden=False"):
        loihi_finetune.finetune(fed, task, overrides, n_examples=16)


def test_the_command_line_passes_the_option(quick, tmp_path, capsys):
    import json

    from nengo_lmu import cli

    trained, _, _, _ = quick
    trained.save(tmp_path / "network.npz")
    config = pipeline.settings("digits", quick=True, cells=CELLS, n_train=512, n_test=40,
                               network=dict(memory="ideal", readout_synapse=None))
    (tmp_path / "results.json").write_text(json.dumps({"config": config}))
    cli.main(["convert", "--out", str(tmp_path), "--stage", "ideal rates", "--n-test", "2",
              "--loihi-finetune", "16"])  # no Loihi stage: nothing to fine-tune
    saved = json.loads((tmp_path / "conversion.json").read_text())
    assert saved["knobs"]["loihi_finetune"] == 16
    assert "loihi_finetune" not in saved["rows"][0]
    with pytest.raises(SystemExit):
        cli.main(["convert", "--out", str(tmp_path), "--loihi-finetune", "-1"])
    assert "--loihi-finetune" in capsys.readouterr().err
