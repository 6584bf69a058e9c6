"""NIR export of a trained LMU network, checked in the NumPy NIR executor (no torch)."""

import os

import numpy as np
import pytest
from nengo.exceptions import BuildError, ValidationError

nir = pytest.importorskip("nir")
pytest.importorskip("nengo_loihi")
pytest.importorskip("sklearn")

from nengo_lmu.analysis.deployment import deploy  # noqa: E402
from nengo_lmu.export import nir_network  # noqa: E402
from nengo_lmu.export.compare import compare_network, round_trip  # noqa: E402
from nengo_lmu.export.nir import graphs_equal  # noqa: E402
from nengo_lmu.networks.files import load, read_spec  # noqa: E402

pytestmark = pytest.mark.filterwarnings(
    "ignore:This version of `nengo_loihi`", "ignore:invalid value encountered in cast"
)

#: The quick digits setting with 20 units and an order-6 memory of 300 neurons,
#: trained with nengo-dl by ``python benchmarks/bench_nir_network.py train
#: --quick --units 20 --order 6 --n-neurons 300 --out tests/export/data/digits-small.npz``
NETWORK = os.path.join(os.path.dirname(__file__), "data", "digits-small.npz")


@pytest.fixture(scope="module")
def task():
    from nengo_lmu.analysis.pipeline import make_task, settings  # noqa: PLC0415

    return make_task(settings("digits", quick=True))


def untrained(**cell):
    import functools  # noqa: PLC0415

    from nengo_loihi.neurons import LoihiLIF  # noqa: PLC0415

    from nengo_lmu import hardware  # noqa: PLC0415
    from nengo_lmu.networks.cell import LMUNetwork  # noqa: PLC0415

    cell = dict(units=5, order=3, theta=0.5, n_neurons=60, hidden_neurons=LoihiLIF(tau_ref=0),
                memory_neurons=LoihiLIF(tau_ref=0), **cell)
    return LMUNetwork(1, 2, [cell], spiking=True, seed=0,
                      memory=functools.partial(hardware.memory, "loihi", quantize=False))


def test_graph_of_a_trained_network():
    net = nir_network.deploy_exportable(NETWORK)
    graph = nir_network.to_nir(net)
    assert set(graph.inputs) == {"input"} and set(graph.outputs) == {"output"}
    assert graph.outputs["output"].output_type["output"].tolist() == [10]
    memory = graph.nodes["cell0_memory"]
    assert isinstance(memory, nir.CubaLIF) and memory.r.shape == (300,)
    assert np.allclose(memory.tau_mem, 0.01, rtol=0.05)
    # radii twice the trained ones
    trained = np.asarray(read_spec(NETWORK)["cells"][0]["radii"])
    assert np.allclose(net.cells[0].memory.radii, 2 * trained)
    hidden = graph.nodes["cell0_hidden"]
    assert isinstance(hidden, nir.CubaLIF) and hidden.r.shape == (20,)
    assert np.allclose(hidden.tau_syn, 0.005)
    # the 10 ms membrane as Loihi's 12-bit decay realises it, gain 200 Hz * 10 ms
    assert np.allclose(hidden.tau_mem, 0.01, rtol=0.03) and np.all(hidden.tau_mem != 0.01)
    assert np.allclose(hidden.r, 2.0)
    # the trained bias (in units of the activation) times the gain, plus the threshold
    bias = load(NETWORK).parameters()["cell0.bias"]
    assert np.allclose(hidden.v_leak, bias * 2.0 + 1.0)
    # spike amplitudes are folded into the readout
    assert np.allclose(graph.nodes["readout"].weight,
                       net.readout.transform.init / 200.0)
    meta = graph.metadata
    assert meta["dt"] == 0.001 and meta["readout_synapse"] == 0.01
    assert meta["voltage_floor_dropped"] == -np.inf  # nothing was dropped
    back = round_trip(graph)
    assert graphs_equal(graph, back)
    back.nodes["cell0_hidden"].v_leak[0] += 1e-9
    assert not graphs_equal(graph, back)


def test_numpy_executor_scores_as_nengo(task):
    record = compare_network(NETWORK, task, steps_per_item=2, n_test=30)
    # the same neurons, spike for spike (until rounding, the two summing a
    # neuron's inputs in different orders, moves a spike across a threshold)
    assert record["agree_numpy"] >= 29 / 30
    assert abs(record["score_numpy"] - record["score_nengo"]) <= 1 / 30
    assert record["max_difference_numpy"] < 1e-9


