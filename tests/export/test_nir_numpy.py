"""The NumPy NIR executor against NIR's equations, node by node."""

import numpy as np
import pytest
from nengo.exceptions import ValidationError

nir = pytest.importorskip("nir")

from nengo_lmu.export.nir_numpy import simulate  # noqa: E402

DT = 0.001


def chain(*nodes, size=1):
    """Input -> nodes... -> Output, one neuron or weight each."""
    names = [f"n{i}" for i in range(len(nodes))]
    graph = nir.NIRGraph(
        nodes={"u": nir.Input(np.array([size])), **dict(zip(names, nodes)),
               "y": nir.Output(np.array([nodes[-1].output_type["output"][0]]))},
        edges=list(zip(["u"] + names, names + ["y"])),
    )
    return graph


def one(x):
    return np.array([float(x)])


def test_li_follows_its_zero_order_hold_solution():
    tau, r = 0.05, 2.0
    graph = chain(nir.LI(tau=one(tau), r=one(r), v_leak=one(0.5)))
    y = simulate(graph, {"u": np.ones((300, 1))}, DT)["y"][:, 0]
    # the input of step n reaches the membrane at step n + 1
    k = np.arange(300)
    expected = 0.5 * (1 - np.exp(-(k + 1) * DT / tau)) + r * (1 - np.exp(-k * DT / tau))
    assert np.allclose(y, expected, rtol=0, atol=1e-12)


def test_cuba_li_filters_then_integrates():
    ts, tm, r = 0.01, 0.02, 3.0
    graph = chain(nir.CubaLI(tau_syn=one(ts), tau_mem=one(tm), r=one(r), v_leak=one(0.0)))
    y = simulate(graph, {"u": np.ones((2000, 1))}, DT)["y"][:, 0]
    a, b = np.exp(-DT / ts), np.exp(-DT / tm)
    assert y[0] == 0 and np.isclose(y[1], (1 - b) * r * (1 - a))
    assert np.isclose(y[2], b * y[1] + (1 - b) * r * (1 - a**2))
    assert np.isclose(y[-1], r, rtol=1e-6)  # steady state r * x


def test_lif_spikes_at_the_discrete_period():
    # J = 2: v(k) = 2 (1 - b^k) first exceeds 1 after 14 steps at tau = 20 ms
    graph = chain(nir.LIF(tau=one(0.02), r=one(1.0), v_leak=one(0.0), v_threshold=one(1.0)))
    y = simulate(graph, {"u": 2 * np.ones((1000, 1))}, DT)["y"][:, 0]
    assert np.array_equal(np.flatnonzero(y), np.arange(14, 1000, 14))
    assert np.all(y[y > 0] == 1 / DT)


def test_if_and_cuba_lif_spike_where_they_should():
    graph = chain(nir.IF(r=one(1.0), v_threshold=one(1.0)))
    y = simulate(graph, {"u": 250 * np.ones((50, 1))}, DT)["y"][:, 0]
    assert np.array_equal(np.flatnonzero(y), np.arange(5, 50, 5))  # 0.25 per step, > 1
    # CubaLIF with a bias alone (v_leak = 2) behaves as the LIF above
    cuba = nir.CubaLIF(tau_syn=one(0.005), tau_mem=one(0.02), r=one(1.0), v_leak=one(2.0),
                       v_threshold=one(1.0))
    y = simulate(chain(cuba), {"u": np.zeros((100, 1))}, DT)["y"][:, 0]
    assert np.array_equal(np.flatnonzero(y), np.arange(13, 100, 14))


def test_stateless_nodes_and_summed_edges():
    W, b, s = np.array([[1.0, 2.0], [3.0, 4.0]]), np.array([0.5, -0.5]), np.array([2.0, 10.0])
    graph = nir.NIRGraph(
        nodes={"u": nir.Input(np.array([2])), "aff": nir.Affine(weight=W, bias=b),
               "sc": nir.Scale(scale=s), "y": nir.Output(np.array([2]))},
        edges=[("u", "aff"), ("aff", "sc"), ("u", "sc"), ("sc", "y")],
    )
    x = np.array([[1.0, -1.0], [0.0, 2.0]])
    y = simulate(graph, {"u": x}, DT)["y"]
    assert np.allclose(y, s * (x @ W.T + b + x))


def test_bad_graphs_and_inputs_are_refused():
    lin = lambda: nir.Linear(weight=np.eye(1))  # noqa: E731
    loop = nir.NIRGraph(
        nodes={"u": nir.Input(np.array([1])), "a": lin(), "b": lin(), "y": nir.Output(np.array([1]))},
        edges=[("u", "a"), ("a", "b"), ("b", "a"), ("b", "y")],
    )
    with pytest.raises(ValidationError, match=r"neuron node in every cycle: \['a', 'b', 'y'\] cannot"):
        simulate(loop, {"u": np.zeros((3, 1))}, DT)
    delay = chain(nir.Delay(delay=one(0.01)))
    with pytest.raises(ValidationError, match="got Delay node 'n0'"):
        simulate(delay, {"u": np.zeros((3, 1))}, DT)
    graph = chain(lin())
    with pytest.raises(ValidationError, match=r"dt: Must be a finite number > 0 seconds \(got 0\)"):
        simulate(graph, {"u": np.zeros((3, 1))}, 0)
    with pytest.raises(ValidationError, match=r"name the graph's inputs \['u'\] \(got \['v'\]\)"):
        simulate(graph, {"v": np.zeros((3, 1))}, DT)
    with pytest.raises(ValidationError, match=r"\(n_steps, 1\) array \(got shape \(3,\)\)"):
        simulate(graph, {"u": np.zeros(3)}, DT)
    assert simulate(graph, {}, DT, n_steps=4)["y"].shape == (4, 1)
