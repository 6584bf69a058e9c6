"""Operations counted in a nengo-loihi run, for :mod:`nengo_lmu.hardware.energy`."""

import numpy as np
from nengo.exceptions import ValidationError

from nengo_lmu.hardware.energy import OperationCounts


def _fanout(block):
    """Synaptic operations each compartment of ``block`` causes per spike."""
    n = block.compartment.n_compartments
    fanout = np.zeros(n)
    for axon in block.axons:
        syn = axon.target
        for c, spike in enumerate(axon.map_spikes(np.arange(n))):
            if spike is not None:
                fanout[c] += syn.axon_weights_indices(spike.axon_idx, atom=spike.atom)[
                    0
                ].size
    return fanout


def loihi_counts(sim):
    """Count the operations of a nengo-loihi emulator run so far.

    Call it before the simulator closes. Every spike of a chip compartment
    costs one synaptic operation per weight its axons reach; a neuron update
    is one compartment for one step, active when the compartment spiked
    (a lower bound: a compartment integrating input without spiking is
    counted as inactive). Spikes sent from the host into the chip are not
    counted.
    """
    emulator = sim.sims.get("emulator")
    if emulator is None or emulator.compartment is None:
        raise ValidationError(
            "must be an open nengo-loihi emulator simulator (target 'sim' or "
            "'simreal') that has run",
            "sim",
        )
    spikes = emulator.compartment.spike_count
    synops = 0.0
    for block, sl in emulator.block_info.slices.items():
        synops += float(spikes[sl] @ _fanout(block))
    steps = int(sim.n_steps)
    n = int(emulator.block_info.n_compartments)
    return OperationCounts(
        synops=synops,
        neuron_updates=float(n * steps),
        active_updates=float(spikes.sum()),
        steps=steps,
    )


def dense_counts(model, steps):
    """Operations of computing a nengo-loihi ``model`` densely for ``steps``.

    On a CPU or GPU every weight of every synapse is a multiply-accumulate on
    every step, and every compartment is updated every step (as
    KerasSpiking counts a dense layer).
    """
    weights = sum(
        sum(np.size(w) for w in syn.weights)
        for block in model.blocks
        for syn in block.synapses
    )
    n = sum(block.compartment.n_compartments for block in model.blocks)
    return OperationCounts(
        synops=float(weights * steps),
        neuron_updates=float(n * steps),
        active_updates=float(n * steps),
        steps=int(steps),
    )
