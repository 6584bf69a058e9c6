r"""A Loihi Legendre memory as a NIR graph.

NIR (the Neuromorphic Intermediate Representation, ``pip install nir``) is
the exchange format that snnTorch (through nirtorch), rockpool, Spyx,
Lava-DL and SpiNNaker2 tools read. :func:`to_nir` writes a
:class:`~nengo_lmu.hardware.loihi.LoihiLegendreMemory`, which is one
population with neuron-to-neuron recurrent weights, as this graph::

    input --> input_weights --> neurons --> state_decoders --> state
                                  |  ^
                                  |  +---- recurrent_weights <--+
                                  +-----------------------------+--> spikes

``input`` (``size_in`` wide), ``state`` (the decoded Legendre state,
``order * size_in`` wide, as :attr:`.LegendreMemory.state`) and ``spikes``
are the graph's named inputs and outputs; ``input_weights``,
``recurrent_weights`` and ``state_decoders`` are ``nir.Linear`` nodes and
``neurons`` is one ``nir.CubaLIF`` node.

The neurons
-----------
nengo's LIF neuron, :math:`\tau_{rc} \dot v = -v + J` with
:math:`J = g I + b` (gain :math:`g`, bias :math:`b`, :math:`I` the
lowpass-filtered weighted spikes), threshold 1 and reset to 0, is NIR's
CubaLIF with ``tau_mem`` :math:`= \tau_{rc}` (for nengo-loihi's ``LoihiLIF``
the time constant its 12-bit decay realises), ``r`` :math:`= g`,
``v_leak`` :math:`= b`, ``v_threshold`` 1, ``v_reset`` 0, ``w_in`` 1 and
``tau_syn`` the memory's synapse. What NIR cannot say is refused
(``ValidationError``):

- a refractory period (``tau_ref > 0``): NIR's neurons have none;
- rectified-linear neurons: NIR's IF node resets to ``v_reset``, while
  nengo's ``SpikingRectifiedLinear`` resets by subtraction, and
  nengo-loihi's ``LoihiSpikingRectifiedLinear`` holds its voltage at a floor
  of 0, which NIR has no parameter for. Without its floor a neuron driven
  below threshold integrates without bound and stays silent long after its
  input returns, which ruins the memory.

nengo's and nengo-loihi's LIF neurons also clip their voltage at
``min_voltage`` (0); NIR has no floor, so the export drops it (recorded in
the graph's metadata as ``voltage_floor_dropped``). The leak bounds a LIF
neuron's voltage at its (negative) input, so this changes only how soon a
silenced neuron fires again; the tests measure the memory's state error in
the exported graph against nengo's.

Spike amplitudes other than 1 are folded into the weights that leave
``neurons``.

Time steps
----------
NIR's equations are continuous; a spike is a unit impulse. An executor at
step ``dt`` (the graph's ``dt`` metadata, the step the memory's weights were
computed for) must discretise them as nengo does, or the memory's discrete
mapping is no longer exact. The convention (``time_step`` in the metadata),
which :mod:`nengo_lmu.export.nir_numpy` and
:mod:`nengo_lmu.export.nir_snntorch` both follow:

1. A signal is constant over a step; a spike is a pulse of height ``1/dt``
   for one step (unit area).
2. At step ``n`` each neuron node first advances its membrane over the step
   with the current it held at step ``n - 1`` (zero-order hold:
   :math:`v \leftarrow v_{leak} + r I + (v - v_{leak} - r I)
   e^{-dt/\tau_{mem}}`), then spikes where :math:`v > v_{threshold}` and
   resets those neurons to ``v_reset``.
3. Then the stateless nodes (``Linear``, ``Affine``, ``Scale``) compute, in
   topological order, from the input at step ``n`` and the spikes of step
   ``n``; several edges into one node add up.
4. Last, each synapse takes its input :math:`x` of step ``n``:
   :math:`I \leftarrow e^{-dt/\tau_{syn}} I + (1 - e^{-dt/\tau_{syn}})
   w_{in} x` (nengo's ``Lowpass`` at ``dt``).

So a spike reaches a membrane one step after it is emitted, as in nengo's
reference simulator and on Loihi.

nengo's own memory
------------------
A :class:`~nengo_lmu.networks.LegendreMemory` with its default population
(:class:`~nengo_lmu.networks.population.EnsemblesPopulation`: one ensemble
per represented dimension, the recurrence decoded) is exported factored::

    input --> input_weights --> neurons --> state_decoders --> state
                                  |  ^
                                  |  +-- recurrent_weights <-- recurrent_decoders <--+
                                  +----------------------------------------------------+

``state_decoders`` and ``recurrent_decoders`` (both ``order * size_in x
n_neurons``) are the decoders nengo solved, read from a build of the memory
(its ``decode`` connections' weights, which undo the state's scaling);
``recurrent_weights`` (``n_neurons x order * size_in``) is the ensembles'
encoders, scaled by gain over radius as nengo scales them, times the
recurrent transform on the state; ``input_weights`` the same encoders times
the input transform. The gains are folded into these weights, so
``neurons`` has ``r`` 1; the rest of its parameters are as above. It costs
``2 d N`` weights for the recurrence, against ``N^2`` for a Loihi memory.
The decoders depend on the build's seeds, so the memory (or a network above
it) needs a seed, or the build it runs in is passed.

An executor starts every neuron at rest (``v = 0``), as nengo-loihi's
``LoihiLIF`` starts; ``nengo.LIF`` starts at random voltages unless given
``initial_state={"voltage": nengo.dists.Choice([0])}``, without which nengo
and the export part from the first step (with the same state error).

Metadata
--------
The graph's metadata holds ``dt``, ``theta``, ``order``, ``size_in``,
``radii``, ``readout`` (the ``size_in x order * size_in`` matrix from
``state`` to :math:`u(t - \theta)`), ``time_step`` (the convention above),
``source`` and ``voltage_floor_dropped``.
"""

