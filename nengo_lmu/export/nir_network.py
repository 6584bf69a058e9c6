r"""A trained :class:`.LMUNetwork` as one NIR graph.

:func:`to_nir` writes a spiking LMU network (stacked cells and a readout)
as one flat graph, each memory exported as :func:`nengo_lmu.export.nir.to_nir`
exports it and each hidden layer as one more ``CubaLIF`` population. For
one cell with nengo's own memory (the default of :func:`deploy_exportable`;
its recurrence factored through its decoders)::

    input --> cell0_input_encoders --> cell0_memory_input_weights --> cell0_memory
    cell0_memory --> cell0_memory_recurrent_decoders
        --> cell0_memory_recurrent_weights --> cell0_memory
    cell0_memory --> cell0_memory_state_decoders --> cell0_memory_kernel --> cell0_hidden
    cell0_hidden --> readout --> output

(with a ``LoihiLegendreMemory``, one ``cell0_memory_recurrent_weights``
node of neuron-to-neuron weights in place of the two recurrent nodes).

with ``cell0_input_kernel`` (``input_to_hidden``) and
``cell0_hidden_kernel`` (``hidden_to_hidden``) where the cell has them; a
second cell takes ``cell0_hidden``'s spikes where the first takes ``input``.
Spike amplitudes are folded into the weights that leave a population.

``output`` is the readout's weighted spikes, unfiltered: the network's
output is that through a lowpass of ``readout_synapse`` seconds (nengo's
``Lowpass``, applied offline, one step later, as :func:`filtered_output`
does), recorded in
the graph's metadata with ``dt`` and the time-step convention of
:mod:`nengo_lmu.export.nir`.

Which networks NIR can express
------------------------------
A network is trained with rectified-linear rates and deployed, by default,
with nengo's spiking rectified-linear neurons, which reset by subtraction
and ignore negative input; nengo-loihi's reset to zero and hold their
voltage at a floor of 0. NIR's neurons have neither (its ``IF`` resets to
``v_reset``, and no node has a voltage floor), so such networks are refused
with a ``BuildError``. :func:`deploy_exportable` deploys a trained network
with neurons NIR expresses:

- each memory nengo's own (``memory="nengo"``: one ensemble per Legendre
  dimension, the recurrence decoded; the decoders are read from a build of
  the network, so it needs a seed) or a
  :class:`~nengo_lmu.hardware.loihi.LoihiLegendreMemory` (``memory="loihi"``,
  unquantised weights), of
  ``LoihiLIF(tau_rc=memory_tau_rc, tau_ref=0, min_voltage=-inf)`` neurons
  (a 10 ms membrane by default, whose leak pulls a
  neuron driven far below threshold back sooner than nengo's 20 ms), with
  radii twice the trained ones (``radius_scale``), so that a state beyond
  its radius drives the neurons that do not encode it less far below
  threshold;
- each hidden layer ``LoihiLIF(tau_rc=hidden_tau_rc, tau_ref=0,
  amplitude=1 / rate_scale, min_voltage=-inf)`` with gain
  ``g = rate_scale * hidden_tau_rc`` and its bias current raised by the
  threshold, 1 (:data:`HIDDEN_BIAS_OFFSET`): with :math:`J = g a + 1` such a
  neuron fires for every activation :math:`a > 0`, at
  :math:`1 / (\tau \ln(1 + 1 / (g a)))`, which for large :math:`g a`
  approaches the rectified-linear rate ``rate_scale * a`` it was trained
  with (plus :math:`1 / 2\tau`). Its leak (10 ms by default) keeps a neuron
  whose activation is negative near its input, :math:`J < 1`, so that it
  answers at once when the activation turns positive again.

Without a voltage floor, nengo runs these networks exactly as NIR's
``CubaLIF`` nodes say, so the export scores as nengo does (up to spikes that
rounding moves across a threshold, after which the runs part). The floor is
what NIR lacks, and what a slow neuron needs: a neuron driven below
threshold sinks, and answers late when its drive returns. On the quick
digits network (``python benchmarks/bench_nir_network.py score --ablation``
prints these) hidden LIF neurons with a 1 s membrane, as near to
rectified-linear as LIF neurons get, score as the rectified-linear ones do
with a floor and about half as well without; the short membrane and raised
bias above recover the score without one. Memories whose dynamics are fast
for LIF neurons (that network's, order 24 over 0.128 s) lose their high
orders with or without the floor, so that network is not exportable as
trained; slower memories (order 6 over 0.128 s) are. :func:`export_ready`
makes a network exportable by running it slower: every ``theta`` and every
item's duration times an integer time scale (:func:`time_scale_for`, by
default the smallest that gives every memory :data:`THETA_PER_ORDER` seconds
per Legendre order), which the network sees as the same sequences, with the
synapses NIR's neurons need where it was trained without them (in parallel,
:mod:`nengo_lmu.analysis.parallel`). The same export-ready network deployed
with nengo's spiking neurons (:func:`nengo_lmu.analysis.deployment.evaluate`
with ``spiking=True``) is the score its export is compared with
(:func:`nengo_lmu.export.compare.compare_network` with ``spiking=True``;
``python benchmarks/bench_nir_network.py score PATH --export-ready`` prints
both). The memory matters there: nengo's spiking deployment uses nengo's
own memory, and a ``LoihiLegendreMemory`` (each neuron encoding one
dimension, neuron-to-neuron recurrence) of the same neurons scores lower,
which is why :func:`deploy_exportable` deploys nengo's own by default (that
command's ``--memory loihi`` scores the other; ``--ablation`` also scores,
in nengo, the memory not exported).

The other cells' connections NIR cannot express as nengo runs them are
refused too: a cell without ``hidden_synapse`` (nengo delivers its input in
the same step, NIR's neurons one step later) and ``hidden_to_memory`` or
``memory_to_memory`` (two synapses in series before the memory's neurons,
where ``CubaLIF`` has one).
"""

