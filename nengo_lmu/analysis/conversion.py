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
   emulator;
5. ``"spikes (analog)"``: the analog memory on the emulated analog chip.

:func:`convert` scores the stages and each one's loss against the stage it
is converted from (``after``); :func:`format_table` prints them. What makes
spikes track rates is a conversion option (:data:`KNOBS`): memory neurons,
the hidden units' rate scale, and ``time_scale``, which slows the whole
network down (``theta``, every synapse and the steps each item is held for),
so that every item lasts more steps and more spikes. :func:`finetune`
trains the network again with the neural memory and the synapses it will be
deployed with (e.g. on the memory-to-hidden path), starting from the trained
weights.
"""

import dataclasses

import numpy as np
import nengo
from nengo.exceptions import ValidationError

from nengo_lmu.analysis import deployment
from nengo_lmu.analysis.training import Training, hold, train
from nengo_lmu.dynamics import check_integer, check_positive
from nengo_lmu.networks.cell import check_synapse, load


@dataclasses.dataclass(frozen=True)
class Stage:
    """One stage of the conversion: where and how the trained network runs."""

    backend: str
    spiking: bool
    memory: str  # "ideal" or "neural" (the backend's own neural memory)
    after: str = None  # the stage it is converted from


#: The conversion's stages, in order.
STAGES = {
    "ideal rates": Stage("reference", False, "ideal"),
    "neural rates": Stage("reference", False, "neural", after="ideal rates"),
    "spikes (reference)": Stage("reference", True, "neural", after="neural rates"),
    "spikes (Loihi emulator)": Stage("loihi", True, "neural", after="spikes (reference)"),
    "spikes (analog)": Stage("analog", True, "neural", after="spikes (reference)"),
}

#: The options of :func:`convert` that make spikes track rates.
KNOBS = ("n_neurons", "rate_scale", "time_scale")

#: The memory's synapse when a cell does not give one (:class:`.LMUCell`'s default).
_MEMORY_SYNAPSE = 0.1
_HIDDEN_SYNAPSE = 0.005
_READOUT_SYNAPSE = 0.01


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


def _spec(trained):
    if isinstance(trained, Training):
        return dict(trained.spec)
    return dict(load(trained).spec)


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
    n_examples = check_integer(n_examples, "n_examples")
    n_std = check_positive(n_std, "n_std")
    net = deployment.deploy(trained, backend="reference", spiking=False, memory="ideal")
    with net:
        probes = [nengo.Probe(cell.memory.state, synapse=None) for cell in net.cells]
    inputs = hold(task.x_train[:n_examples], steps_per_item)
    net.input.output = deployment.Feed(inputs[0], net.spec["dt"])
    total = [np.zeros(cell.memory.dimensions) for cell in net.cells]
    count = 0
    with nengo.Simulator(net, seed=seed, progress_bar=False) as sim:
        for example in inputs:
            sim.reset(seed=seed)
            net.input.output.data = example
            sim.run_steps(len(example))
            for i, probe in enumerate(probes):
                total[i] += (sim.data[probe] ** 2).sum(axis=0)
            count += len(example)
    out = []
    for sq in total:
        rms = np.sqrt(sq / count)
        out.append(n_std * np.maximum(rms, 1e-3 * max(rms.max(), 1e-12)))
    return out


def overrides(spec, memory="neural", n_neurons=None, rate_scale=None, time_scale=1,
              radii=None):
    """The network arguments that deploy ``spec`` (an ``LMUNetwork.spec``) converted.

    Parameters
    ----------
    spec : dict
    memory : {"ideal", "neural"}
        The exact linear memory, or neurons (the backend's neural memory).
    n_neurons : int, optional
        Neurons of every cell's memory (default the trained network's).
    rate_scale : float, optional
        Every hidden unit's rate in Hz for an activation of 1.
    time_scale : float, optional
        Multiplies every cell's ``theta``, the memory's and the hidden
        synapses and the readout synapse: the same network, slower.
    radii : list of array_like, optional
        Each cell's memory radii (see :func:`state_radii`).
    """
    if memory not in ("ideal", "neural"):
        raise ValidationError(f"must be 'ideal' or 'neural' (got {memory!r})", "memory")
    time_scale = check_positive(time_scale, "time_scale")
    cells = []
    for i, cell in enumerate(spec["cells"]):
        cell = dict(cell)
        if n_neurons is not None:
            cell["n_neurons"] = check_integer(n_neurons, "n_neurons")
        if rate_scale is not None:
            cell["rate_scale"] = check_positive(rate_scale, "rate_scale")
        if radii is not None:
            cell["radii"] = np.asarray(radii[i], dtype=float).tolist()
        if time_scale != 1:
            cell["theta"] = cell["theta"] * time_scale
            cell["synapse"] = cell.get("synapse", _MEMORY_SYNAPSE) * time_scale
            hidden = check_synapse(cell.get("hidden_synapse", _HIDDEN_SYNAPSE),
                                   "hidden_synapse")
            cell["hidden_synapse"] = None if hidden is None else hidden * time_scale
        cells.append(cell)
    out = {"cells": cells, "memory": "ideal" if memory == "ideal" else None}
    readout = spec.get("readout_synapse", _READOUT_SYNAPSE)
    if time_scale != 1 and readout is not None:
        out["readout_synapse"] = readout * time_scale
    return out


def _steps(steps_per_item, time_scale):
    steps = steps_per_item * time_scale
    if abs(steps - round(steps)) > 1e-9:
        raise ValidationError(
            f"times steps_per_item ({steps_per_item}) must be a whole number of "
            f"steps (got {time_scale})",
            "time_scale",
        )
    return int(round(steps))


def convert(trained, task, stages=None, steps_per_item=1, n_test=None, seed=0,
            n_neurons=None, rate_scale=None, time_scale=1, radii=None,
            stage_n_test=None, log=None, **options):
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
    n_neurons, rate_scale, time_scale
        The knobs (see :func:`overrides`); ``time_scale`` times
        ``steps_per_item`` must be whole.
    radii : list of array_like, optional
        Each cell's memory radii; by default the trained network's where it
        has them, else measured (:func:`state_radii`).
    stage_n_test : dict, optional
        Fewer test examples for some stages, by stage name.
    log : callable, optional
        Called with each row's line as it is scored.
    **options
        Passed to :func:`.deployment.evaluate` (e.g. ``batch_size``).

    Returns
    -------
    list of dict
        One row per stage: ``stage``, ``backend``, ``spiking``, ``memory``,
        ``metric``, ``score``, ``n_test``, ``seconds``, ``after`` and
        ``lost`` (the score lost at this step: the ``after`` stage's score
        less this one's for accuracy, this one's less the ``after`` stage's
        for NRMSE; None when ``after`` was not run).
    """
    stages = check_stages(stages)
    steps_per_item = check_integer(steps_per_item, "steps_per_item")
    steps = _steps(steps_per_item, time_scale)
    stage_n_test = dict(stage_n_test or {})
    check_stages(list(stage_n_test))
    spec = _spec(trained)
    if radii is None and any("radii" not in c for c in spec["cells"]) and any(
        STAGES[s].memory == "neural" for s in stages
    ):
        radii = state_radii(trained, task, steps_per_item, seed=seed)
    rows, scores = [], {}
    for name in stages:
        stage = STAGES[name]
        result = deployment.evaluate(
            trained, task, backend=stage.backend, spiking=stage.spiking,
            steps_per_item=steps, n_test=stage_n_test.get(name, n_test), seed=seed,
            progress_bar=False,
            overrides=overrides(spec, stage.memory, n_neurons, rate_scale, time_scale,
                                radii),
            **options,
        )
        row = {k: result[k] for k in ("metric", "score", "n_test", "seconds")}
        row.update(stage=name, backend=stage.backend, spiking=stage.spiking,
                   memory=stage.memory, after=stage.after, lost=None)
        if stage.after in scores:
            sign = 1 if row["metric"] == "accuracy" else -1
            row["lost"] = sign * (scores[stage.after] - row["score"])
        scores[name] = row["score"]
        rows.append(row)
        if log is not None:
            log(format_row(row))
    return rows


