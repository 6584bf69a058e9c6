r"""Conversion of a trained LMU to neurons and spikes, one scored stage at a time.

A network trained with rates (:mod:`.training`, or in parallel with the
ideal memory, :mod:`.parallel`) is deployed in steps, each changing one
thing, and each step is scored on the same test examples (:data:`STAGES`):

1. ``"ideal rates"``: the exact linear memory (:class:`.IdealMemory`) and
   rate neurons, the network keras-lmu would compute;
2. ``"neural rates"``: the memory realised by rate neurons (a neural
   :class:`.LegendreMemory` with the same state, its radii measured on the
   training inputs when the network was trained with the ideal memory,
   :func:`state_radii`);
3. ``"spikes (reference)"``: spiking neurons everywhere, on nengo's
   reference simulator;
4. ``"spikes (Loihi emulator)"``: the Loihi memory on the fast integer
   emulator, told the range of its input (:func:`input_range`), with LIF
   neurons (Loihi's rectified-linear neurons reset to zero at a spike, and
   the memory's state then errs under the held items' steps), its state
   decoded with decoders solved from its own spikes on training examples
   (:func:`loihi_decoders`), and the hidden units at most 400 Hz;
5. ``"spikes (analog)"``: the analog memory on the emulated analog chip.

:func:`convert` scores the stages and each one's loss against the stage it
is converted from (``after``); :func:`format_table` prints them. What makes
spikes track rates is a conversion option (:data:`KNOBS`, :func:`converted`):
memory neurons and their decoders' regularisation (``memory_reg``: nengo's
default shrinks every decoded state a little, and the recurrence compounds
it), the hidden units' rate scale, the synapses on the
memory-to-hidden path and the readout, the compensation of the former
(:func:`compensated`: the hidden units see the state they were trained on,
filtered), and ``time_scale``, which holds each item for more steps (and
spikes) while the memory's window covers the same items. :func:`finetune`
trains the network again with the neural memory and the synapses it will be
deployed with, starting from the trained weights; ``loihi_finetune`` trains
the Loihi stage's hidden layer and readout again on its memory's own states
on the emulator (:mod:`.loihi_finetune`).
"""

import dataclasses
import functools

import numpy as np
import nengo
from nengo.exceptions import ValidationError

from nengo_lmu import hardware
from nengo_lmu.analysis import deployment
from nengo_lmu.analysis.training import Training, hold, train
from nengo_lmu.dynamics import check_integer, check_positive
from nengo_lmu.networks.cell import check_synapse, load
from nengo_lmu.analysis.loihi_stage import (
    LOIHI_CALIBRATION_EXAMPLES,
    DecodedMemory,
    fit_decoders,
)
from nengo_lmu.analysis import loihi_finetune as _finetune


@dataclasses.dataclass(frozen=True)
class Stage:
    """One stage of the conversion: where and how the trained network runs."""

    backend: str
    spiking: bool
    memory: str  # "ideal" or "neural" (the backend's own neural memory)
    after: str = None  # the stage it is converted from
    input_range: bool = False  # its memories take the measured input range
    memory_neurons: str = None  # a nengo neuron type's name for its memories
    calibrate: bool = False  # its memories decode with decoders solved from their spikes
    max_hidden_rate: float = None  # its hidden units' rate_scale, at most (Hz)


#: Loihi's rectified-linear neurons reset to zero at a spike, losing the
#: voltage above threshold: held items step the memory's input, and its
#: state then errs far more than with LIF neurons (order 24, theta 2.048 s,
#: 2,400 neurons, 4 test digits on the reference simulator with the Loihi
#: neuron models: state error 0.56 rectified-linear, 0.21 LIF; 0.10 with
#: nengo's rectified-linear neurons, which keep the remainder).
_LOIHI_MEMORY_NEURONS = "LIF"


#: The Loihi stage's highest hidden rate for an activation of 1 (Hz): the
#: hidden units' rectified-linear neurons reset to zero at a spike too, and
#: fire at ``1 / ceil(1 / (J dt))``, far below ``J`` as ``J dt`` nears 1.
#: Measured on the order-64 digits network (nengo's memory, Loihi's hidden
#: neurons, nengo's reference simulator, 32 test digits): 800 Hz 0.875,
#: 400 Hz 0.969, 200 Hz 0.875 (nengo's hidden neurons: 0.969, 0.969, 0.906).
_LOIHI_MAX_HIDDEN_RATE = 400.0