import functools

import numpy as np
import nengo
from nengo.exceptions import BuildError, ValidationError

import nir

from nengo_lmu import hardware
from nengo_lmu.export import nir as nir_memory
from nengo_lmu.version import version

#: The hidden neurons' membrane time constant :func:`deploy_exportable` uses.
HIDDEN_TAU_RC = 0.01

#: What :func:`deploy_exportable` adds to the hidden neurons' bias current.
HIDDEN_BIAS_OFFSET = 1.0

#: The memory neurons' membrane time constant :func:`deploy_exportable` uses.
MEMORY_TAU_RC = 0.01

#: How much :func:`deploy_exportable` widens every memory's radii.
RADIUS_SCALE = 2.0

#: The fewest seconds of ``theta`` per Legendre order (``theta / order``)
#: :func:`export_ready` slows a memory to (:func:`time_scale_for`).
THETA_PER_ORDER = 0.08

#: The memory-to-hidden synapse (seconds) :func:`export_ready` gives cells
#: trained without one, compensated.
HIDDEN_SYNAPSE = 0.01

#: The readout synapse (seconds) :func:`export_ready` gives a network
#: trained without one.
READOUT_SYNAPSE = 0.005

#: Node names of an exported network's input and output.
INPUT, OUTPUT = "input", "output"


def _spec(trained):
    from nengo_lmu.analysis.training import Training  # noqa: PLC0415
    from nengo_lmu.networks.files import read_spec  # noqa: PLC0415

    return trained.spec if isinstance(trained, Training) else read_spec(trained)


def time_scale_for(trained, theta_per_order=THETA_PER_ORDER):
    """How many times longer :func:`export_ready` holds each item by default.

    The smallest integer ``s >= 1`` for which every cell's memory, its
    ``theta`` times ``s``, spans at least ``theta_per_order`` seconds per
    Legendre order (default :data:`THETA_PER_ORDER`).

    Parameters
    ----------
    trained : nengo_lmu.analysis.training.Training or str
        Trained parameters, or the path of a saved network.
    theta_per_order : float, optional
        Seconds of ``theta`` per order, > 0.

    Returns
    -------
    int
    """
    if not (np.isfinite(theta_per_order) and theta_per_order > 0):
        raise ValidationError(
            f"Must be a finite number > 0 (got {theta_per_order})",
            attr="theta_per_order",
        )
    cells = _spec(trained)["cells"]
    need = [theta_per_order * cell["order"] / cell["theta"] for cell in cells]
    # the tolerance keeps a ratio that is an integer up to rounding at that integer
    return max(1, int(np.ceil(max(need) - 1e-9)))


