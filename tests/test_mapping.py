import numpy as np
import pytest
from nengo.exceptions import ValidationError

from nengo_lmu import dynamics, mapping


@pytest.mark.parametrize("order, tau, dt", [(1, 0.1, 0.001), (6, 0.1, 0.001), (12, 0.05, 0.002)])
def test_discrete_lowpass_is_exact(order, tau, dt):
    """Filtering A' x + B' u with y[k] = a y[k-1] + (1-a) x gives exactly Ad, Bd."""
    A, B = dynamics.lmu_matrices(order, 1.0)
    Ap, Bp = mapping.discrete_lowpass(A, B, tau, dt)
    Ad, Bd = dynamics.discretize(A, B, dt)
    a = np.exp(-dt / tau)
    assert np.allclose(a * np.eye(order) + (1 - a) * Ap, Ad, atol=1e-12)
    assert np.allclose((1 - a) * Bp, Bd, atol=1e-12)


def test_continuous_lowpass_formula_and_error_order():
    A, B = dynamics.lmu_matrices(6, 1.0)
    Ac, Bc = mapping.continuous_lowpass(A, B, 0.1)
    assert np.allclose(Ac, 0.1 * A + np.eye(6))
    assert np.allclose(Bc, 0.1 * B)
    # the continuous mapping is off by O(dt / tau): halving dt halves the gap
    gaps = []
    for dt in (0.002, 0.001):
        Ad, _ = mapping.discrete_lowpass(A, B, 0.1, dt)
        gaps.append(np.abs(Ad - Ac).max())
    assert gaps[1] == pytest.approx(gaps[0] / 2, rel=0.1)


def test_principle3_dispatch():
    A, B = dynamics.lmu_matrices(3, 1.0)
    assert np.allclose(
        mapping.principle3(A, B, 0.1, 0.001)[0], mapping.discrete_lowpass(A, B, 0.1, 0.001)[0]
    )
    assert np.allclose(
        mapping.principle3(A, B, 0.1, mapping="continuous")[0],
        mapping.continuous_lowpass(A, B, 0.1)[0],
    )


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(tau=0.1, dt=0.001, mapping="magic"), r"mapping: must be one of \('discrete', 'continuous'\)"),
        (dict(tau=0.1, dt=None), r"dt: is required for the discrete mapping"),
        (dict(tau=0.0, dt=0.001), r"tau: must be a finite number > 0 \(got 0.0\)"),
        (dict(tau=0.1, dt=0.001, discretizer="x"), r"discretizer: must be one of"),
    ],
)
def test_principle3_validation(kwargs, match):
    A, B = dynamics.lmu_matrices(3, 1.0)
    with pytest.raises(ValidationError, match=match):
        mapping.principle3(A, B, **kwargs)
