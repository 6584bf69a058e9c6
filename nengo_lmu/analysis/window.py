"""Nonlinear functions of the window, measured: one run in, plain numbers out.

:func:`run_window_functions` builds a Legendre memory for a backend, a
:class:`.WindowFunction` readout of the window's mean, RMS and maximum (or
any of :data:`.window.FUNCTIONS`), drives them with band-limited white
noise and measures each decoded function against the true function of the
true window (NRMSE, both through the probe's filter, after a warm-up of
``2 * theta``). On request it also records a floor that separates the
error sources: ``rate_<f>``, the readout's decoders applied to its rate
activities at the ideal memory's state (no spiking anywhere), which is what
the state's ambiguity about the window and the decoders' smoothness cost.
"""

import time

import numpy as np
import nengo

from nengo_lmu import metrics, signals
from nengo_lmu.hardware import memory as make_memory
from nengo_lmu.hardware import simulator, split_options
from nengo_lmu.networks.window import FUNCTIONS, WindowFunction


def run_window_functions(
    backend="reference",
    order=6,
    theta=1.0,
    n_neurons=3000,
    readout_neurons=None,
    functions=("mean", "rms", "max"),
    neuron_type=None,
    synapse=0.1,
    duration=10.0,
    input_high=1.0,
    input_rms=0.3,
    seed=0,
    input_seed=None,
    probe_synapse=0.01,
    n_windows=2000,
    predict=True,
    backend_options=(),
    memory_options=None,
    rate_floor=False,
):
    """Run one memory with window-function readouts and measure them.

    Parameters
    ----------
    backend : str
        ``"reference"``, ``"loihi"`` or ``"analog"`` (as :func:`nengo_lmu.simulator`).
    order, theta, n_neurons, synapse
        The memory (``theta`` and ``synapse`` in seconds).
    readout_neurons : int, optional
        The readout population (default ``n_neurons``); 0 decodes from the
        memory's own population (``single_ensemble=True``, reference only).
    functions : sequence of str
        Names in :data:`nengo_lmu.networks.window.FUNCTIONS`.
    neuron_type : nengo.neurons.NeuronType, optional
        The memory's neurons (default the backend's: Poisson LIF on the
        reference and analog backends, Loihi's spiking ReLU on Loihi).
    duration, input_high, input_rms, input_seed
        The input: band-limited white noise of ``duration`` seconds (its
        period), ``input_high`` Hz, ``input_rms``; ``input_seed`` default
        ``seed + 1000``. Windows are sampled with other seeds.
    seed : int
        The network's seed.
    probe_synapse : float or sequence of float
        Probe filter(s) in seconds, applied to the truth too. The first gives
        ``nrmse_<f>`` and ``rate_<f>``; each other one ``tau`` also
        ``nrmse_<f>_<tau>s``.
    n_windows : int
        Windows sampled for the decoders.
    predict : bool
        As for :class:`.WindowFunction`.
    backend_options : dict or sequence of pairs
        The backend's options (e.g. ``{"target": "sim"}`` on Loihi), split
        as for a Trial (:func:`nengo_lmu.hardware.split_options`).
    memory_options : dict, optional
        More arguments of the memory (e.g. ``max_rates`` on Loihi).
    rate_floor : bool
        Also record ``rate_<f>``: the run's decoders applied to the readout's
        rate activities at the ideal memory's state, as nengo built them
        (a backend that realises other tuning curves, as the analog chip
        does, makes this figure meaningless there).

    Returns
    -------
    record : dict
        ``nrmse_<f>`` (and with ``rate_floor`` ``rate_<f>``) for each function, ``build_s``,
        ``run_s`` and the run's parameters.
    data : dict
        ``t``, the probe-filtered ``decoded`` and ``truth`` arrays per function.
    """
    input_seed = seed + 1000 if input_seed is None else input_seed
    dt = 0.001
    u = signals.white_signal(duration, dt, input_high, input_rms, seed=input_seed)
    process = signals.white_signal_process(duration, input_high, input_rms)
    mem_options, sim_options = split_options(backend, dict(backend_options))
    mem_options.update(memory_options or {})
    own = readout_neurons == 0
    readout_neurons = n_neurons if readout_neurons is None else readout_neurons
    t0 = time.perf_counter()
    with nengo.Network(seed=seed, label="window functions") as net:
        stim = nengo.Node(signals.input_process(u, dt), label="u")
        spec = dict(order=order, theta=theta, n_neurons=n_neurons, synapse=synapse,
                    dt=dt, radii=process, **mem_options)
        if neuron_type is not None:
            spec["neuron_type"] = neuron_type
        if own:
            spec["single_ensemble"] = True
        mem = make_memory(backend, **spec)
        nengo.Connection(stim, mem.input, synapse=None)
        win = WindowFunction(
            mem,
            process,
            n_neurons=None if own else readout_neurons,
            predict=predict,
            n_windows=n_windows,
            seed=seed * 7919 + 1,
        )
        outputs = {name: win.add_output(FUNCTIONS[name], label=name) for name in functions}
        probes = {name: nengo.Probe(node, synapse=None) for name, node in outputs.items()}
        conns = {name: next(c for c in win.all_connections if c.post_obj is node)
                 for name, node in outputs.items()}
    with simulator(net, backend=backend, progress_bar=False, **sim_options) as sim:
        t1 = time.perf_counter()
        sim.run_steps(len(u))
        t2 = time.perf_counter()
        decoded = {name: sim.data[p] for name, p in probes.items()}
        if rate_floor:
            decoders = {name: sim.data[c].weights for name, c in conns.items()}
            built = sim.data[win.ensemble]

    warm = lambda x: metrics.after_warmup(x, 2 * theta, dt)  # noqa: E731
    ideal = signals.ideal_memory(u, order, theta, dt)
    record = dict(
        backend=backend, order=order, theta=theta, n_neurons=n_neurons,
        readout_neurons=0 if own else readout_neurons, synapse=synapse,
        duration=duration, input_high=input_high, seed=seed, predict=predict,
        probe_synapse=float(np.atleast_1d(probe_synapse)[0]),
        build_s=t1 - t0, run_s=t2 - t1,
    )
    data = {"t": sim.trange()}
    taus = np.atleast_1d(probe_synapse).astype(float)
    for name in functions:
        true = win.truth(u, FUNCTIONS[name])
        for i, tau in enumerate(taus):
            y = metrics.filtered(decoded[name], tau, dt)
            y_true = metrics.filtered(true, tau, dt)
            key = f"nrmse_{name}" if i == 0 else f"nrmse_{name}_{tau:g}s"
            record[key] = metrics.nrmse(warm(y), warm(y_true))
        probe_synapse = taus[0]
        truth = metrics.filtered(true, probe_synapse, dt)
        if rate_floor:
            # the same decoders on rate activities at the ideal state: no spikes
            act = nengo.builder.ensemble.get_activities(
                built, win.ensemble, ideal / mem.radii
            )
            rate = metrics.filtered(act @ decoders[name].T, probe_synapse, dt)
            record[f"rate_{name}"] = metrics.nrmse(warm(rate), warm(truth))
        data[name] = dict(
            decoded=metrics.filtered(decoded[name], probe_synapse, dt), truth=truth
        )
    return record, data
