r"""nengo-loihi's builder with its two slowest steps done on whole arrays.

nengo-loihi builds a population of ``m`` neurons as one block and then
splits it into cores: for every new core it checks, compartment by
compartment in Python, which of the old synapse's ``m`` axons reach it
(``m x m x cores`` set look-ups), and then discretises every axon's weights
with one call each. For a 6,400-neuron memory on 458 cores that is hours.
:class:`Builder` is nengo-loihi's builder (its own registry of build
functions, copied) with the network's build step replaced by one that calls
the same nengo-loihi functions in the same order, except two:

- :func:`split_synapse`, which selects each new core's weights with index
  arrays instead of set look-ups, and
- :func:`discretize_synapse`, which discretises all of a synapse's weights
  in one call of nengo-loihi's ``discretize_weights`` (an elementwise
  function, so the integers are the same).

Both fall back to nengo-loihi's own functions for anything but plain
discrete weights (population weights, learning, full validation). The model
is the same, attribute by attribute: ``tests/hardware/test_build.py``
compares every block, synapse, axon and probe with nengo-loihi's, and runs
both on the emulator with ``np.array_equal``.
"""

import collections
import warnings

import numpy as np
import nengo
import nengo_loihi
from nengo.builder.network import build_network as nengo_build_network
from nengo.builder.network import seed_network
from nengo_loihi.block import Synapse
from nengo_loihi.builder import discretize as nl_discretize
from nengo_loihi.builder import split_blocks as nl_split
from nengo_loihi.builder.validate import validate_model
from nengo_loihi.builder.builder import ValidationLevel
from nengo_loihi.splitter import Split


class Builder(nengo_loihi.builder.Builder):
    """nengo-loihi's builder, with :func:`build_network` for networks.

    Pass an instance to ``nengo_loihi.builder.Model(builder=Builder())``.
    """

    builders = {
        kind: fn for kind, fn in nengo_loihi.builder.Builder.builders.items()
        if kind is not nengo.Network
    }


@Builder.register(nengo.Network)
def build_network(model, network, precompute=None, remove_passthrough=True, discretize=True):
    """Build ``network`` as nengo-loihi does, splitting and discretising with
    :func:`split_model` and :func:`discretize_model`."""
    if model.toplevel is None:
        # the same seeds as nengo, and the same host/chip split as nengo-loihi
        seed_network(network, seeds=model.seeds, seeded=model.seeded)
        model.split = Split(
            network, precompute=precompute, remove_passthrough=remove_passthrough
        )
    nengo_build_network(model, network, progress=None)
    if network is not model.toplevel:
        return
    for conn in model.split.passthrough.to_add:  # they carry no seeds
        model.seeds[conn] = None
        model.seeded[conn] = False
        model.build(conn)
    block_map = split_model(model)
    model.block_comp_map = {
        new: comps for news in block_map.values() for new, comps in news.items()
    }
    if discretize:
        discretize_model(model)
    validate_model(model)


def split_model(model):
    """Split the model's blocks into cores, as ``nengo_loihi``'s ``split_model``.

    Returns the map from each old block to its new blocks (and their old
    compartment indices).
    """
    level = model.validation_level
    block_map = collections.OrderedDict()
    synapse_map = {}
    for old in model.blocks:
        news = nl_split.split_block(old, model.block_shapes, validate=level)
        block_map[old] = news
        for synapse in old.synapses:
            synapse_map[synapse] = (
                None if len(news) == 1 else split_synapse(old, synapse, news, validate=level)
            )
    for old in model.blocks:
        nl_split.split_block_axons(old, block_map, synapse_map)
    for inp in model.inputs:
        nl_split.split_input_axons(inp, block_map, synapse_map)
    for probe in model.probes:
        nl_split.split_probe(probe, block_map, synapse_map, validate=level)

    blocks = [block for news in block_map.values() for block in news]
    model.blocks = collections.OrderedDict(zip(blocks, range(len(blocks))))
    for parts in model.objs.values():
        for key, value in parts.items():
            if value in block_map:
                parts[key] = list(block_map[value])
    return block_map


def _plain(synapse, validate):
    """Whether ``synapse`` has plain discrete weights, one atom per axon, that
    :func:`split_synapse` handles itself."""
    return (
        validate < ValidationLevel.FULL
        and synapse.axon_to_weight_map is None
        and synapse.axon_compartment_bases is None
        and synapse.pop_type == 0
        and all(isinstance(w, np.ndarray) and w.shape[0] == 1 for w in synapse.weights)
    )


