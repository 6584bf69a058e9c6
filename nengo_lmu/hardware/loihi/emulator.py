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
  overflow, thresholds, refractory periods, reset) is nengo-loihi's own
  integer expressions on arrays with a leading batch axis, so ``B``
  independent input sequences run at once.

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
import scipy.sparse
from nengo.exceptions import BuildError, SimulationError, ValidationError

import nengo_loihi
from nengo_loihi.builder.discretize import Q_BITS, U_BITS, overflow_signed
from nengo_loihi.emulator.interface import BlockInfo
from nengo_loihi.inputs import SpikeInput
from nengo_loihi.probe import ProbeFilter

#: Largest integer every partial sum of which float32 / float64 hold exactly.
EXACT_FLOAT32, EXACT_FLOAT64 = 2**24, 2**53


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


def _synapse_rows(synapse):
    """One CSR row per (weight index, atom) of ``synapse``: targets and weights.

    nengo-loihi adds an axon's weights with ``input[indices] += weights``,
    so where an index repeats within one row only the last weight counts;
    the rows keep exactly that one.
    """
    weights = [np.asarray(w) for w in synapse.weights]
    indices = [np.asarray(i) for i in synapse.indices]
    n_pop = max(w.shape[0] for w in weights)
    if all(w.shape[0] == n_pop for w in weights):
        # rows in order: every weight index's atoms, as ravel lays them out
        lengths = np.repeat([w.shape[1] for w in weights], n_pop)
        vals = np.concatenate([w.ravel() for w in weights])
        cols = np.concatenate([i.ravel() for i in indices]).astype(np.int64)
    else:  # weight indices with fewer atoms: empty rows for the missing ones
        lengths, vals, cols = [], [], []
        for w, idx in zip(weights, indices):
            for atom in range(n_pop):
                has = atom < w.shape[0]
                lengths.append(w.shape[1] if has else 0)
                vals.append(w[atom] if has else np.zeros(0, dtype=w.dtype))
                cols.append(idx[atom] if has else np.zeros(0, dtype=np.int64))
        lengths = np.asarray(lengths)
        vals, cols = np.concatenate(vals), np.concatenate(cols).astype(np.int64)
    row = np.repeat(np.arange(len(lengths)), lengths)
    key = row * (int(cols.max(initial=0)) + 1) + cols
    order = np.argsort(key, kind="stable")
    ranked = key[order]
    repeated = ranked[1:] == ranked[:-1]
    if repeated.any():
        # drop every occurrence that a later one in the same row overwrites
        keep = np.ones(len(key), dtype=bool)
        keep[order[:-1][repeated]] = False
        vals, cols, row = vals[keep], cols[keep], row[keep]
        lengths = np.bincount(row, minlength=len(lengths))
    indptr = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
    return n_pop, indptr, cols, vals.astype(np.int32)


def _axon_entries(axon, n_src, rows):
    """(source, target compartment within the block, weight) for every spike path."""
    synapse = axon.target
    n_pop, indptr, cols, vals = rows
    src = np.arange(n_src)
    axon_ids = np.asarray(axon.map_axon(src), dtype=np.int64)
    atoms = (
        np.asarray(axon.compartment_atoms, dtype=np.int64)
        if axon.compartment_atoms is not None
        else np.zeros(n_src, dtype=np.int64)
    )
    keep = axon_ids >= 0
    src, axon_ids, atoms = src[keep], axon_ids[keep], atoms[keep]
    if synapse.axon_compartment_bases is not None:
        bases = np.asarray(synapse.axon_compartment_bases, dtype=np.int64)[axon_ids]
        keep = bases >= 0  # a negative base marks an unused axon
        src, axon_ids, atoms = src[keep], axon_ids[keep], atoms[keep]
        bases = bases[keep]
    else:
        bases = np.zeros(len(src), dtype=np.int64)
    widx = (
        np.asarray(synapse.axon_to_weight_map, dtype=np.int64)[axon_ids]
        if synapse.axon_to_weight_map is not None
        else axon_ids
    )
    row = widx * n_pop + atoms
    starts, counts = indptr[row], indptr[row + 1] - indptr[row]
    total = int(counts.sum())
    # positions of every weight of every chosen row, without a Python loop
    offsets = np.arange(total) - np.repeat(np.cumsum(counts) - counts, counts)
    pos = np.repeat(starts, counts) + offsets
    return (
        np.repeat(src, counts).astype(np.int32),
        (np.repeat(bases, counts) + cols[pos]).astype(np.int32),
        vals[pos],
    )


