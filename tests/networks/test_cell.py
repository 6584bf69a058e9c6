import nengo
import numpy as np
import pytest
from nengo.exceptions import ValidationError

from nengo_lmu.networks.cell import PARAMETERS, LMUCell, LMUNetwork, load


def make_net(**kwargs):
    cell = dict(units=12, order=4, theta=0.2, input_to_hidden=True)
    cell.update(kwargs.pop("cell", {}))
    return LMUNetwork(2, 3, [cell], seed=1, **kwargs)


def test_cell_parameters_follow_the_keras_lmu_flags():
    with nengo.Network():
        full = LMUCell(units=5, order=3, theta=0.1, size_in=2, memory_d=2,
                       hidden_to_memory=True, memory_to_memory=True, input_to_hidden=True,
                       hidden_to_hidden=True)
        bare = LMUCell(units=5, order=3, theta=0.1, use_bias=False)
    assert sorted(full.trainable) == sorted(PARAMETERS)
    assert sorted(bare.trainable) == ["input_encoders", "memory_kernel"]
    shapes = full.parameter_shapes()
    for name, conn in full.trainable.items():
        assert conn.transform.init.shape == shapes[name]
    assert shapes["memory_kernel"] == (5, 6) and full.memory.dimensions == 6
    assert full.memory.order == 3


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(units=0), "units: must be an integer >= 1"),
        (dict(theta=-1.0), "theta: must be a finite number > 0"),
        (dict(rate_scale=0), "rate_scale: must be a finite number > 0"),
        (dict(dt=0.5), "dt"),
        (dict(memory_reg=0), r"memory_reg: must be a finite number > 0 \(got 0\)"),
        (dict(memory_kernel_scale=0),
         r"memory_kernel_scale: must be a finite number > 0 \(got 0\)"),
        (dict(bias_init=float("nan")), r"bias_init: must be a finite number \(got nan\)"),
        (dict(bias_init="0.1"), r"bias_init: must be a finite number \(got '0.1'\)"),
    ],
)
def test_cell_errors(kwargs, match):
    args = dict(units=5, order=3, theta=0.1)
    args.update(kwargs)
    with nengo.Network(), pytest.raises(ValidationError, match=match):
        LMUCell(**args)


def test_initialisation_options():
    """``memory_kernel_scale`` scales the same Glorot draws; ``bias_init`` sets every
    bias, in units of the activation, in a rate and a spiking network alike."""
    plain = make_net().parameters()
    scaled = make_net(cell=dict(memory_kernel_scale=0.3, bias_init=0.1))
    values = scaled.parameters()
    np.testing.assert_allclose(values["cell0.memory_kernel"],
                               0.3 * plain["cell0.memory_kernel"], rtol=1e-12)
    assert np.abs(plain["cell0.memory_kernel"]).max() > 0.1
    np.testing.assert_array_equal(values["cell0.input_kernel"], plain["cell0.input_kernel"])
    np.testing.assert_array_equal(values["cell0.bias"], np.full(12, 0.1))
    spiking = make_net(cell=dict(bias_init=0.1), spiking=True)
    np.testing.assert_allclose(spiking.parameters()["cell0.bias"], np.full(12, 0.1))
    assert scaled.spec["cells"][0]["bias_init"] == 0.1  # saved with the network
    # with no input, the bias alone drives every rate unit to 0.1
    ideal = make_net(cell=dict(memory_kernel_scale=0.3, bias_init=0.1), memory="ideal")
    with ideal:
        probe = nengo.Probe(ideal.cells[0].output, synapse=None)
    with nengo.Simulator(ideal, progress_bar=False) as sim:
        sim.run_steps(3)
    np.testing.assert_allclose(sim.data[probe], 0.1, atol=1e-12)


def test_network_errors():
    with pytest.raises(ValidationError, match="cells: must be a non-empty list"):
        LMUNetwork(1, 2, [])
    with pytest.raises(ValidationError, match="cell 0 must give 'theta'"):
        LMUNetwork(1, 2, [dict(units=3, order=2)])
    with pytest.raises(ValidationError, match="size_in is set by the stack"):
        LMUNetwork(1, 2, [dict(units=3, order=2, theta=0.1, size_in=4)])
    net = make_net()
    with pytest.raises(ValidationError, match="must name one of this network's"):
        net.set_parameters({"cell0.nope": np.zeros(2)})
    with pytest.raises(ValidationError, match=r"readout must have shape \(3, 12\)"):
        net.set_parameters({"readout": np.zeros((2, 12))})


