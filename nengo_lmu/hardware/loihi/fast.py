"""``target="fast"``: nengo-loihi's simulator on the vectorised emulator, batched.

:class:`Simulator` is ``nengo_loihi.Simulator`` whose chip runs on
:class:`~nengo_lmu.hardware.loihi.emulator.Emulator`; :meth:`Simulator.run_batch`
runs one network on many input sequences (:class:`Sequences`) at once, each
from rest, and returns what the network's probes record for each.

Examples
--------
>>> import nengo, numpy as np
>>> with nengo.Network(seed=0) as net:
...     stim = nengo.Node(Sequences(np.ones((2, 50, 1)) * [[[0.2]], [[0.8]]]))
...     ens = nengo.Ensemble(20, 1)
...     _ = nengo.Connection(stim, ens)
...     probe = nengo.Probe(ens, synapse=0.02)
>>> with Simulator(net) as sim:
...     data = sim.run_batch(50, progress_bar=False)
>>> data[probe].shape
(2, 50, 1)
"""

import numpy as np
from nengo.exceptions import (
    BuildError,
    SimulationError,
    SimulatorClosed,
    ValidationError,
)

import nengo_loihi
from nengo_loihi.simulator import StepRunner

from nengo_lmu.hardware.loihi.emulator import Emulator


class Sequences:
    """A node output that plays one of a batch of input sequences.

    Called at time ``t``, it returns row ``k`` of sequence ``index`` at step
    ``k + 1`` (``k = round(t / dt) - 1``) and zeros after the sequence ends.
    :meth:`Simulator.run_batch` moves ``index`` through the batch.

    Parameters
    ----------
    data : (B, steps, size) array
        The sequences.
    dt : float
        The simulator's step in seconds.
    """

    def __init__(self, data, dt=0.001):
        data = np.asarray(data, dtype=float)
        if data.ndim != 3 or 0 in data.shape:
            raise ValidationError(
                f"Must be a non-empty (sequences, steps, size) array (got shape "
                f"{data.shape})", attr="data", obj=self
            )
        self.data = data
        self.dt = dt
        self.index = 0

    def __len__(self):
        return len(self.data)

    def __call__(self, t):
        k = int(round(t / self.dt)) - 1
        if 0 <= k < self.data.shape[1]:
            return self.data[self.index, k]
        return np.zeros(self.data.shape[2])


class _SpikeCollector:
    """Stands in for the emulator while the host runs alone: keeps its spikes."""

    closed = False

    def __init__(self, n_steps, slices, n_neurons):
        self.spikes = np.zeros((n_steps, n_neurons), dtype=bool)
        self.slices = slices

    def host2chip(self, spikes, errors):
        for spike_input, ti, idxs in spikes:
            if ti <= len(self.spikes):
                start = self.slices[spike_input].start
                self.spikes[ti - 1, start + np.asarray(idxs)] = True


def _run_host_steps(sim, steps):
    """``sim.run_steps(steps)`` for one of nengo-loihi's host simulators,
    with numpy's error state set once for all the steps.

    nengo's ``Simulator.step`` sets and restores it around each step's
    operators (``invalid="raise"``): a few microseconds a step, as much as a
    small network's whole step on the chip. The operators run in the same
    order under the same error state, then the probes copy their signals,
    as nengo runs them (nengo-loihi's step runner reads the same step
    functions); the simulator's time is read once, after the last step.
    """
    if sim.closed:
        raise SimulatorClosed("Simulator cannot run because it is closed.")
    probes = sim.model.probes
    record = None
    if all(p.sample_every is None for p in probes):  # every step: no time needed
        record = [(sim.signals[sim.model.sig[p]["in"]], sim._sim_data[p])
                  for p in probes]
    old = np.seterr(invalid="raise", divide="ignore")
    try:
        for _ in range(steps):
            for step in sim._steps:
                step()
            if record is None:
                sim._probe()
            else:
                for signal, data in record:
                    data.append(signal.copy())
    finally:
        np.seterr(**old)
        sim._probe_step_time()


#: Host steps run between feeds of the chip's outputs to the host's receivers.
HOST_CHUNK = 64


