"""Energy estimates from counted operations, per platform.

The model is the one KerasSpiking uses: energy = synaptic operations x
energy per synaptic operation + neuron updates x energy per neuron update.
What counts as an operation depends on the platform:

- on neuromorphic hardware (``"loihi"``) work is done per event: one
  synaptic operation per spike per target synapse, counted from a run
  (:func:`nengo_lmu.hardware.loihi.loihi_counts` reads the emulator's spike counts and the fan-out of
  every compartment);
- on the analog chip (``"braindrop"``) the figure is per *equivalent*
  synaptic operation: one per spike per neuron (or off-chip output) the
  spike reaches through decoders and encoders, as if the weights were a
  full matrix (:func:`nengo_lmu.hardware.analog.analog_counts`); the published figure includes the
  neurons, so they cost nothing extra;
- on a CPU or GPU the same network is computed densely: every weight is used
  every step (:func:`nengo_lmu.hardware.loihi.dense_counts`).

All figures are estimates for comparing platforms on one network, not
measurements: they leave out static power, host communication and memory
traffic.
"""

import dataclasses

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
