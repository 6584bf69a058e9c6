"""Decoders of a Loihi memory's state solved from its measured spikes."""

import nengo
import numpy as np
import pytest
from nengo.exceptions import ValidationError

pytest.importorskip("nengo_loihi")

from nengo_lmu.hardware.loihi import LoihiLegendreMemory  # noqa: E402
from nengo_lmu.hardware.loihi.calibration import DecoderFit, set_decoders  # noqa: E402
from nengo_lmu.networks.memory import LegendreMemory  # noqa: E402


def test_decoder_fit_in_pieces_is_nengos_lstsq_l2():
    rng = np.random.RandomState(0)
    A = rng.uniform(0, 300, size=(500, 40))
    Y = rng.normal(size=(500, 3))
    expected, _ = nengo.solvers.LstsqL2(reg=0.05)(A, Y)
    fit = DecoderFit(reg=0.05)
    for piece in np.array_split(np.arange(500), 7):
        fit.add(A[piece], Y[piece])
    assert fit.n_samples == 500
    np.testing.assert_allclose(fit.solve(), expected, rtol=1e-9, atol=1e-12)


def test_decoder_fit_errors():
    with pytest.raises(ValidationError, match=r"reg: must be a finite number > 0 \(got 0"):
        DecoderFit(reg=0)
    with pytest.raises(ValidationError, match=r"activities: must have samples.*\(got none\)"):
        DecoderFit().solve()
    with pytest.raises(ValidationError, match=r"activities: must be \(samples, neurons\) "
                                              r"and \(samples, dims\) arrays of one length "
                                              r"\(got \(5, 3\) and \(4, 2\)\)"):
        DecoderFit().add(np.ones((5, 3)), np.ones((4, 2)))


def test_set_decoders_replaces_the_state_output():
    with nengo.Network(seed=0):
        memory = LoihiLegendreMemory(order=3, theta=0.5, n_neurons=60, seed=0,
                                     quantize=False)
    new = np.arange(3 * 60, dtype=float).reshape(3, 60) / 1e3
    assert set_decoders(memory, new) is memory
    np.testing.assert_array_equal(memory.output_decoders, new)
    with pytest.raises(ValidationError, match=r"decoders: must be a finite \(dimensions, "
                                              r"n_neurons\) = \(3, 60\) array \(got shape "
                                              r"\(60, 3\)\)"):
        set_decoders(memory, new.T)
    with nengo.Network(seed=0):
        plain = LegendreMemory(order=3, theta=0.5, n_neurons=60)
    with pytest.raises(ValidationError, match=r"memory: must be a memory that decodes its "
                                              r"state from one population's neurons.*"
                                              r"\(got LegendreMemory\)"):
        set_decoders(plain, new)
