"""The Loihi memory on short windows and fast, large inputs (on the emulator)."""

import nengo
import numpy as np
import pytest
from nengo.exceptions import ValidationError

import nengo_lmu
from nengo_lmu import metrics, signals

nengo_loihi = pytest.importorskip("nengo_loihi")

from nengo_lmu.hardware import loihi  # noqa: E402
from nengo_lmu.hardware.loihi import LoihiLegendreMemory  # noqa: E402
from nengo_loihi.neurons import LoihiLIF, LoihiSpikingRectifiedLinear  # noqa: E402

pytestmark = pytest.mark.filterwarnings(
    "ignore:This version of `nengo_loihi`",
    "ignore:invalid value encountered in cast",
    "ignore:Model is precomputable",
)

ORDER, THETA = 3, 0.1
#: the inputs the memory is sized for: the thesis's delay network (3 Hz, rms 1)
PROCESS = signals.white_signal_process(10.0, high=3.0, rms=1.0)


def gains(amplitude, backend, input_range=None, duration=0.6, n_neurons=192, **options):
    """Each dimension's gain against the ideal memory, for a 2 Hz sinusoid."""
    with nengo.Network(seed=0) as net:
        stim = nengo.Node(lambda t: amplitude * np.sin(2 * np.pi * 2 * t))
        mem = LoihiLegendreMemory(
            ORDER, THETA, n_neurons, radii=PROCESS, input_range=input_range, seed=0
        )
        nengo.Connection(stim, mem.input, synapse=None)
        probe = nengo.Probe(mem.state, synapse=0.02)
    with nengo_lmu.simulator(net, backend=backend, progress_bar=False, **options) as sim:
        sim.run(duration)
    u = amplitude * np.sin(2 * np.pi * 2 * sim.trange())
    ideal = metrics.filtered(signals.ideal_memory(u, ORDER, THETA), 0.02)[200:]
    x = sim.data[probe][200:]
    return np.einsum("ti,ti->i", x, ideal) / np.einsum("ti,ti->i", ideal, ideal)


def test_input_range_defaults_from_the_input_process():
    assert LoihiLegendreMemory(3, 0.1, 30, radii=PROCESS).input_range == 4.0
    assert LoihiLegendreMemory(3, 0.1, 30).input_range == 1.0
    steps = nengo.processes.PresentInput([[0.5], [-2.0]], 0.05)
    assert LoihiLegendreMemory(3, 0.1, 30, radii=steps).input_range == 2.5
    assert LoihiLegendreMemory(3, 0.1, 30, input_range=3).input_range == 3.0


@pytest.mark.parametrize("bad", [0, -1.0, float("nan"), float("inf"), "wide", [1, 2]])
def test_bad_input_range_fails_before_building(bad):
    with pytest.raises(ValidationError, match="input_range.*finite number > 0"):
        LoihiLegendreMemory(3, 0.1, 30, input_range=bad)


def test_input_encoder_is_nengo_loihis_unless_inputs_exceed_one():
    narrow = LoihiLegendreMemory(3, 0.1, 30, add_to_container=False)
    wide = LoihiLegendreMemory(3, 0.1, 30, input_range=3.0, add_to_container=False)
    assert loihi.input_neurons([narrow]) is None
    neurons = loihi.input_neurons([narrow, wide])
    assert isinstance(neurons, loihi.WideInputNeurons)
    assert neurons.input_range == 3.0
    assert neurons.get_ensemble(2, add_to_container=False).radius == 3.0


def test_inputs_beyond_one_reach_the_chip():
    # an input of amplitude 2.5: nengo-loihi's own encoder compresses it
    # (the "off" neuron falls silent beyond 1, the "on" one saturates)
    clipped = gains(2.5, "loihi", input_range=1.0, target="simreal")
    assert np.all(clipped < 0.85), clipped
    # with the memory's input range, every dimension arrives intact, on the
    # float and the integer emulator, as on the reference simulator
    reference = gains(2.5, "reference")
    for target in ("simreal", "sim"):
        g = gains(2.5, "loihi", target=target)
        assert np.allclose(g, reference, atol=0.06), (target, g, reference)
        assert np.allclose(g, 1.0, atol=0.12), (target, g)