import numpy as np
import nengo
from nengo.exceptions import BuildError, ValidationError

import nir

from nengo_lmu.version import version

#: The time-step convention of the exported graph, stored in its metadata.
TIME_STEP = (
    "spikes are 1/dt pulses; per step: neurons advance (zero-order hold on the "
    "current held from the previous step) and fire, then stateless nodes, then "
    "synapses I = a I + (1 - a) w_in x, a = exp(-dt / tau_syn)"
)

#: Node names of an exported memory.
INPUT, STATE, SPIKES = "input", "state", "spikes"


def to_nir(memory, model=None):
    r"""The NIR graph of a Loihi Legendre memory, or of nengo's own.

    Parameters
    ----------
    memory : LoihiLegendreMemory or LegendreMemory
        Built with ``LoihiLIF(tau_ref=0)`` (or ``nengo.LIF(tau_ref=0)``)
        neurons; a Loihi memory's weights (quantised or not) are exported as
        they are; nengo's own memory (its default population) with the
        decoders of ``model``.
    model : nengo.Simulator or nengo.builder.Model, optional
        A build that holds nengo's own memory, whose decoders are exported
        (default: a build of the memory alone, which needs its ``seed``).

    Returns
    -------
    nir.NIRGraph
        Input ``"input"``, outputs ``"state"`` and ``"spikes"``; see this
        module's documentation for the nodes, the neurons' parameters and
        the time-step convention its ``dt`` is meant for.

    Raises
    ------
    nengo.exceptions.ValidationError
        For a memory that is neither a LoihiLegendreMemory nor nengo's own
        memory with its default population, or a neuron type NIR cannot
        express.
    nengo.exceptions.BuildError
        For nengo's own memory without a seed and without ``model``, or a
        ``model`` that does not hold it.
    """
    if is_ensembles_memory(memory):
        return _ensembles_graph(memory, model)
    # by name, so that no backend package is imported here
    if not any(c.__name__ == "LoihiLegendreMemory" for c in type(memory).__mro__):
        raise ValidationError(
            "Must be a LoihiLegendreMemory (one population with neuron-to-neuron "
            "weights) or a LegendreMemory with its default EnsemblesPopulation, "
            "which have no hardware effects beyond their neurons and synapse, "
            f"which NIR can express (got {memory!r})",
            attr="memory",
        )
    ens = memory.ensemble
    nt = ens.neuron_type
    amp = float(nt.amplitude)
    neurons = neuron_node(nt, ens.gain, ens.bias, memory.synapse.tau, memory.dt)
    dims, size_in = memory.dimensions, memory.size_in
    nodes = {
        INPUT: nir.Input(input_type=np.array([size_in])),
        "input_weights": nir.Linear(weight=_f64(memory.input_weights)),
        "neurons": neurons,
        "recurrent_weights": nir.Linear(weight=amp * _f64(memory.recurrent_weights)),
        "state_decoders": nir.Linear(weight=amp * _f64(memory.output_decoders)),
        STATE: nir.Output(output_type=np.array([dims])),
        SPIKES: nir.Output(output_type=np.array([ens.n_neurons])),
    }
    edges = [
        (INPUT, "input_weights"),
        ("input_weights", "neurons"),
        ("neurons", "recurrent_weights"),
        ("recurrent_weights", "neurons"),
        ("neurons", "state_decoders"),
        ("state_decoders", STATE),
        ("neurons", SPIKES),
    ]
    return nir.NIRGraph(nodes=nodes, edges=edges, metadata=_metadata(memory, nt))