def export_ready(trained, task=None, steps_per_item=1, time_scale=None, seed=0):
    """A trained network as :func:`deploy_exportable` should deploy it.

    LIF neurons without a voltage floor, the only spiking neurons NIR
    expresses faithfully, hold a memory's state only where its dynamics are
    slow against their membranes: a memory spanning a few milliseconds per
    Legendre order loses its high orders. So the network is deployed
    ``time_scale`` times slower (see
    :func:`nengo_lmu.analysis.conversion.converted`): every ``theta`` times
    ``time_scale``, and each item held ``time_scale`` times as many steps,
    which the network sees as the same sequence. By default the time scale
    is :func:`time_scale_for` the network's memories. A network trained
    without synapses on its trained path (e.g. in parallel,
    :mod:`nengo_lmu.analysis.parallel`) gets the memory-to-hidden synapse
    :data:`HIDDEN_SYNAPSE`, compensated
    (:func:`nengo_lmu.analysis.conversion.compensated`), which NIR's neurons
    need, and the readout synapse :data:`READOUT_SYNAPSE`; a network trained
    with the ideal memory gets radii measured on ``task``'s training inputs
    (:func:`nengo_lmu.analysis.conversion.state_radii`).

    The same network deployed with nengo's spiking neurons (as
    :func:`nengo_lmu.analysis.deployment.evaluate` deploys it) is the one
    its export should score as.

    Parameters
    ----------
    trained : nengo_lmu.analysis.training.Training or str
        Trained parameters, or the path of a saved network.
    task : nengo_lmu.tasks.Task, optional
        Needed where a cell has no radii (trained with the ideal memory).
    steps_per_item : int, optional
        Steps each item was held for in training.
    time_scale : int, optional
        How many times slower (default :func:`time_scale_for`).
    seed : int, optional
        The simulator's seed where radii are measured.

    Returns
    -------
    training : nengo_lmu.analysis.training.Training
        The network to deploy (:func:`deploy_exportable`).
    steps_per_item : int
        Steps to hold each item for: ``steps_per_item * time_scale``.
    """
    from nengo_lmu.analysis import conversion  # noqa: PLC0415
    from nengo_lmu.dynamics import check_integer  # noqa: PLC0415

    steps_per_item = check_integer(steps_per_item, "steps_per_item")
    spec = _spec(trained)
    time_scale = (time_scale_for(trained) if time_scale is None
                  else check_integer(time_scale, "time_scale"))
    synapses = [cell.get("hidden_synapse", 0.005) for cell in spec["cells"]]
    without = [s is None or s == 0 for s in synapses]
    if any(without) and not all(without):
        raise ValidationError(
            "Must be given in every cell or in none, so that export_ready adds and "
            f"compensates it in all (got {synapses})", attr="hidden_synapse"
        )
    knobs = {"time_scale": time_scale}
    if all(without):
        knobs.update(hidden_synapse=HIDDEN_SYNAPSE, compensate=True)
    if spec.get("readout_synapse") is None:
        knobs["readout_synapse"] = READOUT_SYNAPSE
    radii = None
    if any("radii" not in cell for cell in spec["cells"]):
        if task is None:
            raise ValidationError(
                "Must be given for a network trained with the ideal memory, whose "
                "radii are measured on its training inputs (got None)", attr="task"
            )
        radii = conversion.state_radii(trained, task, steps_per_item, seed=seed)
    training = conversion.converted(trained, "neural", radii=radii, **knobs)
    return training, steps_per_item * time_scale