#: The conversion's stages, in order.
STAGES = {
    "ideal rates": Stage("reference", False, "ideal"),
    "neural rates": Stage("reference", False, "neural", after="ideal rates"),
    "spikes (reference)": Stage("reference", True, "neural", after="neural rates"),
    "spikes (Loihi emulator)": Stage("loihi", True, "neural", after="spikes (reference)",
                                     input_range=True,
                                     memory_neurons=_LOIHI_MEMORY_NEURONS, calibrate=True,
                                     max_hidden_rate=_LOIHI_MAX_HIDDEN_RATE),
    "spikes (analog)": Stage("analog", True, "neural", after="spikes (reference)"),
}

#: The options of :func:`convert` that make spikes track rates.
KNOBS = ("n_neurons", "rate_scale", "time_scale", "hidden_synapse", "readout_synapse",
         "compensate", "memory_reg")

#: A knob's default: the trained network's value.
TRAINED = "trained"

#: The hidden units' rate when a cell does not give one (:class:`.LMUCell`'s).
_RATE_SCALE = 200.0

#: The memory-to-hidden synapse when a cell does not give one (:class:`.LMUCell`'s).
_HIDDEN_SYNAPSE = 0.005


def check_stages(stages):
    """``stages`` as a list of :data:`STAGES` keys; a ``ValidationError`` names a bad one."""
    if stages is None:
        return list(STAGES)
    if isinstance(stages, str):
        stages = [stages]
    stages = list(stages)
    for stage in stages:
        if stage not in STAGES:
            raise ValidationError(
                f"must be among {list(STAGES)} (got {stage!r})", "stages"
            )
    return stages


def _ideal_run(trained, task, steps_per_item, n_examples, seed):
    """Each cell's summed squared ideal state, its largest memory input |u|
    and the number of steps, over the first ``n_examples`` training examples."""
    n_examples = check_integer(n_examples, "n_examples")
    net = deployment.deploy(trained, backend="reference", spiking=False, memory="ideal")
    with net:
        probes = [nengo.Probe(cell.memory.state, synapse=None) for cell in net.cells]
        u_probes = [nengo.Probe(cell.u, synapse=None) for cell in net.cells]
    inputs = hold(task.x_train[:n_examples], steps_per_item)
    net.input.output = deployment.Feed(inputs[0], net.spec["dt"])
    total = [np.zeros(cell.memory.dimensions) for cell in net.cells]
    largest = [0.0 for _ in net.cells]
    count = 0
    with nengo.Simulator(net, seed=seed, progress_bar=False) as sim:
        for example in inputs:
            sim.reset(seed=seed)
            net.input.output.data = example
            sim.run_steps(len(example))
            for i, (probe, u_probe) in enumerate(zip(probes, u_probes)):
                total[i] += (sim.data[probe] ** 2).sum(axis=0)
                largest[i] = max(largest[i], float(np.max(np.abs(sim.data[u_probe]))))
            count += len(example)
    return total, largest, count


def state_radii(trained, task, steps_per_item=1, n_examples=32, n_std=3.0, seed=0):
    """Radii for each cell's neural memory: ``n_std`` RMS of its ideal state.

    The trained network runs with the ideal memory and rates on the first
    ``n_examples`` training examples of ``task`` (each from rest, on nengo's
    reference simulator); each Legendre state's root-mean-square about zero
    over all of them, times ``n_std``, is its radius, so that the neural
    memory's neurons span the states the trained network visits.

    Returns
    -------
    list of ndarray
        One ``(order * memory_d,)`` array per cell.
    """
    n_std = check_positive(n_std, "n_std")
    total, _, count = _ideal_run(trained, task, steps_per_item, n_examples, seed)
    out = []
    for sq in total:
        rms = np.sqrt(sq / count)
        out.append(n_std * np.maximum(rms, 1e-3 * max(rms.max(), 1e-12)))
    return out


