"""Spike delivery for the fast emulator: every spike path folded into one matrix.

nengo-loihi delivers a spike through its axon to a synapse row, whose
weights it adds to the target compartments' input. :func:`axon_chunks`
lists those paths as (source, target compartment, weight) triples, a few
sources at a time, and :class:`Delivery` folds them into one matrix (sources
x compartments), so that a step's input is the sum of the rows of the
sources that spiked. The matrix is built chunk by chunk in its final format,
so building it never holds more than the final matrix and one chunk.
"""

import numpy as np
import scipy.sparse
from nengo.exceptions import BuildError

#: Largest integer every partial sum of which float32 / float64 hold exactly.
EXACT_FLOAT32, EXACT_FLOAT64 = 2**24, 2**53

#: Matrices of at most this many bytes in float64 are kept in float64.
SMALL = 256 << 10

#: Triples per chunk, at most: enough to amortise the Python overhead, few
#: enough to keep each chunk's arrays at a few MiB. :func:`chunk_size` takes
#: fewer for small models, whose chunks must stay small beside their weights.
CHUNK = 1 << 16


def chunk_size(synapses):
    """Triples per chunk for a model with these synapses: 1/64 of its
    weights, between 4096 and :data:`CHUNK`."""
    total = sum(w.size for syn in synapses for w in syn.weights)
    return int(np.clip(total // 64, min(4096, CHUNK), CHUNK))


def synapse_rows(synapse, widx):
    """The synapse rows of the weight indices ``widx``, as CSR arrays.

    Row ``k * n_pop + atom`` holds the targets and weights of weight index
    ``widx[k]`` and ``atom``. nengo-loihi adds an axon's weights with
    ``input[indices] += weights``, so where an index repeats within one row
    only the last weight counts; the rows keep exactly that one.

    Returns
    -------
    n_pop : int
        Atoms per weight index (rows of a weight index with fewer are empty).
    indptr, cols, vals : arrays
        The rows (``int64``, ``int32``, ``int32``).
    """
    weights = [synapse.weights[i] for i in widx]
    indices = [synapse.indices[i] for i in widx]
    shapes = np.array([w.shape for w in weights], dtype=np.int64).reshape(-1, 2)
    n_pop = int(shapes[:, 0].max())
    if np.all(shapes[:, 0] == n_pop):
        # rows in order: every weight index's atoms, as ravel lays them out
        lengths = np.repeat(shapes[:, 1], n_pop)
        vals = np.concatenate(weights, axis=None)
        cols = np.concatenate(indices, axis=None)
    else:  # weight indices with fewer atoms: empty rows for the missing ones
        lengths, vals, cols = [], [], []
        for w, idx in zip(weights, indices):
            for atom in range(n_pop):
                has = atom < w.shape[0]
                lengths.append(w.shape[1] if has else 0)
                vals.append(w[atom] if has else np.zeros(0, dtype=w.dtype))
                cols.append(idx[atom] if has else np.zeros(0, dtype=np.int32))
        lengths = np.asarray(lengths, dtype=np.int64)
        vals, cols = np.concatenate(vals), np.concatenate(cols)
    cols = cols.astype(np.int32, copy=False)
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
    return n_pop, indptr, cols, vals.astype(np.int32, copy=False)


def axon_chunks(axon, n_src, cache, chunk=None):
    """(source, target compartment in the block, weight) for every spike path
    of ``axon``, a chunk of sources at a time.

    Each chunk holds every path of its sources, and no (source, target)
    pair twice. ``cache`` (a dict) keeps the rows of small synapses, which
    many axons share, between calls; ``chunk`` is the number of triples per
    chunk (default :data:`CHUNK`).
    """
    chunk = CHUNK if chunk is None else chunk
    synapse = axon.target
    src = np.arange(n_src)
    axon_ids = np.asarray(axon.map_axon(src), dtype=np.int64)
    atoms = (
        np.asarray(axon.compartment_atoms, dtype=np.int64)
        if axon.compartment_atoms is not None
        else np.zeros(n_src, dtype=np.int64)
    )
    if synapse not in cache:  # what every axon to the synapse reads
        sizes = np.array([w.shape[1] for w in synapse.weights], dtype=np.int64)
        small = sizes.sum() * max(w.shape[0] for w in synapse.weights) <= 4 * chunk
        rows = synapse_rows(synapse, range(len(sizes))) if small else None
        all_bases, weight_map = (
            None if x is None else np.asarray(x, dtype=np.int64)
            for x in (synapse.axon_compartment_bases, synapse.axon_to_weight_map)
        )
        cache[synapse] = (sizes, rows, all_bases, weight_map)
    sizes, rows, all_bases, weight_map = cache[synapse]
    keep = axon_ids >= 0
    src, axon_ids, atoms = src[keep], axon_ids[keep], atoms[keep]
    if all_bases is not None:
        bases = all_bases[axon_ids]
        keep = bases >= 0  # a negative base marks an unused axon
        src, axon_ids, atoms, bases = src[keep], axon_ids[keep], atoms[keep], bases[keep]
    else:
        bases = np.zeros(len(src), dtype=np.int64)
    if not len(src):
        return
    widx = weight_map[axon_ids] if weight_map is not None else axon_ids
    # chunks of consecutive sources with about ``chunk`` paths each
    ends = np.cumsum(sizes[widx])
    cuts = np.flatnonzero(np.diff(ends // chunk) > 0) + 1
    bounds = np.concatenate([[0], cuts, [len(src)]]).astype(np.int64)
    for lo, hi in zip(bounds[:-1], bounds[1:]):
        w_c, a_c = widx[lo:hi], atoms[lo:hi]
        if rows is None:  # a large synapse: only the rows this chunk uses
            used, local = np.unique(w_c, return_inverse=True)
            n_pop, indptr, cols, vals = synapse_rows(synapse, used)
            row = local * n_pop + a_c
        else:
            n_pop, indptr, cols, vals = rows
            row = w_c * n_pop + a_c
        starts, counts = indptr[row], indptr[row + 1] - indptr[row]
        total = int(counts.sum())
        # positions of every weight of every chosen row, without a Python loop
        offsets = np.arange(total) - np.repeat(np.cumsum(counts) - counts, counts)
        pos = np.repeat(starts, counts) + offsets
        yield (
            np.repeat(src[lo:hi], counts).astype(np.int32),
            (np.repeat(bases[lo:hi], counts) + cols[pos]).astype(np.int32),
            vals[pos],
        )


def _lowest_bits(low, dst, bit):
    """``low[c] = min(low[c], log2(bit))`` over the entries of each column
    ``c = dst``, where each ``bit`` is a power of two: level by level, from
    the lowest, which most weights (odd ones) have."""
    k = 0
    while dst.size:
        hit = bit == (1 << k)
        if hit.any():
            cols = np.bincount(dst[hit], minlength=len(low)) > 0
            low[cols] = np.minimum(low[cols], k)
            dst, bit = dst[~hit], bit[~hit]
        k += 1


class Delivery:
    """Sums the weights of the spikes of a step: ``spikes @ W``, exactly.

    ``W`` (sources x compartments) holds integers: the sum of all the
    (source, target, weight) triples, as separate spikes add up. The
    products are computed in float32 where every column's absolute sum stays
    below 2**24 (so every partial sum is an exact integer) and the matrix is
    large, in float64 otherwise. Where a column's sum is too large for that
    format, each column is divided by the largest power of two that divides
    all its weights, and the products scaled back in float64 (exact below
    2**53).

    Parameters
    ----------
    chunks : callable
        Returns an iterable of ``(src, dst, w)`` integer arrays, no
        (src, dst) pair twice within one; called twice (two passes: column
        statistics, then the matrix), so the triples never all exist at once.
    n_src, n_dst : int
        The matrix's shape.
    """

    def __init__(self, chunks, n_src, n_dst):
        self.n_src, self.n_dst = n_src, n_dst
        # first pass: each column's absolute sum, each row's length
        colsum = np.zeros(n_dst, dtype=np.int64)
        counts = np.zeros(n_src, dtype=np.int64)
        for src, dst, w in self._nonzero(chunks):
            a = np.abs(w)
            # in 26-bit parts, each of whose sums float64 holds exactly
            wide = a.max() >= 2**26
            sums = np.bincount(dst, weights=a & (2**26 - 1) if wide else a,
                               minlength=n_dst)
            colsum += sums.astype(np.int64)
            if wide:
                sums = np.bincount(dst, weights=a >> 26, minlength=n_dst)
                colsum += sums.astype(np.int64) << 26
            counts += np.bincount(src, minlength=n_src)
        top = int(colsum.max(initial=0))
        small = n_src * n_dst * 8 <= SMALL  # float64 saves a conversion each step
        if top < (EXACT_FLOAT64 if small else EXACT_FLOAT32):  # exact unscaled
            shift = np.zeros(n_dst, dtype=np.int64)
            self.dtype = np.float64 if small else np.float32
        else:  # another pass: the largest power of two dividing a column's weights
            low = np.full(n_dst, 64, dtype=np.int64)
            for src, dst, w in self._nonzero(chunks):
                a = np.abs(w)
                _lowest_bits(low, dst, a & -a)
            shift = np.where(low < 64, low, 0)
            big = int((colsum >> shift).max(initial=0))
            if big >= EXACT_FLOAT64:
                raise BuildError(
                    "synapses: the absolute input weights of a compartment must sum "
                    f"to less than 2**53, which the fast emulator sums exactly (got "
                    f"{big})"
                )
            self.dtype = np.float32 if big < EXACT_FLOAT32 and not small else np.float64
            if top < (EXACT_FLOAT32 if self.dtype == np.float32 else EXACT_FLOAT64):
                shift[:] = 0
        self.unit_scale = bool(np.all(shift == 0))
        self.scale = (np.int64(1) << shift).astype(np.float64)
        #: the largest input each compartment can receive in one step
        self.colsum = colsum
        nnz = int(counts.sum())
        # dense where that costs little memory, sparse otherwise
        self.dense = n_src * n_dst * np.dtype(self.dtype).itemsize <= (256 << 20) and (
            nnz >= 0.05 * n_src * n_dst
        )
        # second pass: the scaled weights, straight into the final matrix
        if self.dense:
            self.W = np.zeros((n_src, n_dst), dtype=self.dtype)
            for src, dst, w in self._nonzero(chunks):
                if not self.unit_scale:
                    w = w >> shift[dst]
                self.W[src, dst] += w.astype(self.dtype)
            self.nnz = int(np.count_nonzero(self.W))
        else:
            self.W = self._csr(chunks, counts, shift)
            self.nnz = self.W.nnz
        #: the largest input one source's spike gives a compartment
        if self.dense:  # without a copy of the matrix
            top = np.maximum(self.W.max(axis=0, initial=0),
                             -self.W.min(axis=0, initial=0))
            self.absmax = float(np.max(top * self.scale, initial=0))
        else:
            self.absmax = float(np.max(np.abs(self.W.data)
                                       * self.scale[self.W.indices], initial=0))

    @staticmethod
    def _nonzero(chunks):
        for src, dst, w in chunks():
            src, dst, w = (np.asarray(x) for x in (src, dst, w))
            nz = w != 0
            if nz.all():
                yield src, dst, w.astype(np.int64, copy=False)
            elif nz.any():
                yield src[nz], dst[nz], w[nz].astype(np.int64)

    def _csr(self, chunks, counts, shift):
        """The CSR matrix, filled row by row in place, duplicates then summed."""
        nnz = int(counts.sum())
        idx = np.int32 if max(nnz, self.n_dst) < 2**31 else np.int64
        indptr = np.concatenate([[0], np.cumsum(counts)]).astype(idx)
        indices = np.empty(nnz, dtype=idx)
        data = np.empty(nnz, dtype=self.dtype)
        fill = indptr[:-1].astype(np.int64)
        for src, dst, w in self._nonzero(chunks):
            if len(src) > 1 and np.any(src[1:] < src[:-1]):
                order = np.argsort(src, kind="stable")
                src, dst, w = src[order], dst[order], w[order]
            first = np.flatnonzero(np.concatenate([[True], src[1:] != src[:-1]]))
            n_in = np.diff(np.concatenate([first, [len(src)]]))
            pos = fill[src] + np.arange(len(src)) - np.repeat(first, n_in)
            fill[src[first]] += n_in
            indices[pos] = dst
            data[pos] = (w >> shift[dst]).astype(self.dtype)
        W = scipy.sparse.csr_matrix(
            (data, indices, indptr), shape=(self.n_src, self.n_dst)
        )
        W.sum_duplicates()  # exact: every partial sum is within the column's
        W.eliminate_zeros()
        return W

    def _scaled(self, out, base):
        """``out`` (in the matrix's dtype) scaled, plus ``base``, in float64."""
        if not self.unit_scale:
            out = out * self.scale
        if base is not None:
            return np.add(out, base)  # float64, as base is
        return out.astype(np.float64, copy=False)

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

    def add(self, spikes, base=None):
        """``base + spikes @ W`` in float64: ``spikes`` (B, n_src) bool, ``base``
        float64 or None; returns ``base`` when nothing is delivered."""
        if self.nnz == 0:
            return base
        if spikes.shape[0] == 1:
            idx = spikes[0].nonzero()[0]
            if not idx.size:
                return base
            if not self.dense:
                out = np.asarray(self.W[idx].sum(axis=0), dtype=self.dtype)[0]
            elif self.unit_scale:
                out = np.add.reduce(self.W[idx], axis=0)
                return out.astype(np.float64) if base is None else out + base
            else:  # the common case, inline: a few microseconds a step count
                out = np.add.reduce(self.W[idx], axis=0) * self.scale
                return out if base is None else out + base
        elif not spikes.any():
            return base
        elif self.dense:
            out = self._gather_batch(spikes)
        else:
            out = (self.W.T @ spikes.T.astype(self.dtype)).T
        return self._scaled(out, base)

    def block(self, spikes):
        """``spikes @ W`` in float64 for many steps at once: ``spikes``
        (N, n_src) bool; None where nothing is delivered."""
        if self.nnz == 0 or not spikes.any():
            return None
        x = spikes.astype(self.dtype)
        out = x @ self.W if self.dense else (self.W.T @ x.T).T
        return self._scaled(out, None)

    def __call__(self, spikes):
        """``spikes`` (B, n_src) bool -> (B, n_dst) integer input, or None if silent."""
        out = self.add(spikes)
        if out is None:
            return None
        out = np.broadcast_to(out, (spikes.shape[0], self.n_dst))
        return out.astype(np.int64)
