"""The exported memory run in snnTorch (the ``nir`` extra), against nengo and NumPy."""

import numpy as np
import pytest
from nengo.exceptions import ValidationError

nir = pytest.importorskip("nir")
pytest.importorskip("nengo_loihi")
pytest.importorskip("torch", reason="needs the nir extra: pip install 'nengo-lmu[nir]'")
pytest.importorskip("snntorch", reason="needs the nir extra: pip install 'nengo-lmu[nir]'")
pytest.importorskip("nirtorch", reason="needs the nir extra: pip install 'nengo-lmu[nir]'")

from nengo_lmu.export import nir_snntorch  # noqa: E402
from nengo_lmu.export.compare import compare_memory  # noqa: E402

pytestmark = pytest.mark.filterwarnings(
    "ignore:This version of `nengo_loihi`", "ignore:invalid value encountered in cast"
)


def test_snntorch_runs_the_memory_as_nengo_does():
    record = compare_memory(
        order=3, n_neurons=120, duration=2.0, seed=1, executors=("numpy", "snntorch")
    )
    # the two NIR executors share the time-step convention: the same spikes
    assert record["spikes_equal"]
    assert np.isclose(record["E_snntorch"], record["E_numpy"], rtol=1e-9)
    assert record["E_snntorch"] <= 1.1 * record["E_nengo"]
    assert record["steps_like_nengo_snntorch"] >= 100


def test_snntorch_runs_nengo_memory_as_nengo_does():
    """nengo's own memory, its recurrence through two Linear nodes (decoders,
    then encoders): snnTorch's spikes are NumPy's, and nengo's."""
    import nengo  # noqa: PLC0415

    lif = nengo.LIF(tau_ref=0, min_voltage=-np.inf,
                    initial_state={"voltage": nengo.dists.Choice([0.0])})
    record = compare_memory(order=3, n_neurons=120, duration=2.0, seed=1, memory="nengo",
                            neuron_type=lif, executors=("numpy", "snntorch"))
    assert record["spikes_equal"]
    assert record["steps_like_nengo_snntorch"] == 2000
    assert np.isclose(record["E_snntorch"], record["E_nengo"], rtol=1e-9)


def test_snntorch_scores_a_network_with_either_memory_as_nengo_does():
    pytest.importorskip("sklearn", reason="needs the nir extra: pip install 'nengo-lmu[nir]'")
    from nengo_lmu.analysis.pipeline import make_task, settings  # noqa: PLC0415
    from nengo_lmu.export.compare import compare_network  # noqa: PLC0415

    from .test_nir_network import NETWORK  # noqa: PLC0415

    task = make_task(settings("digits", quick=True))
    for memory in ("nengo", "loihi"):
        record = compare_network(NETWORK, task, steps_per_item=2, n_test=3,
                                 executors=("numpy", "snntorch"), memory=memory)
        graph = record["graph"]
        factored = "cell0_memory_recurrent_decoders" in graph.nodes
        assert factored == (memory == "nengo")
        assert record["max_difference_executors"] < 1e-9
        assert record["max_difference_snntorch"] < 1e-9


def one(x):
    return np.array([float(x)])


def test_what_snntorch_cannot_run_is_refused():
    lif = nir.LIF(tau=one(0.02), r=one(1.0), v_leak=one(0.0), v_threshold=one(1.0))
    graph = nir.NIRGraph(
        nodes={"u": nir.Input(np.array([1])), "lif": lif, "y": nir.Output(np.array([1]))},
        edges=[("u", "lif"), ("lif", "y")],
    )
    with pytest.raises(ValidationError, match="got LIF node 'lif'"):
        nir_snntorch.to_snntorch(graph, 0.001, "y")
    graph.nodes["lif"] = nir.Affine(weight=np.eye(1), bias=one(1.0))
    with pytest.raises(ValidationError, match="got Affine node 'lif'"):
        nir_snntorch.to_snntorch(graph, 0.001, "y")
    with pytest.raises(ValidationError, match=r"graph's outputs \['y'\] \(got 'state'\)"):
        nir_snntorch.to_snntorch(graph, 0.001, "state")
    cuba = nir.CubaLIF(tau_syn=one(0.005), tau_mem=one(0.02), r=one(1.0), v_leak=one(2.0),
                       v_threshold=one(1.0), v_reset=one(0.5))
    graph.nodes["lif"] = cuba
    with pytest.raises(ValidationError, match="reset to v_reset = 0"):
        nir_snntorch.to_snntorch(graph, 0.001, "y")


def test_snntorch_scores_the_trained_network_as_nengo_does():
    pytest.importorskip("sklearn", reason="needs the nir extra: pip install 'nengo-lmu[nir]'")
    from nengo_lmu.analysis.pipeline import make_task, settings  # noqa: PLC0415
    from nengo_lmu.export.compare import compare_network  # noqa: PLC0415

    from .test_nir_network import NETWORK  # noqa: PLC0415

    task = make_task(settings("digits", quick=True))
    record = compare_network(NETWORK, task, steps_per_item=2, n_test=10,
                             executors=("numpy", "snntorch"))
    # the two NIR executors share the time-step convention: the same outputs
    assert record["max_difference_executors"] < 1e-9
    # and nengo's, the same neurons without a floor
    assert record["max_difference_snntorch"] < 1e-9
    assert record["score_snntorch"] == record["score_nengo"]


def test_snntorch_runs_an_export_ready_network_as_nengo_does():
    pytest.importorskip("sklearn", reason="needs the nir extra: pip install 'nengo-lmu[nir]'")
    from nengo_lmu.analysis.pipeline import make_task, settings  # noqa: PLC0415
    from nengo_lmu.export.compare import compare_network  # noqa: PLC0415
    from nengo_lmu.export.nir_network import export_ready  # noqa: PLC0415

    from .test_nir_network import unsynapsed  # noqa: PLC0415

    task = make_task(settings("digits", quick=True))
    # slowed down, with a compensated synapse (an input kernel) added
    ready, steps = export_ready(unsynapsed(task, theta=0.06), task, steps_per_item=2,
                                time_scale=3)
    record = compare_network(ready, task, steps_per_item=steps, n_test=2,
                             executors=("numpy", "snntorch"))
    assert record["max_difference_executors"] < 1e-9
    assert record["max_difference_snntorch"] < 1e-9