def exportable_neurons(cell, hidden_tau_rc=HIDDEN_TAU_RC, memory_tau_rc=MEMORY_TAU_RC,
                       radius_scale=RADIUS_SCALE):
    """The arguments that make ``cell`` (an LMUCell's arguments) exportable.

    Returns a dict of ``hidden_neurons``, ``memory_neurons``, ``rate_scale``
    and ``radii`` (see this module's documentation), the ``cell_overrides``
    of :func:`nengo_lmu.analysis.deployment.deploy`.
    """
    from nengo_loihi.neurons import LoihiLIF  # noqa: PLC0415

    rate_scale = cell.get("rate_scale", 200.0)
    return dict(
        # gain rate_scale * tau_rc: tau_rc dv/dt = J - v then rises at about
        # rate_scale * a per second, as a rectified-linear neuron's would
        rate_scale=rate_scale * hidden_tau_rc,
        hidden_neurons=LoihiLIF(
            tau_rc=hidden_tau_rc, tau_ref=0, amplitude=1.0 / rate_scale,
            min_voltage=-np.inf,
        ),
        memory_neurons=LoihiLIF(tau_rc=memory_tau_rc, tau_ref=0, min_voltage=-np.inf),
        radii=(radius_scale * np.asarray(cell.get("radii", 1.0), dtype=float)).tolist(),
    )


#: Memories :func:`deploy_exportable` deploys: nengo's own, or a Loihi memory.
MEMORIES = ("nengo", "loihi")


def deploy_exportable(trained, hidden_tau_rc=HIDDEN_TAU_RC, memory_tau_rc=MEMORY_TAU_RC,
                      radius_scale=RADIUS_SCALE, memory="nengo", **overrides):
    """A trained network deployed, spiking, with neurons NIR can express.

    Parameters
    ----------
    trained : nengo_lmu.analysis.training.Training or str
        Trained parameters, or the path of a saved network.
    hidden_tau_rc, memory_tau_rc : float, optional
        The hidden and memory LIF neurons' membrane time constants in
        seconds (default :data:`HIDDEN_TAU_RC`, :data:`MEMORY_TAU_RC`); see
        this module's documentation.
    radius_scale : float, optional
        Every memory's radii times this (default :data:`RADIUS_SCALE`).
    memory : {"nengo", "loihi"}, optional
        nengo's own memory (default: one ensemble per Legendre dimension,
        the recurrence decoded, exported factored through its decoders), or
        a :class:`~nengo_lmu.hardware.loihi.LoihiLegendreMemory` (one
        population with neuron-to-neuron weights, unquantised). On the
        digits network made export-ready, nengo's own scores higher
        (``python benchmarks/bench_nir_network.py score --export-ready``
        prints both).
    **overrides
        Passed to :func:`nengo_lmu.analysis.deployment.deploy` (e.g. ``dt``).

    Returns
    -------
    LMUNetwork
        Runs on the reference simulator; :func:`to_nir` exports it.
    """
    from nengo_lmu.analysis.deployment import deploy  # noqa: PLC0415

    for name, tau in (("hidden_tau_rc", hidden_tau_rc), ("memory_tau_rc", memory_tau_rc),
                      ("radius_scale", radius_scale)):
        if not (np.isfinite(tau) and tau > 0):
            raise ValidationError(
                f"Must be a finite number > 0 (got {tau})", attr=name
            )
    if memory not in MEMORIES:
        raise ValidationError(
            f"Must be one of {MEMORIES} (got {memory!r})", attr="memory"
        )
    overrides.setdefault("memory", None if memory == "nengo" else functools.partial(
        hardware.memory, "loihi", quantize=False))
    net = deploy(
        trained, backend="reference", spiking=True,
        cell_overrides=lambda cell: exportable_neurons(
            cell, hidden_tau_rc, memory_tau_rc, radius_scale
        ),
        **overrides,
    )
    for cell in net.cells:
        # the threshold, so that a hidden neuron fires for any activation > 0
        cell.hidden.bias = _values(cell.hidden.bias, cell.units) + HIDDEN_BIAS_OFFSET
    return net


