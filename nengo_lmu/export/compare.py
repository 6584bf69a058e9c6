r"""A memory or a trained network run in nengo and, exported to NIR, in other executors.

:func:`compare_memory` builds a Loihi memory, runs it in nengo's reference
simulator, exports it with :func:`nengo_lmu.export.nir.to_nir`, writes the
graph to a NIR file and reads it back, runs what it read in the NumPy
executor (and in snnTorch when asked), and scores every run's decoded state
against the ideal discrete memory on the same input (state error ``E``, after
a warm-up of ``theta``, all through the same probe filter).

:func:`compare_network` does the same for a trained :class:`.LMUNetwork`
(:mod:`nengo_lmu.export.nir_network`), scored on a task's test set.
"""

import os
import tempfile
import time
import warnings

import numpy as np
import nengo

import nir

import nengo_lmu
from nengo_lmu import metrics, signals
from nengo_lmu.export import nir_numpy
from nengo_lmu.export.nir import SPIKES, STATE, to_nir

#: Executors :func:`compare_memory` can run an exported graph in.
EXECUTORS = ("numpy", "snntorch")


#: Memories :func:`compare_memory` can export: a Loihi memory, or nengo's own.
MEMORIES = ("loihi", "nengo")


def memory_network(order, n_neurons, u, theta=1.0, dt=0.001, seed=0, memory="loihi",
                   **memory_args):
    """A memory of LIF neurons (``tau_ref=0``) driven by the samples ``u``.

    ``memory`` is ``"loihi"`` (a ``LoihiLegendreMemory``) or ``"nengo"``
    (a ``LegendreMemory`` of one ensemble per dimension, its neurons
    starting at rest as NIR's do). Returns
    ``(network, memory, state_probe, spike_probe)``; the state probe is
    unfiltered (filter offline with :func:`nengo_lmu.metrics.filtered`),
    the spike probe gives every neuron's output in the order
    :func:`nengo_lmu.export.nir.to_nir` exports them.
    """
    if memory not in MEMORIES:
        raise nengo.exceptions.ValidationError(
            f"Must be one of {MEMORIES} (got {memory!r})", attr="memory"
        )
    if memory == "loihi":
        from nengo_lmu.hardware.loihi import LoihiLegendreMemory as make  # noqa: PLC0415

        memory_args.setdefault("neuron_type", nengo.LIF(tau_ref=0))
    else:
        make = nengo_lmu.LegendreMemory
        # at rest, as NIR's neurons start (nengo.LIF starts at random voltages)
        memory_args.setdefault("neuron_type", nengo.LIF(
            tau_ref=0, initial_state={"voltage": nengo.dists.Choice([0.0])}))
    memory_args.setdefault("radii", signals.white_signal_process(len(u) * dt))
    with nengo.Network(seed=seed) as net:
        stim = nengo.Node(signals.input_process(u, dt))
        mem = make(order, theta, n_neurons, dt=dt, seed=seed, **memory_args)
        nengo.Connection(stim, mem.input, synapse=None)
        state = nengo.Probe(mem.state, synapse=None)
        # every ensemble's spikes, in the order of the exported neurons
        everyone = nengo.Node(size_in=sum(e.n_neurons for e in mem.ensembles))
        start = 0
        for e in mem.ensembles:
            nengo.Connection(e.neurons, everyone[start:start + e.n_neurons], synapse=None)
            start += e.n_neurons
        spikes = nengo.Probe(everyone, synapse=None)
    return net, mem, state, spikes


def round_trip(graph):
    """``nir.read(nir.write(graph))``, through a temporary file."""
    fd, path = tempfile.mkstemp(suffix=".nir")
    os.close(fd)
    try:
        nir.write(path, graph)
        return nir.read(path)
    finally:
        os.remove(path)


