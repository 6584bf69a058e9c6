"""What a built nengo-loihi model uses: cores, axons, synapse memory, weights."""

import collections
import dataclasses
import math

import numpy as np
from nengo.exceptions import BuildError
from nengo_loihi.block import MAX_COMPARTMENTS, MAX_SYNAPSE_BITS, Synapse

from nengo_lmu.hardware.loihi.chip import CORE_LIMITS, CORES_PER_CHIP, weight_grid

def fit_neurons_per_core(n_neurons, n_axons):
    """Largest even share of ``n_neurons`` per core whose weights fit a core.

    Every neuron receives dense weights from ``n_axons`` axons; a core holds
    1,024 compartments and 1,048,576 bits of synapse memory (as nengo-loihi
    counts them).
    """
    n_cores = max(1, math.ceil(n_neurons / MAX_COMPARTMENTS))
    fits = lambda n: synapse_bits(n_axons, math.ceil(n_neurons / n)) <= MAX_SYNAPSE_BITS  # noqa: E731
    if not fits(n_neurons):
        raise BuildError(
            f"synapse bits: one neuron with {n_axons} input axons needs "
            f"{synapse_bits(n_axons, 1)} bits, more than a Loihi core's {MAX_SYNAPSE_BITS}"
        )
    # the fewest cores that fit: the bits grow with the neurons per core, so
    # bisect over the number of cores (a d = 64 memory tried 452 one by one)
    lo, hi = n_cores, n_neurons
    while lo < hi:
        mid = (lo + hi) // 2
        if fits(mid):
            hi = mid
        else:
            lo = mid + 1
    return math.ceil(n_neurons / lo)


def synapse_bits(n_axons, n_compartments):
    """Synapse memory, in bits, of dense 8-bit weights from ``n_axons`` axons
    to ``n_compartments`` compartments, as nengo-loihi counts it."""
    syn = Synapse(n_axons)
    syn.set_weights(np.ones((n_axons, n_compartments), dtype=np.float32))
    return syn.bits()


@dataclasses.dataclass
class ResourceReport:
    """What a built nengo-loihi model uses, against Loihi's limits.

    ``cores``: one dict per core (block): ``label`` and, for each of
    :data:`CORE_LIMITS`, the amount used. ``synapses``: one dict per synapse
    with its core, ``label``, ``axons``, ``weights``, ``bits``, and once
    discretised the ``weight_exp``, the ``levels`` its largest weight uses
    of the 8-bit mantissa and the ``lost_bits`` nengo-loihi's rounding drops
    below it. ``chips``: chips of :data:`CORES_PER_CHIP` cores.
    ``quantization``: each :class:`LoihiLegendreMemory`'s relative weight
    and current changes by plain rounding and by GPFQ. ``limits``: the
    per-core limits, as nengo-loihi's ``Block.utilization`` reports them
    (by default :data:`CORE_LIMITS`, nengo-loihi's constants).
    """

    cores: list
    synapses: list
    chips: int
    quantization: dict
    limits: dict = dataclasses.field(default_factory=lambda: dict(CORE_LIMITS))

    @property
    def totals(self):
        """Sums over cores, plus ``cores`` and ``chips``."""
        out = {key: sum(c[key] for c in self.cores) for key in CORE_LIMITS}
        out.update(cores=len(self.cores), chips=self.chips)
        return out

    @property
    def peak(self):
        """The largest use of each per-core resource, as a fraction of its limit."""
        return {
            key: max((c[key] / lim for c in self.cores), default=0.0)
            for key, lim in self.limits.items()
        }

    def check(self, max_chips=None):
        """Raise ``BuildError`` naming the first limit the model exceeds.

        nengo-loihi refuses a model whose cores exceed their limits when it
        builds; this check matters for ``max_chips`` and for reports that
        were not read from a built model.
        """
        for c in self.cores:
            for key, lim in self.limits.items():
                if c[key] > lim:
                    raise BuildError(
                        f"{key}: core {c['label']} uses {c[key]}, more than "
                        f"Loihi's {lim} per core"
                    )
        if max_chips is not None and self.chips > max_chips:
            raise BuildError(
                f"chips: {len(self.cores)} cores need {self.chips} chips of "
                f"{CORES_PER_CHIP}, more than max_chips={max_chips}"
            )

    def table(self):
        """A plain-text summary: totals, peak use per core, weights."""
        t = self.totals
        lines = [
            f"cores {t['cores']}, chips {t['chips']}, compartments "
            f"{t['compartments']}, in-axons {t['in-axons']}, out-axons "
            f"{t['out-axons']}, synapse memory {t['synapse bits'] / 8 / 1024:.0f} KiB",
            "peak per core: "
            + ", ".join(f"{k} {v:.0%}" for k, v in self.peak.items()),
        ]
        disc = [s for s in self.synapses if s.get("weight_exp") is not None]
        if disc:
            lost = max(s["lost_bits"] for s in disc)
            levels = min(s["levels"] for s in disc)
            lines.append(
                f"weights: 8-bit mantissas, exponents "
                f"{min(s['weight_exp'] for s in disc)}..{max(s['weight_exp'] for s in disc)}, "
                f"fewest levels used {levels}, most bits lost {lost}"
            )
        for label, q in self.quantization.items():
            lines.append(
                f"{label}: recurrent current error {q['rounded']['currents']:.2%} "
                f"rounded, {q['gpfq']['currents']:.2%} with GPFQ"
            )
        return "\n".join(lines)


