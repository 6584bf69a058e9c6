r"""Run a trained :class:`.LMUNetwork` on a backend, with rates or spikes, and score it.

:func:`deploy` builds the network from trained parameters (a
:class:`~nengo_lmu.analysis.training.Training` or a saved network) for a
backend; :func:`evaluate` runs it on a task's test set, one example after
another, each from rest, and :func:`score` scores its outputs.
"""

import functools
import time

import numpy as np
from nengo.exceptions import ValidationError

from nengo_lmu import hardware
from nengo_lmu.hardware import backends
from nengo_lmu.analysis.training import Training, hold
from nengo_lmu.dynamics import check_integer, check_positive
from nengo_lmu.networks.cell import load
from nengo_lmu.networks.files import read_spec


#: Not a simulator backend: :func:`evaluate` runs the parallel Keras model
#: (:mod:`nengo_lmu.analysis.parallel`) under this name.
KERAS = "keras"


def deploy(trained, backend="reference", spiking=True, memory_options=None,
           cell_overrides=None, **overrides):
    """The trained network built for ``backend``, with rates or spikes.

    ``trained`` is a :class:`.Training` or the path of a saved network. On
    backends whose memories differ (``deploys_memory``: ``"loihi"``,
    ``"analog"``) every neural memory is that backend's, e.g. a
    :class:`~nengo_lmu.hardware.loihi.LoihiLegendreMemory`, unless
    ``overrides`` give a ``memory`` (``memory=None`` asks for the neural one
    even where the network was trained with the ideal memory);
    ``memory_options`` are passed to that memory (e.g. the analog memory's
    ``substrate``, see :func:`nengo_lmu.hardware.split_options`).

    ``cell_overrides`` changes every cell's :class:`.LMUCell` arguments: a
    dict, or a function of a cell's arguments that returns the dict, e.g.
    ``dict(hidden_neurons=..., memory_neurons=...)`` to deploy with other
    neuron types (:func:`nengo_lmu.export.nir_network.deploy_exportable`
    deploys this way for NIR); ``overrides`` change the
    :class:`.LMUNetwork`'s.
    """
    if backend != KERAS and backends.get(backend).deploys_memory:
        if overrides.get("memory") is None:
            overrides["memory"] = functools.partial(hardware.memory, backend,
                                                    **(memory_options or {}))
    if cell_overrides is not None:
        if "cells" in overrides:
            raise ValidationError(
                "must not be given with cells= (got both)", "cell_overrides"
            )
        spec = trained.spec if isinstance(trained, Training) else read_spec(trained)
        change = cell_overrides if callable(cell_overrides) else (lambda _: cell_overrides)
        overrides["cells"] = [dict(cell, **change(cell)) for cell in spec["cells"]]
    if isinstance(trained, Training):
        return trained.network(spiking=spiking, **overrides)
    return load(trained, spiking=spiking, **overrides)


def score(task, outputs, split="test"):
    """Accuracy (classification) or NRMSE (regression) of ``outputs``."""
    from nengo_lmu.metrics import nrmse  # noqa: PLC0415

    y = getattr(task, f"y_{split}")[: len(outputs)]
    if task.kind == "classification":
        return float(np.mean(np.argmax(outputs[:, -1], axis=-1) == y[:, -1, 0]))
    return nrmse(outputs.reshape(-1, y.shape[-1]), y.reshape(-1, y.shape[-1]))


def _item_ends(n_items, steps_per_item):
    return np.arange(1, n_items + 1) * steps_per_item - 1


