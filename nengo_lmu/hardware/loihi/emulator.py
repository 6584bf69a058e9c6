r"""A vectorised, batched Loihi emulator, bit for bit nengo-loihi's.

nengo-loihi's emulator (``target="sim"``) delivers every spike as a Python
object through every axon it leaves by: at a few thousand spikes per step
that loop is nearly all of its time. :class:`Emulator` takes the same built
model (blocks, compartments, synapses, axons, spike inputs, probes; the same
integers) and computes the same step with whole-array integer arithmetic:

- every (source compartment, axon, synapse weight) path is folded, once,
  into one sparse matrix from the compartments and spike-input neurons that
  can spike to the compartments they drive, so delivering a step's spikes is
  one matrix product (computed in floating point where every partial sum is
  an integer the format holds exactly, then wrapped to 32 bits as the
  emulator's ``int32`` accumulator wraps);
- the compartment update (current and voltage decay, bias, noise,
  overflow, thresholds, refractory periods, reset) is nengo-loihi's integer
  arithmetic on arrays with a leading batch axis, so ``B`` independent
  input sequences run at once; the integers are held in float64, where
  every sum and decay is exact, which saves conversions each step;
- the currents of the input spikes (which the host sends before the chip
  runs) and the noise are computed for blocks of steps at once;
- a bound of ``|current|``, carried from step to step (decay, then the
  largest input the step's spikes can bring), skips the range checks of
  nengo-loihi's overflow and ``vmax`` clipping on the steps where they
  cannot change anything.

:class:`nengo_lmu.hardware.loihi.fast.Simulator` is ``nengo_loihi.Simulator``
with this emulator in place of nengo-loihi's (``target="fast"``); its
``run_batch`` runs one network on a batch of input sequences, each from rest.

Not supported (``BuildError`` when the simulator is created): on-chip
learning (PES), the float emulator (``target="simreal"``) and models whose
compartments are not discretised.
"""

import warnings
from collections import OrderedDict

import numpy as np
from nengo.exceptions import BuildError, SimulationError, ValidationError

import nengo_loihi
from nengo_loihi.builder.discretize import Q_BITS, U_BITS, overflow_signed
from nengo_loihi.emulator.interface import BlockInfo
from nengo_loihi.inputs import SpikeInput
from nengo_loihi.probe import ProbeFilter

from nengo_lmu.hardware.loihi.delivery import (
    EXACT_FLOAT64,
    Delivery,
    axon_chunks,
    chunk_size,
)

#: Input currents precomputed at a time, at most (steps x batch x compartments).
BLOCK_VALUES = 1 << 16


def _unsupported(model):
    """Raise ``BuildError`` for what :class:`Emulator` does not emulate."""
    if not model.blocks:
        raise BuildError("model: has no blocks on the chip; nothing to emulate")
    for inp in model.inputs:
        if not isinstance(inp, SpikeInput):
            raise BuildError(
                f"inputs: must be spike inputs, the only kind nengo-loihi's emulator "
                f"takes (got {type(inp).__name__})"
            )
    for block in model.blocks:
        comp = block.compartment
        if comp.vth.dtype != np.int32:
            raise BuildError(
                f"{block}: compartments must be discretised to integers, as "
                f"nengo-loihi does for target='sim' (got dtype {comp.vth.dtype}); "
                "the fast emulator does not emulate target='simreal'"
            )
        for syn in block.synapses:
            if syn.learning:
                raise BuildError(
                    f"{syn}: on-chip learning (PES) is not supported by the fast "
                    "emulator; run this model with target='sim'"
                )
            if any(np.asarray(w).dtype.kind != "i" for w in syn.weights):
                kinds = sorted({np.asarray(w).dtype.name for w in syn.weights})
                raise BuildError(
                    f"{syn}: weights must be discretised integers (got {kinds})"
                )


