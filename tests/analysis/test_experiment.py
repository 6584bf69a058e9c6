import dataclasses

import nengo
import numpy as np
import pytest
from nengo.exceptions import ValidationError

from nengo_lmu.analysis.experiment import (
    NEURON_TYPES,
    RATE_TWINS,
    TIMING_FIELDS as TIMING,
    Trial,
    neuron_type,
    run_trial,
)


def test_direct_trial_is_exact():
    record = run_trial(Trial(neuron_type="direct", duration=3.0, n_neurons=60))
    assert record["state_error"] < 1e-10
    for frac in (0.0, 0.5, 1.0):
        assert record[f"delay_nrmse_ideal_{frac:g}"] < 1e-8
    # against the true delayed input only the Pade approximation, the
    # memory's one step of lag and its settling from rest remain (measured for
    # d = 6 over 3 s: 0.028, 0.012, 0.039 at 0, theta/2, theta)
    assert record["delay_nrmse_0.5"] < 0.02
    assert max(record["delay_nrmse_0"], record["delay_nrmse_1"]) < 0.06


def test_trial_records_are_deterministic_and_plain():
    trial = Trial(n_neurons=300, duration=2.0, seed=3, input_seed=4)
    a, b = run_trial(trial), run_trial(trial)
    for key in a:
        if key not in TIMING:
            assert a[key] == b[key], key
    assert all(isinstance(v, (int, float, str, bool, list, dict, type(None))) for v in a.values())
    c = run_trial(dataclasses.replace(trial, seed=5))
    assert c["state_error"] != a["state_error"]


def test_trial_data_and_scaling_flag():
    record, data = run_trial(Trial(n_neurons=300, duration=2.0), keep_data=True)
    assert data["decoded"].shape == data["ideal"].shape == (2000, 6)
    assert data["decoded_delays"].shape == data["true_delays"].shape == (2000, 3)
    assert record["normalised_state_error"] > record["state_error"]  # radii < 1
    unscaled = run_trial(Trial(n_neurons=300, duration=2.0, state_scaling=False))
    assert unscaled["normalised_state_error"] == unscaled["state_error"]


def test_neuron_type_names():
    for name in NEURON_TYPES:
        # "default" leaves the choice to the memory class (None)
        assert (neuron_type(name) is None) == (name == "default")
    with pytest.raises(ValidationError, match=r"neuron_type: must be one of \["):
        neuron_type("hodgkin-huxley")


def test_rate_twin_is_the_same_network_without_spikes():
    trial = Trial(n_neurons=300, order=3, duration=2.0, seed=2)
    record = run_trial(trial)
    twin = run_trial(dataclasses.replace(trial, neuron_type="lifrate", rate_twin=False))
    assert record["twin_neuron_type"] == "lifrate"
    for name in ("state_error", "normalised_state_error", "delay_nrmse_1"):
        assert record[f"twin_{name}"] == twin[name]
    assert record["twin_state_error"] < record["state_error"] / 2
    # a rate trial is its own twin, and is not run twice
    rate = run_trial(dataclasses.replace(trial, neuron_type="lifrate"))
    assert rate["twin_state_error"] == rate["state_error"] and rate["twin_run_s"] == 0
    assert "twin_state_error" not in run_trial(dataclasses.replace(trial, rate_twin=False))
    # every named type has a twin, but "default", whose type the memory chooses
    assert set(RATE_TWINS) == set(NEURON_TYPES) - {"default"}


def test_keys_specs_and_costs():
    a = Trial(delays=[0, 1], backend_options={"seed": 1, "optimize": False})
    b = Trial(delays=(0.0, 1.0), backend_options=(("optimize", False), ("seed", 1)))
    assert a == b and a.key == b.key and len(a.key) == 16
    assert Trial(seed=1).key != Trial(seed=2).key
    assert Trial.from_record(run_trial(Trial(n_neurons=60, order=2, duration=1.5))) == Trial(
        n_neurons=60, order=2, duration=1.5)
    small, large = (run_trial(Trial(n_neurons=m, order=2, duration=1.2, theta=0.5))
                    for m in (200, 2000))
    # O(m) memory: the model's signals grow with m, by about the same factor
    assert 8 < large["model_mb"] / small["model_mb"] < 11
    assert small["versions"]["nengo"] == nengo.__version__


def test_fields_are_canonical_and_validated():
    t = Trial(theta=1, n_neurons=np.int64(300), order=4.0, rate_twin=1)
    assert (type(t.theta), type(t.n_neurons), type(t.order), t.rate_twin) == (
        float, int, int, True)
    assert t.key == Trial(n_neurons=300, order=4).key  # rate_twin as it takes effect
    with pytest.raises(ValidationError, match="n_neurons: must be of type int .got 2.5"):
        Trial(n_neurons=2.5)
    with pytest.raises(ValidationError, match="theta: must be of type float, not bool"):
        Trial(theta=True)


def test_rate_twin_validation():
    with pytest.raises(ValidationError, match="rate_twin: is only available on the reference"):
        Trial(backend="loihi", rate_twin=True)
    assert not Trial(backend="loihi").runs_twin


def test_resources_are_checked_before_building():
    from nengo.exceptions import BuildError

    from nengo_lmu.analysis.experiment import SlowBuildWarning, check_resources

    small = Trial(order=6, n_neurons=3000)
    assert 2**20 < check_resources(small) < 10 * 2**20  # the decoder solve: a few MiB
    with pytest.raises(BuildError, match=r"n_neurons: the build must fit in this machine's "
                                         r"0\.0 GiB .* about 0\.0 GiB .*got n_neurons=3000"):
        check_resources(small, limit=2**20)
    # Loihi's dense recurrent weights grow with m squared
    dense = Trial(order=6, n_neurons=3000, backend="loihi", neuron_type="spiking-relu")
    assert check_resources(dense) > 3 * 8 * 3000**2
    with pytest.warns(SlowBuildWarning, match="order=1000: the memory is 1000 ensembles"):
        check_resources(Trial(order=1000, n_neurons=3000))


def test_backend_options_are_the_simulators_arguments():
    """The option names a Trial accepts are those its backend's simulator takes."""
    import inspect

    from nengo_lmu.analysis.experiment import RESERVED_OPTIONS
    from nengo_lmu.hardware.backends import get
    from nengo_lmu.hardware import analog

    def names(*functions):
        found = set()
        for f in functions:
            found |= set(inspect.signature(f).parameters)
        # what the trial sets itself, and non-plain arguments, are not options
        return sorted(found - set(RESERVED_OPTIONS) - {
            "self", "options", "decoder_cache", "hardware_options"})

    assert list(get("reference").options) == names(nengo.Simulator.__init__)
    assert list(get("analog").options) == names(analog.Simulator.__init__, analog.from_options)
    nengo_loihi = pytest.importorskip("nengo_loihi")
    from nengo_lmu.hardware import loihi

    assert list(get("loihi").options) == names(nengo_loihi.Simulator.__init__,
                                                   loihi.simulator)
    with pytest.raises(ValidationError, match=r"backend_options: must name options of the "
                                              r"loihi backend, .* \(got 'targt'\)"):
        Trial(backend="loihi", backend_options={"targt": "sim"})
