"""What a Loihi memory can hold: the order limit, and the digits benchmark's
comparison with nengo's own memory."""

import pathlib
import sys
import warnings

import numpy as np
import pytest

from nengo_lmu.hardware.loihi import MAX_HELD_ORDER, LoihiLegendreMemory, ResetToZeroWarning

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2] / "benchmarks"))


def test_orders_beyond_the_held_limit_warn():
    with pytest.warns(ResetToZeroWarning, match=r"order 32: .* beyond order 24 .* loses "
                                                r"its state"):
        LoihiLegendreMemory(MAX_HELD_ORDER + 8, 2.048, 320, quantize=False, seed=0)


def test_orders_up_to_the_held_limit_do_not_warn():
    with warnings.catch_warnings():
        warnings.simplefilter("error", ResetToZeroWarning)
        LoihiLegendreMemory(MAX_HELD_ORDER, 2.048, 240, quantize=False, seed=0)


def test_digits_memory_benchmark_runs_nengos_memory_on_the_same_input():
    """bench_digits_memory scores nengo's plain memory beside the Loihi one."""
    import bench_digits_memory as bench  # noqa: PLC0415

    from nengo_lmu import metrics, signals  # noqa: PLC0415

    rng = np.random.RandomState(0)
    u = np.repeat(rng.uniform(0, 1, size=(40, 1)), 8, axis=0)  # held "pixels"
    theta = 0.1
    ideal = metrics.after_warmup(
        metrics.filtered(signals.ideal_memory(u, 3, theta), bench.PROBE_SYNAPSE), theta)
    radii = np.abs(ideal).max(axis=0)
    errors = {}
    for target in ("nengo", "fast"):
        x = bench.run(3, 300, u, radii, target, theta=theta)
        assert x.shape == (len(u), 3)
        errors[target] = metrics.state_error(metrics.after_warmup(x, theta), ideal)
    rms = np.sqrt(np.mean(np.sum(ideal**2, axis=1)))
    # both hold a slow order-3 state, each with its own (different) error
    assert errors["nengo"] < 0.5 * rms and errors["fast"] < 0.5 * rms
    assert errors["nengo"] != errors["fast"]
