"""Calibration trims: each emulated neuron set to the curve its ensemble asked for."""

import numpy as np
import nengo
import pytest
from nengo.exceptions import ValidationError

from nengo_lmu.hardware import analog
from nengo_lmu.hardware.analog import calibration
from nengo_lmu.hardware.analog.builder import SubstrateNeurons

N, D, ITEMS, HOLD = 40, 3, 8, 100  # neurons, inputs, held inputs, steps each


def trained_layer(spiking):
    """A layer of rectified-linear neurons driven by "trained" weights into
    ``ens.neurons`` (gain 200, trained biases), and its ideal rates."""
    rng = np.random.RandomState(0)
    weights = rng.uniform(-1, 1, (N, D))
    biases = rng.uniform(-0.3, 0.5, N)
    inputs = rng.uniform(-1, 1, (ITEMS, D))
    neuron = nengo.SpikingRectifiedLinear if spiking else nengo.RectifiedLinear
    with nengo.Network(seed=0) as net:
        stim = nengo.Node(lambda t: inputs[min(int(t / (HOLD * 0.001)), ITEMS - 1)])
        layer = nengo.Ensemble(N, 1, neuron_type=neuron(amplitude=1 / 200),
                               gain=nengo.dists.Choice([200]), bias=biases * 200)
        nengo.Connection(stim, layer.neurons, transform=weights, synapse=0.005)
        probe = nengo.Probe(layer.neurons, synapse=0.02 if spiking else None)
    ideal = np.maximum(inputs @ weights.T + biases, 0)
    return net, layer, probe, ideal


def layer_error(spiking, substrate, calibrate):
    net, layer, probe, ideal = trained_layer(spiking)
    with analog.Simulator(net, substrate=substrate, calibrate=calibrate,
                          progress_bar=False) as sim:
        sim.run(ITEMS * HOLD * 0.001)
    out = sim.data[probe][np.arange(1, ITEMS + 1) * HOLD - 1]
    return np.sqrt(np.mean((out - ideal) ** 2) / np.mean(ideal**2)), sim


@pytest.mark.parametrize("spiking, tolerance", [(False, 0.02), (True, 0.15)])
def test_calibration_trims_a_trained_layer(spiking, tolerance):
    """Weights trained for nominal neurons work on the mismatched chip once
    its neurons are trimmed (the ideal substrate's spiking error is 0.10)."""
    braindrop = analog.Substrate(seed=1)
    calibrated, sim = layer_error(spiking, braindrop, True)
    uncalibrated, _ = layer_error(spiking, braindrop, False)
    assert calibrated < tolerance
    assert uncalibrated > 0.5
    ideal, _ = layer_error(spiking, analog.Substrate.ideal(), False)
    assert calibrated < ideal + 0.02


def test_measurement_recovers_gain_and_bias_factors():
    """The sweep finds each LIF neuron's input gain g/h and bias factor 1/h."""
    sub = analog.Substrate(seed=3)
    gain, threshold = sub.neuron_mismatch(0, 30)
    bias = np.linspace(-2, 3, 30)
    neurons = SubstrateNeurons(nengo.LIFRate(), gain, threshold, bias)
    scale, factor = calibration.measure_current_map(neurons, bias)
    assert np.allclose(scale, gain / threshold, rtol=1e-2)
    assert np.allclose(factor, 1 / threshold, rtol=1e-2)
    neurons.trim(*calibration.trims(neurons, bias))  # as the builder does
    x = np.repeat(np.linspace(-1, 1, 11)[:, None], 30, axis=1)
    gains = np.full(30, 5.0)
    nominal = nengo.LIFRate().rates(x, gains, bias)
    untrimmed = neurons.physical_rates(x, gains, bias)
    assert np.abs(untrimmed - nominal).mean() > 10  # Hz: the mismatch is large
    # within the measurement's precision (LIF rates are steep at threshold)
    assert np.abs(neurons.rates(x, gains, bias) - nominal).mean() < 1.0


def test_every_chip_population_is_trimmed():
    """Decoded populations are trimmed too, and then decode as well as on a
    chip without gain and threshold mismatch."""
    with nengo.Network(seed=0) as net:
        stim = nengo.Node(lambda t: np.sin(2 * np.pi * t))
        decoded = nengo.Ensemble(50, 1, neuron_type=nengo.LIFRate())
        out = nengo.Node(size_in=1)
        nengo.Connection(stim, decoded, synapse=None)
        nengo.Connection(decoded, out, synapse=None)
        probe = nengo.Probe(out)
    sub = analog.Substrate(seed=0).without("noise", "drift")
    errors = {}
    for name, substrate, calibrate in (("trimmed", sub, True), ("untrimmed", sub, False),
                                       ("matched", sub.without("gain_sigma",
                                                               "threshold_sigma"), True)):
        with analog.Simulator(net, substrate=substrate, calibrate=calibrate,
                              progress_bar=False) as sim:
            sim.run(1.0)
        if name == "trimmed":
            assert not np.allclose(sim.model.chip[decoded].neurons.input_scale, 1)
        target = np.sin(2 * np.pi * sim.trange())
        errors[name] = np.sqrt(np.mean((sim.data[probe][:, 0] - target) ** 2))
    assert errors["trimmed"] < errors["matched"] + 0.01
    assert errors["untrimmed"] > 2 * errors["trimmed"]


def test_unmeasurable_neuron_is_left_untrimmed():
    neurons = SubstrateNeurons(nengo.LIFRate(), [1.0, 1.2], [100.0, 0.8], [0.0, 0.5])
    scale, factor = calibration.measure_current_map(neurons, np.array([0.0, 0.5]))
    assert np.isnan(scale[0]) and np.isnan(factor[0])  # never fires: not measured
    input_scale, bias = calibration.trims(neurons, np.array([0.0, 0.5]))
    assert input_scale[0] == 1 and bias[0] == 0
    assert np.isclose(input_scale[1], 0.8 / 1.2, rtol=1e-2)


def test_decoders_only_leaves_neurons_untrimmed():
    net, layer, _, _ = trained_layer(spiking=False)
    with analog.Simulator(net, substrate=analog.Substrate(seed=1), calibrate="decoders",
                          progress_bar=False) as sim:
        assert sim.model.calibrate and not sim.model.trim
        assert np.all(sim.model.chip[layer].neurons.input_scale == 1)
    for bad in ("trims", 1, [True]):
        with pytest.raises(ValidationError, match="must be True, False or 'decoders'"):
            analog.Simulator(net, calibrate=bad, progress_bar=False)


def test_the_inverse_resolves_currents_just_above_threshold_on_a_wide_range():
    """A neuron with a large bias widens the table; the steep LIF curve just
    above threshold must still map back to its current."""
    from nengo_lmu.hardware.analog.calibration import _inverse  # noqa: PLC0415

    base = nengo.LIFRate(tau_ref=0.002)
    currents = np.array([1.02, 1.05, 2.0, 40.0])
    rates = np.ravel(base.rates(currents, 1.0, 0.0))
    for top in (100.0, 12000.0):
        grid, table = _inverse(base, top)
        assert np.allclose(np.interp(rates, table, grid), currents, rtol=1e-3)
