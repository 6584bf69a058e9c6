"""Recurrent weights on nengo-loihi's 8-bit grid: the grid, GPFQ, the effect of rounding."""

import warnings

import numpy as np
from nengo.exceptions import BuildError

from nengo_lmu.hardware.loihi.build import discretize_model

from nengo_lmu.hardware.loihi.chip import weight_grid
from nengo_lmu.hardware.loihi.inputs import chip_input_filter, loihi_model

def _recurrent_synapse(memory, block):
    syns = [s for s in block.synapses if s.n_axons == memory.n_neurons and "input" not in str(s.label)]
    if len(syns) != 1:
        raise BuildError(
            f"{memory}: expected one recurrent synapse on {block}, found {len(syns)}"
        )
    return syns[0]


def _dense(synapse, block):
    """A synapse's weights as a ``n_compartments x n_axons`` array.

    Axons with identical weights share one entry of the synapse's weight
    memory (nengo-loihi's split does that), so each axon's weights are
    looked up through its weight index and compartment base.
    """
    out = np.zeros((block.compartment.n_compartments, synapse.n_axons))
    for a in range(synapse.n_axons):
        base = synapse.axon_compartment_base(a)
        if base is None:
            continue  # an unused axon
        w, idx = synapse.axon_weights_indices(a)
        out[base + idx, a] = w
    return out


def _chip_scale(block, Wf, W):
    """Chip units per float weight of ``block``, and each row's float synapse
    weight per unit of ``W`` (nengo-loihi scales each row's weights)."""
    info = block.compartment.discretize_info
    K = float(info["w_scale"]) * 2.0 ** (6 + info["w_exp"])  # chip units per float
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(W != 0, Wf / W, np.nan)
    return K, np.nanmedian(ratio, axis=1), ratio


def effective_weights(synapse, block, Wf, W):
    """The transform nengo-loihi's rounding of a synapse amounts to.

    ``Wf`` are the synapse's float weights before discretisation and ``W``
    the transform they came from (rows of the block's compartments).
    """
    K, scale, _ = _chip_scale(block, Wf, W)
    return _dense(synapse, block) / (K * scale[:, None])


def chip_model(memory):
    """``memory`` alone, built and discretised by nengo-loihi.

    Returns ``(model, float_weights)``: the integer model and, per block
    of its ``ensemble``, the recurrent synapse's float weights before
    rounding (``n_compartments x n_neurons``).
    """
    model = loihi_model([memory], memory.dt, fast_build=True)
    with warnings.catch_warnings(), chip_input_filter([memory]):
        warnings.filterwarnings("ignore", message=".*extra bits in weight")
        model.build(memory, precompute=False, remove_passthrough=True, discretize=False)
        blocks = model.objs[memory.ensemble]["out"]
        floats = [_dense(_recurrent_synapse(memory, b), b) for b in blocks]
        discretize_model(model)
    return model, floats


def quantize(memory, W, activities):
    """Recurrent weights ``W`` of ``memory`` put on the chip's grid by GPFQ.

    ``activities`` are the rates of each dimension's group of neurons at
    their evaluation points. Returns ``(Wq, report)`` with the relative
    change of the weights and of the currents they deliver by plain
    rounding and by GPFQ, or ``(None, None)`` (with a warning) if the
    chip's grid cannot be read from nengo-loihi's model.
    """
    model, floats = chip_model(memory)
    Wq = W.copy()
    rounded = np.zeros_like(W)  # what nengo-loihi's own rounding would give
    row0 = 0
    acts = activities
    for block, Wf in zip(model.objs[memory.ensemble]["out"], floats):
        rows = slice(row0, row0 + Wf.shape[0])
        row0 = rows.stop
        syn = _recurrent_synapse(memory, block)
        info = block.compartment.discretize_info
        step_int, levels, _ = weight_grid(syn.synapse_cfg)  # the grid, in chip units
        Wr = W[rows]
        K, scale, ratio = _chip_scale(block, Wf, Wr)
        if not np.all(np.isfinite(scale)) or not np.allclose(
            ratio[np.isfinite(ratio)],
            np.broadcast_to(scale[:, None], ratio.shape)[np.isfinite(ratio)],
            rtol=1e-4,
        ):
            warnings.warn("could not read the chip's weight grid; not quantising")
            return None, None
        step = step_int / (K * scale)
        rounded[rows] = effective_weights(syn, block, Wf, Wr)
        # keep the largest weights exact, so the grid stays where it is
        keep = np.abs(Wf) >= min(info["w_max"], np.abs(Wf).max()) * (1 - 1e-7)
        for j, act in enumerate(acts):
            cols = memory.group(j)
            Wq[rows, cols] = gpfq(Wr[:, cols], act, step, levels, keep[:, cols])
    loss = lambda Q: {  # noqa: E731
        "weights": float(np.linalg.norm(Q - W) / np.linalg.norm(W)),
        "currents": float(
            np.sqrt(sum(np.sum(((Q - W)[:, memory.group(j)] @ a.T) ** 2) for j, a in enumerate(acts)))
            / np.sqrt(sum(np.sum((W[:, memory.group(j)] @ a.T) ** 2) for j, a in enumerate(acts)))
        ),
    }
    return Wq, {"rounded": loss(rounded), "gpfq": loss(Wq)}


def gpfq(W, activities, step, levels, keep=None):
    """Greedy path-following quantisation of the rows of ``W`` (GPFQ).

    Parameters
    ----------
    W : (rows, n) array
        Weights from ``n`` presynaptic neurons to each row's neuron.
    activities : (n_points, n) array
        The presynaptic rates over the points that matter.
    step : (rows,) array
        Each row's grid step; quantised weights are integer multiples of it.
    levels : int
        Largest multiple allowed (the mantissa's range).
    keep : (rows, n) bool array, optional
        Weights to leave exact.

    Returns
    -------
    Q : (rows, n) array
        Weights on the grid, chosen one presynaptic neuron at a time so that
        ``Q @ activities.T`` tracks ``W @ activities.T``: each neuron's
        rounding absorbs the error the earlier ones left (Lybrand & Saab 2021).
    """
    W = np.asarray(W, dtype=float)
    A = np.asarray(activities, dtype=float)
    step = np.asarray(step, dtype=float)
    Q = np.empty_like(W)
    err = np.zeros((A.shape[0], W.shape[0]))  # running error of each row's current
    norms = np.einsum("ij,ij->j", A, A)
    for j in range(W.shape[1]):
        target = W[:, j]
        if norms[j] > 0:
            target = target + (A[:, j] @ err) / norms[j]
        q = np.clip(np.round(target / step), -levels, levels) * step
        if keep is not None:
            q = np.where(keep[:, j], W[:, j], q)
        Q[:, j] = q
        err += np.outer(A[:, j], W[:, j] - q)
    return Q

