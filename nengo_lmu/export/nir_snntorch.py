r"""Run an exported NIR graph in snnTorch, through nirtorch's graph executor.

Needs the ``nir`` extra (``pip install 'nengo-lmu[nir]'``: snnTorch, nirtorch
and a CPU build of PyTorch).

snnTorch's own ``snntorch.import_nir.import_from_nir`` (snnTorch 1.0) cannot
read an exported memory: it assumes a step of 0.1 ms and requires
``v_leak = 0`` (no bias current) and ``r = tau_mem / dt``. So :func:`to_snntorch` gives nirtorch's
``nir_to_torch`` its own mapping of each ``CubaLIF`` node onto an
``snntorch.Synaptic`` neuron with per-neuron decays, following the
time-step convention of :mod:`nengo_lmu.export.nir`:

- ``snntorch.Synaptic`` computes ``syn = alpha syn + x``,
  ``mem = beta mem + syn`` and fires where ``mem > threshold``, resetting
  ``mem`` to 0, in one call. With ``alpha = exp(-dt / tau_syn)``,
  ``beta = exp(-dt / tau_mem)``, input
  ``x = (1 - beta) r (1 - alpha) w_in u + (1 - alpha) (1 - beta) v_leak``
  and ``syn`` starting at ``(1 - beta) v_leak``, ``syn`` is
  ``(1 - beta) (v_leak + r I)`` and ``mem`` follows NIR's membrane equation
  under a zero-order hold, as the convention says.
- nirtorch feeds a recurrent edge with the previous call's output, so a
  spike reaches the synapse one call after it is emitted; the convention
  makes the graph's input wait one step as well, so :func:`simulate`
  passes the input of step ``n - 1`` at call ``n``.
- snnTorch emits spikes of 1; the mapped neurons return ``1/dt`` pulses.
- Spikes from one population to another (an exported network's memory to
  its hidden layer) would reach the second population's membrane in the
  call they are emitted, so the ``Linear`` node they leave through holds
  them for a call (:class:`DelayedLinear`).

nirtorch 2.6 executes graphs with one ``Output`` node (with two, or with a
node whose result no output uses, building never returns), so
:func:`to_snntorch` keeps the output asked for and the nodes it depends on.
"""

import numpy as np
from nengo.exceptions import ValidationError

import nir
import nirtorch
import snntorch
import torch


class SynapticNeurons(torch.nn.Module):
    """A NIR ``CubaLIF`` node as ``snntorch.Synaptic`` neurons at step ``dt``.

    Its ``forward(x, state=None)`` returns ``(spikes / dt, (syn, mem))``,
    the form nirtorch's executor passes state in.
    """

    def __init__(self, node, dt, dtype=torch.float64):
        super().__init__()
        def f(x):
            return torch.as_tensor(np.asarray(x, dtype=float), dtype=dtype)

        alpha = np.exp(-dt / np.asarray(node.tau_syn, dtype=float))
        beta = np.exp(-dt / np.asarray(node.tau_mem, dtype=float))
        if np.any(np.asarray(node.v_reset) != 0):
            raise ValidationError(
                "Must reset to v_reset = 0, snnTorch's reset to zero (got v_reset "
                f"up to {np.abs(node.v_reset).max()})",
                attr="graph",
            )
        self.dt = float(dt)
        self.register_buffer("scale", f((1 - beta) * node.r * (1 - alpha) * node.w_in))
        self.register_buffer("rest", f((1 - beta) * node.v_leak))
        self.register_buffer("drive", f((1 - alpha) * (1 - beta) * node.v_leak))
        self.neurons = snntorch.Synaptic(
            alpha=f(alpha),
            beta=f(beta),
            threshold=f(node.v_threshold),
            reset_mechanism="zero",
            reset_delay=False,
            surrogate_disable=True,
        )

    def forward(self, x, state=None):
        if state is None:
            state = (self.rest.clone(), torch.zeros_like(self.rest))
        syn, mem = state
        spikes, syn, mem = self.neurons(self.scale * x + self.drive, syn, mem)
        return spikes.to(self.rest.dtype) / self.dt, (syn, mem)