def _run_host_fed(sim, feeds, steps, dt):
    """Run the host simulator ``sim`` for ``steps`` steps on the chip's
    outputs ``feeds`` (see ``Emulator.take_outputs``), fed a chunk ahead.

    nengo-loihi sends all of a run's outputs before the host runs; each
    receiver then drops its oldest one, step by step, from the front of a
    list, which costs a copy of the whole list (quadratic in the run's
    length). Fed a chunk of steps at a time, each output before the chunk
    that can read it (with two steps to spare), the receivers return the
    same output at every step, from lists a chunk long.
    """
    done = 0
    fed = [0] * len(feeds)
    while done < steps:
        k = min(HOST_CHUNK, steps - done)
        last = sim.n_steps + k + 2  # the latest step an output is fed for
        for i, (receiver, items) in enumerate(feeds):
            while fed[i] < len(items) and items[fed[i]][0] <= last:
                step, x = items[fed[i]]
                receiver.receive(dt * step, x)
                fed[i] += 1
        _run_host_steps(sim, k)
        done += k
    for i, (receiver, items) in enumerate(feeds):  # what the next run reads
        for step, x in items[fed[i]:]:
            receiver.receive(dt * step, x)


class _StepRunner(StepRunner):
    """nengo-loihi's step runner, whose precomputed modes (the host's parts
    run all their steps before or after the chip's) run the host with
    :func:`_run_host_steps` and :func:`_run_host_fed`."""

    def _host2chip(self, sim):
        """nengo-loihi's, but a run's spikes go to the fast emulator at once."""
        if not isinstance(sim, Emulator) or self.model.host2chip_pes_senders:
            super()._host2chip(sim)
            return
        dt = self.model.dt
        for sender, receiver in self.model.host2chip_senders.items():
            queue = self.queues[sender]
            if queue:
                steps = [round(t / dt) for t, _ in queue]
                rows = np.array([x for _, x in queue]) != 0
                sim.add_spike_rows(self.model.spike_targets[receiver], steps, rows)
            queue.clear()

    def _chip_to_host(self, steps):
        if not isinstance(self.emulator, Emulator):  # e.g. nengo-loihi's
            self._chip2host(self.emulator)
            _run_host_steps(self.host, steps)
            return
        feeds = self.emulator.take_outputs(self.probes_receivers, 0)
        _run_host_fed(self.host, feeds, steps, self.model.dt)

    def emu_precomputed_host_pre_and_host(self, steps):
        self.timers.start("run")
        _run_host_steps(self.host_pre, steps)
        self._host2chip(self.emulator)
        self.emulator.run_steps(steps)
        self._chip_to_host(steps)
        self.timers.stop("run")

    def emu_precomputed_host_pre_only(self, steps):
        self.timers.start("run")
        _run_host_steps(self.host_pre, steps)
        self._host2chip(self.emulator)
        self.emulator.run_steps(steps)
        self.timers.stop("run")

    def emu_precomputed_host_only(self, steps):
        self.timers.start("run")
        self.emulator.run_steps(steps)
        self._chip_to_host(steps)
        self.timers.stop("run")


