"""Conversion of a trained network to neurons and spikes, stage by stage."""

import json
import shutil

import numpy as np
import pytest
from nengo.exceptions import ValidationError

pytest.importorskip("nengo_dl", reason="the dl extra (make install-dl) is not installed")

from nengo_lmu import cli, metrics  # noqa: E402
from nengo_lmu.analysis import conversion, deployment  # noqa: E402
from nengo_lmu.analysis.training import hold  # noqa: E402
from nengo_lmu.dynamics import lmu_discrete  # noqa: E402
from nengo_lmu.hardware import backends, split_options  # noqa: E402
from tests.analysis.quick_digits import train_quick_digits  # noqa: E402

#: Deployed with a compensated 10 ms memory-to-hidden synapse, a 5 ms readout
#: and each item held 8 steps (4x as trained).
KNOBS = dict(hidden_synapse=0.01, compensate=True, readout_synapse=0.005, time_scale=4)


@pytest.fixture(scope="module")
def quick(tmp_path_factory):
    config, task, trained = train_quick_digits()
    out = tmp_path_factory.mktemp("conversion")
    trained.save(out / "network.npz")
    (out / "results.json").write_text(json.dumps({"config": config}))
    return trained, task, out


@pytest.fixture(scope="module")
def rows(quick):
    trained, task, _ = quick
    hw = {"spikes (Loihi emulator)": 8, "spikes (analog)": 8}
    return conversion.convert(trained, task, steps_per_item=2, n_test=40,
                              stage_n_test=hw, **KNOBS)


def test_each_stage_tracks_the_one_before(rows):
    by = {row["stage"]: row for row in rows}
    assert list(by) == list(conversion.STAGES)
    ideal, neural = by["ideal rates"]["score"], by["neural rates"]["score"]
    spikes = by["spikes (reference)"]["score"]
    assert ideal > 0.55, ideal  # chance is 0.1
    # measured: ideal 0.675, neural rates 0.6, spikes 0.5 (40 test digits)
    assert neural >= ideal - 0.15, (ideal, neural)
    assert spikes >= neural - 0.2, (neural, spikes)
    assert by["neural rates"]["lost"] == pytest.approx(ideal - neural)
    assert by["spikes (reference)"]["lost"] == pytest.approx(neural - spikes)
    for stage in ("spikes (Loihi emulator)", "spikes (analog)"):
        assert by[stage]["n_test"] == 8
        assert 0 <= by[stage]["score"] <= 1
        assert by[stage]["lost"] == pytest.approx(spikes - by[stage]["score"])
    assert by["ideal rates"]["lost"] is None
    table = conversion.format_table(rows)
    assert len(table.splitlines()) == 1 + len(rows) and "spikes (analog)" in table


def test_compensated_synapse_gives_the_trained_state_one_step_late(quick):
    """With rates and the ideal memory, the compensated network's output is the
    trained network's one step later (to rounding)."""
    trained, task, _ = quick
    inputs = hold(task.x_test[:3], 2)
    ref = backends.get("reference")
    plain = deployment.deploy(trained, spiking=False)
    comp = deployment.deploy(conversion.converted(trained, "ideal", hidden_synapse=0.01,
                                                  compensate=True), spiking=False)
    assert comp.cells[0].trainable["memory_kernel"].synapse.tau == 0.01
    a = ref.run_examples(plain, inputs)
    b = ref.run_examples(comp, inputs)
    np.testing.assert_allclose(b[:, 1:], a[:, :-1], atol=1e-6)
    # without the compensation the synapse's lag changes the outputs
    lag = ref.run_examples(deployment.deploy(conversion.converted(
        trained, "ideal", hidden_synapse=0.01), spiking=False), inputs)
    assert np.abs(lag[:, 1:] - a[:, :-1]).max() > 0.1


def test_state_radii_are_the_ideal_states_rms(quick):
    trained, task, _ = quick
    radii = conversion.state_radii(trained, task, steps_per_item=2, n_examples=5,
                                   n_std=2.0)
    cell = trained.spec["cells"][0]
    A, B = lmu_discrete(cell["order"], cell["theta"], trained.spec["dt"])
    u = hold(task.x_train[:5], 2) @ trained.parameters["cell0.input_encoders"].T
    m, total = np.zeros((5, cell["order"])), 0
    for k in range(u.shape[1]):
        m = m @ A.T + u[:, k] @ B.T
        total = total + (m**2).sum(axis=0)
    expected = 2.0 * np.sqrt(total / u.shape[0] / u.shape[1])
    np.testing.assert_allclose(radii[0], expected, rtol=1e-6)


