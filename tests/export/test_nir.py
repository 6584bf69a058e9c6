"""NIR export of a Loihi memory, checked in the NumPy NIR executor (no torch)."""

import nengo
import numpy as np
import pytest
from nengo.exceptions import BuildError, ValidationError

from nengo_lmu import dynamics, signals
from nengo_lmu.networks import LegendreMemory

nir = pytest.importorskip("nir")
pytest.importorskip("nengo_loihi")

from nengo_lmu.export import nir_numpy  # noqa: E402
from nengo_lmu.export.compare import compare_memory, memory_network, round_trip  # noqa: E402
from nengo_lmu.export.nir import graphs_equal, to_nir  # noqa: E402
from nengo_lmu.hardware.loihi import LoihiLegendreMemory  # noqa: E402

pytestmark = pytest.mark.filterwarnings(
    "ignore:This version of `nengo_loihi`", "ignore:invalid value encountered in cast"
)
DT = 0.001


def small_memory(order=3, n_neurons=60, **kwargs):
    kwargs.setdefault("neuron_type", nengo.LIF(tau_ref=0))
    with nengo.Network(seed=0):
        return LoihiLegendreMemory(order, 1.0, n_neurons, seed=0, quantize=False, **kwargs)


def test_graph_names_parameters_and_metadata():
    mem = small_memory(order=4, size_in=2, n_neurons=80)
    graph = to_nir(mem)
    assert set(graph.inputs) == {"input"} and set(graph.outputs) == {"state", "spikes"}
    assert graph.inputs["input"].input_type["input"].tolist() == [2]
    assert graph.outputs["state"].output_type["output"].tolist() == [8]
    lif = graph.nodes["neurons"]
    assert isinstance(lif, nir.CubaLIF)
    assert np.array_equal(lif.r, mem.ensemble.gain)
    assert np.array_equal(lif.v_leak, mem.ensemble.bias)
    assert np.allclose(lif.tau_syn, mem.synapse.tau)
    # LoihiLIF's membrane time constant is the one its 12-bit decay realises
    assert np.all(np.abs(lif.tau_mem - 0.02) < 2e-4) and np.all(lif.tau_mem != 0.02)
    assert np.array_equal(graph.nodes["recurrent_weights"].weight, mem.recurrent_weights)
    meta = graph.metadata
    assert meta["dt"] == DT and meta["order"] == 4 and meta["size_in"] == 2
    # the readout maps the state to u(t - theta), channel by channel
    C = dynamics.delay_readout(4, 1.0, 1.0)
    assert np.array_equal(meta["readout"], np.kron(np.eye(2), C[None, :]))


def test_round_trip_equals_the_graph():
    graph = to_nir(small_memory())
    back = round_trip(graph)
    assert graphs_equal(graph, back)
    assert back.metadata["time_step"] == graph.metadata["time_step"]
    # and the comparison can fail: one weight changed, or metadata
    back.nodes["recurrent_weights"].weight[0, 0] += 1e-12
    assert not graphs_equal(graph, back)
    other = round_trip(graph)
    other.metadata["dt"] = 0.002
    assert not graphs_equal(graph, other)


@pytest.mark.parametrize(
    "neuron_type, match",
    [
        (nengo.SpikingRectifiedLinear(), "no voltage floor"),
        (None, "no voltage floor"),  # LoihiSpikingRectifiedLinear, the default
        (nengo.LIF(), r"no refractory period \(got tau_ref=0.002\)"),
    ],
)
def test_neurons_nir_cannot_express_are_refused(neuron_type, match):
    mem = small_memory(neuron_type=neuron_type)
    with pytest.raises(ValidationError, match=match):
        to_nir(mem)


def test_memories_nir_cannot_express_are_refused():
    from nengo_lmu.hardware.analog import AnalogLegendreMemory  # noqa: PLC0415

    with nengo.Network():
        mem = AnalogLegendreMemory(3, 1.0, 30)
    with pytest.raises(ValidationError, match="Must be a LoihiLegendreMemory .* or a "
                       "LegendreMemory with its default EnsemblesPopulation"):
        to_nir(mem)
    # nengo's own memory: its decoders depend on the build's seeds
    with nengo.Network():
        mem = LegendreMemory(3, 1.0, 30, neuron_type=nengo.LIF(tau_ref=0))
    with pytest.raises(BuildError, match=r"Must have a seed.*\(got seed=None"):
        to_nir(mem)
    with nengo.Network():
        other = LegendreMemory(3, 1.0, 30, neuron_type=nengo.LIF(tau_ref=0), seed=0)
    with nengo.Simulator(other, progress_bar=False) as sim:
        pass
    with pytest.raises(BuildError, match="Must be a build that holds the memory"):
        to_nir(mem, sim)
    with nengo.Network():
        mem = LegendreMemory(3, 1.0, 30, seed=0)  # Poisson neurons
    with pytest.raises(ValidationError, match="Must be a LIF neuron type"):
        to_nir(mem)