class Simulator(nengo_loihi.Simulator):
    """``nengo_loihi.Simulator`` with the fast emulator (``target="fast"``).

    It builds the network with nengo-loihi's builder, made faster for large
    populations (:class:`nengo_lmu.hardware.loihi.build.Builder`, the same
    model as for ``target="sim"``; pass ``model`` to choose another), and
    runs the chip's part on :class:`~nengo_lmu.hardware.loihi.emulator.Emulator`:
    the same spikes and probe data, bit for bit, much faster. Parameters as
    for ``nengo_loihi.Simulator``; ``target`` must be ``"fast"``. What the
    emulator does not support raises ``BuildError`` here, before any step.
    """

    def __init__(self, network, dt=0.001, seed=None, model=None, precompute=None,
                 target="fast", progress_bar=None, remove_passthrough=True,
                 hardware_options=None):
        if target != "fast":
            self.closed = True  # nothing to free
            raise ValidationError(
                f"Must be 'fast'; use nengo_loihi.Simulator for other targets "
                f"(got {target!r})", attr="target"
            )
        if model is None:
            from nengo_lmu.hardware.loihi.build import Builder  # noqa: PLC0415

            model = nengo_loihi.builder.Model(
                dt=float(dt), label=f"{network}, dt={dt:f}", builder=Builder()
            )
        super().__init__(network, dt=dt, seed=seed, model=model, precompute=precompute,
                         target="sim", progress_bar=progress_bar,
                         remove_passthrough=remove_passthrough,
                         hardware_options=hardware_options)
        slow = self.sims["emulator"]
        try:
            fast = Emulator(self.model, seed=slow.seed)
        except BuildError:
            self.close()
            raise
        slow.close()
        self.sims["emulator"] = fast
        self.target = "fast"
        self._new_runner()

    def _new_runner(self):
        # the runner finds the host's send and receive queues in the host
        # simulators' step functions, which a reset rebuilds
        self._runner = _StepRunner(self.model, self.sims, self.precompute,
                                   self.timers)

    def _check_batch(self):
        feeds = [n.output for n in self.network.all_nodes
                 if isinstance(n.output, Sequences)]
        sizes = {len(f) for f in feeds}
        if len(sizes) != 1:
            raise ValidationError(
                "Must have one or more nodes with Sequences outputs, all with the "
                f"same number of sequences (got {sorted(sizes) or 'none'})",
                attr="network", obj=self,
            )
        if not self.precompute:
            raise ValidationError(
                "Must be precomputable (no loop through the host) to run a batch "
                "(got precompute=False)", attr="precompute", obj=self,
            )
        if any(inp.permanent for inp in self.model.inputs):
            raise BuildError(
                "inputs: must be sent by the host to run a batch (got spike inputs "
                "fixed at build, as from a DVS file)"
            )
        if self.closed:
            raise SimulationError("Simulator is closed")
        return feeds, sizes.pop()

    def run_batch(self, n_steps, batch_size=None, progress_bar=True):
        """Run the network on every sequence of its :class:`Sequences` inputs.

        Each sequence runs from rest for ``n_steps`` steps, exactly as it
        would alone in a new simulator; the chip's part runs ``batch_size``
        of them at once. The simulator is left as if new.

        Parameters
        ----------
        n_steps : int
            Steps to run each sequence for.
        batch_size : int, optional
            Sequences run at once (default all): fewer use less memory.
        progress_bar : bool
            Show a tqdm progress bar.

        Returns
        -------
        dict
            ``{probe: (sequences, n_steps, ...) array}`` for every probe of
            the network.
        """
        from tqdm.auto import tqdm  # noqa: PLC0415

        feeds, n = self._check_batch()
        n_steps = int(n_steps)
        chunk = n if batch_size is None else max(1, int(batch_size))
        probes = list(self.network.all_probes)
        out = {p: [None] * n for p in probes}
        with tqdm(total=n * n_steps, disable=not progress_bar, unit="step",
                  desc="Loihi emulator (fast)", unit_scale=True) as bar:
            for start in range(0, n, chunk):
                self._run_chunk(feeds, range(start, min(n, start + chunk)), n_steps,
                                probes, out, bar)
        for sim in (self.sims.get("host_pre"), self.sims.get("host")):
            if sim is not None:
                sim.reset()
        self.sims["emulator"].reset_state(batch_size=1)
        for inp in self.model.inputs:
            inp.spikes.clear()  # spikes an earlier run_steps left for its next step
        self.clear_probes()
        self._n_steps, self._time = 0, 0.0
        self._new_runner()
        return {p: np.stack(v) for p, v in out.items()}

    def _run_host(self, sim, feeds, i):
        for f in feeds:
            f.index = i
        sim.reset()
        self._new_runner()

    def _run_chunk(self, feeds, indices, n_steps, probes, out, bar):
        emu = self.sims["emulator"]
        host_pre, host = self.sims.get("host_pre"), self.sims.get("host")
        B = len(indices)
        spikes = np.zeros((n_steps, B, emu.n_input_neurons), dtype=bool)
        if host_pre is not None:  # the host's part before the chip, one by one
            for b, i in enumerate(indices):
                self._run_host(host_pre, feeds, i)
                collect = _SpikeCollector(
                    n_steps, emu.input_slices, emu.n_input_neurons
                )
                _run_host_steps(host_pre, n_steps)
                self._runner._host2chip(collect)
                spikes[:, b] = collect.spikes
                for p in probes:
                    if p in host_pre.data:
                        out[p][i] = np.array(host_pre.data[p])
        emu.reset_state(batch_size=B)
        emu.input_spikes = spikes
        emu.run_steps(n_steps, progress=lambda k: bar.update(k * B))
        chip = [p for p in probes if p in self.model.nengo_probes
                and p not in self.model.chip2host_params]
        for b, i in enumerate(indices):
            for p in chip:
                out[p][i] = emu.probe_output(self.model.objs[p]["out"], b)
            if host is not None:  # the host's part after the chip
                self._run_host(host, feeds, i)
                sent = emu.take_outputs(self._runner.probes_receivers, b)
                _run_host_fed(host, sent, n_steps, self.model.dt)
                for p in probes:
                    if p in host.data:
                        out[p][i] = np.array(host.data[p])