def _metadata(memory, nt):
    size_in = memory.size_in
    readout = np.kron(np.eye(size_in), memory.readout[None, :])
    return {
        "dt": float(memory.dt),
        "theta": float(memory.theta),
        "order": int(memory.order),
        "size_in": int(size_in),
        "radii": _f64(memory.radii_full),
        "readout": readout,
        "time_step": TIME_STEP,
        "source": f"nengo-lmu {version}: {type(memory).__name__}",
        "voltage_floor_dropped": float(getattr(nt, "min_voltage", 0.0)),
    }


def is_ensembles_memory(memory):
    """Whether ``memory`` is nengo's own memory (a plain
    :class:`~nengo_lmu.networks.LegendreMemory` with its default
    :class:`~nengo_lmu.networks.population.EnsemblesPopulation`)."""
    from nengo_lmu.networks.memory import LegendreMemory  # noqa: PLC0415
    from nengo_lmu.networks.population import EnsemblesPopulation  # noqa: PLC0415

    return (type(memory) is LegendreMemory
            and type(memory.population) is EnsemblesPopulation)


def built_params(network, model=None):
    """The built parameters (``model.params``) of ``network``'s objects.

    ``model`` is a ``nengo.Simulator`` or ``nengo.builder.Model`` whose build
    holds ``network``; without one, ``network`` is built alone, which gives
    the decoders a simulation of it uses only if it has a seed.
    """
    if model is None:
        if network.seed is None:
            raise BuildError(
                "Must have a seed, or pass the build it runs in (model=), so that "
                "the exported decoders are those nengo simulates (got seed=None "
                f"for {network!r})"
            )
        dt = network.spec["dt"] if hasattr(network, "spec") else network.dt
        model = nengo.builder.Model(dt=float(dt))
        model.build(network)
    return getattr(model, "model", model).params


def _ensembles_graph(memory, model):
    """The factored graph of nengo's own memory (see the module docs)."""
    nt = memory.neuron_type
    params = built_params(memory, model)
    ensembles = list(memory.ensembles)
    missing = [e for e in ensembles if e not in params]
    if missing:
        raise BuildError(
            f"Must be a build that holds the memory (got a model without {missing[0]!r})"
        )
    # each ensemble's rows among all neurons, and the state dimensions it holds
    starts = np.cumsum([0] + [e.n_neurons for e in ensembles])
    rows = {e: slice(starts[i], starts[i + 1]) for i, e in enumerate(ensembles)}
    n, dims = int(starts[-1]), memory.dimensions
    encoders = np.zeros((n, dims))  # x -> neuron input, gain / radius included
    decoders = np.zeros((dims, n))  # spikes -> m
    recurrent = inputs = None
    input_conns = getattr(memory, "input_connections", [memory._input_conn])
    for conn in memory.all_connections:
        if conn.post_obj in rows and conn.synapse is None:
            cols = np.arange(dims)[conn.pre_slice]
            encoders[rows[conn.post_obj], cols] = params[conn.post_obj].scaled_encoders
        elif conn.pre_obj in rows:
            out = np.arange(dims)[conn.post_slice]
            decoders[out, rows[conn.pre_obj]] = params[conn].weights
        elif conn.pre_obj is memory.state:
            recurrent = np.array(params[conn].weights, dtype=np.float64)
        elif conn in input_conns:  # the Loihi memory's input comes in equal parts
            part = np.array(params[conn].weights, dtype=np.float64)
            inputs = part if inputs is None else inputs + part
    amp = float(nt.amplitude)
    biases = np.concatenate([params[e].bias for e in ensembles])
    neurons = neuron_node(nt, np.ones(n), biases, memory.synapse.tau, memory.dt)
    decode = amp * decoders
    nodes = {
        INPUT: nir.Input(input_type=np.array([memory.size_in])),
        "input_weights": nir.Linear(weight=encoders @ inputs),
        "neurons": neurons,
        "recurrent_decoders": nir.Linear(weight=decode.copy()),
        "recurrent_weights": nir.Linear(weight=encoders @ recurrent),
        "state_decoders": nir.Linear(weight=decode),
        STATE: nir.Output(output_type=np.array([dims])),
        SPIKES: nir.Output(output_type=np.array([n])),
    }
    edges = [
        (INPUT, "input_weights"),
        ("input_weights", "neurons"),
        ("neurons", "recurrent_decoders"),
        ("recurrent_decoders", "recurrent_weights"),
        ("recurrent_weights", "neurons"),
        ("neurons", "state_decoders"),
        ("state_decoders", STATE),
        ("neurons", SPIKES),
    ]
    return nir.NIRGraph(nodes=nodes, edges=edges, metadata=_metadata(memory, nt))