def nengo_memory(order=3, n_neurons=60, **kwargs):
    kwargs.setdefault("neuron_type", nengo.LIF(tau_ref=0))
    with nengo.Network(seed=0):
        return LegendreMemory(order, 1.0, n_neurons, seed=0, **kwargs)


@pytest.mark.parametrize("single_ensemble", [False, True])
def test_nengo_memory_graph_is_factored_through_its_decoders(single_ensemble):
    mem = nengo_memory(order=4, size_in=2, n_neurons=80, single_ensemble=single_ensemble)
    with nengo.Simulator(mem, progress_bar=False) as sim:
        pass
    graph = to_nir(mem, sim)
    nodes = graph.nodes
    assert nodes["recurrent_decoders"].weight.shape == (8, 80)
    assert nodes["recurrent_weights"].weight.shape == (80, 8)
    assert ("recurrent_weights", "neurons") in graph.edges
    # the decoders nengo solved, per ensemble, into the state's dimensions
    rows = 0
    for conn in mem.all_connections:
        if conn.pre_obj in mem.ensembles:
            n = conn.pre_obj.n_neurons
            dims = np.arange(8)[conn.post_slice]
            block = nodes["state_decoders"].weight[dims][:, rows:rows + n]
            assert np.array_equal(block, sim.data[conn].weights)
            rows += n
    assert rows == 80
    lif = nodes["neurons"]
    assert np.array_equal(lif.r, np.ones(80)) and np.allclose(lif.tau_syn, mem.synapse.tau)
    # gains in the weights: an input u drives neuron i by its scaled encoder
    # times the input transform, as nengo computes it
    enc = np.zeros((80, 8))
    for ens, (a, b) in zip(mem.ensembles, [(0, 8)] if single_ensemble
                           else [(10 * i, i) for i in range(8)]):
        if single_ensemble:
            enc[:, :] = sim.data[ens].scaled_encoders
        else:
            enc[a:a + 10, b] = sim.data[ens].scaled_encoders[:, 0]
    assert np.allclose(nodes["input_weights"].weight, enc @ mem._scaled_B, atol=1e-12)
    # built alone with its seed: the same decoders as in the simulator (to
    # rounding: a multithreaded BLAS may sum a solve in another order)
    alone = to_nir(mem)
    assert set(alone.nodes) == set(graph.nodes) and alone.edges == graph.edges
    for name, node in graph.nodes.items():
        for key, value in node.to_dict().items():
            if isinstance(value, np.ndarray):
                assert np.allclose(alone.nodes[name].to_dict()[key], value,
                                   rtol=1e-9, atol=1e-12), (name, key)
    assert graphs_equal(graph, round_trip(graph))
    back = round_trip(graph)
    back.nodes["recurrent_weights"].weight[0, 0] += 1e-12
    assert not graphs_equal(graph, back)


@pytest.mark.parametrize("order, seed", [(3, 1), (6, 2)])
def test_numpy_executor_runs_nengo_memory_as_nengo(order, seed):
    """nengo's own memory: the same spikes as nengo for most of the run, the
    same state error."""
    record = compare_memory(order=order, n_neurons=40 * order, duration=2.0, seed=seed,
                            memory="nengo")
    # until nengo's voltage floor (which NIR lacks) binds
    assert record["steps_like_nengo_numpy"] >= 300
    assert abs(record["E_numpy"] - record["E_nengo"]) <= 0.02 * record["E_nengo"]
    assert record["E_nengo"] < 0.35
    # without the floor, NIR's neurons are nengo's: the same spikes throughout
    lif = nengo.LIF(tau_ref=0, min_voltage=-np.inf,
                    initial_state={"voltage": nengo.dists.Choice([0.0])})
    record = compare_memory(order=order, n_neurons=40 * order, duration=2.0, seed=seed,
                            memory="nengo", neuron_type=lif)
    assert record["steps_like_nengo_numpy"] == 2000
    assert record["E_numpy"] == pytest.approx(record["E_nengo"], rel=1e-9)


def test_numpy_executor_matches_nengo():
    """Same spikes as nengo until a voltage floor binds; state error within 1.1x."""
    record = compare_memory(order=3, n_neurons=120, duration=2.0, seed=1)
    assert record["steps_like_nengo_numpy"] >= 100
    assert record["E_numpy"] <= 1.1 * record["E_nengo"]
    assert record["E_nengo"] < 0.1


def test_the_graph_read_back_runs_as_the_one_written():
    u = signals.white_signal(1.0, DT, 1.0, 0.3, seed=0)
    _, mem, _, _ = memory_network(3, 60, u, quantize=False, radii=1.0)
    graph = to_nir(mem)
    a = nir_numpy.simulate(graph, {"input": u}, DT)
    b = nir_numpy.simulate(round_trip(graph), {"input": u}, DT)
    assert np.array_equal(a["spikes"], b["spikes"]) and a["spikes"].any()
