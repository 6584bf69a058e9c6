"""The exact discrete mapping for the analog chip's synapse
(``compensations="exact"``)."""

import warnings

import nengo
import numpy as np
import pytest
from nengo.exceptions import ValidationError

import nengo_lmu
from nengo_lmu import signals
from nengo_lmu.dynamics import lmu_discrete, lmu_matrices
from nengo_lmu.hardware import analog
from nengo_lmu.hardware.analog.operators import discretize_synapses
from nengo_lmu.mapping import discrete_lowpass

DT = 0.001


def staircase(n_steps, hold=2, seed=0):
    """A digits-like input: random levels in [0, 1], each held ``hold`` steps."""
    rng = np.random.default_rng(seed)
    return np.repeat(rng.uniform(0, 1, n_steps // hold + 1), hold)[:n_steps]


def run_loop(A_prime, taps, u, tau, tau2, pulse_width):
    """The linear loop as the emulator steps it (SimSynapseBank's update): the
    decoded value ``A' x + sum_j F_j u[k - j]`` through the synapse into ``x``."""
    Ad, G0, G1 = discretize_synapses(np.array([tau]), tau2, pulse_width, DT)
    Ad, G0, G1 = Ad[:, :, 0], G0[:, 0], G1[:, 0]
    d = len(A_prime)
    s = np.zeros((Ad.shape[0], d))
    previous = np.zeros(d)
    xs = np.zeros((len(u), d))
    for k in range(len(u)):
        xs[k] = s[-1]
        v = A_prime @ xs[k]
        for lag, F in enumerate(taps):
            if k - lag >= 0:
                v = v + F[:, 0] * u[k - lag]
        s = Ad @ s + np.outer(G0, v) + np.outer(G1, previous)
        previous = v
    return xs


def averaged(ideal, weights):
    """``sum_i weights[i] x[k - i]`` (zero before the start)."""
    out = np.zeros_like(ideal)
    for i, w in enumerate(weights):
        out[i:] += w * ideal[: len(ideal) - i]
    return out


def test_synapse_transfer_of_a_lowpass_is_nengos():
    tau = 0.05
    N, P = analog.synapse_transfer(tau, 0.0, 0.0, DT)
    a = np.exp(-DT / tau)
    assert np.allclose(N, [1 - a, 0.0]) and np.allclose(P, [1.0, -a, 0.0])
    # with the chip's second pole and pulse: a zero outside the unit circle
    N, P = analog.synapse_transfer(0.1, 0.002, 0.0005, DT)
    assert len(N) == 3 and len(P) == 4
    assert np.abs(np.roots(N)).max() > 1.5
    assert N.sum() == pytest.approx(P.sum())  # unit DC gain


def test_exact_mapping_of_a_lowpass_is_the_discrete_lowpass_mapping():
    A, B = lmu_matrices(6, 0.1)
    N, P = analog.synapse_transfer(0.05, 0.0, 0.0, DT)
    A_prime, taps = analog.exact_mapping(A, B, DT, N, P)
    Ap, Bp = discrete_lowpass(A, B, 0.05, DT)
    assert np.allclose(A_prime, Ap, atol=1e-9)
    assert np.allclose(taps[0], Bp, atol=1e-12) and np.allclose(taps[1], 0, atol=1e-12)


@pytest.mark.parametrize("order, theta", [(6, 0.05), (12, 0.128)])
def test_exact_mapping_realises_the_averaged_ideal_memory(order, theta):
    tau, tau2, eps = 0.1, 0.002, 0.0005
    A, B = lmu_matrices(order, theta)
    N, P = analog.synapse_transfer(tau, tau2, eps, DT)
    A_prime, taps = analog.exact_mapping(A, B, DT, N, P)
    u = staircase(600)
    x = run_loop(A_prime, taps, u, tau, tau2, eps)
    ideal = signals.ideal_memory(u, order, theta)
    realised = averaged(ideal, analog.state_weights(N))
    scale = np.abs(ideal).max()
    assert np.abs(x - realised).max() < 1e-9 * scale
    # and the readout gives the ideal state back
    R, readout_taps = analog.exact_readout(A, B, DT, N)
    back = x @ R.T
    for lag, G in enumerate(readout_taps):
        back[lag:] += np.outer(u[: len(u) - lag], G[:, 0])
    assert np.abs(back - ideal).max() < 1e-8 * scale
    # the lowpass mapping on the same synapse is far off on this input
    Ap, Bp = discrete_lowpass(A, B, tau, DT)
    off = run_loop(Ap, [Bp], u, tau, tau2, eps)
    assert np.abs(off - ideal).max() > 0.2 * scale


def test_closed_loop_radius_is_per_eigenvalue_roots():
    A, B = lmu_matrices(6, 0.1)
    N, P = analog.synapse_transfer(0.1, 0.002, 0.0005, DT)
    A_prime, _ = analog.exact_mapping(A, B, DT, N, P)
    padded = np.concatenate([[0.0], N])
    roots = max(np.abs(np.roots(P - lam * padded)).max()
                for lam in np.linalg.eigvals(A_prime))
    assert analog.closed_loop_radius(A_prime, N, P) == pytest.approx(roots, rel=1e-6)
    # the loop keeps the ideal memory's poles
    Abar, _ = lmu_discrete(6, 0.1, DT)
    assert roots >= np.abs(np.linalg.eigvals(Abar)).max() - 1e-9


def test_robust_radius_marks_the_fragile_fast_high_orders():
    N, P = analog.synapse_transfer(0.1, 0.002, 0.0005, DT)
    radii = {}
    for order in (12, 24):
        A, B = lmu_matrices(order, 0.128)
        A_prime, _ = analog.exact_mapping(A, B, DT, N, P)
        radii[order] = (analog.closed_loop_radius(A_prime, N, P),
                        analog.robust_radius(A_prime, N, P))
    assert radii[12][1] < 1 and radii[24][0] < 1 < radii[24][1]


def test_default_compensations_by_speed():
    # slow (second-order ratio <= 1): the three of before
    assert analog.AnalogLegendreMemory(3, 0.1, 60).compensations == analog.COMPENSATIONS
    # fast, and the exact loop robust: calibrate and the exact mapping
    mem = analog.AnalogLegendreMemory(12, 0.128, 120)
    assert mem.compensations == ("calibrate", "exact")
    assert isinstance(mem.synapse_mapping, analog.ExactSynapseMapping)
    # the synapse compensations would apply (order 6 over 0.1 s: ratio 0.59),
    # but the fastest mode lasts 10.8 ms, under EXACT_BELOW: the exact mapping,
    # with its own synapse; 24.6 ms (order 3 over 0.1 s above) keeps them
    mem = analog.AnalogLegendreMemory(6, 0.1, 60)
    assert analog.fastest_mode(6, 0.1) < analog.EXACT_BELOW < analog.fastest_mode(3, 0.1)
    assert mem.compensations == ("calibrate", "exact") and mem.synapse.tau == 0.018
    # where the exact loop does not hold (order 12 over 0.25 s, 12.3 ms, robust
    # radius 0.986), the synapse compensations stay
    assert analog.AnalogLegendreMemory(12, 0.25, 120).compensations == analog.COMPENSATIONS
    # too fast for it (order 24 over 0.128 s): calibrate only, the lowpass
    # mapping, and a warning that the chip cannot hold it
    with pytest.warns(analog.FastMemoryWarning):
        assert analog.AnalogLegendreMemory(24, 0.128, 240).compensations == ("calibrate",)


def test_exact_does_not_combine_with_the_approximate_synapse_mappings():
    with pytest.raises(ValidationError,
                       match=r"compensations: Must not combine 'exact' with"):
        analog.AnalogLegendreMemory(6, 0.1, 60, compensations=("exact", "synapse"))
    sub, comps = analog.from_options(compensations="calibrate+exact")
    assert comps == ("calibrate", "exact")


def simulate(order, theta, compensations, n_steps=400):
    """The memory's state on a chip with only the synapse's shape (second pole
    and pulse), rate neurons, a fast staircase input; and the ideal memory's."""
    u = staircase(n_steps).reshape(-1, 1)
    sub = analog.Substrate.ideal().replace(tau2=0.002, pulse_width=0.0005)
    with nengo.Network(seed=1) as net:
        stim = nengo.Node(signals.input_process(u))
        mem = analog.AnalogLegendreMemory(
            order, theta, 200 * order, neuron_type=nengo.RectifiedLinear(),
            radii=2.0 * np.abs(signals.ideal_memory(u, order, theta)).max(axis=0),
            substrate=sub, compensations=compensations)
        nengo.Connection(stim, mem.input, synapse=None)
        probe = nengo.Probe(mem.state, synapse=None)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", analog.UnstableMappingWarning)
        with nengo_lmu.simulator(net, backend="analog", progress_bar=False) as sim:
            sim.run_steps(n_steps)
    return sim.data[probe], signals.ideal_memory(u, order, theta)


def relative_error(x, ideal):
    return np.sqrt(np.mean(np.sum((x - ideal) ** 2, axis=1))
                   / np.mean(np.sum(ideal**2, axis=1)))


def test_memory_equals_the_ideal_discrete_memory_on_a_fast_input():
    x, ideal = simulate(6, 0.05, ("exact",))
    error = relative_error(x, ideal)
    # only the rate neurons' decoding error is left (measured 0.009)
    assert error < 0.03
    # the lowpass mapping on the same chip (measured 1.7)
    x, _ = simulate(6, 0.05, ())
    assert relative_error(x, ideal) > 10 * error


def test_exact_memory_floors_the_radii_it_represents():
    radii = np.geomspace(1.0, 1e-3, 12)
    mem = analog.AnalogLegendreMemory(12, 0.128, 120, radii=radii)
    assert mem.compensations == ("calibrate", "exact") and mem.synapse.tau == 0.018
    rho = mem.population.represented_radii
    assert rho.max() == pytest.approx(1.0)
    assert rho.min() == pytest.approx(1.0 / analog.EXACT_RADIUS_RATIO)
    assert np.array_equal(mem.radii, radii)  # the ranges asked for
    M = mem.recurrent_connections[0].transform.init
    A_prime, _ = mem.synapse_mapping.taps(mem.A, mem.B, 0.018, 0.001)
    assert np.allclose(M, A_prime * rho[None, :] / rho[:, None])
    # the input and its taps of the last two steps, all into the population
    assert len(mem.input_connections) == 3
    assert all(c.post_obj is mem.ensemble for c in mem.input_connections)


def test_fastest_mode_is_theta_over_the_largest_eigenvalue():
    A, _ = lmu_matrices(12, 0.1)
    largest = np.abs(np.linalg.eigvals(A)).max()
    assert analog.fastest_mode(12, 0.1) == pytest.approx(1 / largest)
    # the digits networks' memories: 3.0 and 0.6 ms
    assert analog.fastest_mode(24, 0.128) == pytest.approx(0.00297, abs=1e-5)
    assert analog.fastest_mode(64, 0.128) == pytest.approx(0.00061, abs=1e-5)


def test_memories_faster_than_the_chip_warn():
    with pytest.warns(analog.FastMemoryWarning,
                      match=r"2\.97 ms for order 24 over theta = 0\.128 s, must last at "
                            r"least 12 ms"):
        analog.AnalogLegendreMemory(24, 0.128, 240)
    with pytest.warns(analog.FastMemoryWarning, match="0.61 ms for order 64"):
        analog.AnalogLegendreMemory(64, 0.128, 640, compensations="calibrate")
    with warnings.catch_warnings():
        warnings.simplefilter("error", analog.FastMemoryWarning)
        analog.AnalogLegendreMemory(12, 0.1, 120)  # 4.9 ms
        analog.AnalogLegendreMemory(3, 0.1, 30)  # the Table 7.1 network: 25 ms
        analog.AnalogLegendreMemory(24, 1.0, 240)  # 23 ms
    # the limit grows with the order: 5.8 ms holds order 12 but not order 24
    with pytest.warns(analog.FastMemoryWarning, match=r"5\.80 ms for order 24"):
        analog.AnalogLegendreMemory(24, 0.25, 240)


def test_the_fastest_mode_limit_interpolates_the_measured_orders():
    for order, limit in analog.FASTEST_MODE_LIMITS:
        assert analog.min_fastest_mode(order) == pytest.approx(limit)
    limits = [analog.min_fastest_mode(d) for d in range(1, 129)]
    assert np.all(np.diff(limits) >= 0)  # never lower for a higher order
    assert analog.min_fastest_mode(3) == pytest.approx(analog.FASTEST_MODE_LIMITS[0][1])
    # between two measured orders on log-log axes: the geometric mean halfway
    (d0, l0), (d1, l1) = analog.FASTEST_MODE_LIMITS[1:]
    assert analog.min_fastest_mode(np.sqrt(d0 * d1)) == pytest.approx(np.sqrt(l0 * l1))
    # beyond the last, along the last slope: the slowed-down order-64 digits
    # memory (9.7 ms over 2.048 s, which scored 0 of 8 digits) warns
    assert analog.min_fastest_mode(64) > analog.fastest_mode(64, 2.048)


def white_relative_error(order, theta, seed=0):
    """State error over the ideal state's RMS of a default analog memory of 64
    neurons per dimension, white noise with theta * f = 1 (RMS 1) for 2 s."""
    high = 1.0 / theta
    u = signals.white_signal(2.0, DT, high, 1.0, seed=0)
    with nengo.Network(seed=seed) as net:
        stim = nengo.Node(signals.input_process(u, DT))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", analog.FastMemoryWarning)
            mem = analog.AnalogLegendreMemory(
                order, theta, 64 * order, substrate=analog.Substrate(seed=seed),
                radii=signals.white_signal_process(2.0, high, 1.0))
        nengo.Connection(stim, mem.input, synapse=None)
        probe = nengo.Probe(mem.state, synapse=0.01)
    with nengo_lmu.simulator(net, backend="analog", progress_bar=False) as sim:
        sim.run_steps(len(u))
    k = int(round(theta / DT))
    ideal = nengo.Lowpass(0.01).filt(signals.ideal_memory(u, order, theta), dt=DT, y0=0)
    return relative_error(sim.data[probe][k:], ideal[k:])


def test_beyond_the_fastest_mode_limit_the_chip_loses_the_state():
    # order 12, fastest mode 3 ms: 1.40 (seeds 0, 1; the reference simulator
    # 0.29); 5 ms: 0.41 (reference 0.24)
    below = white_relative_error(12, 3e-3 / analog.fastest_mode(12, 1.0))
    above = white_relative_error(12, 5e-3 / analog.fastest_mode(12, 1.0))
    assert below > 1.0
    assert above < 0.6