def split_synapse(old_block, old_synapse, new_blocks, validate=ValidationLevel.MINIMAL):
    """``old_synapse`` split over ``new_blocks``, as nengo-loihi's ``split_synapse``.

    Returns the map from each new synapse to the old axons it takes.
    """
    if not _plain(old_synapse, validate):
        return nl_split.split_synapse(old_block, old_synapse, new_blocks, validate=validate)
    n_old = old_block.compartment.n_compartments
    # each axon's target compartments (all discrete weights have base 0)
    targets = [np.asarray(ind[0]) for ind in old_synapse.indices]
    # the common case, a dense matrix: every axon reaches the same compartments
    uniform = all(t.shape == targets[0].shape for t in targets) and all(
        np.array_equal(t, targets[0]) for t in targets
    )
    stacked = np.concatenate(old_synapse.weights, axis=0) if uniform else None
    new_synapse_axons = collections.OrderedDict()
    for k, (block, comp_ids) in enumerate(new_blocks.items()):
        comps = np.asarray(comp_ids.list, dtype=np.int64)
        inside = np.zeros(n_old, dtype=bool)
        inside[comps] = True
        position = np.full(n_old, -1, dtype=np.int64)
        position[comps] = np.arange(len(comps))
        if uniform:
            rows = _uniform_rows(stacked, targets[0], inside, position)
        else:
            rows = [_axon_row(w, t, inside, position)
                    for w, t in zip(old_synapse.weights, targets)]
        axon_ids = [a for a, row in enumerate(rows) if row is not None]
        if not axon_ids:
            continue  # no axon reaches this core (nengo-loihi skips it too)
        new = Synapse(len(axon_ids))
        if old_synapse.label is not None:
            new.label = "%s[%d]" % (old_synapse.label, k)
        block.add_synapse(new)
        new_synapse_axons[new] = axon_ids

        weights, indices, slots, seen = [], [], [], {}
        for a in axon_ids:
            ww, ii = rows[a]
            key = (ww.tobytes(), ww.shape, ii.tobytes())
            if key not in seen:
                seen[key] = len(weights)
                weights.append(ww)
                indices.append(ii)
            slots.append(seen[key])
        new._set_weights_indices(
            weights,
            indices,
            weight_dtype=weights[0].dtype,
            compression=old_synapse.synapse_cfg.compression,
        )
        new.axon_to_weight_map = np.asarray(slots)
        new.axon_compartment_bases = np.zeros(len(slots), dtype=int)
        new.pop_type = old_synapse.pop_type
    return new_synapse_axons


def _axon_row(w, targets, inside, position):
    """One axon's weights into a new core and their new compartment indices
    (None if it reaches none of the core's compartments)."""
    mask = inside[targets]
    if not mask.any():
        return None
    if np.unique(targets[mask]).size == len(targets):  # all inside
        return np.array(w), position[targets][None, :]
    return w[:, mask], position[targets[mask]][None, :]


def _uniform_rows(stacked, targets, inside, position):
    """:func:`_axon_row` of every axon at once, when all reach ``targets``."""
    mask = inside[targets]
    if not mask.any():
        return [None] * len(stacked)
    if np.unique(targets[mask]).size == len(targets):
        block, ii = stacked.copy(), position[targets][None, :]
    else:
        block, ii = stacked[:, mask], position[targets[mask]][None, :]
    return [(block[a:a + 1], ii) for a in range(len(block))]


def discretize_model(model):
    """Discretise the model in place, as nengo-loihi's ``discretize_model``."""
    v_scale = {}
    for block in model.blocks:
        w_maxs = [s.max_abs_weight() for s in block.synapses]
        w_max = max(w_maxs) if w_maxs else 0
        info = nl_discretize.discretize_compartment(block.compartment, w_max)
        for synapse in block.synapses:
            discretize_synapse(synapse, w_max, info["w_scale"], info["w_exp"])
        v_scale[block] = info["v_scale"]
    for probe in model.probes:
        for i, block in enumerate(probe.target):
            nl_discretize.discretize_probe(probe, i, v_scale[block])


def discretize_synapse(synapse, w_max, w_scale, w_exp):
    """Discretise ``synapse`` in place, as nengo-loihi's ``discretize_synapse``,
    with all weights of one shape in one call."""
    shapes = {w.shape for w in synapse.weights}
    if synapse.learning or len(shapes) != 1 or len(synapse.weights) < 2:
        return nl_discretize.discretize_synapse(synapse, w_max, w_scale, w_exp)
    W = np.concatenate(synapse.weights, axis=0)
    w_max_i = np.abs(W).max() if W.size > 0 else -np.inf
    if w_max_i > 1e-16:
        dw_exp = int(np.floor(np.log2(w_max / w_max_i)))
        assert dw_exp >= 0
        w_exp2 = max(w_exp - dw_exp, -6)
    else:
        w_exp2 = -6
        dw_exp = w_exp - w_exp2
    synapse.format(weight_exp=w_exp2)
    rows = synapse.weights[0].shape[0]
    if np.ndim(w_scale) > 0:
        I = np.concatenate(synapse.indices, axis=0)
        scaled = W * np.asarray(w_scale)[I] * 2**dw_exp
    else:
        scaled = W * w_scale * 2**dw_exp
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ints = nl_discretize.discretize_weights(synapse.synapse_cfg, scaled)
    for warning in caught[:1]:  # nengo-loihi warns once per axon; once is enough
        warnings.warn_explicit(warning.message, warning.category, warning.filename,
                               warning.lineno)
    ints = np.round(ints).astype(np.int32)
    for i, w in enumerate(synapse.weights):
        assert w.dtype == np.float32
        w.dtype = np.int32
        w[:] = ints[i * rows:(i + 1) * rows]
    return None
