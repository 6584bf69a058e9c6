"""Nonlinear functions of the window: the sampling maths, the network, every backend."""

import nengo
import numpy as np
import pytest
from nengo.exceptions import ValidationError

from nengo_lmu import metrics, signals
from nengo_lmu.analysis.window import run_window_functions
from nengo_lmu.networks import LegendreMemory
from nengo_lmu.networks.window import (
    FUNCTIONS,
    WindowFunction,
    apply_function,
    sample_windows,
    windows_of,
)

DT = 0.001


def process(period=10.0):
    return signals.white_signal_process(period, high=1.0, rms=0.3)


# --- the maths, without neurons ----------------------------------------------


def test_windows_follow_the_delay_convention():
    u = signals.white_signal(3.0, DT, seed=1)
    windows, delays = windows_of(u, 1.0, DT, n_points=5)
    assert np.allclose(delays, [0, 0.25, 0.5, 0.75, 1.0])
    for j, delay in enumerate(delays):
        assert np.array_equal(windows[:, j], signals.delayed(u, delay, DT)[:, 0])


def test_sampled_states_hold_their_windows():
    states, windows, delays = sample_windows(process(), 6, 1.0, n_windows=200, seed=3)
    assert states.shape == (200, 6) and windows.shape == (200, 1001)
    # m_0 is the window's mean, and the delay readouts its samples
    assert metrics.nrmse(states[:, 0], windows.mean(axis=1)) < 0.05
    C = np.polynomial.legendre.legvander(2 * delays - 1, 5)
    assert metrics.nrmse(states @ C.T, windows) < 0.1
    # independent runs: no two windows are the same
    assert len(np.unique(windows[:, 0])) == 200


def test_sampling_a_recording_uses_its_windows():
    u = signals.white_signal(5.0, DT, seed=2)
    states, windows, _ = sample_windows(u, 4, 1.0, n_windows=50, n_points=11)
    rows = np.unique(np.linspace(2000, len(u) - 1, 50).astype(int))
    assert np.allclose(states, signals.ideal_memory(u, 4, 1.0)[rows])
    assert np.allclose(windows, windows_of(u, 1.0, DT, 11)[0][rows])


def test_apply_function_shapes():
    w = np.arange(12.0).reshape(3, 4)
    assert apply_function(np.max, w).shape == (3, 1)
    assert apply_function(lambda x: x[:2], w).shape == (3, 2)