def to_snntorch(graph, dt, output, dtype=torch.float64):
    """A torch module that runs ``graph`` one step per call.

    Parameters
    ----------
    graph : nir.NIRGraph
        ``Input``, ``Output``, ``Linear`` and ``CubaLIF`` nodes. (An
        ``Affine`` node's bias would reach the neurons one step early, since
        only the graph's input is delayed by a step.)
    dt : float
        Step in seconds (an exported memory's ``graph.metadata["dt"]``).
    output : str
        The one ``Output`` node to keep (nirtorch runs one).
    dtype : torch.dtype, optional
        Precision of weights and states (default float64, which makes the
        spikes those of :mod:`nengo_lmu.export.nir_numpy`).

    Returns
    -------
    torch.fx.GraphModule
        ``module(x, state)`` returns ``(output, state)``; pass ``state=None``
        (or nothing) on the first call.
    """
    if output not in graph.outputs:
        raise ValidationError(
            f"Must be one of the graph's outputs {sorted(graph.outputs)} "
            f"(got {output!r})",
            attr="output",
        )
    allowed = (nir.Input, nir.Output, nir.Linear, nir.CubaLIF)
    for name, node in graph.nodes.items():
        if not isinstance(node, allowed):
            raise ValidationError(
                "Must contain only Input, Output, Linear and CubaLIF nodes "
                f"to run in snnTorch (got {type(node).__name__} node {name!r})",
                attr="graph",
            )
    # keep what the output depends on: nirtorch loops forever on a second
    # output or on a node whose result nothing uses
    keep, frontier = {output}, [output]
    while frontier:
        dst = frontier.pop()
        for src, d in graph.edges:
            if d == dst and src not in keep:
                keep.add(src)
                frontier.append(src)
    graph = nir.NIRGraph(
        nodes={k: v for k, v in graph.nodes.items() if k in keep},
        edges=[e for e in graph.edges if e[0] in keep and e[1] in keep],
        metadata=graph.metadata,
    )
    delayed = {id(graph.nodes[k]) for k in _feed_forward(graph)}
    node_map = {
        nir.CubaLIF: lambda node: SynapticNeurons(node, dt, dtype),
        nir.Linear: lambda node: (DelayedLinear if id(node) in delayed else _linear)(
            node, dtype
        ),
    }
    return nirtorch.nir_to_torch(graph, node_map, dtype=dtype)


def _linear(node, dtype):
    weight = torch.as_tensor(np.asarray(node.weight, dtype=float), dtype=dtype)
    linear = torch.nn.Linear(weight.shape[1], weight.shape[0], bias=False, dtype=dtype)
    linear.weight.data = weight
    return linear


class DelayedLinear(torch.nn.Module):
    """A NIR ``Linear`` node whose result leaves one call later.

    Its ``forward(x, state=None)`` returns ``(W x of the previous call, W x)``
    (zeros on the first call), the form nirtorch's executor passes state in.
    """

    def __init__(self, node, dtype=torch.float64):
        super().__init__()
        self.linear = _linear(node, dtype)

    def forward(self, x, state=None):
        y = self.linear(x)
        return (torch.zeros_like(y) if state is None else state), y


def _feed_forward(graph):
    """The ``Linear`` nodes that carry one population's spikes to another.

    A ``SynapticNeurons`` call takes its input before it fires, so spikes
    passed on within a call would reach the next population's membrane in the
    step they are emitted, one step early; these nodes pass them a call later.
    (Spikes back into their own population already wait a call: nirtorch feeds
    a cycle with the previous call's output.)
    """
    out = {}
    for src, dst in graph.edges:
        out.setdefault(src, []).append(dst)
    delayed = []
    for name, node in graph.nodes.items():
        sources = {s for s, d in graph.edges if d == name}
        if not isinstance(node, nir.Linear) or not any(
            isinstance(graph.nodes[s], nir.CubaLIF) for s in sources
        ):
            continue
        reached, frontier = set(), [name]
        while frontier:
            for nxt in out.get(frontier.pop(), []):
                if isinstance(graph.nodes[nxt], nir.CubaLIF):
                    reached.add(nxt)
                elif nxt not in reached:
                    reached.add(nxt)
                    frontier.append(nxt)
        neurons = {k for k in reached if isinstance(graph.nodes[k], nir.CubaLIF)}
        if neurons - sources:
            if neurons & sources:
                raise ValidationError(
                    f"Must lead from a population either back to itself or to "
                    f"others, not both (got Linear node {name!r})",
                    attr="graph",
                )
            delayed.append(name)
    return delayed


def simulate(graph, inputs, dt, output, dtype=torch.float64):
    """Run ``graph`` in snnTorch on ``inputs`` and return one output.

    Parameters
    ----------
    graph : nir.NIRGraph
    inputs : (n_steps, size) array_like
        The value of the graph's one input at every step.
    dt : float
        Step in seconds.
    output : str
        The output node to record.

    Returns
    -------
    (n_steps, size) ndarray
        Row ``n`` as :func:`nengo_lmu.export.nir_numpy.simulate` gives it.
    """
    module = to_snntorch(graph, dt, output, dtype)
    u = torch.as_tensor(np.asarray(inputs, dtype=float), dtype=dtype)
    x = torch.zeros_like(u[0])
    state, rows = None, []
    with torch.no_grad():
        for step in range(len(u)):
            y, state = module(x, state)
            x = u[step]  # seen by the membranes at the next call
            rows.append(y.numpy().copy())
    return np.array(rows).reshape(len(u), -1)