def input_range(trained, task, steps_per_item=1, n_examples=32, margin=1.25, seed=0):
    """The largest memory input ``|u|`` of any cell, times ``margin``.

    Measured as :func:`state_radii` measures the states (ideal memory,
    rates, the first ``n_examples`` training examples), for a Loihi
    memory's ``input_range``: nengo-loihi sends host values to the chip as
    on/off spikes that clip beyond +-1 unless the memory is told the range
    (:class:`~nengo_lmu.hardware.loihi.LoihiLegendreMemory`). One value for
    all cells, since the host-to-chip encoder is one.

    Returns
    -------
    float
    """
    margin = check_positive(margin, "margin")
    _, largest, _ = _ideal_run(trained, task, steps_per_item, n_examples, seed)
    return max(margin * max(largest), 1e-3)


def loihi_decoders(network, task, steps_per_item=1, input_range=1.0, **options):
    """Each cell's Loihi memory decoders, solved from its spikes on training
    examples, with the memories as the Loihi stage builds them
    (:func:`stage_overrides` with ``input_range``).

    ``options`` are :func:`.loihi_stage.fit_decoders`'s (``n_examples``,
    default :data:`.loihi_stage.LOIHI_CALIBRATION_EXAMPLES`, ``synapse``,
    ``reg``, ``every``, ``batch_size``, ``seed``, ``gate``).
    """
    overrides = stage_overrides("spikes (Loihi emulator)", input_range)
    return fit_decoders(network, task, overrides, steps_per_item, **options)


def _load(trained):
    if isinstance(trained, Training):
        return dict(trained.spec), dict(trained.parameters)
    net = load(trained)
    return dict(net.spec), net.parameters()


def _given(value):
    return not (isinstance(value, str) and value == TRAINED)


def converted(trained, memory="neural", n_neurons=None, rate_scale=None, time_scale=1,
              hidden_synapse=TRAINED, readout_synapse=TRAINED, compensate=False,
              radii=None, memory_reg=None):
    """The trained network with the conversion's knobs set, as a :class:`.Training`.

    Parameters
    ----------
    trained : Training or str
        Trained parameters, or the path of a saved network.
    memory : {"ideal", "neural"}
        The exact linear memory, or neurons (the backend's neural memory).
    n_neurons : int, optional
        Neurons of every cell's memory (default the trained network's).
    rate_scale : float, optional
        Every hidden unit's rate in Hz for an activation of 1.
    time_scale : int, optional
        Multiplies every cell's ``theta``: deployed with ``time_scale`` times
        as many steps per item, the network sees the same sequence, each
        item lasting longer (more spikes per item) while the synapses stay
        as they are.
    hidden_synapse, readout_synapse : float or None, optional
        Every cell's ``hidden_synapse`` (the memory-to-hidden path's) and the
        readout's, seconds or None for none; default :data:`TRAINED`, the
        trained network's.
    compensate : bool, optional
        Compensate the memory-to-hidden synapse (see :func:`compensated`).
    radii : list of array_like, optional
        Each cell's memory radii (see :func:`state_radii`).
    memory_reg : float, optional
        Every neural memory's decoder regularisation (:class:`.LMUCell`'s
        ``memory_reg``); default the trained network's.

    Returns
    -------
    Training
    """
    if memory not in ("ideal", "neural"):
        raise ValidationError(f"must be 'ideal' or 'neural' (got {memory!r})", "memory")
    time_scale = check_integer(time_scale, "time_scale")
    spec, values = _load(trained)
    cells = []
    for i, cell in enumerate(spec["cells"]):
        cell = dict(cell)
        if n_neurons is not None:
            cell["n_neurons"] = check_integer(n_neurons, "n_neurons")
        if rate_scale is not None:
            cell["rate_scale"] = check_positive(rate_scale, "rate_scale")
        if radii is not None:
            cell["radii"] = np.asarray(radii[i], dtype=float).tolist()
        if memory_reg is not None:
            cell["memory_reg"] = check_positive(memory_reg, "memory_reg")
        if _given(hidden_synapse):
            cell["hidden_synapse"] = check_synapse(hidden_synapse, "hidden_synapse")
        cell["theta"] = cell["theta"] * time_scale
        cells.append(cell)
    spec.update(cells=cells, memory="ideal" if memory == "ideal" else None)
    if _given(readout_synapse):
        spec["readout_synapse"] = check_synapse(readout_synapse, "readout_synapse")
    out = Training(parameters=values, loss=[], seconds=0.0, spec=spec)
    return compensated(out) if compensate else out


