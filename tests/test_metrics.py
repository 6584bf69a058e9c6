import nengo
import numpy as np
import pytest
from nengo.exceptions import ValidationError

from nengo_lmu import metrics, signals


def test_filtered_reproduces_a_probe_exactly(Simulator):
    u = signals.white_signal(0.5, 0.001, high=5.0, seed=4)
    with nengo.Network() as net:
        node = nengo.Node(signals.input_process(u, 0.001))
        p = nengo.Probe(node, synapse=0.01)
        p2 = nengo.Probe(node, synapse=nengo.Alpha(0.005))
    with Simulator(net, progress_bar=False) as sim:
        sim.run_steps(len(u))
    assert np.allclose(metrics.filtered(u, 0.01), sim.data[p], atol=1e-12)
    assert np.allclose(metrics.filtered(u, nengo.Alpha(0.005)), sim.data[p2], atol=1e-12)
    assert np.array_equal(metrics.filtered(u, None), u)  # None: no filter, no lag


def test_state_errors():
    x = np.zeros((4, 2))
    x_hat = np.tile([3.0, 4.0], (4, 1))
    assert metrics.state_error(x_hat, x) == pytest.approx(5.0)
    assert metrics.normalised_state_error(x_hat, x, [3.0, 4.0]) == pytest.approx(np.sqrt(2))
    assert metrics.normalised_state_error(x_hat, x, 1.0) == metrics.state_error(x_hat, x)


def test_nrmse_and_delay_nrmse():
    y = np.sin(np.linspace(0, 20, 1000))
    assert metrics.nrmse(y, y) == 0
    assert metrics.nrmse(np.zeros_like(y), y) == pytest.approx(1.0)
    u = np.random.RandomState(0).randn(1000)
    assert metrics.delay_nrmse(signals.delayed(u, 0.1), u, 0.1, warmup=0.1) == 0
    assert metrics.delay_nrmse(u, u, 0.1, warmup=0.1) > 1.0


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: metrics.state_error(np.zeros((3, 2)), np.zeros((3, 3))), r"x_hat: must have the reference's shape"),
        (lambda: metrics.nrmse(np.ones(3), np.zeros(3)), r"y: has zero RMS"),
        (lambda: metrics.normalised_state_error(np.ones((2, 2)), np.zeros((2, 2)), [1, 0]), r"radii: must be finite and > 0"),
        (lambda: metrics.after_warmup(np.zeros(10), 1.0), r"warmup: must be shorter than the signal"),
    ],
)
def test_validation(call, match):
    with pytest.raises(ValidationError, match=match):
        call()


def test_power_law_fit_recovers_exponent_with_ci(rng):
    m = np.repeat([100, 300, 1000, 3000, 10000], 6)
    y = 2.0 * m**-0.5 * np.exp(rng.normal(0, 0.1, len(m)))
    fit = metrics.power_law_fit(m, y, n_resamples=1000)
    assert abs(fit["exponent"] + 0.5) < 0.03
    assert fit["ci_low"] < fit["exponent"] < fit["ci_high"]
    assert fit["ci_high"] - fit["ci_low"] < 0.1
    assert fit["prefactor"] == pytest.approx(2.0, rel=0.3)
    assert (fit["n_points"], fit["n"]) == (5, 30)
    # the interval is reproducible and narrows with less noise
    assert metrics.power_law_fit(m, y, n_resamples=1000) == fit
    tight = metrics.power_law_fit(m, 2.0 * m**-0.5 * np.exp(rng.normal(0, 0.01, len(m))))
    assert tight["ci_high"] - tight["ci_low"] < (fit["ci_high"] - fit["ci_low"]) / 3


def test_power_law_ci_covers_the_truth(rng):
    """Over many noisy data sets, the 95% interval holds the true exponent
    nearly 95% of the time (with 5 seeds per point a bootstrap is a little
    narrow: 0.89 measured over 400 sets)."""
    m = np.repeat([100, 400, 1600, 6400], 5)
    hits = [
        (lambda f: f["ci_low"] < -0.5 < f["ci_high"])(
            metrics.power_law_fit(m, m**-0.5 * np.exp(rng.normal(0, 0.1, len(m))),
                                  n_resamples=400, seed=i))
        for i in range(200)
    ]
    assert 0.85 <= np.mean(hits) <= 0.99


@pytest.mark.parametrize("x, y, match", [
    ([1, 2], [1.0, -1.0], "y: must be finite and > 0"),
    ([1, 1], [1.0, 2.0], "x: must hold at least 2 distinct values"),
    ([1, 2, 3], [1.0, 2.0], "y: must have x's shape"),
])
def test_power_law_fit_validation(x, y, match):
    with pytest.raises(ValidationError, match=match):
        metrics.power_law_fit(x, y)


def test_above_floor():
    assert np.allclose(metrics.above_floor([0.5, 0.1], 0.3), [0.4, 0.0])