def test_ensemble_targets_get_wide_inputs_too():
    # an ordinary decoded ensemble beside the memory receives the same
    # scaled host spikes, multiplied back through its encoders; on chip its
    # input is filtered by the memories' synapse (one filter per compartment)
    with nengo.Network(seed=0) as net:
        stim = nengo.Node(lambda t: 2.0 * np.sin(2 * np.pi * 2 * t))
        mem = LoihiLegendreMemory(ORDER, THETA, 60, radii=PROCESS, seed=0)
        nengo.Connection(stim, mem.input, synapse=None)
        ens = nengo.Ensemble(200, 1, radius=2.5, neuron_type=nengo.SpikingRectifiedLinear())
        nengo.Connection(stim, ens, synapse=None)
        probe = nengo.Probe(ens, synapse=0.02)
    with nengo_lmu.simulator(net, backend="loihi", target="sim") as sim:
        sim.run(0.6)
    assert isinstance(sim.model.node_neurons, loihi.WideInputNeurons)
    u = 2.0 * np.sin(2 * np.pi * 2 * sim.trange())
    truth = metrics.filtered(metrics.filtered(u, mem.synapse), 0.02)[100:]
    assert np.max(np.abs(truth)) > 1.3
    assert metrics.nrmse(sim.data[probe][100:, 0], truth) < 0.15


def short_window(backend, neuron_type=None, **options):
    """d = 6, theta = 0.1 s under 10 Hz input (theta * f = 1, every order used)."""
    d = 6
    process = signals.white_signal_process(4.0, high=10.0, rms=1.0)
    u = signals.white_signal(1.0, 0.001, 10.0, 1.0, seed=1)
    with nengo.Network(seed=1) as net:
        stim = nengo.Node(signals.input_process(u))
        mem = LoihiLegendreMemory(d, THETA, 600, radii=process, seed=1, neuron_type=neuron_type)
        nengo.Connection(stim, mem.input, synapse=None)
        probe = nengo.Probe(mem.state, synapse=0.02)
    with nengo_lmu.simulator(net, backend=backend, progress_bar=False, **options) as sim:
        sim.run_steps(len(u))
    ideal = metrics.filtered(signals.ideal_memory(u, d, THETA), 0.02)[200:]
    x = sim.data[probe][200:]
    g = np.einsum("ti,ti->i", x, ideal) / np.einsum("ti,ti->i", ideal, ideal)
    rel = np.sqrt(np.mean((x - ideal) ** 2, axis=0)) / ideal.std(axis=0)
    return mem, g, rel


def test_every_dimension_of_a_short_window_on_the_integer_emulator():
    # the gain and error of each dimension, not only the first few
    mem, g, rel = short_window("loihi", target="sim")
    assert isinstance(mem.neuron_type, nengo_loihi.neurons.LoihiLIF)
    assert np.allclose(g, 1.0, atol=0.25), g
    assert np.all(rel < 1.0), rel
    _, g_ref, rel_ref = short_window("reference")
    assert np.all(rel < 1.3 * rel_ref + 0.05), (rel, rel_ref)


def test_fast_memories_get_lif_neurons_and_a_warning_for_rectified_linear():
    assert isinstance(loihi.default_neuron_type(6, 1.0), LoihiSpikingRectifiedLinear)
    assert isinstance(loihi.default_neuron_type(6, 0.1), LoihiLIF)
    with pytest.warns(loihi.ResetToZeroWarning, match="reset to zero"):
        LoihiLegendreMemory(6, 0.1, 60, neuron_type=nengo.SpikingRectifiedLinear())
    # on a fast memory the rectified-linear neurons' high orders drift
    _, g_relu, _ = short_window("reference", neuron_type=nengo.SpikingRectifiedLinear())
    _, g_lif, _ = short_window("reference")
    assert np.max(np.abs(g_relu - 1)) > 1.5 * np.max(np.abs(g_lif - 1))