def test_analog_stage_deploys_the_analog_memory_and_resets(quick):
    from nengo_lmu.hardware.analog import AnalogLegendreMemory

    trained, task, _ = quick
    # without the analog noise and drift, whose random streams run on through
    # resets (fresh noise for every example)
    memory_options, options = split_options("analog", {"without": "noise+drift"})
    net = deployment.deploy(conversion.converted(trained, **KNOBS), backend="analog",
                            memory_options=memory_options)
    assert all(isinstance(cell.memory, AnalogLegendreMemory) for cell in net.cells)
    assert net.cells[0].memory.substrate.noise == 0
    example = hold(task.x_test[:1], 8)
    out = backends.get("analog").run_examples(net, np.concatenate([example, example]),
                                              **options)
    assert np.abs(out).max() > 0 and np.all(np.isfinite(out))
    np.testing.assert_array_equal(out[0], out[1])  # each from rest, after reset


def test_loihi_stage_deploys_lif_memory_neurons(quick):
    """Loihi's rectified-linear neurons reset to zero at a spike: the Loihi
    stage's memories get LIF neurons and the measured input range, and its
    hidden units fire at most 400 Hz for an activation of 1."""
    pytest.importorskip("nengo_loihi")
    from nengo_loihi.neurons import LoihiLIF

    from nengo_lmu.hardware.loihi import LoihiLegendreMemory

    trained, _, _ = quick
    overrides = conversion.stage_overrides("spikes (Loihi emulator)", input_range=2.0)
    net = deployment.deploy(conversion.converted(trained, **KNOBS), backend="loihi",
                            **overrides)
    memory = net.cells[0].memory
    assert isinstance(memory, LoihiLegendreMemory)
    assert type(memory.neuron_type) is LoihiLIF and memory.input_range == 2.0
    assert net.cells[0].rate_scale == 200  # as trained, below the stage's 400 Hz
    fast = deployment.deploy(conversion.converted(trained, rate_scale=800, **KNOBS),
                             backend="loihi", **overrides)
    assert fast.cells[0].rate_scale == 400  # reset-to-zero hidden neurons: at most 400 Hz
    assert type(fast.cells[0].memory.neuron_type) is LoihiLIF
    # a cell whose measured decoders did no better keeps the rate decoders
    kept = deployment.deploy(conversion.converted(trained, **KNOBS), backend="loihi",
                             **conversion.stage_overrides("spikes (Loihi emulator)", 2.0,
                                                          [None]))
    np.testing.assert_array_equal(kept.cells[0].memory.output_decoders,
                                  memory.output_decoders)
    assert conversion.stage_overrides("spikes (reference)") == {}


def test_loihi_decoders_read_the_state_from_the_chips_spikes(quick):
    """Decoders solved from the Loihi memory's own spikes on the integer
    emulator (training digits) bring its state on test digits closer to the
    ideal memory's than the decoders solved for the neurons' rates."""
    pytest.importorskip("nengo_loihi")
    import nengo  # noqa: PLC0415

    from nengo_lmu import hardware, signals  # noqa: PLC0415
    from nengo_lmu.hardware.loihi.fast import Sequences  # noqa: PLC0415

    trained, task, _ = quick
    network = conversion.converted(trained, **KNOBS)
    steps = 2 * KNOBS["time_scale"]
    u_range = conversion.input_range(trained, task, 2)
    # gate 1: the measured decoders wherever they do better on held-out digits
    decoders = conversion.loihi_decoders(network, task, steps, u_range, n_examples=32,
                                         gate=1.0)
    assert [d.shape for d in decoders] == [(12, 600)]
    x = hold(task.x_test[:8], steps)
    errors = []
    for given in (None, decoders):
        overrides = conversion.stage_overrides("spikes (Loihi emulator)", u_range, given)
        net = deployment.deploy(network, backend="loihi", **overrides)
        memory = net.cells[0].memory
        if given is not None:
            np.testing.assert_array_equal(memory.output_decoders, given[0])
        with net:
            state = nengo.Probe(memory.state, synapse=0.01)
            u = nengo.Probe(net.cells[0].u, synapse=None)
        net.input.output = Sequences(x)
        with hardware.simulator(net, backend="loihi", target="fast") as sim:
            data = sim.run_batch(x.shape[1], progress_bar=False)
        ideal = np.stack([metrics.filtered(signals.ideal_memory(
            v, memory.order, memory.theta), 0.01) for v in data[u]])
        errors.append(np.sqrt(np.mean((data[state] - ideal) ** 2) / np.mean(ideal**2)))
    assert errors[1] < 0.9 * errors[0], errors