def _steps(steps_per_item, time_scale):
    return check_integer(steps_per_item, "steps_per_item") * check_integer(
        time_scale, "time_scale")


def convert(trained, task, stages=None, steps_per_item=1, n_test=None, seed=0,
            n_neurons=None, rate_scale=None, time_scale=1, hidden_synapse=TRAINED,
            readout_synapse=TRAINED, compensate=False, radii=None, stage_n_test=None,
            log=None, loihi_input_range=None, memory_reg=None,
            loihi_calibration=LOIHI_CALIBRATION_EXAMPLES, loihi_finetune=0, **options):
    """Score the trained network at each stage of the conversion.

    Parameters
    ----------
    trained : Training or str
        Trained parameters, or the path of a saved network.
    task : nengo_lmu.tasks.Task
    stages : list of str, optional
        Keys of :data:`STAGES` (default all), run in the order given.
    steps_per_item : int
        Steps each item was held for in training.
    n_test : int, optional
        Test examples of every stage (default all).
    seed : int
        The simulators' seed.
    n_neurons, rate_scale, time_scale, hidden_synapse, readout_synapse, compensate, memory_reg
        The knobs (see :func:`converted`). A knob changes every stage, the
        ideal rates included (e.g. the lag a synapse adds).
    radii : list of array_like, optional
        Each cell's memory radii; by default the trained network's where it
        has them, else measured (:func:`state_radii`).
    stage_n_test : dict, optional
        Fewer test examples for some stages, by stage name.
    loihi_input_range : float, optional
        The Loihi memories' ``input_range``; by default measured
        (:func:`input_range`) when a Loihi stage runs.
    loihi_calibration : int, optional
        Training examples whose spikes on the fast integer emulator the
        Loihi stage's memory decoders are solved from
        (:func:`loihi_decoders`, default
        :data:`.loihi_stage.LOIHI_CALIBRATION_EXAMPLES`); 0 keeps the decoders
        solved for the neurons' rates.
    loihi_finetune : int, optional
        Training examples whose memory states on the fast integer emulator
        the Loihi stage's hidden layer and readout are trained again on
        (:func:`.loihi_finetune.finetune`; at least
        :data:`.loihi_finetune.MIN_EXAMPLES`, the last quarter held out to
        decide whether the new weights are kept); 0 (default) deploys the
        trained weights.
    log : callable, optional
        Called with each row's line as it is scored.
    **options
        Passed to :func:`.deployment.evaluate` (e.g. ``batch_size``, or a
        backend's options such as the analog chip's ``without``).

    Returns
    -------
    list of dict
        One row per stage: ``stage``, ``backend``, ``spiking``, ``memory``,
        ``metric``, ``score``, ``n_test``, ``seconds``, ``after`` and
        ``lost`` (the score lost at this step: the ``after`` stage's score
        less this one's for accuracy, this one's less the ``after`` stage's
        for NRMSE; None when ``after`` was not run); the fine-tuned stage's
        also ``loihi_finetune``, :func:`.loihi_finetune.finetune`'s ``info``.
    """
    stages = check_stages(stages)
    steps = _steps(steps_per_item, time_scale)
    stage_n_test = dict(stage_n_test or {})
    check_stages(list(stage_n_test))
    if loihi_input_range is not None:
        loihi_input_range = check_positive(loihi_input_range, "loihi_input_range")
    loihi_calibration = check_integer(loihi_calibration, "loihi_calibration", low=0)
    loihi_finetune = check_integer(loihi_finetune, "loihi_finetune", low=0)
    if loihi_finetune and any(STAGES[s].calibrate for s in stages):
        _finetune.check_network(_load(trained)[0], task, "loihi_finetune")
        if not _finetune.MIN_EXAMPLES <= loihi_finetune <= len(task.x_train):
            raise ValidationError(
                f"must be 0 or in [{_finetune.MIN_EXAMPLES}, {len(task.x_train)}], the "
                f"task's training examples (got {loihi_finetune})", "loihi_finetune")
    spec, _ = _load(trained)
    if radii is None and any("radii" not in c for c in spec["cells"]) and any(
        STAGES[s].memory == "neural" for s in stages
    ):
        radii = state_radii(trained, task, steps_per_item, seed=seed)
    if loihi_input_range is None and any(STAGES[s].input_range for s in stages):
        loihi_input_range = input_range(trained, task, steps_per_item, seed=seed)
    rows, scores = [], {}
    for name in stages:
        stage = STAGES[name]
        network = converted(trained, stage.memory, n_neurons, rate_scale, time_scale,
                            hidden_synapse, readout_synapse, compensate, radii,
                            memory_reg)
        decoders = None
        if stage.calibrate and loihi_calibration:
            decoders = loihi_decoders(network, task, steps, loihi_input_range,
                                      n_examples=loihi_calibration, seed=seed)
        overrides = stage_overrides(name, loihi_input_range, decoders)
        tuning = None
        if stage.calibrate and loihi_finetune:
            network, tuning = _finetune.finetune(network, task, overrides, steps,
                                                 n_examples=loihi_finetune, seed=seed)
            if log is not None:
                log(_finetune.describe(tuning))
        result = deployment.evaluate(
            network, task, backend=stage.backend, spiking=stage.spiking,
            steps_per_item=steps, n_test=stage_n_test.get(name, n_test), seed=seed,
            progress_bar=False, overrides=overrides, **options,
        )
        row = {k: result[k] for k in ("metric", "score", "n_test", "seconds")}
        row.update(stage=name, backend=stage.backend, spiking=stage.spiking,
                   memory=stage.memory, after=stage.after, lost=None)
        if tuning is not None:
            row["loihi_finetune"] = tuning
        if stage.after in scores:
            sign = 1 if row["metric"] == "accuracy" else -1
            row["lost"] = sign * (scores[stage.after] - row["score"])
        scores[name] = row["score"]
        rows.append(row)
        if log is not None:
            log(format_row(row))
    return rows


