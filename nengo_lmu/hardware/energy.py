"""Energy estimates from counted operations, per platform.

The model is the one KerasSpiking uses: energy = synaptic operations x
energy per synaptic operation + neuron updates x energy per neuron update.
What counts as an operation depends on the platform:

- on neuromorphic hardware (``"loihi"``) work is done per event: one
  synaptic operation per spike per target synapse, counted from a run
  (:func:`loihi_counts` reads the emulator's spike counts and the fan-out of
  every compartment);
- on the analog chip (``"braindrop"``) the figure is per *equivalent*
  synaptic operation: one per spike per neuron (or off-chip output) the
  spike reaches through decoders and encoders, as if the weights were a
  full matrix (:func:`analog_counts`); the published figure includes the
  neurons, so they cost nothing extra;
- on a CPU or GPU the same network is computed densely: every weight is used
  every step (:func:`dense_counts`).

All figures are estimates for comparing platforms on one network, not
measurements: they leave out static power, host communication and memory
traffic.
"""

import dataclasses

import nengo
import numpy as np
from nengo.exceptions import ValidationError


@dataclasses.dataclass(frozen=True)
class Platform:
    """Energy per operation of one platform, in joules, with its source."""

    name: str
    synop: float
    neuron_update: float
    inactive_neuron_update: float
    source: str


#: Sourced energy figures.
#:
#: - ``loihi``: Davies et al., "Loihi: a neuromorphic manycore processor with
#:   on-chip learning", IEEE Micro 38(1) 2018, Table 2: 23.6 pJ per synaptic
#:   spike operation, 81 pJ per active and 52 pJ per inactive neuron update
#:   (the figures the issue tracker and KerasSpiking use).
#: - ``cpu``: 8.6 nJ per operation (Intel i7-4960X), and ``gpu``: 0.3 nJ per
#:   operation (Nvidia GTX Titan Black), both as used by KerasSpiking's
#:   ``ModelEnergy`` (after Degnan, Marr & Hasler 2016, and Blouw et al.
#:   2019, "Benchmarking keyword spotting efficiency on neuromorphic
#:   hardware"); one synaptic operation is one multiply-accumulate and a
#:   neuron update costs the same as one operation.
#: - ``braindrop``: 381 fJ per equivalent synaptic operation "for typical
#:   configurations", neurons and accumulators included (Neckar et al.,
#:   "Braindrop", Proc. IEEE 107(1) 2019, abstract); no static power figure
#:   was found, so none is added.
PLATFORMS = {
    "loihi": Platform(
        "loihi", 23.6e-12, 81e-12, 52e-12, "Davies et al. 2018, IEEE Micro, Table 2"
    ),
    "cpu": Platform(
        "cpu", 8.6e-9, 8.6e-9, 8.6e-9, "KerasSpiking ModelEnergy (Intel i7-4960X)"
    ),
    "gpu": Platform(
        "gpu", 0.3e-9, 0.3e-9, 0.3e-9, "KerasSpiking ModelEnergy (Nvidia Titan Black)"
    ),
    "braindrop": Platform(
        "braindrop", 381e-15, 0.0, 0.0, "Neckar et al. 2019, Proc. IEEE (abstract)"
    ),
}


@dataclasses.dataclass(frozen=True)
class OperationCounts:
    """Operations of one run.

    ``synops``: synaptic operations; ``neuron_updates``: neuron (compartment)
    updates, of which ``active_updates`` were active; ``steps``: time steps.
    """

    synops: float
    neuron_updates: float
    active_updates: float
    steps: int

    def __post_init__(self):
        for name in ("synops", "neuron_updates", "active_updates", "steps"):
            value = getattr(self, name)
            if not np.isfinite(value) or value < 0:
                raise ValidationError(
                    f"must be a finite number >= 0 (got {value})", name, obj=self
                )
        if self.active_updates > self.neuron_updates:
            raise ValidationError(
                f"must be at most neuron_updates={self.neuron_updates} "
                f"(got {self.active_updates})",
                "active_updates",
                obj=self,
            )