def _refuse(i, what, got):
    return BuildError(
        f"cell {i}: {what}; deploy with "
        "nengo_lmu.export.nir_network.deploy_exportable for neurons NIR "
        f"expresses (got {got})"
    )


def _check(net):
    from nengo_lmu.networks.cell import LMUNetwork  # noqa: PLC0415

    if not isinstance(net, LMUNetwork):
        raise BuildError(f"Must be an LMUNetwork (got {net!r})")
    if not net.spiking:
        raise BuildError(
            "Must be a spiking network (spiking=True): NIR's neuron nodes that "
            "carry a rectified-linear rate have no faithful form (got spiking=False)"
        )
    for i, cell in enumerate(net.cells):
        if not (nir_memory.is_ensembles_memory(cell.memory) or any(
                c.__name__ == "LoihiLegendreMemory" for c in type(cell.memory).__mro__)):
            raise _refuse(
                i, "the memory must be nengo's own LegendreMemory (its default "
                "EnsemblesPopulation) or a LoihiLegendreMemory, whose neurons and "
                "weights NIR's nodes express", type(cell.memory).__name__
            )
        for name, nt in (("hidden", cell.hidden.neuron_type),
                         ("memory", cell.memory.neuron_type)):
            if not isinstance(nt, nengo.LIF) or nt.tau_ref != 0:
                raise _refuse(
                    i, f"the {name} neurons must be LIF neurons with tau_ref=0: NIR's "
                    "neurons have no refractory period, and its IF neuron neither "
                    "resets by subtraction (nengo's SpikingRectifiedLinear) nor has "
                    "a voltage floor (nengo-loihi's LoihiSpikingRectifiedLinear)", nt
                )
        if cell.hidden_synapse is None:
            raise _refuse(
                i, "hidden_synapse must be a time constant > 0: without one nengo "
                "delivers the hidden layer's input in the step it is computed, and "
                "NIR's neurons one step later", "hidden_synapse=None"
            )
        for flag in ("hidden_to_memory", "memory_to_memory"):
            if cell.flags[flag]:
                raise _refuse(
                    i, f"{flag} must be False: it reaches the memory's neurons "
                    "through two synapses in series, and NIR's CubaLIF has one",
                    f"{flag}=True"
                )


def _values(x, n):
    if isinstance(x, nengo.dists.Distribution):
        x = x.sample(n)
    return np.broadcast_to(np.asarray(x, dtype=np.float64), (n,)).copy()


def _weights(conn, amplitude=1.0):
    return amplitude * np.array(conn.transform.init, dtype=np.float64)


class _Params:
    """A built model's parameters, as :func:`nengo_lmu.export.nir.to_nir` reads them."""

    def __init__(self, params):
        self.params = params