def neuron_node(neuron_type, gain, bias, tau_syn, dt):
    """The ``nir.CubaLIF`` node of a population of nengo LIF neurons.

    Parameters
    ----------
    neuron_type : nengo.LIF or nengo_loihi.neurons.LoihiLIF
        With ``tau_ref == 0``.
    gain, bias : (n,) array_like
        The population's gains and biases.
    tau_syn : float
        Time constant of the lowpass synapse on every input, seconds.
    dt : float
        Simulator step in seconds (for LoihiLIF's discretised ``tau_rc``).
    """
    if not isinstance(neuron_type, nengo.LIF):
        raise ValidationError(
            "Must be a LIF neuron type (nengo.LIF or nengo-loihi's LoihiLIF) with "
            "tau_ref=0: NIR's IF neuron resets to a fixed voltage and has no "
            "voltage floor, so neither nengo's SpikingRectifiedLinear (reset by "
            "subtraction) nor nengo-loihi's LoihiSpikingRectifiedLinear (voltage "
            f"floor at 0) has a faithful NIR form (got {neuron_type!r})",
            attr="neuron_type",
        )
    if neuron_type.tau_ref != 0:
        raise ValidationError(
            "Must have tau_ref=0: NIR's LIF and CubaLIF neurons have no refractory "
            f"period (got tau_ref={neuron_type.tau_ref})",
            attr="neuron_type",
        )
    gain = _f64(gain)
    ones = np.ones_like(gain)
    return nir.CubaLIF(
        tau_syn=float(tau_syn) * ones,
        tau_mem=membrane_tau(neuron_type, dt) * ones,
        r=gain,
        v_leak=_f64(bias),
        v_threshold=ones.copy(),
        v_reset=np.zeros_like(gain),
        w_in=ones.copy(),
        metadata={"nengo_neuron_type": repr(neuron_type)},
    )


def membrane_tau(neuron_type, dt):
    """The membrane time constant ``neuron_type`` realises at step ``dt``.

    nengo-loihi's ``LoihiLIF`` uses the time constant of Loihi's 12-bit
    voltage decay, not ``tau_rc`` itself.
    """
    tau = float(neuron_type.tau_rc)
    if type(neuron_type).__name__ == "LoihiLIF":
        from nengo_loihi.neurons import discretize_tau_rc  # noqa: PLC0415

        tau = float(discretize_tau_rc(tau, dt))
    return tau


def graphs_equal(a, b):
    """Whether two NIR graphs have the same nodes, edges, parameters and metadata.

    NIR's nodes compare by identity; this compares them by value (arrays
    exactly, edges as sets), recursing into subgraphs.
    """
    if type(a) is not type(b):
        return False
    if isinstance(a, nir.NIRGraph):
        return (
            set(a.nodes) == set(b.nodes)
            and {tuple(e) for e in a.edges} == {tuple(e) for e in b.edges}
            and _values_equal(a.metadata, b.metadata)
            and all(graphs_equal(a.nodes[k], b.nodes[k]) for k in a.nodes)
        )
    return _values_equal(a.to_dict(), b.to_dict())


def _values_equal(x, y):
    if isinstance(x, dict) or isinstance(y, dict):
        return (
            isinstance(x, dict)
            and isinstance(y, dict)
            and set(x) == set(y)
            and all(_values_equal(x[k], y[k]) for k in x)
        )
    if isinstance(x, (str, bytes)) or isinstance(y, (str, bytes)):
        x, y = (v.decode() if isinstance(v, bytes) else v for v in (x, y))
        return x == y
    x, y = np.asarray(x), np.asarray(y)
    return x.shape == y.shape and bool(np.array_equal(x, y))


def _f64(x):
    return np.array(x, dtype=np.float64)