@pytest.mark.parametrize(
    "function, match",
    [
        ("max", "must be a callable"),
        (lambda w: np.inf, "must return finite"),
        (lambda w: w[: int(w[0]) // 4 + 1], "one length for every window"),
    ],
)
def test_apply_function_validation(function, match):
    with pytest.raises(ValidationError, match=match):
        apply_function(function, np.arange(12.0).reshape(3, 4))


def test_sample_windows_validation():
    with pytest.raises(ValidationError, match="longer than 2 \\* theta = 2000 steps"):
        sample_windows(np.zeros(1500), 4, 1.0)
    with pytest.raises(ValidationError, match="n_windows: must be an integer >= 2"):
        sample_windows(process(), 4, 1.0, n_windows=1)
    with pytest.raises(ValidationError, match="n_points: must be an integer >= 2"):
        windows_of(np.zeros(10), 0.005, n_points=1)


def test_window_function_validation():
    with nengo.Network():
        mem = LegendreMemory(4, 1.0, 40)
        with pytest.raises(ValidationError, match="memory: must be a LegendreMemory"):
            WindowFunction(nengo.Network(), process(), n_neurons=10)
        with pytest.raises(ValidationError, match="n_neurons: must be given .*got None"):
            WindowFunction(mem, process(), np.max, n_windows=10)
        with pytest.raises(ValidationError, match="channel: must be an integer in \\[0, 0\\]"):
            WindowFunction(mem, process(), np.max, n_neurons=10, channel=1)
        with pytest.raises(ValidationError, match="n_neurons: must be an integer >= 1"):
            WindowFunction(mem, process(), np.max, n_neurons=0)
        with pytest.raises(ValidationError, match="solver: must be a nengo.solvers.Solver"):
            WindowFunction(mem, process(), np.max, n_neurons=10, solver="lstsq")


# --- the network ----------------------------------------------------------------


def run_window(Simulator, seed, own, neuron_type, duration=6.0, predict=True):
    """A d = 4 memory with the window's mean, RMS and max; NRMSE of each."""
    u = signals.white_signal(duration, DT, seed=seed + 100)
    proc = process(duration)
    with nengo.Network(seed=seed) as net:
        stim = nengo.Node(signals.input_process(u))
        mem = LegendreMemory(
            4, 1.0, 800, neuron_type=neuron_type, radii=proc, single_ensemble=own
        )
        nengo.Connection(stim, mem.input, synapse=None)
        win = WindowFunction(
            mem, proc, n_neurons=None if own else 800, n_windows=1000, seed=seed,
            predict=predict,
        )
        probes = {
            name: nengo.Probe(win.add_output(f), synapse=0.03)
            for name, f in FUNCTIONS.items()
        }
    with Simulator(net, progress_bar=False) as sim:
        sim.run_steps(len(u))
    out = {}
    for name, f in FUNCTIONS.items():
        truth = metrics.filtered(win.truth(u, f), 0.03)
        warm = lambda x: metrics.after_warmup(x, 2.0)  # noqa: E731
        out[name] = metrics.nrmse(warm(sim.data[probes[name]]), warm(truth))
        # the baseline a readout must beat: the truth's own average
        out[name + "_constant"] = metrics.nrmse(
            np.full_like(warm(truth), warm(truth).mean()), warm(truth)
        )
    return out, win


# decoding from the memory's own ensemble with the sampled windows as the
# connection's eval_points: nengo notes that their number differs from the
# ensemble's n_eval_points, and uses the connection's, as intended
@pytest.mark.filterwarnings("ignore:Number of eval_points doesn't match")
@pytest.mark.parametrize(
    "own, neuron_type, tol",
    [
        # a readout population (measured: mean 0.15, rms 0.11, max 0.15)
        (False, nengo.LIFRate(), {"mean": 0.3, "rms": 0.25, "max": 0.3}),
        # the same with Poisson spiking (measured: mean 0.10, rms 0.09, max 0.15)
        (False, nengo.PoissonSpiking(nengo.LIFRate()), {"mean": 0.4, "rms": 0.3, "max": 0.4}),
        # the memory's own population (one ensemble; measured 0.06, 0.06, 0.07)
        (True, nengo.LIFRate(), {"mean": 0.3, "rms": 0.25, "max": 0.3}),
    ],
)
def test_window_functions_track_the_true_window(Simulator, seed, own, neuron_type, tol):
    errors, win = run_window(Simulator, seed, own, neuron_type)
    for name, bound in tol.items():
        assert errors[name] < bound, name
        assert errors[name] < 0.6 * errors[name + "_constant"], name
    if own:
        assert win.ensemble is win.memory.ensembles[0]
    else:
        assert win.ensemble not in win.memory.ensembles


def test_prediction_removes_the_synapse_lag(Simulator):
    lagged, _ = run_window(Simulator, 1, False, nengo.LIFRate(), predict=False)
    predicted, _ = run_window(Simulator, 1, False, nengo.LIFRate(), predict=True)
    # the mean moves with the window; a 0.1 s lag costs it most
    assert predicted["mean"] < 0.7 * lagged["mean"]


# --- every backend --------------------------------------------------------------


@pytest.mark.filterwarnings(
    "ignore:This version of `nengo_loihi`",
    "ignore:invalid value encountered in cast",
    "ignore:Model is precomputable",
    "ignore:.*extra bits in weight",
)
@pytest.mark.parametrize(
    "backend, options, tol",
    [
        # Poisson neurons (measured: NRMSE mean 0.44, rms 0.12, max 0.25)
        ("reference", {}, {"mean": 0.6, "rms": 0.3, "max": 0.45}),
        # the integer emulator, Loihi's spiking ReLU (measured 0.25, 0.08, 0.26)
        ("loihi", {"target": "sim"}, {"mean": 0.6, "rms": 0.3, "max": 0.45}),
        # the Braindrop-like substrate, calibrated (measured 0.5, 0.10, 0.25)
        ("analog", {}, {"mean": 0.7, "rms": 0.3, "max": 0.45}),
    ],
)
def test_window_functions_on_every_backend(backend, options, tol):
    if backend == "loihi":
        pytest.importorskip("nengo_loihi")
    record, data = run_window_functions(
        backend=backend, order=4, theta=1.0, n_neurons=400, readout_neurons=400,
        duration=5.0, n_windows=500, probe_synapse=0.03, backend_options=options,
    )
    for name, bound in tol.items():
        assert record[f"nrmse_{name}"] < bound, (name, record)
        # and it follows the function's changes, not only its average
        warm = lambda x: metrics.after_warmup(x, 2.0)[:, 0]  # noqa: E731
        r = np.corrcoef(warm(data[name]["decoded"]), warm(data[name]["truth"]))[0, 1]
        assert r > 0.6, (name, r)  # measured 0.71-0.97
