"""Host-to-chip input and chip-to-host readout: nengo-loihi's on/off encoder
widened and its pairs staggered, the on-chip input filter, and the readout's
one-step lead."""

import contextlib
import re
import warnings

import nengo
import nengo_loihi
import numpy as np
from nengo.exceptions import BuildError
from nengo_loihi.block import MAX_IN_AXONS
from nengo_loihi.builder.inputs import ChipReceiveNode
from nengo_loihi.decode_neurons import OnOffDecodeNeurons
from nengo_loihi.passthrough import base_obj
from nengo_loihi.splitter import Split

#: Most on/off pairs that carry a memory's input (:func:`input_copies`).
MAX_INPUT_COPIES = 32

#: The lowest order whose memory spreads its input over several pairs by
#: default, whatever its speed (faster memories of lower orders do too:
#: :func:`.speed.default_input_pairs`). Measured on the integer emulator (window NRMSE, one pair against
#: several): order 12, theta = 1 s, theta f = 0.3 at 768 / 1,536 / 3,072
#: neurons 0.238 / 0.094 / 0.170 -> 0.206 / 0.068 / 0.053; order 24, theta =
#: 0.25 s, 1,536 / 3,072 neurons 0.134 / 0.082 -> 0.088 / 0.078; but orders 3
#: and 6 at 2 and 4 x 64 d neurons (3 seeds) lost at the larger size (order 6,
#: theta = 1 s, theta f = 1: 0.054 -> 0.077; the error stopped falling with m
#: at 5 of 8 points), where the input's precision matters more than the grid.
#: That held with the pairs' phases staggered (:class:`WideInputNeurons`):
#: order 6, theta = 1 s, theta f = 1, 1,536 neurons, seeds 0 and 1, one pair
#: 0.047, up to 8 pairs 0.054 (``benchmarks/bench_fast_memory.py --theta 1
#: --theta-f 1 --sizes 1536 --variants one-pair eight-pairs --targets fast``).
INPUT_PAIRS_MIN_ORDER = 12

#: Most pairs a memory of order :data:`INPUT_PAIRS_MIN_ORDER` or more takes by
#: default. Up to 32 lost at theta f = 1 with many neurons (order 12, theta =
#: 1 s, 3,072 neurons, seed 0: one pair 0.055, 32 pairs 0.094, 8 pairs 0.061)
#: and gained nothing more on slow inputs (theta f = 0.3: 0.069 with 8 or 32;
#: ``benchmarks/bench_weight_grid.py --theta-f``).
DEFAULT_INPUT_PAIRS = 8