class Emulator:
    """nengo-loihi's integer emulator, vectorised and batched.

    It has the interface of ``nengo_loihi.emulator.EmulatorInterface`` (what
    ``nengo_loihi.Simulator`` calls each step), and computes the same
    integers: see the module's description.

    Parameters
    ----------
    model : nengo_loihi.builder.Model
        A model built and discretised by nengo-loihi.
    seed : int, optional
        Seed of the noise, as for nengo-loihi's emulator.
    batch_size : int, optional
        Independent copies of the network run side by side (default 1).
        Inside ``nengo_loihi.Simulator`` it must be 1;
        :meth:`nengo_lmu.hardware.loihi.fast.Simulator.run_batch` sets it.
    """

    strict = False

    def __init__(self, model, seed=None, batch_size=1):
        self.closed = True
        _unsupported(model)
        if seed is None:
            seed = np.random.randint(2**31 - 1)
        self.seed = seed
        self.rng = np.random.RandomState(seed)
        self.batch_size = int(batch_size)
        self.dt = model.dt
        self.block_info = BlockInfo(model.blocks)
        self.inputs = list(model.inputs)
        self._init_compartments()
        self._init_delivery(model)
        self._init_bounds()
        self.probes = list(model.probes)
        self._probe_index = OrderedDict((p, self._index(p)) for p in self.probes)
        self.reset_state()
        self.closed = False

    # --- construction -----------------------------------------------------

    def _init_compartments(self):
        n = self.block_info.n_compartments
        fields = dict(
            decay_u="decay_u", decay_v="decay_v", vth="vth", vmin="vmin",
            vmax="vmax", bias="bias", ref="refract_delay",
            noise_enabled="enable_noise", noise_exp="noise_exp",
            noise_offset="noise_offset", noise_target_u="noise_at_membrane",
        )
        dtypes = dict(noise_enabled=bool, noise_target_u=bool, ref=np.int32)
        for name, attr in fields.items():
            arr = np.zeros(n, dtype=dtypes.get(name, np.int32))
            for block, sl in self.block_info.slices.items():
                arr[sl] = getattr(block.compartment, attr)
            setattr(self, name, arr)
        # the noise as nengo-loihi's NoiseState draws it
        self.noise_mult = np.where(self.noise_enabled, 2.0 ** (self.noise_exp - 7), 0)
        self.noise_offset = self.noise_offset * 64
        self.has_noise = bool(self.noise_enabled.any())
        # nengo-loihi's decay factors: current keeps (2**12 - 1 - decay_u) / 2**12;
        # ``x * f`` is exact in float64 for |x| < 2**41, so trunc(x * f) is
        # nengo-loihi's sign(x) * floor(|x| r / 2**12)
        self.f_u = (4096 - 1 - self.decay_u) / 4096.0
        self.f_v = (4096 - self.decay_v) / 4096.0
        for name in ("bias", "vth", "vmin", "vmax"):
            setattr(self, name + "_f", getattr(self, name).astype(np.float64))

    def _init_bounds(self):
        """Which overflow checks can ever fire, from the largest possible inputs.

        nengo-loihi wraps ``q0``, ``current`` and ``u2`` to 21, 23 and 23 bits
        (and warns). Their magnitudes are bounded by the weights: ``|q0|`` by
        a compartment's absolute input weights plus noise, ``|current|`` by
        ``|q0| * 2**12 / (decay_u + 1)`` (the decay's geometric sum), ``|u2|``
        by that plus the bias. A check whose bound stays in range is skipped.
        """
        noise = np.ceil((127 + np.abs(self.noise_offset)) * self.noise_mult)
        q = self.chip.colsum + self.input.colsum
        q = q + np.where(self.noise_target_u, 0, noise)
        current = q * 4096 // (self.decay_u.astype(np.int64) + 1) + 1
        u2 = current + np.abs(self.bias) + np.where(self.noise_target_u, noise, 0)
        self.check_q0 = bool(q.max(initial=0) >= 2**Q_BITS)
        self.check_current = self.check_q0 or bool(current.max(initial=0) >= 2**U_BITS)
        self.check_u2 = self.check_current or bool(u2.max(initial=0) >= 2**U_BITS)
        if q.max(initial=0) >= EXACT_FLOAT64:
            raise BuildError(
                "synapses: a compartment's absolute input weights and noise must sum "
                f"to less than 2**53, which the fast emulator sums exactly (got "
                f"{int(q.max())})"
            )
        # |voltage| stays below |u2| * 2**12 / decay_v (the decay's geometric
        # sum; without decay it is unbounded): clip only where it can reach
        # vmin or vmax
        u2 = np.minimum(u2, 2**U_BITS).astype(np.float64)  # u2 is wrapped there
        decay_v = self.decay_v.astype(np.float64)
        with np.errstate(divide="ignore"):
            v = np.where(decay_v > 0, u2 * 4096 / decay_v + 1, np.inf)
        self.clip_vmin = bool(np.any(-v < self.vmin))
        self.clip_vmax = bool(np.any(v > self.vmax))
        # u2 lies within [min(current) + u2_pad[0], max(current) + u2_pad[1]]
        noise_u = np.where(self.noise_target_u, noise, 0)
        self.u2_pad = (float(np.min(self.bias - noise_u, initial=0)),
                       float(np.max(self.bias + noise_u, initial=0)))
        # with refractory delays of at most one step, ref_count stays zero
        self.refractory = bool(self.ref.max(initial=0) > 1)
        self.decay_voltage = bool(np.any(self.decay_v != 0))
        # each step's bound of |current| (see _run_block) decides whether its
        # range must be checked, and whether the voltage can reach vmax
        self.f_u_max = float(self.f_u.max(initial=0))
        self.noise_q_max = float(np.max(np.where(self.noise_target_u, 0, noise),
                                        initial=0))
        self.q_cap = float(1 << Q_BITS) if self.check_q0 else np.inf
        self.bound_safe = float(1 << U_BITS) - max(0.0, *self.u2_pad[1:],
                                                   -self.u2_pad[0]) - 1
        self.vth_top = float(max(self.vth.max(initial=0), 0))
        self.vmax_low = float(self.vmax.min(initial=0))

    def _init_delivery(self, model):
        slices = self.block_info.slices
        target_block = {}
        for block in model.blocks:
            for syn in block.synapses:
                target_block[syn] = block

        chunk = chunk_size(target_block)

        def entries(sources):
            # the axons grouped by the synapse they reach, so that only one
            # synapse's rows are kept at a time
            by_synapse = OrderedDict()
            for offset, n_src, axons in sources:
                for axon in axons:
                    if axon.target not in target_block:
                        raise BuildError(
                            f"{axon}: its target {axon.target} is on no block")
                    by_synapse.setdefault(axon.target, []).append((offset, n_src, axon))

            def chunks():
                for syn, group in by_synapse.items():
                    start, cache = slices[target_block[syn]].start, {}
                    for offset, n_src, axon in group:
                        for s, d, w in axon_chunks(axon, n_src, cache, chunk):
                            yield s + offset, d + start, w
            return chunks

        n = self.block_info.n_compartments
        chip = [(sl.start, b.n_neurons, b.axons) for b, sl in slices.items()]
        self.chip = Delivery(entries(chip), n, n)
        self.input_slices = OrderedDict()
        start = 0
        for inp in self.inputs:
            self.input_slices[inp] = slice(start, start + inp.n_neurons)
            start += inp.n_neurons
        self.n_input_neurons = start
        ins = [(sl.start, i.n_neurons, i.axons) for i, sl in self.input_slices.items()]
        self.input = Delivery(entries(ins), start, n)

    def _index(self, probe):
        """Compartments a probe records (as a slice where contiguous), and the
        bounds of each of its blocks' share."""
        parts = [
            np.arange(self.block_info.slices[block].start,
                      self.block_info.slices[block].stop)[probe.slice[k]]
            for k, block in enumerate(probe.target)
        ]
        index = np.concatenate(parts) if parts else np.zeros(0, dtype=int)
        bounds = np.concatenate([[0], np.cumsum([len(p) for p in parts])])
        if len(index) and np.array_equal(index, np.arange(index[0], index[-1] + 1)):
            index = slice(int(index[0]), int(index[-1]) + 1)
        return index, bounds

    def reset_state(self, batch_size=None):
        """Every compartment at rest, probes and queued input spikes cleared."""
        if batch_size is not None:
            self.batch_size = int(batch_size)
        shape = (self.batch_size, self.block_info.n_compartments)
        self.t = 0
        # integer values, held exactly in float64 (|x| < 2**31)
        self.current = np.zeros(shape, dtype=np.float64)
        self.voltage = np.zeros(shape, dtype=np.float64)
        self._u2 = np.zeros(shape, dtype=np.float64)
        self.spiked = np.zeros(shape, dtype=bool)
        self.spike_count = np.zeros(shape, dtype=np.int32)
        self._bound = 0.0  # of |current|
        self.ref_count = np.zeros(shape, dtype=np.int32)
        self.rng = np.random.RandomState(self.seed)
        #: per probe, one (steps, B, n) array per block of steps run
        self.outputs = OrderedDict((p, []) for p in self.probes)
        self.probe_filters = [ProbeFilter(dt=self.dt) for _ in range(self.batch_size)]
        self.input_spikes = None  # (steps, B, n_input_neurons) bool, see run_batch
        self._rows = []  # see add_spike_rows

    # --- the interface nengo_loihi.Simulator calls ------------------------

    @property
    def compartment(self):
        """What ``nengo_lmu.hardware.energy`` reads (``spike_count``), for B = 1."""
        return None if self.closed else _Counts(self.spike_count[0])

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc_value, traceback):
        self.close()

    def close(self):
        self.closed = True

    def clear_probes(self):
        pass  # outputs are cleared as they are collected, as in nengo-loihi

    def host2chip(self, spikes, errors):
        if errors:
            raise SimulationError("PES errors sent to the fast emulator (no learning)")
        for spike_input, t, spike_idxs in spikes:
            spike_input.add_spikes(t, spike_idxs)

    def add_spike_rows(self, spike_input, steps, rows):
        """Queue a run's input spikes at once: ``rows[i]`` (bool, one per
        neuron of ``spike_input``) at host step ``steps[i]``, as
        :meth:`host2chip` would one step at a time."""
        self._rows.append((spike_input, np.asarray(steps, dtype=np.int64),
                           np.asarray(rows, dtype=bool)))

    def chip2host(self, probes_receivers):
        for receiver, items in self.take_outputs(probes_receivers, 0):
            for step, x in items:
                receiver.receive(self.dt * step, x)

    def take_outputs(self, probes_receivers, b):
        """Batch element ``b``'s outputs for the host's receivers; the
        outputs are cleared after the last element's.

        Returns
        -------
        list
            ``(receiver, [(step, output), ...])`` for each receiver: what it
            receives, at ``dt * step``, as nengo-loihi's emulator sends it.
        """
        out = []
        for probe, receiver in probes_receivers.items():
            n_steps = sum(len(r) for r in self.outputs[probe])
            if n_steps > 0:
                t0 = self.t - n_steps
                x = probe.weight_outputs(self._per_block(probe, b))
                out.append((receiver, [(t0 + j + 2, xx) for j, xx in enumerate(x)]))
        if b == self.batch_size - 1:
            for probe in probes_receivers:
                self.outputs[probe].clear()
        return out

    def collect_probe_output(self, probe, b=0):
        """The probe's output since the last call, for batch element ``b``."""
        out = self.probe_output(probe, b)
        self.outputs[probe].clear()
        return out

    def probe_output(self, probe, b):
        """The probe's output since the last collection, for batch element ``b``."""
        data = probe.weight_outputs(self._per_block(probe, b))
        return self.probe_filters[b](probe, data)

    def _per_block(self, probe, b):
        """What nengo-loihi records for ``probe``: one (steps, n) array per block."""
        _, bounds = self._probe_index[probe]
        rec = self.outputs[probe]
        data = np.concatenate([r[:, b] for r in rec]) if rec else None
        return [
            np.ascontiguousarray(data[:, lo:hi]) if rec else []
            for lo, hi in zip(bounds[:-1], bounds[1:])
        ]

    def run_steps(self, steps, progress=None):
        """Advance every batch element by ``steps`` steps.

        The input spikes' currents (already known: the host sends them
        before the chip runs) and the noise are computed for blocks of steps
        at once; ``progress(k)``, if given, is called after each block of
        ``k`` steps.
        """
        steps = int(steps)
        n = self.block_info.n_compartments
        per = max(1, BLOCK_VALUES // max(1, self.batch_size * n))
        done = 0
        while done < steps:
            k = min(per, steps - done)
            self._run_block(k, self._input_block(k), self._noise_block(k))
            done += k
            if progress is not None:
                progress(k)

    def step(self):
        """Advance every batch element by one step."""
        self.run_steps(1)

    # --- blocks of steps ---------------------------------------------------

    def _input_block(self, k):
        """(k, B, n) float64 currents from the input spikes of the next ``k``
        steps (sent at the step before each: one step late), or None."""
        if self.n_input_neurons == 0:
            return None
        B = self.batch_size
        x = np.zeros((k, B, self.n_input_neurons), dtype=bool)
        first = self.t - 1  # the index, in the host's steps, of the block's first
        if self.input_spikes is not None:
            lo, hi = max(first, 0), min(first + k, len(self.input_spikes))
            if hi > lo:
                x[lo - first:hi - first] = self.input_spikes[lo:hi]
        else:
            self._take_rows(x, first)
            steps = range(max(0, -first), k)
            for inp, sl in self.input_slices.items():
                if not inp.spikes:
                    continue
                got = [np.asarray(inp.spike_idxs(first + j + 1)) for j in steps]
                counts = [len(g) for g in got]
                if sum(counts):
                    rows = np.repeat(np.asarray(steps), counts)
                    x[rows, :, np.concatenate(got).astype(np.int64) + sl.start] = True
        q = self.input.block(x.reshape(k * B, -1))
        return None if q is None else q.reshape(k, B, -1)

    def _take_rows(self, x, first):
        """OR into ``x`` the spikes :meth:`add_spike_rows` queued for its
        steps (step ``first + j + 1`` into row ``j``); keep later ones."""
        later = []
        for inp, steps, rows in self._rows:
            j = steps - (first + 1)
            now = (j >= 0) & (j < len(x))
            if now.any():
                x[j[now], :, self.input_slices[inp]] |= rows[now][:, None, :]
            if np.any(j >= len(x)):
                later.append((inp, steps[j >= len(x)], rows[j >= len(x)]))
        self._rows = later

    def _noise_block(self, k):
        """(k, n) float64 noise added to ``q0`` and to ``u2``, or Nones.

        Drawn as nengo-loihi draws it, one step after another (one draw of
        ``k`` rows gives the same numbers), and shared by the batch, as each
        sequence alone would draw the same."""
        if not self.has_noise:
            return None, None
        n = self.noise_mult.size
        x = self.rng.randint(-127, 128, size=(k, n), dtype=np.int32)
        noise = ((x + self.noise_offset) * self.noise_mult).astype(np.int32)
        noise = noise.astype(np.float64)
        return noise * ~self.noise_target_u, noise * self.noise_target_u

    def _run_block(self, k, q_in, noise):
        """``k`` steps: nengo-loihi's integer compartment update in float64.

        Every value is an integer of magnitude below 2**53 (bounded by the
        weights, see ``_init_bounds``), so each sum and each decay
        ``trunc(x * f)`` is exact; where nengo-loihi's ``int32`` sums would
        wrap, ``q0`` is outside its 21 bits and its overflow wraps it the
        same (both are modular). Each step's spikes are written straight
        into the block's record, from which the spike probes and counts are
        taken at the end.
        """
        B, n = self.batch_size, self.block_info.n_compartments
        record = np.empty((k, B, n), dtype=bool)
        recs, spike_probes = [], []
        for probe, (index, _) in self._probe_index.items():
            if probe.key == "spiked":  # taken from the record once it is full
                spike_probes.append((probe, index))
            else:
                state = self.current if probe.key == "current" else self.voltage
                buf = np.empty((k, B, state[0, index].size), dtype=np.int32)
                recs.append((buf, state, index))
                self.outputs[probe].append(buf)
        noise_q, noise_u = noise
        # per step, the largest |input| but the chip's spikes': noise and host
        q_max = np.full(k, self.noise_q_max)
        fed = [q_in is not None] * k  # steps with input from the host
        if q_in is not None:
            top = np.abs(q_in).max(axis=(1, 2))
            q_max += top
            fed = (top > 0).tolist()
        q_max = q_max.tolist()
        chip, check_q0, check_u2 = self.chip, self.check_q0, self.check_u2
        gather = B == 1 and chip.dense and chip.nnz > 0 and not check_q0
        W, unit, scale, absmax = chip.W, chip.unit_scale, chip.scale, chip.absmax
        if gather and unit:
            x = np.empty(n, dtype=W.dtype)
        cur, v, u2 = self.current, self.voltage, self._u2
        f_u, f_v, bias, vth = self.f_u, self.f_v, self.bias_f, self.vth_f
        f_u_max, q_cap, safe = self.f_u_max, self.q_cap, self.bound_safe
        decay_v, refractory = self.decay_voltage, self.refractory
        vmin = self.vmin_f if self.clip_vmin else None
        vmax = self.vmax_f if self.clip_vmax else None
        # v <= max(vth, 0) before a step (it spiked and was reset, or it did
        # not), so it reaches vmax only where max(vth, 0) + u2 can
        v_room = self.vmax_low - self.vth_top - self.u2_pad[1]
        bound = self._bound  # of |current|, after the last step
        spiked, rows, ref_count = self.spiked, record, self.ref_count
        if B == 1:  # 1-D views: no broadcasting against the parameters
            cur, v, u2, spiked, rows, ref_count = (
                cur[0], v[0], u2[0], spiked[0], record[:, 0], ref_count[0])
        for j in range(k):
            np.multiply(cur, f_u, out=cur)
            np.trunc(cur, out=cur)
            # the input: the chip's spikes of the last step, the host's, noise
            # (in any order: exact integer sums)
            if gather:
                idx = spiked.nonzero()[0]
                n_spikes = idx.size
                if n_spikes:
                    if unit:
                        cur += np.add.reduce(W[idx], axis=0, out=x)
                    else:
                        cur += np.add.reduce(W[idx], axis=0) * scale
                if fed[j]:
                    cur += q_in[j, 0]
                if noise_q is not None:
                    cur += noise_q[j]
            else:
                base = (q_in[j] if B > 1 else q_in[j, 0]) if fed[j] else None
                q = chip.add(spiked.reshape(B, n), base)
                n_spikes = np.count_nonzero(spiked)  # over the batch: a bound
                if noise_q is not None:
                    q = noise_q[j] if q is None else q + noise_q[j]
                if q is not None:
                    if check_q0:
                        q = self._wrap(q, Q_BITS, "q0")
                    cur += q
            # |trunc(x * f)| <= |x| f; |q| <= spikes x largest weight + the rest
            bound = bound * f_u_max + min(n_spikes * absmax + q_max[j], q_cap) + 1
            wrap_u2 = False
            if check_u2 and bound >= safe:
                bound, wrap_u2 = self._check_current(cur)
            np.add(cur, bias, out=u2)
            if noise_u is not None:
                u2 += noise_u[j]
            if wrap_u2:
                u2[...] = self._wrap(u2, U_BITS, "u2")
            # the voltage, thresholds and reset
            if decay_v:
                np.multiply(v, f_v, out=v)
                np.trunc(v, out=v)
            v += u2
            if vmin is not None:
                np.maximum(v, vmin, out=v)
            if vmax is not None and (bound > v_room or wrap_u2):  # u2 wrapped up
                np.minimum(v, vmax, out=v)
            if refractory:
                np.copyto(v, 0, where=ref_count > 0)
            spiked = rows[j]
            np.greater(v, vth, out=spiked)
            np.copyto(v, 0, where=spiked)
            if refractory:
                np.copyto(ref_count, self.ref, where=spiked)
                ref_count -= 1
                np.maximum(ref_count, 0, out=ref_count)
            for buf, state, index in recs:
                buf[j] = state[:, index]  # exact integers into int32
        for probe, index in spike_probes:
            self.outputs[probe].append(record[:, :, index])
        self.t += k
        self._bound = bound
        self.spiked = record[k - 1]
        self.spike_count += record.sum(axis=0, dtype=np.int32)

    def _check_current(self, cur):
        """Wrap the current where it overflows; returns the bound of
        ``|current|`` and whether ``u2`` can overflow (from the current's
        range)."""
        lim = float(1 << U_BITS)
        lo, hi = np.minimum.reduce(cur, axis=None), np.maximum.reduce(cur, axis=None)
        if self.check_current and (lo < -lim or hi >= lim):
            cur[...] = self._wrap(cur, U_BITS, "current")
            lo, hi = -lim, lim
        wrap_u2 = lo + self.u2_pad[0] < -lim or hi + self.u2_pad[1] >= lim
        return max(-float(lo), float(hi)), wrap_u2

    def _wrap(self, x, bits, name):
        """nengo-loihi's signed overflow of float64 integers, and its warning."""
        lim = float(1 << bits)
        if x.min() < -lim or x.max() >= lim:
            y = x.astype(np.int64)
            overflow_signed(y, bits=bits, out=y)
            x = y.astype(np.float64)
            warnings.warn(f"Overflow in {name}")
        return x


class _Counts:
    def __init__(self, spike_count):
        self.spike_count = spike_count

