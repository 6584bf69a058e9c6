import nengo
import numpy as np
import pytest
from nengo.exceptions import ValidationError

from nengo_lmu import signals


def test_white_signal_rms_seed_and_channels():
    u = signals.white_signal(20.0, 0.001, high=2.0, rms=0.3, channels=2, seed=1)
    assert u.shape == (20000, 2)
    assert np.allclose(u.std(axis=0), 0.3, rtol=0.25)
    assert np.array_equal(u, signals.white_signal(20.0, 0.001, 2.0, 0.3, 2, seed=1))
    assert not np.array_equal(u, signals.white_signal(20.0, 0.001, 2.0, 0.3, 2, seed=2))
    # band-limited: no power above `high`
    power = np.abs(np.fft.rfft(u[:, 0])) ** 2
    freqs = np.fft.rfftfreq(len(u), 0.001)
    assert power[freqs > 2.0 + 1e-9].sum() < 1e-9 * power.sum()


def test_input_process_plays_samples_in_probe_rows(Simulator):
    u = signals.sinusoid(0.05, 0.001, frequency=7.0)
    with nengo.Network() as net:
        node = nengo.Node(signals.input_process(u, 0.001))
        p = nengo.Probe(node)
    with Simulator(net, progress_bar=False) as sim:
        sim.run_steps(len(u))
    assert np.array_equal(sim.data[p], u)


def test_ideal_memory_channels_are_independent():
    u = signals.white_signal(3.0, 0.001, channels=2, seed=0)
    m = signals.ideal_memory(u, 4, 0.5)
    assert m.shape == (3000, 8)
    assert np.allclose(m[:, :4], signals.ideal_memory(u[:, 0], 4, 0.5))
    assert np.allclose(m[:, 4:], signals.ideal_memory(u[:, 1], 4, 0.5))


def test_delayed():
    u = np.arange(1.0, 6.0)
    assert np.array_equal(signals.delayed(u, 0.002, 0.001), [0, 0, 1, 2, 3])
    assert np.array_equal(signals.delayed(u, 1.0, 0.001), np.zeros(5))
    with pytest.raises(ValidationError, match=r"delay: must be a finite number >= 0"):
        signals.delayed(u, -1.0)


def test_state_radii_analytic_and_empirical_agree():
    process = signals.white_signal_process(50.0, high=1.0, rms=0.3)
    analytic = signals.state_radii(6, 1.0, process)
    # the same spectrum through the generic (simulated) path
    class Wrapped(nengo.Process):
        def make_step(self, shape_in, shape_out, dt, rng, state):
            return process.make_step(shape_in, shape_out, dt, rng, state)

    empirical = signals.state_radii(6, 1.0, Wrapped(default_size_out=1), duration=50.0)
    assert np.allclose(analytic, empirical, rtol=0.2)
    # higher-order states of a slow input are small (the documentation's Theory
    # page, section 'State scaling')
    assert analytic[-1] < 0.2 * analytic.max()


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: signals.white_signal(-1.0), r"duration: must be a finite number > 0"),
        (lambda: signals.white_signal(1.0, high=0.0), r"high: must be a finite number > 0"),
        (lambda: signals.white_signal(1.0, channels=0), r"channels: must be an integer >= 1"),
        (lambda: signals.state_radii(3, 1.0, "noise"), r"process: must be a nengo.Process"),
    ],
)
def test_validation(call, match):
    with pytest.raises(ValidationError, match=match):
        call()