@pytest.mark.filterwarnings("ignore:SpikingRectifiedLinear. Loihi's rectified-linear")
def test_what_nir_cannot_express_is_refused():
    as_trained = deploy(NETWORK, backend="reference", spiking=True)
    with pytest.raises(BuildError, match="hidden neurons must be LIF.*reset"):
        nir_network.to_nir(as_trained)
    ideal = deploy(NETWORK, backend="reference", spiking=True, memory="ideal")
    with pytest.raises(BuildError, match="memory must be nengo's own LegendreMemory"):
        nir_network.to_nir(ideal)
    unseeded = nir_network.deploy_exportable(NETWORK, seed=None)
    with pytest.raises(BuildError, match=r"Must have a seed.*\(got seed=None"):
        nir_network.to_nir(unseeded)
    with pytest.raises(ValidationError, match=r"memory.*\('nengo', 'loihi'\) \(got 'analog'\)"):
        nir_network.deploy_exportable(NETWORK, memory="analog")
    loihi_relu = deploy(NETWORK, backend="loihi", spiking=True)
    with pytest.raises(BuildError, match="hidden neurons must be LIF.*voltage floor"):
        nir_network.to_nir(loihi_relu)
    with pytest.raises(BuildError, match="Must be a spiking network"):
        nir_network.to_nir(deploy(NETWORK, spiking=False))
    with pytest.raises(BuildError, match="Must be an LMUNetwork"):
        nir_network.to_nir(as_trained.cells[0])
    for cell, match in [(dict(hidden_synapse=None), "hidden_synapse must be a time constant"),
                        (dict(hidden_to_memory=True), "hidden_to_memory must be False"),
                        (dict(memory_to_memory=True), "memory_to_memory must be False")]:
        with pytest.raises(BuildError, match=match):
            nir_network.to_nir(untrained(**cell))
    with pytest.raises(ValidationError, match=r"hidden_tau_rc.*finite number > 0 \(got 0\)"):
        nir_network.deploy_exportable(NETWORK, hidden_tau_rc=0)
    with pytest.raises(ValidationError, match=r"memory_tau_rc.*> 0 \(got nan\)"):
        nir_network.deploy_exportable(NETWORK, memory_tau_rc=float("nan"))
    with pytest.raises(ValidationError, match=r"radius_scale.*> 0 \(got -1\)"):
        nir_network.deploy_exportable(NETWORK, radius_scale=-1)
    with pytest.raises(ValidationError, match="not be given with cells="):
        deploy(NETWORK, cell_overrides={}, cells=[])


def unsynapsed(task, theta=None):
    """An untrained network as the parallel trainer trains one: the ideal
    memory, no synapses on the trained path, no radii."""
    from nengo_lmu.analysis.pipeline import make_network, settings  # noqa: PLC0415
    from nengo_lmu.analysis.training import Training  # noqa: PLC0415

    cell = dict(units=8, order=3, n_neurons=90, hidden_synapse=None, hidden_to_hidden=False)
    if theta is not None:
        cell["theta"] = theta
    config = settings("digits", quick=True, cells=[cell],
                      network=dict(memory="ideal", readout_synapse=None))
    net = make_network(config, task, seed=1)
    return Training(parameters=net.parameters(), loss=[], seconds=0.0, spec=net.spec)


def test_time_scale_is_chosen_by_the_memory_speed(task):
    # digits at 2 steps per item: theta = 0.128 s
    assert read_spec(NETWORK)["cells"][0]["theta"] == pytest.approx(0.128)
    # order 6: 0.08 s * 6 / 0.128 s = 3.75, so 4
    assert nir_network.time_scale_for(NETWORK) == 4
    assert nir_network.time_scale_for(NETWORK, theta_per_order=0.128 / 6) == 1
    assert nir_network.time_scale_for(unsynapsed(task, theta=1.0)) == 1
    assert nir_network.time_scale_for(unsynapsed(task, theta=0.01)) == 24
    with pytest.raises(ValidationError, match=r"theta_per_order.*> 0 \(got 0\)"):
        nir_network.time_scale_for(NETWORK, theta_per_order=0)


def test_export_ready_slows_the_memory_and_adds_synapses(task):
    ready, steps = nir_network.export_ready(NETWORK, steps_per_item=2)
    trained = read_spec(NETWORK)
    assert steps == 2 * 4
    cell = ready.spec["cells"][0]
    assert cell["theta"] == pytest.approx(4 * trained["cells"][0]["theta"])
    # trained with synapses and radii: those are kept, nothing compensated
    assert cell.get("hidden_synapse") == trained["cells"][0].get("hidden_synapse")
    assert ready.spec["readout_synapse"] == trained["readout_synapse"]
    assert cell["radii"] == trained["cells"][0]["radii"]
    assert "cell0.input_kernel" not in ready.parameters

    bare = unsynapsed(task, theta=0.06)
    ready, steps = nir_network.export_ready(bare, task, steps_per_item=2, time_scale=3)
    assert steps == 6
    cell = ready.spec["cells"][0]
    assert cell["theta"] == pytest.approx(0.18)
    assert cell["hidden_synapse"] == nir_network.HIDDEN_SYNAPSE
    assert ready.spec["readout_synapse"] == nir_network.READOUT_SYNAPSE
    assert ready.spec["memory"] is None and len(cell["radii"]) == 3
    # the synapse is compensated through an input kernel the cell did not have
    assert "cell0.input_kernel" not in bare.parameters
    assert cell["input_to_hidden"] and "cell0.input_kernel" in ready.parameters
    # the export-ready network exports, and runs as nengo runs it, next to
    # the same network deployed with nengo's spiking neurons
    record = compare_network(ready, task, steps_per_item=steps, n_test=3, spiking=True)
    assert record["max_difference_numpy"] < 1e-9
    assert 0 <= record["score_spiking"] <= 1 and record["n_test"] == 3

    with pytest.raises(ValidationError, match=r"task.*radii are measured.*\(got None\)"):
        nir_network.export_ready(bare)
    mixed = dict(bare.spec, cells=[dict(bare.spec["cells"][0], hidden_synapse=0.01),
                                   dict(bare.spec["cells"][0], units=4)])
    from nengo_lmu.analysis.training import Training  # noqa: PLC0415

    with pytest.raises(ValidationError, match=r"hidden_synapse.*every cell or in none"):
        nir_network.export_ready(Training({}, [], 0.0, mixed), task)
    with pytest.raises(ValidationError, match="time_scale"):
        nir_network.export_ready(NETWORK, time_scale=0)