def stage_overrides(stage, input_range=None, decoders=None):
    """The network arguments a stage deploys with (:func:`.deployment.deploy`).

    Its memories' ``input_range`` where the stage takes the measured input
    range (see :func:`input_range`), their neuron type and the hidden units'
    highest rate where it sets them (:class:`Stage`), and each cell's memory ``decoders`` where given (see
    :func:`loihi_decoders`; a list, one per cell).
    """
    stage = STAGES[check_stages(stage)[0]]
    overrides = {}
    options = {}
    if stage.input_range:
        options["input_range"] = check_positive(input_range, "loihi_input_range")
    if decoders is not None:
        overrides["memory"] = DecodedMemory(stage.backend, decoders, **options)
    elif options:
        overrides["memory"] = functools.partial(hardware.memory, stage.backend, **options)
    cell = {}
    if stage.memory_neurons is not None:
        cell["memory_neurons"] = getattr(nengo, stage.memory_neurons)()
    if stage.max_hidden_rate is not None:
        top = stage.max_hidden_rate

        def change(spec):
            rate = min(spec.get("rate_scale", _RATE_SCALE), top)
            return dict(cell, rate_scale=rate)

        overrides["cell_overrides"] = change
    elif cell:
        overrides["cell_overrides"] = cell
    return overrides