def test_memory_reg_reaches_every_stage_memory(quick):
    """The knob sets the neural memories' decoder regularisation, the Loihi
    memory's too; the ideal memory has no decoders."""
    pytest.importorskip("nengo_loihi")
    trained, _, _ = quick
    network = conversion.converted(trained, memory_reg=0.02, **KNOBS)
    assert network.spec["cells"][0]["memory_reg"] == 0.02
    reference = deployment.deploy(network, backend="reference")
    overrides = conversion.stage_overrides("spikes (Loihi emulator)", input_range=2.0)
    loihi = deployment.deploy(network, backend="loihi", **overrides)
    for net in (reference, loihi):
        assert net.cells[0].memory.solver.reg == 0.02
    assert "memory_reg" not in conversion.converted(trained).spec["cells"][0]
    with pytest.raises(ValidationError, match=r"memory_reg: must be a finite number > 0"):
        conversion.converted(trained, memory_reg=0)


def test_convert_from_the_command_line(quick, capsys):
    _, _, out = quick
    cli.main(["convert", "--out", str(out), "--stage", "ideal rates",
              "--stage", "neural rates", "--n-test", "4", "--hidden-synapse", "0.01",
              "--compensate", "--time-scale", "2", "--memory-reg", "0.02"])
    printed = capsys.readouterr().out
    assert "ideal rates" in printed and "neural rates" in printed
    saved = json.loads((out / "conversion.json").read_text())
    assert [row["stage"] for row in saved["rows"]] == ["ideal rates", "neural rates"]
    assert saved["knobs"]["time_scale"] == 2 and saved["rows"][0]["n_test"] == 4
    assert saved["knobs"]["memory_reg"] == 0.02 and saved["knobs"]["compensate"] is True
    with pytest.raises(SystemExit):
        cli.main(["convert", "--out", str(out), "--stage", "spikes"])
    assert "stages: must be among" in capsys.readouterr().err


def test_the_command_line_turns_off_a_settings_compensation(quick, tmp_path):
    """``--no-compensate`` overrides a setting whose conversion compensates."""
    _, _, out = quick
    for name in ("network.npz", "results.json"):
        shutil.copy(out / name, tmp_path / name)
    results = json.loads((tmp_path / "results.json").read_text())
    results["config"]["conversion"] = dict(compensate=True, hidden_synapse=0.01)
    (tmp_path / "results.json").write_text(json.dumps(results))
    for flag, expected in ((None, True), ("--no-compensate", False)):
        cli.main(["convert", "--out", str(tmp_path), "--stage", "ideal rates",
                  "--n-test", "2"] + ([flag] if flag else []))
        saved = json.loads((tmp_path / "conversion.json").read_text())
        assert saved["knobs"]["compensate"] is expected


def test_conversion_errors(quick):
    trained, task, _ = quick
    with pytest.raises(ValidationError, match=r"stages: must be among .* \(got 'spikes'\)"):
        conversion.convert(trained, task, stages=["spikes"])
    with pytest.raises(ValidationError, match=r"stages: must be among .* \(got 'analog'\)"):
        conversion.convert(trained, task, stage_n_test={"analog": 2})
    with pytest.raises(ValidationError, match=r"loihi_input_range: .*\(got -1"):
        conversion.convert(trained, task, loihi_input_range=-1.0)  # before any stage runs
    with pytest.raises(ValidationError, match=r"loihi_calibration: must be an integer "
                                              r">= 0 \(got -1\)"):
        conversion.convert(trained, task, loihi_calibration=-1)
    with pytest.raises(ValidationError, match=r"memory: must be 'ideal' or 'neural'"):
        conversion.converted(trained, memory="loihi")
    with pytest.raises(ValidationError, match=r"time_scale: must be an integer"):
        conversion.converted(trained, time_scale=1.5)
    with pytest.raises(ValidationError, match=r"hidden_synapse: must be a synapse to "
                                              r"compensate \(cell 0 has None\)"):
        conversion.converted(trained, compensate=True)
    fed_back = conversion.converted(trained, hidden_synapse=0.01)
    fed_back.spec["cells"][0]["memory_to_memory"] = True
    with pytest.raises(ValidationError, match=r"memory_to_memory: must be False"):
        conversion.compensated(fed_back)