def test_stacked_cells_and_save_load(tmp_path):
    net = make_net(cell=dict(hidden_to_memory=True))
    two = LMUNetwork(2, 3, [dict(units=12, order=4, theta=0.2, hidden_to_hidden=True),
                            dict(units=7, order=3, theta=0.1, hidden_to_hidden=True)],
                     seed=1)
    assert two.cells[1].size_in == 12 and two.readout.transform.init.shape == (3, 7)
    assert sorted(two.trainables()) == sorted(
        ["cell0.input_encoders", "cell0.memory_kernel", "cell0.hidden_kernel",
         "cell0.bias", "cell1.input_encoders", "cell1.memory_kernel",
         "cell1.hidden_kernel", "cell1.bias", "readout"])
    rng = np.random.RandomState(0)
    values = {k: rng.randn(*v.shape) for k, v in net.parameters().items()}
    net.set_parameters(values)
    path = tmp_path / "net.npz"
    net.save(path)
    with np.load(path, allow_pickle=False) as data:  # plain arrays, no objects
        assert all(data[k].dtype != object for k in data.files)
    again = load(path)
    for k, v in again.parameters().items():
        np.testing.assert_array_equal(v, values[k])
    assert again.spec == net.spec and not again.spiking
    spiking = load(path, spiking=True)
    hidden = spiking.cells[0].hidden.neuron_type
    assert isinstance(hidden, nengo.SpikingRectifiedLinear)
    assert isinstance(spiking.cells[0].memory.neuron_type, nengo.SpikingRectifiedLinear)
    assert isinstance(again.cells[0].hidden.neuron_type, nengo.RectifiedLinear)


def run_cell(Simulator, spiking, seed, steps=600):
    net = make_net(spiking=spiking, cell=dict(hidden_to_hidden=True))
    rng = np.random.RandomState(seed)
    net.set_parameters({"cell0.bias": rng.uniform(-0.25, 0.25, size=12),
                        "cell0.input_encoders": np.array([[1.0, -0.5]])})
    cell = net.cells[0]
    net.input.output = lambda t: [np.sin(8 * t), np.cos(5 * t)]
    syn = cell.hidden_synapse
    with net:
        p_m = nengo.Probe(cell.memory.state, synapse=syn)
        p_x = nengo.Probe(net.input, synapse=syn)
        p_h = nengo.Probe(cell.output, synapse=None if not spiking else 0.02)
        p_hf = nengo.Probe(cell.output, synapse=syn)
        p_o = nengo.Probe(net.output, synapse=0.02 if spiking else None)
    with Simulator(net, progress_bar=False, seed=seed) as sim:
        sim.run_steps(steps)
    return net, sim, (p_m, p_x, p_h, p_hf, p_o)


def test_rate_cell_computes_the_lmu_equations(Simulator, seed):
    """h = relu(W_m m + W_x x + W_h h + b), each input filtered once."""
    net, sim, (p_m, p_x, p_h, p_hf, _) = run_cell(Simulator, False, seed)
    cell, values = net.cells[0], net.parameters()
    pre = (sim.data[p_m] @ values["cell0.memory_kernel"].T
           + sim.data[p_x] @ values["cell0.input_kernel"].T
           + sim.data[p_hf] @ values["cell0.hidden_kernel"].T
           + values["cell0.bias"])
    h = sim.data[p_h]
    np.testing.assert_allclose(h, np.maximum(pre, 0), atol=1e-6)
    assert (h > 0).mean() > 0.2  # the test means something: units are active


def test_spiking_cell_matches_rates(Simulator, seed):
    _, rate, (*_, p_o) = run_cell(Simulator, False, seed)
    _, spike, (*_, q_o) = run_cell(Simulator, True, seed)
    y, y_hat = rate.data[p_o][200:], spike.data[q_o][200:]
    error = np.sqrt(np.mean((y_hat - y) ** 2)) / np.sqrt(np.mean(y**2))
    assert error < 0.25, error


def test_memory_reg_keeps_a_rate_memory_on_its_state(seed):
    """nengo's default decoder regularisation shrinks each decoded state a
    little and the recurrence compounds it; ``memory_reg`` sets it."""
    theta, order, steps = 0.5, 32, 1000
    signal = nengo.processes.WhiteSignal(1.0, high=5, rms=0.5, seed=seed)
    errors = {}
    for reg in (None, 0.01):
        with nengo.Network(seed=seed) as net:
            cell = LMUCell(units=2, order=order, theta=theta, n_neurons=30 * order,
                           radii=0.6, memory_reg=reg)
            ideal = LMUCell(units=2, order=order, theta=theta, memory="ideal")
            stim = nengo.Node(signal)
            for c in (cell, ideal):
                nengo.Connection(stim, c.input, synapse=None)
            probes = [nengo.Probe(c.memory.state, synapse=None) for c in (cell, ideal)]
        with nengo.Simulator(net, progress_bar=False, seed=seed) as sim:
            sim.run_steps(steps)
        neural, exact = (sim.data[p] for p in probes)
        errors[reg] = np.sqrt(np.mean((neural - exact) ** 2) / np.mean(exact**2))
        assert cell.memory.solver.reg == (0.1 if reg is None else reg)
    assert errors[0.01] < 0.7 * errors[None], errors  # 0.086 against 0.162 (seed 0)