def resources(sim_or_model, network=None):
    """The :class:`ResourceReport` of a nengo-loihi simulator or model.

    ``network`` (default the simulator's) supplies the quantisation figures
    of the :class:`LoihiLegendreMemory` networks in it.
    """
    model = getattr(sim_or_model, "model", sim_or_model)
    network = getattr(sim_or_model, "network", None) if network is None else network
    cores, synapses = [], []
    limits = dict(CORE_LIMITS)
    names = {"synapse bits": "synapses"}  # nengo-loihi's name of each resource
    for i, block in enumerate(model.blocks):
        use = block.utilization()
        limits = {key: use[names.get(key, key)][1] for key in CORE_LIMITS}
        cores.append(
            {
                "label": f"{i}: {block.label}",
                "compartments": use["compartments"][0],
                "in-axons": use["in-axons"][0],
                "out-axons": use["out-axons"][0],
                "synapse bits": use["synapses"][0],
            }
        )
        for syn in block.synapses:
            sizes = collections.Counter(np.size(w) for w in syn.weights)
            row = {
                "core": f"{i}: {block.label}",
                "label": str(syn.label),
                "axons": syn.n_axons,
                "weights": int(sum(size * n for size, n in sizes.items())),
                # as Synapse.bits(), one size at a time
                "bits": sum(syn.synapse_cfg.bits_per_axon(size) * n
                            for size, n in sizes.items()) if syn.synapse_cfg else syn.bits(),
                "weight_exp": None,
            }
            ints = [w for w in syn.weights if np.size(w)]
            if ints and ints[0].dtype.kind == "i" and syn.synapse_cfg is not None:
                step, _, lost = weight_grid(syn.synapse_cfg)
                big = _largest(ints)
                row.update(
                    weight_exp=int(syn.synapse_cfg.weight_exp),
                    levels=big // step,
                    lost_bits=lost,
                )
            synapses.append(row)
    quant = {}
    if network is not None:
        for mem in _loihi_memories(network):
            if mem.quantization is not None:
                quant[str(mem.label or mem)] = mem.quantization
    return ResourceReport(
        cores=cores,
        synapses=synapses,
        chips=math.ceil(len(cores) / CORES_PER_CHIP),
        quantization=quant,
        limits=limits,
    )


def _largest(arrays):
    """The largest magnitude in a list of integer arrays."""
    if len({a.shape for a in arrays}) == 1:
        return int(np.abs(np.concatenate(arrays, axis=0)).max())
    return max(int(np.abs(a).max()) for a in arrays)


def _loihi_memories(network):
    from nengo_lmu.hardware import memories  # noqa: PLC0415
    from nengo_lmu.hardware.loihi.memory import LoihiLegendreMemory  # noqa: PLC0415

    return [m for m in memories(network) if isinstance(m, LoihiLegendreMemory)]
