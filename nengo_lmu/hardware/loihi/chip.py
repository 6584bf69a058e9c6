"""Loihi's arithmetic: chip limits, neuron models, synaptic decay, weight grids.

The facts about the chip that the Loihi memory and its resource reports
rely on, as nengo-loihi 1.1 models them.
"""

import math

import numpy as np
import nengo
from nengo.exceptions import ValidationError
from nengo_loihi.block import (
    MAX_COMPARTMENTS,
    MAX_IN_AXONS,
    MAX_OUT_AXONS,
    MAX_SYNAPSE_BITS,
)
from nengo_loihi.neurons import LoihiLIF, LoihiSpikingRectifiedLinear

#: Neuron cores per Loihi chip (Davies et al. 2018).
CORES_PER_CHIP = 128

#: Bits of Loihi's current and voltage decay constants.
DECAY_BITS = 12

#: Per-core limits that nengo-loihi 1.1 checks when it builds.
CORE_LIMITS = {
    "compartments": MAX_COMPARTMENTS,
    "in-axons": MAX_IN_AXONS,
    "out-axons": MAX_OUT_AXONS,
    "synapse bits": MAX_SYNAPSE_BITS,
}

#: Neuron types the memory accepts, and the Loihi model each becomes.
LOIHI_NEURONS = {
    nengo.SpikingRectifiedLinear: LoihiSpikingRectifiedLinear,
    LoihiSpikingRectifiedLinear: LoihiSpikingRectifiedLinear,
    nengo.LIF: LoihiLIF,
    LoihiLIF: LoihiLIF,
}


def chip_decay(tau, dt=0.001):
    """The per-step factor by which Loihi decays a synaptic current.

    nengo-loihi stores ``1 - exp(-dt / tau)`` as a 12-bit integer ``k`` (minus
    one, which the chip adds back), and the chip multiplies the current by
    ``(4096 - 1 - k) / 4096`` each step.

    Examples
    --------
    >>> round(chip_decay(0.1), 6), round(float(np.exp(-0.001 / 0.1)), 6)
    (0.98999, 0.99005)
    """
    decay = -np.expm1(-dt / float(tau))
    k = np.clip(np.round(decay * (2**DECAY_BITS - 1) - 1), 0, 2**DECAY_BITS - 1)
    return float((2**DECAY_BITS - 1 - k) / 2**DECAY_BITS)


def chip_tau(tau, dt=0.001):
    """The time constant Loihi realises for a lowpass of ``tau`` seconds.

    A ``nengo.Lowpass(chip_tau(tau))`` decays by exactly :func:`chip_decay`
    per step in nengo's reference simulator, and nengo-loihi maps it to the
    same 12-bit decay as ``tau``.
    """
    return -dt / math.log(chip_decay(tau, dt))


def _neuron_args(neuron_type):
    args = {"amplitude": neuron_type.amplitude}
    if isinstance(neuron_type, nengo.LIF):
        # min_voltage too: a floorless memory runs as NIR's neurons do (the
        # chip's floor is its own, whatever this says)
        args.update(tau_rc=neuron_type.tau_rc, tau_ref=neuron_type.tau_ref,
                    min_voltage=neuron_type.min_voltage)
    return args



def weight_grid(synapse_cfg):
    """The grid nengo-loihi puts a discretised synapse's weights on.

    Weights are 8-bit mantissas times ``2 ** (6 + weight_exp)``, shifted
    right by ``shift_bits`` on the chip. Returns ``(step, levels,
    lost_bits)``: the grid step in the integer units nengo-loihi stores,
    the largest multiple of it a weight can take, and the bits of the
    mantissa the shift drops.
    """
    s2 = synapse_cfg.shift_bits + synapse_cfg.weight_exp
    return 2 ** (max(s2, 0) + 6), math.floor(127 * 2.0 ** min(s2, 0)), max(0, -s2)


def _check_count(value, name, high, obj, prefix="", suffix=""):
    """``value`` is None or an integer in [1, ``high``], else a ValidationError."""
    if value is not None and not (isinstance(value, (int, np.integer)) and 1 <= value <= high):
        raise ValidationError(
            f"Must be {prefix}an integer in [1, {high}]{suffix} (got {value!r})",
            attr=name, obj=obj,
        )


def _check_range(value, name, low, high, obj, low_open=False):
    try:
        lo, hi = (float(v) for v in value)
    except (TypeError, ValueError):
        raise ValidationError(
            f"Must be a (low, high) pair of numbers (got {value!r})", attr=name, obj=obj
        ) from None
    ok_low = lo > low if low_open else lo >= low
    if not (np.isfinite(lo) and np.isfinite(hi) and ok_low and lo <= hi < high):
        bound = "<" if low_open else "<="
        raise ValidationError(
            f"Must satisfy {low} {bound} low <= high < {high} (got {value!r})",
            attr=name,
            obj=obj,
        )
    return lo, hi