def platform(name):
    """The :class:`Platform` called ``name`` (one of :data:`PLATFORMS`)."""
    if name not in PLATFORMS:
        raise ValidationError(
            f"must be one of {sorted(PLATFORMS)} (got {name!r})", "platform"
        )
    return PLATFORMS[name]


def estimate(counts, platform_name):
    """Energy in joules of ``counts`` (:class:`OperationCounts`) on a platform.

    Returns a dict: ``energy_j`` (total), ``synaptic_j``, ``neuron_j`` and
    ``energy_per_step_j``.

    Examples
    --------
    >>> counts = OperationCounts(synops=1e6, neuron_updates=1e3,
    ...                          active_updates=1e2, steps=10)
    >>> round(estimate(counts, "loihi")["energy_j"] * 1e6, 4)  # microjoules
    23.6549
    """
    p = platform(platform_name)
    synaptic = counts.synops * p.synop
    neuron = (
        counts.active_updates * p.neuron_update
        + (counts.neuron_updates - counts.active_updates) * p.inactive_neuron_update
    )
    total = synaptic + neuron
    return {
        "platform": p.name,
        "energy_j": total,
        "synaptic_j": synaptic,
        "neuron_j": neuron,
        "energy_per_step_j": total / max(counts.steps, 1),
        "source": p.source,
    }


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


def _analog_fanout(model):
    """Per chip ensemble: equivalent synaptic operations per spike of one neuron."""
    fanout = {ens: 0 for ens in model.chip}
    for obj in model.params:
        if not isinstance(obj, nengo.Connection):
            continue
        pre = _ensemble_of(obj.pre_obj)
        if pre not in fanout:
            continue
        post = _ensemble_of(obj.post_obj)
        fanout[pre] += post.n_neurons if post in model.chip else obj.size_out
    return fanout


def analog_counts(sim):
    """Count the equivalent operations of an analog-backend run so far.

    Each spike of a chip neuron is one equivalent synaptic operation per
    neuron it reaches on the chip and per dimension it reaches off the chip,
    summed over its connections. Every neuron is updated every step; a
    neuron update is active in the steps it spiked (an upper bound on
    active steps: spikes in one step are counted once each).
    """
    model = sim.model
    if not hasattr(model, "chip"):
        raise ValidationError("must be an analog-backend simulator", "sim")
    fanout = _analog_fanout(model)
    spikes = {ens: float(sim.signals[c.count][0]) for ens, c in model.chip.items()}
    steps = int(sim.n_steps)
    n = sum(ens.n_neurons for ens in model.chip)
    return OperationCounts(
        synops=sum(spikes[ens] * fanout[ens] for ens in model.chip),
        neuron_updates=float(n * steps),
        active_updates=min(sum(spikes.values()), float(n * steps)),
        steps=steps,
    )


def analog_dense_counts(sim):
    """Operations of computing an analog-backend network on a CPU or GPU, every step.

    A CPU computes the network as nengo does, factored: each connection out of
    a chip population multiplies its neurons' activities by its decoding
    weights (neurons x rows), and each connection into one multiplies the
    decoded value by the encoders (rows x neurons); every neuron is updated
    every step.
    """
    model = sim.model
    steps = int(sim.n_steps)
    macs = 0
    for obj in model.params:
        if not isinstance(obj, nengo.Connection):
            continue
        pre = _ensemble_of(obj.pre_obj)
        post = _ensemble_of(obj.post_obj)
        if pre in model.chip:
            macs += pre.n_neurons * obj.size_out
        if post in model.chip and isinstance(obj.post_obj, nengo.Ensemble):
            macs += post.n_neurons * obj.size_out
    n = sum(ens.n_neurons for ens in model.chip)
    return OperationCounts(
        synops=float(macs * steps),
        neuron_updates=float(n * steps),
        active_updates=float(n * steps),
        steps=steps,
    )


def _ensemble_of(obj):
    return obj.ensemble if isinstance(obj, nengo.ensemble.Neurons) else obj