def to_nir(net, model=None):
    """The NIR graph of a spiking :class:`.LMUNetwork` (see the module docs).

    Parameters
    ----------
    net : LMUNetwork
        Spiking, with nengo's own memories or LoihiLegendreMemory memories
        and LIF neurons without refractory period (:func:`deploy_exportable`
        builds one).
    model : nengo.Simulator or nengo.builder.Model, optional
        The build whose decoders nengo's own memories are exported with
        (default: a build of ``net``, which needs its ``seed``).

    Returns
    -------
    nir.NIRGraph
        Input ``"input"`` (``size_in`` wide), output ``"output"`` (the
        readout, unfiltered, ``size_out`` wide). Metadata: ``dt``,
        ``readout_synapse`` (seconds, 0 for none), ``readout``,
        ``time_step``, ``size_in``, ``size_out``, ``source``,
        ``voltage_floor_dropped``.

    Raises
    ------
    nengo.exceptions.BuildError
        For a network NIR cannot express, naming what NIR lacks, or one with
        nengo's own memories, no seed and no ``model``.
    """
    _check(net)
    dt = float(net.spec["dt"])
    nodes = {INPUT: nir.Input(input_type=np.array([net.spec["size_in"]]))}
    edges = []
    source, amplitude = INPUT, 1.0
    floors = []
    params = None
    if any(nir_memory.is_ensembles_memory(cell.memory) for cell in net.cells):
        params = nir_memory.built_params(net, model)
    for i, cell in enumerate(net.cells):
        c = f"cell{i}_"
        mem = nir_memory.to_nir(cell.memory, params and _Params(params))
        memory = c + "memory"

        def rename(name, memory=memory):
            return memory if name == "neurons" else f"{memory}_{name}"

        outer = (nir_memory.INPUT, nir_memory.STATE, nir_memory.SPIKES)
        for name, node in mem.nodes.items():
            if name not in outer:
                nodes[rename(name)] = node
        edges += [(rename(a), rename(b)) for a, b in mem.edges
                  if a not in outer and b not in outer]
        floors.append(mem.metadata["voltage_floor_dropped"])
        t = cell.trainable
        nodes[c + "input_encoders"] = nir.Linear(
            weight=_weights(t["input_encoders"], amplitude)
        )
        edges += [(source, c + "input_encoders"),
                  (c + "input_encoders", memory + "_input_weights")]
        hidden, ens = c + "hidden", cell.hidden
        nodes[hidden] = nir_memory.neuron_node(
            ens.neuron_type, _values(ens.gain, ens.n_neurons),
            _values(ens.bias, ens.n_neurons), cell.hidden_synapse, dt,
        )
        floors.append(float(getattr(ens.neuron_type, "min_voltage", 0.0)))
        nodes[c + "memory_kernel"] = nir.Linear(weight=_weights(t["memory_kernel"]))
        edges += [(memory + "_state_decoders", c + "memory_kernel"),
                  (c + "memory_kernel", hidden)]
        if "input_kernel" in t:
            nodes[c + "input_kernel"] = nir.Linear(
                weight=_weights(t["input_kernel"], amplitude)
            )
            edges += [(source, c + "input_kernel"), (c + "input_kernel", hidden)]
        amplitude = float(ens.neuron_type.amplitude)
        if "hidden_kernel" in t:
            nodes[c + "hidden_kernel"] = nir.Linear(
                weight=_weights(t["hidden_kernel"], amplitude)
            )
            edges += [(hidden, c + "hidden_kernel"), (c + "hidden_kernel", hidden)]
        source = hidden
    nodes["readout"] = nir.Linear(weight=_weights(net.readout, amplitude))
    nodes[OUTPUT] = nir.Output(output_type=np.array([net.spec["size_out"]]))
    edges += [(source, "readout"), ("readout", OUTPUT)]
    finite = [f for f in floors if np.isfinite(f)]
    metadata = {
        "dt": dt,
        "readout_synapse": float(net.spec["readout_synapse"] or 0.0),
        "readout": (
            "the network's output is 'output' through a lowpass of readout_synapse "
            "seconds (nengo.Lowpass), one step later (as nengo's simulator "
            "delivers it); a classifier's class is its argmax at the last step "
            "of a sequence"
        ),
        "time_step": nir_memory.TIME_STEP,
        "size_in": int(net.spec["size_in"]),
        "size_out": int(net.spec["size_out"]),
        "source": f"nengo-lmu {version}: LMUNetwork",
        # the highest floor any population had (-inf: none had one)
        "voltage_floor_dropped": max(finite) if finite else -np.inf,
    }
    return nir.NIRGraph(nodes=nodes, edges=edges, metadata=metadata)


def filtered_output(graph, output):
    """``output`` (steps, size_out) through the graph's readout lowpass.

    As nengo's simulator applies a connection's ``Lowpass``: the readout of
    step ``n`` reaches the network's output at step ``n + 1``.
    """
    output = np.asarray(output, dtype=float)
    tau = float(graph.metadata["readout_synapse"])
    if tau > 0:
        output = nengo.Lowpass(tau).filt(output, dt=float(graph.metadata["dt"]), y0=0)
        output = np.concatenate([np.zeros_like(output[:1]), output[:-1]])
    return output