class _Delivery:
    """Sums the weights of the spikes of a step: ``spikes @ W``, exactly.

    ``W`` (sources x compartments) holds integers. Each column is divided by
    the largest power of two that divides all its weights; the products are
    computed in float32 where every column's absolute sum stays below 2**24
    (so every partial sum is exact), in float64 otherwise, and scaled back
    in 64-bit integers.
    """

    def __init__(self, src, dst, w, n_src, n_dst):
        # separate spikes add up, as separate += do: the conversion sums duplicates
        csc = scipy.sparse.csc_matrix(
            (np.asarray(w, dtype=np.int64), (src, dst)), shape=(n_src, n_dst)
        )
        csc.eliminate_zeros()
        data = csc.data
        counts = np.diff(csc.indptr)
        full = counts > 0
        starts = csc.indptr[:-1][full]
        # the largest power of two dividing every weight of a column
        shift = np.zeros(n_dst, dtype=np.int64)
        if len(data):
            low = np.minimum.reduceat(data & -data, starts)
            shift[full] = np.round(np.log2(low)).astype(np.int64)
        scaled = data >> np.repeat(shift, counts)
        colsum = np.zeros(n_dst, dtype=np.int64)
        if len(data):
            colsum[full] = np.add.reduceat(np.abs(scaled), starts)
        big = int(colsum.max()) if n_dst else 0
        if big >= EXACT_FLOAT64:
            raise BuildError(
                "synapses: the absolute input weights of a compartment must sum to "
                f"less than 2**53, which the fast emulator sums exactly (got {big})"
            )
        self.dtype = np.float32 if big < EXACT_FLOAT32 else np.float64
        self.scale = (np.int64(1) << shift).astype(np.int64)
        self.unit_scale = bool(np.all(shift == 0))
        #: the largest input each compartment can receive in one step
        self.colsum = colsum << shift
        self.out_dtype = np.int32 if self.colsum.max(initial=0) < 2**31 else np.int64
        self.scale = self.scale.astype(self.out_dtype)
        csc = scipy.sparse.csc_matrix(
            (scaled.astype(self.dtype), csc.indices, csc.indptr), shape=(n_src, n_dst)
        )
        self.nnz = csc.nnz
        self.n_src, self.n_dst = n_src, n_dst
        # dense where that costs little memory, sparse otherwise
        self.dense = n_src * n_dst * np.dtype(self.dtype).itemsize <= (256 << 20) and (
            self.nnz >= 0.05 * n_src * n_dst
        )
        # rows in C order: a step gathers the rows of the sources that spiked
        self.W = csc.tocsr().toarray(order="C") if self.dense else csc.tocsr()

    def _gather_batch(self, spikes):
        """Each batch element's sum of the rows of its spiking sources.

        Where few sources spike, gathering their rows, sequence by sequence,
        does far less work than multiplying the whole matrix; where many
        do, one matrix product (BLAS) is faster.
        """
        if spikes.sum() * 8 > spikes.size:
            return spikes.astype(self.dtype) @ self.W
        out = np.empty((spikes.shape[0], self.n_dst), dtype=self.dtype)
        for b, row in enumerate(spikes):
            out[b] = self.W[np.flatnonzero(row)].sum(axis=0, dtype=self.dtype)
        return out

    def __call__(self, spikes):
        """``spikes`` (B, n_src) bool -> (B, n_dst) integer input, or None if silent."""
        if self.nnz == 0 or not spikes.any():
            return None
        if spikes.shape[0] == 1:
            idx = np.flatnonzero(spikes[0])
            if self.dense:
                out = self.W[idx].sum(axis=0, dtype=self.dtype)[None, :]
            else:
                out = np.asarray(self.W[idx].sum(axis=0), dtype=self.dtype)
        elif self.dense:
            out = self._gather_batch(spikes)
        else:
            out = (self.W.T @ spikes.T.astype(self.dtype)).T
        out = out.astype(self.out_dtype)  # exact: every sum is below 2**31 or 2**53
        if not self.unit_scale:
            out *= self.scale
        return out


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
        # nengo-loihi's decay factors: current keeps (2**12 - 1 - decay_u) / 2**12
        self.r_u = (4096 - 1 - self.decay_u).astype(np.int64)
        self.r_v = (4096 - self.decay_v).astype(np.int64)

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
        # with refractory delays of at most one step, ref_count stays zero
        self.refractory = bool(self.ref.max(initial=0) > 1)

    def _init_delivery(self, model):
        slices = self.block_info.slices
        rows = {}
        target_block = {}
        for block in model.blocks:
            for syn in block.synapses:
                target_block[syn] = block

        def entries(sources):
            src_all, dst_all, w_all = [], [], []
            for offset, n_src, axons in sources:
                for axon in axons:
                    syn = axon.target
                    if syn not in target_block:
                        raise BuildError(f"{axon}: its target {syn} is on no block")
                    if syn not in rows:
                        rows[syn] = _synapse_rows(syn)
                    s, d, w = _axon_entries(axon, n_src, rows[syn])
                    src_all.append(s + offset)
                    dst_all.append(d + slices[target_block[syn]].start)
                    w_all.append(w)
            if not src_all:
                z = np.zeros(0, dtype=np.int64)
                return z, z, z
            return (np.concatenate(src_all), np.concatenate(dst_all),
                    np.concatenate(w_all))

        n = self.block_info.n_compartments
        chip = [(sl.start, b.n_neurons, b.axons) for b, sl in slices.items()]
        self.chip = _Delivery(*entries(chip), n, n)
        self.input_slices = OrderedDict()
        start = 0
        for inp in self.inputs:
            self.input_slices[inp] = slice(start, start + inp.n_neurons)
            start += inp.n_neurons
        self.n_input_neurons = start
        ins = [(sl.start, i.n_neurons, i.axons) for i, sl in self.input_slices.items()]
        self.input = _Delivery(*entries(ins), start, n)

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
        self.current = np.zeros(shape, dtype=np.int32)
        self.voltage = np.zeros(shape, dtype=np.int32)
        self.spiked = np.zeros(shape, dtype=bool)
        self.spike_count = np.zeros(shape, dtype=np.int32)
        self.ref_count = np.zeros(shape, dtype=np.int32)
        self.rng = np.random.RandomState(self.seed)
        self.outputs = OrderedDict((p, []) for p in self.probes)
        self.probe_filters = [ProbeFilter(dt=self.dt) for _ in range(self.batch_size)]
        self.input_spikes = None  # (steps, B, n_input_neurons) bool, see run_batch

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

    def chip2host(self, probes_receivers):
        self.send(probes_receivers, 0)
        for probe in probes_receivers:
            self.outputs[probe].clear()

    def send(self, probes_receivers, b):
        """Send batch element ``b``'s probe outputs to the host's receivers."""
        for probe, receiver in probes_receivers.items():
            n_steps = len(self.outputs[probe])
            if n_steps > 0:
                t0 = self.t - n_steps
                x = probe.weight_outputs(self._per_block(probe, b))
                for j, xx in enumerate(x):
                    receiver.receive(self.dt * (t0 + j + 2), xx)

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
        data = np.stack([r[b] for r in rec]) if rec else None
        return [
            np.ascontiguousarray(data[:, lo:hi]) if rec else []
            for lo, hi in zip(bounds[:-1], bounds[1:])
        ]

    def run_steps(self, steps):
        for _ in range(steps):
            self.step()

    # --- one step -----------------------------------------------------------

    def _input_spikes(self):
        """(B, n_input_neurons) spikes sent at the previous step (one step late)."""
        if self.n_input_neurons == 0 or self.t < 2:
            return None
        if self.input_spikes is not None:
            k = self.t - 2
            return self.input_spikes[k] if k < len(self.input_spikes) else None
        x = np.zeros((self.batch_size, self.n_input_neurons), dtype=bool)
        for inp, sl in self.input_slices.items():
            idx = np.asarray(inp.spike_idxs(self.t - 1), dtype=np.int64)
            if idx.size:
                x[:, sl.start + idx] = True
        return x

    @staticmethod
    def _overflow(x, bits, name):
        """nengo-loihi's signed overflow, in place, with its warning."""
        lim = 1 << bits
        if x.size and (x.min() < -lim or x.max() >= lim):
            overflow_signed(x, bits=bits, out=x)  # identity for values in range
            warnings.warn(f"Overflow in {name}")

    @staticmethod
    def _decay(x, r):
        """``sign(x) * floor(|x| r / 2**12)``, as nengo-loihi's ``decay_int``."""
        y = np.abs(x) * r
        y >>= 12
        y = y.astype(np.int32)
        np.negative(y, out=y, where=x < 0)
        return y

    def step(self):
        """Advance every batch element by one step."""
        self.t += 1
        q = self.chip(self.spiked)
        ins = self._input_spikes()
        if ins is not None:
            q_in = self.input(ins)
            if q_in is not None:
                q = q_in if q is None else q + q_in
        if q is None:
            q0 = np.zeros(self.current.shape, dtype=np.int32)
        else:
            # wraps (if ever) as nengo-loihi's int32 sums do
            q0 = q if q.dtype == np.int32 else q.astype(np.int32)
        if self.has_noise:
            x = self.rng.randint(-127, 128, size=self.noise_mult.size, dtype=np.int32)
            noise = ((x + self.noise_offset) * self.noise_mult).astype(np.int32)
            tu = self.noise_target_u
            q0[:, ~tu] += noise[~tu]
        if self.check_q0:
            self._overflow(q0, Q_BITS, "q0")

        current = self._decay(self.current, self.r_u)
        current += q0
        if self.check_current:
            self._overflow(current, U_BITS, "current")
        self.current = current
        u2 = current + self.bias
        if self.has_noise:
            u2[:, tu] += noise[tu]
        if self.check_u2:
            self._overflow(u2, U_BITS, "u2")

        v = self._decay(self.voltage, self.r_v)
        v += u2
        np.maximum(v, self.vmin, out=v)
        np.minimum(v, self.vmax, out=v)
        if self.refractory:
            np.copyto(v, 0, where=self.ref_count > 0)
        np.greater(v, self.vth, out=self.spiked)
        np.copyto(v, 0, where=self.spiked)
        self.voltage = v
        if self.refractory:
            np.copyto(self.ref_count, self.ref, where=self.spiked)
            self.ref_count -= 1
            np.maximum(self.ref_count, 0, out=self.ref_count)
        self.spike_count += self.spiked
        for probe, (index, _) in self._probe_index.items():
            rec = getattr(self, probe.key)[:, index]
            # a slice is a view, and spiked and spike_count change in place
            self.outputs[probe].append(rec.copy() if isinstance(index, slice) else rec)


class _Counts:
    def __init__(self, spike_count):
        self.spike_count = spike_count