def evaluate(trained, task, backend="reference", spiking=True, steps_per_item=1,
             dt=None, n_test=None, gap=None, seed=0, batch_size=None,
             progress_bar=True, overrides=None, **options):
    """Run the trained network on ``task``'s test set and score it.

    The output is read at the last step of each item. Each example starts
    from rest: on the reference simulator (and the analog chip) after
    ``sim.reset``; on Loihi all
    examples run as one batch on the fast emulator (``target="fast"``, the
    default: the integers of nengo-loihi's emulator, see
    :mod:`nengo_lmu.hardware.loihi.fast`), in pieces of ``batch_size``, with
    a progress bar. nengo-loihi's own emulator (``target="sim"``) cannot
    reset, so there examples run back to back, each after ``gap`` seconds of
    zero input (default: the longest memory's ``theta``) that let the
    memories empty. On ``"dl"`` examples run in minibatches of
    ``batch_size``; on ``"keras"`` (rates and the ideal memory only, a
    network :func:`.parallel.train` can train) all steps of a minibatch run
    at once.

    Parameters
    ----------
    trained : Training or str
        Trained parameters, or the path of a saved network.
    task : nengo_lmu.tasks.Task
    backend : {"reference", "loihi", "analog", "dl", "keras"}
    spiking : bool
        Spiking neurons (default) or rates.
    steps_per_item : int
        Steps each item is held for.
    dt : float, optional
        The simulator's step in seconds (default the step it was trained
        with). Training at ``dt = steps_per_item * 0.001`` with one step per
        item and deploying at 0.001 with ``steps_per_item`` steps runs the
        same continuous-time network, ``steps_per_item`` times faster to train.
    n_test : int, optional
        Test examples to run (default all).
    gap : float, optional
        Seconds of zero input before each example on ``"loihi"`` with
        ``target="sim"``.
    seed : int
        The simulator's seed.
    batch_size : int, optional
        Examples per minibatch on ``"dl"`` and ``"keras"`` (default 32), or
        that the fast Loihi emulator runs at once (default all).
    progress_bar : bool
        Show the fast Loihi emulator's progress (default True).
    overrides : dict, optional
        Network arguments to change (:func:`deploy`), e.g. ``memory`` or
        ``cells`` (see :func:`.conversion.overrides`).
    **options
        The backend's options (e.g. ``target`` on Loihi; ``chip``,
        ``without`` on the analog chip), split between its memory and its
        simulator (:func:`nengo_lmu.hardware.split_options`).

    Returns
    -------
    dict
        ``score`` (accuracy or NRMSE), ``metric``, ``outputs`` (examples,
        items, outputs), ``n_test``, ``seconds``.
    """
    if backend != KERAS and backend not in backends.names():
        raise ValidationError(
            f"must be a backend, {backends.names()}, or {KERAS!r} (got {backend!r})",
            "backend",
        )
    if batch_size is not None:
        batch_size = check_integer(batch_size, "batch_size")
    elif backend == KERAS:
        batch_size = 32
    if backend == KERAS and spiking:
        raise ValidationError(
            "must be False on 'keras', which computes rates (got True)", "spiking"
        )
    steps_per_item = check_integer(steps_per_item, "steps_per_item")
    x = task.x_test if n_test is None else task.x_test[: check_integer(n_test, "n_test")]
    inputs = hold(x, steps_per_item)
    overrides = dict(overrides or {})
    if dt is not None:
        overrides["dt"] = dt
    memory_options = {}
    if backend != KERAS:
        memory_options, options = backends.get(backend).split_options(options)
    net = deploy(trained, backend=backend, spiking=spiking, memory_options=memory_options,
                 **overrides)
    start = time.perf_counter()
    if backend == KERAS:
        from nengo_lmu.analysis import parallel  # noqa: PLC0415

        model = parallel.build_model(net.spec, inputs.shape[1])
        parallel.set_parameters(model, net.parameters())
        data = model.predict(inputs, batch_size=batch_size, verbose=0)
    else:
        data = backends.get(backend).run_examples(
            net, inputs, seed=seed, batch_size=batch_size, progress_bar=progress_bar,
            gap=gap, **options,
        )
    outputs = data[:, _item_ends(x.shape[1], steps_per_item)]
    return {
        "score": score(task, outputs),
        "metric": "accuracy" if task.kind == "classification" else "NRMSE",
        "outputs": outputs,
        "n_test": len(x),
        "seconds": time.perf_counter() - start,
    }


def run_minibatches(net, inputs, batch_size, seed):
    """nengo-dl's outputs in minibatches (the last one padded with zeros)."""
    size = min(batch_size, len(inputs))
    n = -(-len(inputs) // size) * size
    padded = np.zeros((n,) + inputs.shape[1:])
    padded[: len(inputs)] = inputs
    with hardware.simulator(net, backend="dl", minibatch_size=size, seed=seed) as sim:
        data = sim.predict({net.input: padded}, verbose=0)[net.probe]
    return data[: len(inputs)]


class Feed:
    """A node output that plays row ``k`` of ``data`` at step ``k + 1`` (zeros after)."""

    def __init__(self, data, dt):
        self.data = data
        self.dt = dt

    def __call__(self, t):
        k = int(round(t / self.dt)) - 1
        if 0 <= k < len(self.data):
            return self.data[k]
        return np.zeros(self.data.shape[1])


def run_reset(net, inputs, backend, seed, options):
    """Each example after ``sim.reset`` on ``backend``."""
    feed = Feed(inputs[0], net.spec["dt"])
    net.input.output = feed
    out = []
    with hardware.simulator(net, backend=backend, seed=seed, progress_bar=False,
                            **options) as sim:
        for example in inputs:
            sim.reset(seed=seed)
            feed.data = example
            sim.run_steps(len(example))
            out.append(sim.data[net.probe].copy())
    return np.stack(out)


def run_batched(net, inputs, seed, batch_size, progress_bar, options):
    """All examples at once on Loihi's fast emulator (``target="fast"``)."""
    from nengo_lmu.hardware.loihi.fast import Sequences  # noqa: PLC0415

    net.input.output = Sequences(inputs, net.spec["dt"])
    with hardware.simulator(net, backend="loihi", seed=seed, **options) as sim:
        data = sim.run_batch(inputs.shape[1], batch_size=batch_size,
                             progress_bar=progress_bar)
    return data[net.probe]


def run_back_to_back(net, inputs, backend, gap, seed, options):
    """All examples in one run on ``backend``, each after ``gap`` seconds of
    zero input (default: the longest memory's ``theta``)."""
    if gap is None:
        gap = max(cell.theta for cell in net.cells)
    dt = net.spec["dt"]
    rest = int(round(check_positive(gap, "gap") / dt))
    n, steps, channels = inputs.shape
    period = rest + steps
    stream = np.zeros((n * period, channels))
    for i, example in enumerate(inputs):
        stream[i * period + rest : (i + 1) * period] = example
    net.input.output = Feed(stream, dt)
    with hardware.simulator(net, backend=backend, seed=seed, progress_bar=False,
                            **options) as sim:
        sim.run_steps(len(stream))
        data = np.asarray(sim.data[net.probe])
    return data.reshape(n, period, -1)[:, rest:]