def finetune(trained, task, hidden_synapse=_HIDDEN_SYNAPSE, memory="neural", radii=None,
             epochs=5, batch_size=32, learning_rate=1e-3, steps_per_item=1, seed=0,
             **changes):
    """Train ``trained`` again with the memory and synapses it will be deployed with.

    The network is rebuilt with rates, ``memory`` (the neural memory by
    default, with ``radii`` or those of :func:`state_radii`) and every
    cell's ``hidden_synapse`` (the synapse of the memory-to-hidden and
    input-to-hidden paths), starting from the trained weights, and trained
    with nengo-dl (:func:`.training.train`).

    Parameters
    ----------
    trained : Training or str
    task : nengo_lmu.tasks.Task
    hidden_synapse : float or None
        Seconds; None for none.
    memory : {"neural", "ideal"}
    radii : list of array_like, optional
    epochs, batch_size, learning_rate, steps_per_item, seed
        As for :func:`.training.train`.
    **changes
        Other cell arguments, e.g. ``n_neurons``.

    Returns
    -------
    Training
    """
    hidden_synapse = check_synapse(hidden_synapse, "hidden_synapse")
    spec = _spec(trained)
    if radii is None and memory == "neural" and any("radii" not in c
                                                    for c in spec["cells"]):
        radii = state_radii(trained, task, steps_per_item, seed=seed)
    changed = overrides(spec, memory, radii=radii)
    for cell in changed["cells"]:
        cell["hidden_synapse"] = hidden_synapse
        cell.update(changes)
    net = deployment.deploy(trained, backend="reference", spiking=False, **changed)
    return train(net, task, epochs=epochs, batch_size=batch_size,
                 learning_rate=learning_rate, steps_per_item=steps_per_item, seed=seed)


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
