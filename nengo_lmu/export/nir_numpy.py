r"""A NumPy executor of NIR graphs, with the time-step convention of :mod:`.nir`.

It reads NIR's equations (the node classes' own documentation) and
discretises them at a step ``dt`` as :mod:`nengo_lmu.export.nir` documents:
signals constant over a step, spikes as ``1/dt`` pulses; each step the
neuron nodes advance and fire first, then the stateless nodes compute, then
the synapses take their input. It needs only NumPy and ``nir``, so the
tests check an export without torch.

Nodes it runs: ``Input``, ``Output``, ``Linear``, ``Affine``, ``Scale``
(stateless) and ``CubaLIF``, ``CubaLI``, ``LIF``, ``LI``, ``IF``, ``I``
(stateful). Neuron nodes without a synapse (``LIF``, ``LI``, ``IF``, ``I``)
hold their input current from one step to the next.

Examples
--------
>>> import nir
>>> graph = nir.NIRGraph(
...     nodes={"u": nir.Input(np.array([1])),
...            "w": nir.Linear(weight=np.array([[2.0]])),
...            "y": nir.Output(np.array([1]))},
...     edges=[("u", "w"), ("w", "y")])
>>> simulate(graph, {"u": np.ones((3, 1))}, dt=0.001)["y"][:, 0]
array([2., 2., 2.])
"""

import numpy as np
from nengo.exceptions import ValidationError

import nir

#: Node types without state, computed in topological order each step.
STATELESS = (nir.Input, nir.Output, nir.Linear, nir.Affine, nir.Scale)
#: Neuron node types: their output at step n depends on input up to n - 1.
NEURONS = (nir.CubaLIF, nir.CubaLI, nir.LIF, nir.LI, nir.IF, nir.I)


class _Neurons:
    """The state of one neuron node and its step."""

    def __init__(self, node, dt):
        self.node, self.dt = node, dt
        get = lambda name: np.asarray(getattr(node, name), dtype=float)  # noqa: E731
        self.spiking = isinstance(node, (nir.CubaLIF, nir.LIF, nir.IF))
        self.r = get("r")
        self.v = np.zeros_like(self.r)
        self.current = np.zeros_like(self.r)  # I of the synapse, or the held input
        tau_mem = getattr(node, "tau_mem", getattr(node, "tau", None))
        self.leaky = tau_mem is not None
        if self.leaky:
            self.decay_mem = np.exp(-dt / np.asarray(tau_mem, dtype=float))
            self.v_leak = get("v_leak")
        tau_syn = getattr(node, "tau_syn", None)
        self.decay_syn = (
            None if tau_syn is None else np.exp(-dt / np.asarray(tau_syn, dtype=float))
        )
        self.w_in = get("w_in") if hasattr(node, "w_in") else 1.0
        if self.spiking:
            self.v_threshold = get("v_threshold")
            self.v_reset = get("v_reset")

    def fire(self):
        """Advance the membrane over one step; return the output of the step."""
        drive = self.r * self.current
        if self.leaky:
            target = self.v_leak + drive
            self.v = target + (self.v - target) * self.decay_mem
        else:
            self.v = self.v + drive * self.dt
        if not self.spiking:
            return self.v.copy()
        spiked = self.v > self.v_threshold
        self.v[spiked] = self.v_reset[spiked]
        return spiked / self.dt

    def receive(self, x):
        """Take the summed input ``x`` of this step."""
        if self.decay_syn is None:
            self.current = np.asarray(x, dtype=float) * np.ones_like(self.r)
        else:
            a = self.decay_syn
            self.current = a * self.current + (1 - a) * self.w_in * x


def _apply(node, x):
    if isinstance(node, nir.Linear):
        return node.weight @ x
    if isinstance(node, nir.Affine):
        return node.weight @ x + node.bias
    if isinstance(node, nir.Scale):
        return node.scale * x
    return x  # Output


def _order(graph):
    """Stateless nodes in topological order, neuron outputs taken as sources."""
    names = ", ".join(t.__name__ for t in STATELESS + NEURONS)
    for name, node in graph.nodes.items():
        if not isinstance(node, STATELESS + NEURONS):
            raise ValidationError(
                f"Must contain only {names} "
                f"nodes (got {type(node).__name__} node {name!r})",
                attr="graph",
            )
    inputs = {name: [] for name in graph.nodes}
    for src, dst in graph.edges:
        inputs[dst].append(src)
    stateless = [k for k, n in graph.nodes.items() if isinstance(n, STATELESS)]
    done = {k for k, n in graph.nodes.items() if isinstance(n, (nir.Input,) + NEURONS)}
    order = []
    pending = [k for k in stateless if k not in done]
    while pending:
        ready = [k for k in pending if all(s in done for s in inputs[k])]
        if not ready:
            raise ValidationError(
                "Must have a neuron node in every cycle: "
                f"{sorted(pending)} cannot be ordered within one step",
                attr="graph",
            )
        order += ready
        done.update(ready)
        pending = [k for k in pending if k not in done]
    return order, inputs


def simulate(graph, inputs, dt, n_steps=None):
    """Run ``graph`` for ``n_steps`` steps of ``dt`` seconds.

    Parameters
    ----------
    graph : nir.NIRGraph
        A flat graph (no subgraphs) of the nodes this module runs.
    inputs : dict of str to (n_steps, size) array_like
        The value of each ``Input`` node at every step; missing inputs are 0.
    dt : float
        Step in seconds, > 0.
    n_steps : int, optional
        Default the inputs' length.

    Returns
    -------
    dict of str to (n_steps, size) ndarray
        Every ``Output`` node's value at every step (spikes as ``1/dt``).
    """
    if not (np.isfinite(dt) and dt > 0):
        raise ValidationError(
            f"Must be a finite number > 0 seconds (got {dt})", attr="dt"
        )
    order, sources = _order(graph)
    inputs = {k: np.asarray(v, dtype=float) for k, v in inputs.items()}
    unknown = set(inputs) - set(graph.inputs)
    if unknown:
        raise ValidationError(
            f"Must name the graph's inputs {sorted(graph.inputs)} "
            f"(got {sorted(unknown)})",
            attr="inputs",
        )
    shapes = {
        k: tuple(np.ravel(n.input_type["input"])) for k, n in graph.inputs.items()
    }
    for k, v in inputs.items():
        if v.shape[1:] != shapes[k]:
            raise ValidationError(
                f"Must give input {k!r} as an "
                f"(n_steps, {', '.join(map(str, shapes[k]))}) "
                f"array (got shape {v.shape})",
                attr="inputs",
            )
    if n_steps is None:
        lengths = {len(v) for v in inputs.values()}
        if len(lengths) != 1:
            raise ValidationError(
                "Must all have one length, or give n_steps "
                f"(got lengths {sorted(lengths)})",
                attr="inputs",
            )
        n_steps = lengths.pop()
    neurons = {
        k: _Neurons(n, dt) for k, n in graph.nodes.items() if isinstance(n, NEURONS)
    }
    outs = {k: [] for k in graph.outputs}
    for step in range(n_steps):
        value = {k: n.fire() for k, n in neurons.items()}
        for k in graph.inputs:
            value[k] = inputs[k][step] if k in inputs else np.zeros(shapes[k])
        for k in order:
            x = sum(value[s] for s in sources[k]) if sources[k] else 0.0
            value[k] = _apply(graph.nodes[k], x)
        for k, n in neurons.items():
            n.receive(sum(value[s] for s in sources[k]) if sources[k] else 0.0)
        for k in outs:
            outs[k].append(value[k])
    return {k: np.array(v).reshape(n_steps, -1) for k, v in outs.items()}