def input_copies(W, W_in, input_range, dt, n_neurons, size_in, most=MAX_INPUT_COPIES):
    """How many on/off pairs carry each neuron's input, so that its input
    weights fit the range of its recurrent weights.

    A core discretises all its weights against its largest one, so a few
    large weights make every other weight, bias and current on that core
    coarse (and the integer current decays lose more to truncation). A
    value sent from the host arrives as spikes of an on/off pair that fire
    at most once per step and each carry up to ``input_range``; into a
    memory's high orders these weigh up to about ten times the largest
    recurrent weight. ``k`` identical pairs, each given ``1 / k`` of a
    neuron's input weights, deliver the same current with ``k`` times
    smaller weights. Returns, for each neuron (row of ``W``), the smallest
    ``k`` for which its input weights do not exceed its largest recurrent
    weight (neuron spikes carry ``1 / dt``), at most ``most`` and what the
    cores' input axons leave room for. Each neuron gets just enough: a
    core's smaller weights can sit at most 2**6 below its largest on
    nengo-loihi's exponents, so input weights far below the recurrent
    ones would be misscaled.

    Examples
    --------
    >>> W = np.array([[1e-4, -2e-4], [5e-5, 5e-5]])
    >>> input_copies(W, np.array([[0.5], [0.2]]), 4.0, 0.001, 2, 1)
    array([10, 16])
    """
    W = np.abs(np.asarray(W))
    W_in = np.abs(np.asarray(W_in))
    rec = W.max(axis=1) / dt
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(rec > 0, W_in.max(axis=1) * input_range / rec, 0.0)
    room = max((MAX_IN_AXONS - n_neurons) // (2 * size_in), 1)
    return np.clip(np.ceil(ratio), 1, min(room, most)).astype(int)


def pair_phase(j):
    """The starting voltage of the ``j``-th host-to-chip on/off pair, in [0, 1).

    The base-2 van der Corput sequence (0, 1/2, 1/4, 3/4, 1/8, ...): the
    first ``k`` phases, for any power of two ``k``, are evenly spaced.

    Examples
    --------
    >>> [pair_phase(j) for j in range(6)]
    [0.0, 0.5, 0.25, 0.75, 0.125, 0.625]
    """
    j = int(j)
    if j < 0:
        raise ValueError(f"j must be >= 0 (got {j})")
    phase, scale = 0.0, 0.5
    while j:
        phase += scale * (j & 1)
        j >>= 1
        scale /= 2
    return phase


class WideInputNeurons(OnOffDecodeNeurons):
    """nengo-loihi's host-to-chip on/off encoder for values up to ``input_range``.

    nengo-loihi sends each value from the host to the chip as the spikes of
    an on/off pair of neurons (``OnOffDecodeNeurons``), which is linear only
    for values in [-1, 1]: beyond that the "off" neuron is silent and the
    "on" neuron cannot fire more than once per step, so larger values are
    compressed and clipped. This encoder divides the value by
    ``input_range`` on the host (the encoding ensemble's radius) and
    multiplies it back on the chip: through the target ensemble's encoders,
    as nengo-loihi does with its own ``scale``, and, for connections into
    ``Neurons``, whose weights nengo-loihi takes as they are, in the
    weights themselves (:class:`_InputWeights`).

    Each pair is a sigma-delta modulator: its neurons keep the voltage left
    over after a spike, so the spikes it has sent never differ from the
    integral of its input by more than one spike's worth. nengo-loihi starts
    every pair at voltage 0, so ``k`` pairs that carry the same value (a
    memory's ``input_pairs``) spike in the same steps and their errors add
    up: ``k`` pairs, each with ``1 / k`` of the weights, are no more precise
    than one. Here the ``j``-th ensemble built starts at voltage
    :func:`pair_phase` ``(j)`` (both neurons of a pair alike, so that they
    still cancel at a zero input); the pairs keep these offsets (they
    integrate the same value), so ``k`` of them deliver the input with
    ``1 / k`` of one pair's error, as one pair of ``k`` times the rate
    would. ``stagger=False`` starts them all at 0, as nengo-loihi does.
    """

    def __init__(self, input_range, dt=0.001, stagger=True):
        super().__init__(dt=dt, is_input=True)
        self.input_range = float(input_range)
        self.stagger = bool(stagger)
        self.n_built = 0

    def __str__(self):
        return (f"{type(self).__name__}(input_range={self.input_range:g}, dt={self.dt:g}, "
                f"stagger={self.stagger})")

    def get_ensemble(self, dim, add_to_container=True):
        ens = super().get_ensemble(dim, add_to_container=add_to_container)
        ens.radius = self.input_range
        if self.stagger:
            phase = pair_phase(self.n_built)
            ens.neuron_type = nengo.SpikingRectifiedLinear(
                initial_state={"voltage": nengo.dists.Choice([phase])}
            )
        self.n_built += 1
        return ens

    def get_post_encoders(self, encoders):
        return super().get_post_encoders(encoders * self.input_range)


def input_neurons(memories, dt=0.001):
    """The host-to-chip encoder for a network with these memories.

    A :class:`WideInputNeurons` for the largest ``input_range`` of the
    memories (at least 1) when that exceeds 1 or a memory takes its input
    on several pairs (whose phases it staggers unless a memory has
    ``stagger_input=False``), else None (nengo-loihi's own, linear in
    [-1, 1]).
    """
    largest = max([m.input_range for m in memories], default=1.0)
    pairs = max([getattr(m, "input_copies", 1) for m in memories], default=1)
    stagger = all(getattr(m, "stagger_input", True) for m in memories)
    if largest > 1.0 or (pairs > 1 and stagger):
        return WideInputNeurons(max(largest, 1.0), dt=dt, stagger=stagger)
    return None


def loihi_model(memories, dt=0.001, fast_build=False, decode_tau=None):
    """The nengo-loihi ``Model`` that :func:`simulator` builds these memories into.

    Its on-chip input filter (``decode_tau``) is ``decode_tau`` if given
    (:attr:`HostInputs.decode_tau`), else the memories' synapse, and its
    host-to-chip encoder carries their ``input_range``
    (:func:`input_neurons`). With ``fast_build`` it builds with
    :class:`nengo_lmu.hardware.loihi.build.Builder` (the same model, made
    faster for large populations).
    """
    builder = None
    if fast_build:
        from nengo_lmu.hardware.loihi.build import Builder  # noqa: PLC0415

        builder = Builder()
    model = nengo_loihi.builder.Model(dt=dt, builder=builder)
    taus = {mem.synapse.tau for mem in memories}
    if decode_tau is not None:
        model.decode_tau = decode_tau
    elif taus:
        model.decode_tau = taus.pop()
    node_neurons = input_neurons(memories, dt)
    if node_neurons is not None:
        model.node_neurons = node_neurons
        model.build_callback = _InputWeights(model)
    return model


class _InputWeights:
    """Build callback: multiply host-to-``Neurons`` weights by the input range.

    Applied once to each connection from a host input into ``Neurons`` right
    after nengo-loihi builds it, before it splits and discretises the
    model (see :class:`WideInputNeurons`).
    """

    def __init__(self, model):
        self.model = model
        self.done = set()

    def __call__(self, obj):
        model = self.model
        if not (
            isinstance(obj, nengo.Connection)
            and obj in model.connection_decode_neurons
            and isinstance(obj.post_obj, nengo.ensemble.Neurons)
        ):
            return
        scale = model.node_neurons.input_range
        for conn, parts in list(model.objs.items()):
            if (
                isinstance(conn, nengo.Connection)
                and conn not in self.done
                and type(conn.pre_obj) is ChipReceiveNode
                and isinstance(conn.post_obj, nengo.ensemble.Neurons)
                and "weights" in parts
            ):
                self.done.add(conn)
                for w in parts["weights"].weights:
                    w *= scale


@contextlib.contextmanager
def chip_input_filter(memories):
    """While nengo-loihi builds, move each memory's input lowpass onto the chip.

    A Loihi compartment filters all its inputs with one time constant, so
    host-to-chip spikes into the memory must arrive unfiltered and be filtered
    there (nengo-loihi's ``Model.decode_tau``, which the caller sets to the
    memories' synapse). The input connections get their synapse back on exit.
    """
    conns = [c for mem in memories for c in mem.input_connections]
    synapses = [conn.synapse for conn in conns]
    try:
        for conn in conns:
            conn.synapse = None
        yield
    finally:
        for conn, syn in zip(conns, synapses):
            conn.synapse = syn



def _tau(synapse):
    """A connection's lowpass in seconds (0 for none), or None for other synapses."""
    if synapse is None:
        return 0.0
    if type(synapse) is nengo.Lowpass:
        return float(synapse.tau)
    return None


class HostInputs:
    """The connections nengo-loihi builds from the host into ``network``'s chip
    ensembles, and the one on-chip filter that gives each its own synapse.

    nengo-loihi filters every value the host sends to the chip on the chip,
    with one time constant for the whole model (``Model.decode_tau``), after
    filtering it on the host with the connection's own synapse; and a Loihi
    block has one synaptic filter for all its inputs, the largest time
    constant any of them asks for. A trained LMU cell's hidden layer receives
    the input from the host and the memory's state on the chip, each through
    the cell's hidden synapse, while the memory's input comes from the host
    through the memory's synapse: with ``decode_tau`` set to the memory's,
    the hidden layer was filtered with the memory's time constant, and its
    host input twice.

    Here every host-to-chip connection is filtered on the chip only
    (:meth:`on_chip`, its host synapse removed while nengo-loihi builds),
    and ``decode_tau`` is the shortest of their synapses. A block whose
    inputs all have one synapse then gets exactly that synapse: a host
    input's shorter ``decode_tau`` gives way to the block's own. That is the
    condition checked here, before anything is built: each chip ensemble
    with host inputs must receive all its inputs through one synapse, and
    one that receives only host inputs must have ``decode_tau`` as that
    synapse; otherwise a ``BuildError`` names the ensemble and its synapses
    (the chip cannot give one block two filters; give its inputs one
    synapse, or run it on the host with ``nengo_loihi.add_params`` and
    ``on_chip=False``).

    Connections from host ``Neurons`` keep their own synapse on the chip
    (nengo-loihi's rule) and are not counted; synapses other than a
    ``nengo.Lowpass`` are left to nengo-loihi.

    Attributes
    ----------
    connections : list of nengo.Connection
        The host-to-chip connections filtered with ``decode_tau``.
    targets : dict
        The synapse (seconds) of each chip ensemble that receives them.
    decode_tau : float or None
        The on-chip filter of host inputs; None where there are none.
    """

    def __init__(self, network):
        split = Split(network, precompute=False, remove_passthrough=True)
        removed = split.passthrough.to_remove
        conns = [c for c in network.all_connections if c not in removed]
        conns += sorted(split.passthrough.to_add, key=str)

        def on_chip(obj):
            return split.on_chip(base_obj(obj))

        self.leads = _host_read_memories(network, on_chip)

        self.connections = []
        inputs = {}  # chip ensemble -> [(conn, tau, from host)]
        for conn in conns:
            if isinstance(conn.post_obj, nengo.connection.LearningRule):
                continue
            if not on_chip(conn.post):
                continue
            host = not on_chip(conn.pre)
            if host and isinstance(conn.pre_obj, nengo.ensemble.Neurons):
                continue  # nengo-loihi applies these connections' own synapse
            tau = _tau(conn.synapse)
            if tau is None:
                continue
            inputs.setdefault(base_obj(conn.post), []).append((conn, tau, host))
            if host:
                self.connections.append(conn)
        host_taus = [tau for ins in inputs.values() for _, tau, host in ins if host]
        self.decode_tau = min(host_taus) if host_taus else None
        self.targets = {}
        for ens, ins in inputs.items():
            if not any(host for _, _, host in ins):
                continue
            taus = sorted({tau for _, tau, _ in ins})
            only_host = all(host for _, _, host in ins)
            if len(taus) > 1 or (only_host and taus[0] != self.decode_tau):
                names = ", ".join(
                    f"{c.label or c} {tau:g} s{' (host)' if host else ''}"
                    for c, tau, host in ins
                )
                need = (
                    f"the host inputs' shortest synapse, {self.decode_tau:g} s, "
                    "since it receives only host inputs"
                    if len(taus) == 1 else "one synapse for all of them"
                )
                raise BuildError(
                    f"{ens}: a Loihi block filters all its inputs with one time "
                    f"constant, so its inputs must have {need}; give them one "
                    "synapse, or run it on the host (nengo_loihi.add_params, "
                    f"on_chip=False) (got {names})"
                )
            self.targets[ens] = taus[0]

    def expected_warnings(self):
        """Messages of nengo-loihi's ``tau_s`` warnings this arrangement causes
        by design (a block's own synapse overriding ``decode_tau``)."""
        out = []
        for tau in sorted(set(self.targets.values())):
            if tau != self.decode_tau:
                out.append(f"tau_s is already set to {tau:g}, which is larger than "
                           f"{self.decode_tau:g}")
                out.append(f"tau_s is currently {self.decode_tau:g}, which is smaller "
                           f"than {tau:g}")
        return out

    @contextlib.contextmanager
    def on_chip(self):
        """While nengo-loihi builds, filter the host inputs on the chip only,
        and advance the state of the memories in :attr:`leads` by the step
        it takes to reach the host (:func:`readout_lead`).

        The connections get their synapse and transform back on exit;
        nengo-loihi's ``tau_s`` warnings of :meth:`expected_warnings` are
        silenced (call inside ``warnings.catch_warnings()``).
        """
        for message in self.expected_warnings():
            warnings.filterwarnings("ignore", message=re.escape(message))
        synapses = [conn.synapse for conn in self.connections]
        try:
            with contextlib.ExitStack() as stack:
                for mem in self.leads:
                    stack.enter_context(readout_lead(mem))
                for conn in self.connections:
                    conn.synapse = None
                yield
        finally:
            for conn, syn in zip(self.connections, synapses):
                conn.synapse = syn


#: A delay of one step (``z^-1``).
ONE_STEP = nengo.LinearFilter([1], [1, 0], analog=False)


def _host_read_memories(network, on_chip):
    """The Loihi memories of ``network`` whose state goes to the host only.

    Follows the connections out of each memory's ``state`` through
    passthrough nodes (which nengo-loihi removes, joining what they
    connect); a memory is listed if none of them ends on the chip and it
    asks for it (``readout_lead``, :class:`.LoihiLegendreMemory`).
    """
    from nengo_lmu.hardware import memories  # noqa: PLC0415

    out = {}
    for conn in network.all_connections:
        out.setdefault(base_obj(conn.pre_obj), []).append(base_obj(conn.post_obj))
    leads = []
    for mem in memories(network):
        if not getattr(mem, "readout_lead", False):
            continue
        seen, todo, chip = set(), [mem.state], False
        while todo and not chip:
            obj = todo.pop()
            for post in out.get(obj, []):
                if isinstance(post, nengo.connection.LearningRule):
                    continue  # an error signal, not the state's value
                if isinstance(post, nengo.Node) and post.output is None:
                    if post not in seen:
                        seen.add(post)
                        todo.append(post)
                elif not isinstance(post, nengo.Node) and on_chip(post):
                    chip = True
        if not chip:
            leads.append(mem)
    return leads


@contextlib.contextmanager
def readout_lead(memory):
    """While nengo-loihi builds, send the host ``memory``'s next state.

    nengo-loihi delivers the chip's outputs to the host one step late: the
    host reads at step ``k`` what the neurons decoded at step ``k - 1``.
    Here the decoders into ``state`` give ``Ad m[k-1]`` instead, and a
    connection from ``input`` adds ``Bd u[k-1]`` on the host through a
    one-step delay, so the host reads ``m[k] = Ad m[k-1] + Bd u[k-1]``, the
    ideal discrete memory's update applied to the chip's state
    (:meth:`~.LoihiLegendreMemory.lead_matrices`). Only for a state that
    the host alone reads (:class:`HostInputs` checks); the memory gets its
    decoders back, and loses the extra connection, on exit.
    """
    Ad, Bd = memory.lead_matrices()
    decode = memory.decode_connections
    transforms = [conn.transform for conn in decode]
    added = []
    try:
        for conn, tr in zip(decode, transforms):
            conn.transform = Ad @ np.asarray(tr.init)
        with memory:
            # through a node that computes (not a passthrough), so that
            # nengo-loihi does not join input and state into one cluster
            node = nengo.Node(_identity, size_in=memory.dimensions, label="readout lead")
            added = [
                node,
                nengo.Connection(memory.input, node, transform=Bd, synapse=ONE_STEP),
                nengo.Connection(node, memory.state, synapse=None),
            ]
        yield node
    finally:
        for conn, tr in zip(decode, transforms):
            conn.transform = tr
        for obj in added:
            (memory.nodes if isinstance(obj, nengo.Node) else memory.connections).remove(obj)


def _identity(t, x):
    return x