def compare_memory(
    order=3,
    n_neurons=300,
    theta=1.0,
    duration=4.0,
    seed=0,
    executors=("numpy",),
    probe_tau=0.01,
    **memory_args,
):
    """Score one memory in nengo and in NIR executors on the same input.

    Parameters
    ----------
    order, n_neurons, theta
        The memory (of ``nengo.LIF(tau_ref=0)`` neurons, state scaled for
        the input; ``memory_args`` go to it, ``memory="nengo"`` for nengo's
        own memory, a Loihi memory by default; see :func:`memory_network`).
    duration : float
        Seconds of 1 Hz white noise (RMS 0.3), at least twice ``theta``.
    seed : int
        Seeds the input and the memory.
    executors : tuple of str
        Any of :data:`EXECUTORS`.
    probe_tau : float
        The lowpass every decoded state and the ideal one pass through.

    Returns
    -------
    dict
        ``E_nengo`` and ``E_<executor>`` (state errors), ``ratio_<executor>``
        (over nengo's), ``steps_like_nengo_<executor>`` (steps from the start
        on which every neuron spiked as in nengo), ``spikes_equal`` (whether
        the executors' spikes agree on every step, when there are two),
        ``seconds_<name>`` (run times), and the parameters.
    """
    unknown = set(executors) - set(EXECUTORS)
    if unknown:
        raise nengo.exceptions.ValidationError(
            f"Must be among {EXECUTORS} (got {sorted(unknown)})", attr="executors"
        )
    dt = 0.001
    u = signals.white_signal(duration, dt, 1.0, 0.3, seed=seed).reshape(-1, 1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        net, mem, state_probe, spike_probe = memory_network(
            order, n_neurons, u, theta, dt, seed, **memory_args
        )
        with nengo_lmu.simulator(net, progress_bar=False) as sim:
            t0 = time.perf_counter()
            sim.run_steps(len(u))
            record = {"seconds_nengo": time.perf_counter() - t0}
            states = {"nengo": sim.data[state_probe]}
            spikes = {"nengo": sim.data[spike_probe] > 0}
    graph = round_trip(to_nir(mem, sim))
    for name in executors:
        t0 = time.perf_counter()
        if name == "numpy":
            out = nir_numpy.simulate(graph, {"input": u}, dt)
            states[name], spk = out[STATE], out[SPIKES]
        else:
            from nengo_lmu.export import nir_snntorch  # noqa: PLC0415

            states[name] = nir_snntorch.simulate(graph, u, dt, STATE)
            spk = nir_snntorch.simulate(graph, u, dt, SPIKES)
        record[f"seconds_{name}"] = time.perf_counter() - t0
        spikes[name] = spk > 0
    ideal = metrics.filtered(signals.ideal_memory(u, order, theta, dt), probe_tau)
    after = lambda x: metrics.after_warmup(x, theta, dt)  # noqa: E731
    for name, x in states.items():
        error = metrics.state_error(after(metrics.filtered(x, probe_tau)), after(ideal))
        record[f"E_{name}"] = error
    for name in executors:
        record[f"ratio_{name}"] = record[f"E_{name}"] / record["E_nengo"]
        differ = np.flatnonzero((spikes[name] != spikes["nengo"]).any(axis=1))
        record[f"steps_like_nengo_{name}"] = int(differ[0]) if len(differ) else len(u)
    if len(executors) == 2:
        record["spikes_equal"] = bool(np.array_equal(*(spikes[e] for e in executors)))
    record.update(
        order=order, n_neurons=n_neurons, theta=theta, duration=duration, seed=seed
    )
    return record


def compare_network(trained, task, steps_per_item=1, n_test=None,
                    executors=("numpy",), seed=0, hidden_tau_rc=None, spiking=False,
                    **overrides):
    """Score a trained network in nengo and, exported to NIR, in other executors.

    The network is deployed with :func:`.nir_network.deploy_exportable` and
    run on ``task``'s test set in nengo's reference simulator (each example
    from rest, as :func:`nengo_lmu.analysis.deployment.evaluate` runs it);
    its export (written to a NIR file and read back) runs the same examples
    in each executor, its output through the readout's lowpass.

    Parameters
    ----------
    trained : Training or str
        Trained parameters, or the path of a saved network.
    task : nengo_lmu.tasks.Task
    steps_per_item : int
        Steps each item is held for.
    n_test : int, optional
        Test examples (default all).
    executors : tuple of str
        Any of :data:`EXECUTORS`.
    seed : int
        The reference simulator's seed.
    hidden_tau_rc : float, optional
        Passed to :func:`.nir_network.deploy_exportable`.
    spiking : bool, optional
        Also score the network deployed with nengo's spiking neurons, as
        :func:`nengo_lmu.analysis.deployment.evaluate` deploys it (``spiking=True``,
        reference simulator; the neurons it was trained for), on the same
        examples: ``score_spiking``, the score its export should match.
    **overrides
        Passed to :func:`.nir_network.deploy_exportable`.

    Returns
    -------
    dict
        ``score_nengo`` and ``score_<executor>`` (accuracy or NRMSE),
        ``metric``, ``score_spiking`` (with ``spiking``),
        ``agree_<executor>`` (fraction of examples whose predicted class, or
        for regression whose every output to 1e-6, is nengo's), ``max_difference_<executor>`` (largest output difference
        from nengo's), ``seconds_<name>``, ``n_test`` and ``graph`` (the
        graph read back).
    """
    from nengo_lmu.analysis.deployment import score  # noqa: PLC0415
    from nengo_lmu.analysis.training import hold  # noqa: PLC0415
    from nengo_lmu.export import nir_network  # noqa: PLC0415
    from nengo_lmu.hardware import backends  # noqa: PLC0415

    unknown = set(executors) - set(EXECUTORS)
    if unknown:
        raise nengo.exceptions.ValidationError(
            f"Must be among {EXECUTORS} (got {sorted(unknown)})", attr="executors"
        )
    if hidden_tau_rc is not None:
        overrides["hidden_tau_rc"] = hidden_tau_rc
    x = task.x_test if n_test is None else task.x_test[:n_test]
    inputs = hold(x, steps_per_item)
    ends = np.arange(1, x.shape[1] + 1) * steps_per_item - 1
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        net = nir_network.deploy_exportable(trained, **overrides)
        graph = round_trip(nir_network.to_nir(net))
        t0 = time.perf_counter()
        outputs = {"nengo": backends.get("reference").run_examples(
            net, inputs, seed=seed, batch_size=None, progress_bar=False, gap=None
        )}
    record = {"seconds_nengo": time.perf_counter() - t0}
    if spiking:
        from nengo_lmu.analysis.deployment import evaluate  # noqa: PLC0415

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            result = evaluate(trained, task, backend="reference", spiking=True,
                              steps_per_item=steps_per_item, n_test=len(x), seed=seed,
                              progress_bar=False)
        record.update(score_spiking=result["score"], seconds_spiking=result["seconds"])
    dt = graph.metadata["dt"]
    for name in executors:
        t0 = time.perf_counter()
        rows = []
        for example in inputs:
            if name == "numpy":
                y = nir_numpy.simulate(graph, {nir_network.INPUT: example}, dt)
                y = y[nir_network.OUTPUT]
            else:
                from nengo_lmu.export import nir_snntorch  # noqa: PLC0415

                y = nir_snntorch.simulate(graph, example, dt, nir_network.OUTPUT)
            rows.append(nir_network.filtered_output(graph, y))
        outputs[name] = np.stack(rows)
        record[f"seconds_{name}"] = time.perf_counter() - t0
    for name, out in outputs.items():
        record[f"score_{name}"] = score(task, out[:, ends])
    for name in executors:
        a, b = outputs[name][:, ends[-1]], outputs["nengo"][:, ends[-1]]
        if task.kind == "classification":
            same = np.argmax(a, axis=-1) == np.argmax(b, axis=-1)
        else:
            same = np.all(np.abs(outputs[name] - outputs["nengo"]) < 1e-6, axis=(1, 2))
        record[f"agree_{name}"] = float(np.mean(same))
        record[f"max_difference_{name}"] = float(
            np.max(np.abs(outputs[name] - outputs["nengo"]))
        )
    if len(executors) == 2:
        a, b = (outputs[e] for e in executors)
        record["max_difference_executors"] = float(np.max(np.abs(a - b)))
    record.update(metric="accuracy" if task.kind == "classification" else "NRMSE",
                  n_test=len(x), graph=graph)
    return record
