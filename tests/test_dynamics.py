import numpy as np
import pytest
import scipy.signal
from nengo.exceptions import ValidationError

from nengo_lmu import dynamics, signals


def closed_form(order):
    A = np.zeros((order, order))
    B = np.zeros((order, 1))
    for i in range(order):
        B[i] = (2 * i + 1) * (-1) ** i
        for j in range(order):
            A[i, j] = (2 * i + 1) * (-1 if i < j else (-1) ** (i - j + 1))
    return A, B


@pytest.mark.parametrize("order", [1, 2, 3, 6, 12, 25])
def test_lmu_matrices_closed_form(order):
    theta = 0.37
    A, B = dynamics.lmu_matrices(order, theta)
    Ac, Bc = closed_form(order)
    assert np.allclose(A * theta, Ac, rtol=1e-14, atol=0)
    assert np.allclose(B * theta, Bc, rtol=1e-14, atol=0)


@pytest.mark.parametrize("order, dt", [(1, 0.001), (6, 0.001), (12, 0.01), (20, 0.0005)])
def test_zoh_matches_cont2discrete(order, dt):
    A, B = dynamics.lmu_matrices(order, theta=0.8)
    Ad, Bd = dynamics.discretize(A, B, dt)
    Ad2, Bd2, *_ = scipy.signal.cont2discrete(
        (A, B, np.eye(order), np.zeros((order, 1))), dt, method="zoh"
    )
    assert np.allclose(Ad, Ad2, atol=1e-12, rtol=1e-10)
    assert np.allclose(Bd, Bd2, atol=1e-12, rtol=1e-10)


def test_euler_is_forward_euler():
    A, B = dynamics.lmu_matrices(4, 1.0)
    Ad, Bd = dynamics.discretize(A, B, 0.01, method="euler")
    assert np.array_equal(Ad, np.eye(4) + 0.01 * A)
    assert np.array_equal(Bd, 0.01 * B)
    # and it is measurably worse than ZOH
    Az, _ = dynamics.discretize(A, B, 0.01)
    assert np.abs(Ad - Az).max() > 1e-3


@pytest.mark.parametrize("frac", [0.0, 0.25, 0.5, 1.0])
def test_ideal_memory_reconstructs_delays(frac):
    dt, theta, order = 0.001, 1.0, 12
    u = signals.white_signal(10.0, dt, high=1.0, rms=0.3, seed=3)
    m = signals.ideal_memory(u, order, theta, dt)
    C = dynamics.delay_readout(order, frac * theta, theta)
    # the ideal memory's row k holds inputs up to row k - 1 (one step of lag)
    truth = signals.delayed(u[:, 0], frac * theta + dt, dt)
    k = int(2 * theta / dt)
    err = np.sqrt(np.mean((m[k:] @ C - truth[k:]) ** 2)) / np.sqrt(np.mean(truth[k:] ** 2))
    assert err < 0.01


def test_delay_readout_endpoints_and_shape():
    assert np.allclose(dynamics.delay_readout(5, 0.0, 2.0), (-1.0) ** np.arange(5))
    assert np.allclose(dynamics.delay_readout(5, 2.0, 2.0), np.ones(5))
    assert dynamics.delay_readout(5, [0.0, 1.0, 2.0], 2.0).shape == (3, 5)


def test_functional_readout_window_mean_and_samples():
    theta = 0.5
    C = dynamics.functional_readout(6, lambda tp: np.full_like(tp, 1 / theta), theta)
    assert np.allclose(C, np.eye(6)[0], atol=1e-12)
    # samples of the same function agree with the callable
    f = lambda tp: np.exp(-tp / 0.2) / 0.2  # noqa: E731
    C1 = dynamics.functional_readout(6, f, theta)
    C2 = dynamics.functional_readout(6, f(np.linspace(0, theta, 2001)), theta)
    assert np.allclose(C1, C2, atol=1e-5)


def test_functional_readout_decodes_windowed_integral():
    dt, theta, order = 0.001, 1.0, 12
    u = signals.white_signal(6.0, dt, high=1.0, rms=0.3, seed=2)[:, 0]
    m = signals.ideal_memory(u, order, theta, dt)
    f = lambda tp: np.sin(np.pi * tp / theta)  # noqa: E731
    y = m @ dynamics.functional_readout(order, f, theta)
    tp = np.arange(1, int(theta / dt) + 1) * dt
    # direct convolution over the window, with the memory's one step of lag
    kernel = f(tp - dt) * dt
    truth = np.convolve(u, kernel)[: len(u)]
    truth = np.concatenate([[0.0], truth[:-1]])
    k = int(2 * theta / dt)
    nrmse = np.sqrt(np.mean((y[k:] - truth[k:]) ** 2)) / np.sqrt(np.mean(truth[k:] ** 2))
    assert nrmse < 0.01