def compensated(trained):
    r"""``trained`` with every cell's memory-to-hidden synapse compensated.

    A lowpass synapse of :math:`\tau` seconds on the memory-to-hidden path
    turns the state :math:`m_t` the hidden units were trained on into
    :math:`y_t = a y_{t-1} + (1 - a) m_{t-1}`, :math:`a = e^{-dt/\tau}`
    (nengo's lowpass, one step late). Since :math:`m_{t-1} = A_d m_{t-2} +
    B_d u_{t-1}`, the state one step back is a combination of the filtered
    state and the filtered memory input :math:`\tilde u`,

    .. math:: m_{t-1} = \frac{(I - a A_d^{-1}) y_t + a A_d^{-1} B_d \tilde u_t}{1 - a},

    so the memory kernel :math:`W_m` becomes :math:`W_m (I - a A_d^{-1}) /
    (1 - a)` and the input kernel (added where the cell had none) gains
    :math:`W_m a A_d^{-1} B_d e_x / (1 - a)`, through the same synapse.
    With the ideal memory and rates the hidden units then see exactly the
    state they were trained on, one step late, while the synapse filters
    the neural memory's spikes (and the compensation amplifies what is left
    of them in the fast Legendre dimensions).

    Parameters
    ----------
    trained : Training or str
        A network whose cells have a ``hidden_synapse`` and whose memories
        see only the input (``hidden_to_memory``, ``memory_to_memory``
        False).

    Returns
    -------
    Training
    """
    from nengo_lmu.dynamics import lmu_discrete  # noqa: PLC0415

    spec, values = _load(trained)
    dt = spec.get("dt", 0.001)
    cells = []
    for i, cell in enumerate(spec["cells"]):
        for flag in ("hidden_to_memory", "memory_to_memory"):
            if cell.get(flag, False):
                raise ValidationError(
                    f"must be False in every cell to compensate the synapse, whose "
                    f"memory must see only the input (cell {i} has {flag}=True)", flag
                )
        tau = check_synapse(cell.get("hidden_synapse", _HIDDEN_SYNAPSE), "hidden_synapse")
        if tau is None:
            raise ValidationError(
                f"must be a synapse to compensate (cell {i} has None)", "hidden_synapse"
            )
        a = np.exp(-dt / tau)
        Ad, Bd = lmu_discrete(cell["order"], cell["theta"], dt,
                              method=cell.get("discretizer", "zoh"))
        eye = np.eye(cell.get("memory_d", 1))
        Ainv = np.linalg.inv(np.kron(eye, Ad))
        W = values[f"cell{i}.memory_kernel"]
        values[f"cell{i}.memory_kernel"] = W @ (np.eye(len(Ainv)) - a * Ainv) / (1 - a)
        extra = (W @ (a * Ainv @ np.kron(eye, Bd)) / (1 - a)
                 @ values[f"cell{i}.input_encoders"])
        values[f"cell{i}.input_kernel"] = values.get(f"cell{i}.input_kernel", 0) + extra
        cells.append(dict(cell, input_to_hidden=True))
    spec["cells"] = cells
    return Training(parameters=values, loss=[], seconds=0.0, spec=spec)


def finetune(trained, task, epochs=5, batch_size=32, learning_rate=1e-3,
             steps_per_item=1, seed=0, radii=None, **knobs):
    """Train ``trained`` again as it will be deployed, from the trained weights.

    The network is rebuilt with rates and the neural memory (with ``radii``
    or those of :func:`state_radii`) and the ``knobs`` of :func:`converted`
    (e.g. ``hidden_synapse`` and ``compensate``), then trained with nengo-dl
    (:func:`.training.train`).

    Parameters
    ----------
    trained : Training or str
    task : nengo_lmu.tasks.Task
    epochs, batch_size, learning_rate, steps_per_item, seed
        As for :func:`.training.train`.
    radii : list of array_like, optional
    **knobs
        Passed to :func:`converted` (not ``memory``).

    Returns
    -------
    Training
    """
    spec, _ = _load(trained)
    if radii is None and any("radii" not in c for c in spec["cells"]):
        radii = state_radii(trained, task, steps_per_item, seed=seed)
    network = converted(trained, radii=radii, **knobs).network(spiking=False)
    steps = _steps(steps_per_item, knobs.get("time_scale", 1))
    return train(network, task, epochs=epochs, batch_size=batch_size,
                 learning_rate=learning_rate, steps_per_item=steps, seed=seed)


def format_row(row):
    """One row of :func:`format_table`."""
    lost = "" if row["lost"] is None else f"{row['lost']:+8.4f}"
    return (f"{row['stage']:<24} {row['metric']:<9} {row['score']:7.4f} {lost:>8} "
            f"{row['n_test']:>5} {row['seconds']:8.1f}")


def format_table(rows, title=None):
    """:func:`convert`'s rows as text, with the score lost at each step."""
    lines = [] if title is None else [title]
    lines.append(f"{'stage':<24} {'metric':<9} {'score':>7} {'lost':>8} "
                 f"{'test':>5} {'seconds':>8}")
    lines.extend(format_row(row) for row in rows)
    return "\n".join(lines)
