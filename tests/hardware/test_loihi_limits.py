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


def _options(**given):
    """The command line's parsed options, those not given left at their defaults."""
    import argparse  # noqa: PLC0415

    fields = dict(reg=None, neuron_type=None, max_rates=None, intercepts=None,
                  no_quantize=False)
    fields.update(given)
    return argparse.Namespace(**fields)


def test_digits_memory_benchmark_passes_only_the_options_given():
    import nengo  # noqa: PLC0415

    import bench_digits_memory as bench  # noqa: PLC0415

    assert bench.memory_options(_options()) == dict(reg=None)
    options = bench.memory_options(_options(
        reg=0.01, neuron_type="SpikingRectifiedLinear", intercepts="-1,-0.8",
        max_rates="200,300", no_quantize=True))
    assert isinstance(options.pop("neuron_type"), nengo.SpikingRectifiedLinear)
    assert options == dict(reg=0.01, intercepts=(-1.0, -0.8), max_rates=(200.0, 300.0),
                           quantize=False)
    # and the memory takes them: its ensemble and decoder solver as asked
    with nengo.Network():
        given = bench.memory_options(_options(
            neuron_type="SpikingRectifiedLinear", intercepts="-1,-0.8"))
        assert given.pop("reg") is None  # run() turns reg into the solver
        mem = LoihiLegendreMemory(3, 1.0, 60, seed=0, **given)
    assert isinstance(mem.ensemble.neuron_type, nengo.SpikingRectifiedLinear)
    assert tuple(mem.intercepts) == (-1.0, -0.8)


def test_digits_memory_benchmark_variants_change_the_neurons_as_named():
    import nengo  # noqa: PLC0415
    from nengo_loihi.neurons import LoihiLIF, loihi_rates  # noqa: PLC0415

    import bench_digits_memory as bench  # noqa: PLC0415

    def ensemble():
        with nengo.Network():
            return nengo.Ensemble(10, 1, neuron_type=LoihiLIF(tau_rc=0.02, tau_ref=0.002))

    ens = ensemble()
    bench.change_neurons(ens, "spikes", 0.001)
    assert type(ens.neuron_type) is LoihiLIF and ens.noise is None
    ens = ensemble()
    bench.change_neurons(ens, "random-start", 0.001)
    assert type(ens.neuron_type) is LoihiLIF
    assert isinstance(ens.neuron_type.initial_state["voltage"], nengo.dists.Uniform)
    ens = ensemble()
    bench.change_neurons(ens, "dither:0.1", 0.001)
    # a current that moves a LIF voltage by at most 0.1 of the threshold in a step
    per_step = 1 / -np.expm1(-0.001 / 0.02)
    assert ens.noise.dist.high == pytest.approx(0.1 * per_step)
    ens = ensemble()
    bench.change_neurons(ens, "rates", 0.001)
    j = np.linspace(0, 5, 11)
    out = np.zeros_like(j)
    ens.neuron_type.step(0.001, j, out)
    base = LoihiLIF(tau_rc=0.02, tau_ref=0.002)
    expected = loihi_rates(base, j[None, :], np.ones(11), np.zeros(11), 0.001)[0]
    assert np.array_equal(out, expected) and out[-1] > 0
    ens = ensemble()
    bench.change_neurons(ens, "relu-rates", 0.001)
    assert type(ens.neuron_type) is nengo.RectifiedLinear
    with pytest.raises(ValueError, match="variant: must be one of"):
        bench.change_neurons(ensemble(), "jitter", 0.001)


def test_digits_memory_benchmark_relu_rates_holds_a_slow_state():
    """The ``relu-rates`` variant (the mapping with ideal neurons) holds a
    slow order-3 state better than the same memory's Loihi spikes."""
    import bench_digits_memory as bench  # noqa: PLC0415

    from nengo_lmu import metrics, signals  # noqa: PLC0415

    rng = np.random.RandomState(1)
    u = np.repeat(rng.uniform(0, 1, size=(50, 1)), 8, axis=0)
    theta = 0.1
    ideal = metrics.after_warmup(
        metrics.filtered(signals.ideal_memory(u, 3, theta), bench.PROBE_SYNAPSE), theta)
    radii = np.abs(ideal).max(axis=0)
    errors = {
        variant: metrics.state_error(metrics.after_warmup(
            bench.run(3, 300, u, radii, "reference", theta=theta, variant=variant), theta),
            ideal)
        for variant in ("relu-rates", "spikes")
    }
    rms = np.sqrt(np.mean(np.sum(ideal**2, axis=1)))
    assert errors["relu-rates"] < 0.2 * rms
    assert errors["relu-rates"] < errors["spikes"]