@pytest.mark.parametrize("order, freq", [(3, 0.5), (6, 1.0), (6, 2.0)])
def test_delay_error_matches_simulated_sinusoid(order, freq):
    dt, theta = 0.0005, 1.0
    u = signals.sinusoid(12.0, dt, frequency=freq)[:, 0]
    m = signals.ideal_memory(u, order, theta, dt)
    y = m @ dynamics.delay_readout(order, theta, theta)
    # row k holds the inputs held over steps 0..k-1: a held input lags the
    # continuous sinusoid by dt / 2
    t = (np.arange(len(u)) + 1) * dt
    truth = np.sin(2 * np.pi * freq * (t - theta - dt / 2))
    e = (y - truth)[int(6 / dt) :]
    amplitude = np.sqrt(2) * np.sqrt(np.mean(e**2))
    predicted = dynamics.delay_error(order, theta, freq)
    assert amplitude == pytest.approx(predicted, rel=0.01)
    # the error falls with order
    assert dynamics.delay_error(order + 3, theta, freq) < predicted


def test_white_signal_covariance_matches_simulation():
    order, theta, dt = 6, 1.0, 0.001
    process = signals.white_signal_process(200.0, high=1.0, rms=0.3)
    cov = signals.white_signal_state_covariance(order, theta, process)
    stds = []
    for seed in range(4):
        u = process.run(200.0, dt=dt, rng=np.random.RandomState(seed))
        stds.append(signals.ideal_memory(u, order, theta, dt)[2000:].std(axis=0))
    assert np.allclose(np.sqrt(np.diag(cov)), np.mean(stds, axis=0), rtol=0.1)


def test_scale_system_preserves_readout():
    A, B = dynamics.lmu_matrices(5, 1.0)
    r = np.array([0.5, 1.0, 0.2, 0.05, 0.01])
    As, Bs = dynamics.scale_system(A, B, r)
    C = dynamics.delay_readout(5, 0.3, 1.0)
    f = np.array([0.1, 1.0, 3.0])
    H = dynamics.frequency_response(A, B, f)[:, :, 0] @ C
    Hs = dynamics.frequency_response(As, Bs, f)[:, :, 0] @ (C * r)
    assert np.allclose(H, Hs)


def test_radii_from_covariance_floor():
    r = dynamics.radii_from_covariance(np.diag([4.0, 1.0, 0.0]), scale=2.0)
    assert np.allclose(r, [4.0, 2.0, 4e-6])


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: dynamics.lmu_matrices(0), r"order: must be an integer >= 1 \(got 0\)"),
        (lambda: dynamics.lmu_matrices(2.5), r"order: must be an integer >= 1"),
        (lambda: dynamics.lmu_matrices(True), r"order: must be an integer >= 1"),
        (lambda: dynamics.lmu_matrices(3, 0.0), r"theta: must be a finite number > 0"),
        (lambda: dynamics.lmu_matrices(3, np.inf), r"theta: must be a finite number > 0"),
        (lambda: dynamics.lmu_matrices(3, np.nan), r"theta: must be a finite number > 0"),
        (lambda: dynamics.lmu_discrete(3, 1.0, 1.0), r"dt: must be smaller than theta"),
        (lambda: dynamics.lmu_discrete(3, 1.0, -0.1), r"dt: must be a finite number > 0"),
        (lambda: dynamics.lmu_discrete(3, 1.0, 0.001, "rk4"), r"discretizer: must be one of"),
        (lambda: dynamics.delay_readout(3, 1.5, 1.0), r"theta_prime: every delay must lie in \[0, theta\]"),
        (lambda: dynamics.delay_readout(3, -0.1, 1.0), r"theta_prime: every delay must lie"),
        (lambda: dynamics.functional_readout(3, [1.0]), r"function: must be a callable or a 1-D array"),
        (lambda: dynamics.functional_readout(3, lambda tp: 1.0), r"function: must return one finite value"),
        (lambda: dynamics.radii_from_covariance(np.zeros((2, 2))), r"covariance: must have a positive variance"),
    ],
)
def test_validation(call, match):
    with pytest.raises(ValidationError, match=match):
        call()
