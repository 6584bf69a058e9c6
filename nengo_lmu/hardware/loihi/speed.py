"""What a Legendre memory's speed decides on Loihi: its neurons, how many
on/off pairs carry its input, and where its groups of neurons are decoded.

A memory's speed is that of its fastest dynamics, ``max |eig(A)| / theta``
per second (``A`` the continuous LMU matrix over ``theta``); above
:data:`FAST_DYNAMICS` it is *fast*.
"""

import nengo
import numpy as np
from nengo.exceptions import ValidationError
from nengo_loihi.neurons import LoihiLIF, LoihiSpikingRectifiedLinear

from nengo_lmu.hardware.loihi.inputs import DEFAULT_INPUT_PAIRS, INPUT_PAIRS_MIN_ORDER
from nengo_lmu.networks.memory import STATE_SCALE

#: Speed (per second) of a memory's fastest dynamics, ``max |eig(A)| / theta``,
#: above which it gets LIF neurons by default. Measured on the reference
#: simulator with the memory's Loihi neuron models (window NRMSE,
#: rectified-linear / LIF): d = 3, theta = 0.1 s (41/s): 0.045 / 0.067;
#: d = 6, theta = 1 s (9/s): 0.069 / 0.145; d = 12, theta = 1 s (20/s):
#: 0.064 / 0.137; d = 6, theta = 0.1 s (93/s): 0.166 / 0.075; d = 12,
#: theta = 0.25 s (81/s): 0.17 / 0.089; d = 24, theta = 0.1 s (431/s):
#: 0.213 / 0.103; on held digit pixels (d = 12 and 24, theta = 0.128 s)
#: the relative state error fell from 1.6 to 0.40 and from 3.8 to 1.3.
FAST_DYNAMICS = 60.0


#: The highest order for which a Loihi memory is known to serve. Loihi's
#: neurons reset their voltage to zero at a spike and drop what was above
#: threshold (and drain it while their input is negative); the memory's
#: recurrence feeds the resulting error back, and from order 32 up it loses
#: the state. Measured with ``benchmarks/bench_digits_memory.py --digits 2
#: --configs 24:1464,32:1952,48:2928,64:3904 --gains 1 --time-scale 16``
#: (permuted-digit pixels held 32 ms, theta = 2.048 s, 61 LIF neurons per
#: dimension; state error over the ideal state's RMS, on the reference
#: simulator, the integer emulator within 3%): 0.52 at order 24, 1.00 at
#: 32, 1.99 at 48 and 0.57 at 64; at order 64 it stays near 0.5 from 1,984
#: neurons up (``--configs 64:512,64:992,64:1984,64:3904 --targets
#: reference,nengo``: 0.97, 0.70, 0.52, 0.57). Order 24 is the highest at
#: which the converted digits network still classifies within 2 points of
#: spikes on nengo's simulator. Larger orders get a
#: :class:`ResetToZeroWarning`. At order 64 the reset is not what limits
#: the memory (``--variants``: with the neurons' Loihi rates instead of
#: spikes the error is as large, and random start voltages or a voltage
#: dither do not lower it); its decoders' error, which the recurrence
#: amplifies, is (smooth rectified-linear rates: 0.36 at nengo's
#: regularisation, 0.085 at 0.01, ``--variants relu-rates [--reg 0.01]``).
MAX_HELD_ORDER = 24


def _speed(order, theta):
    from nengo_lmu.dynamics import lmu_matrices  # noqa: PLC0415

    A, _ = lmu_matrices(int(order), float(theta))
    return float(np.max(np.abs(np.linalg.eigvals(A))))


def _is_fast(order, theta):
    try:
        return _speed(order, theta) > FAST_DYNAMICS
    except (TypeError, ValueError, ValidationError):
        return False  # LegendreMemory names what is wrong with them


def default_neuron_type(order, theta):
    """The Loihi neuron model a memory of this order and window gets by default.

    ``LoihiLIF()`` (tau_rc 20 ms, tau_ref 2 ms) when the memory's fastest
    dynamics, ``max |eig(A)| / theta``, exceed :data:`FAST_DYNAMICS` per
    second, else ``LoihiSpikingRectifiedLinear()``.

    Examples
    --------
    >>> type(default_neuron_type(6, 1.0)).__name__
    'LoihiSpikingRectifiedLinear'
    >>> type(default_neuron_type(24, 0.128)).__name__
    'LoihiLIF'
    """
    if _is_fast(order, theta):
        return LoihiLIF()
    return LoihiSpikingRectifiedLinear()


def default_input_pairs(order, theta):
    """The most on/off pairs that carry a memory's input by default.

    :data:`DEFAULT_INPUT_PAIRS` (8) from order :data:`INPUT_PAIRS_MIN_ORDER`
    (12) up and for fast memories (fastest dynamics above
    :data:`FAST_DYNAMICS` per second, as for :func:`default_neuron_type`),
    else 1. A fast memory's input weights grow with its speed (``B' ~ tau
    B / theta``) and, through one pair, set its cores' 8-bit grid; the
    recurrent weights per neuron shrink as ``1 / n_neurons``, so with one
    pair they lose bits as the memory grows and its error rose with its
    size. Measured (``benchmarks/bench_fast_memory.py --targets fast``:
    order 6, theta = 0.1 s, 768 / 1,536 neurons, window NRMSE on the
    integer emulator, 2 seeds): at theta f = 1, one pair 0.115 / 0.127,
    up to 8 pairs 0.115 / 0.119; at theta f = 0.3, 0.061 / 0.066 and
    0.060 / 0.057. Slow memories below order 12 keep one pair (see
    :data:`INPUT_PAIRS_MIN_ORDER` for what several cost them).

    Examples
    --------
    >>> [default_input_pairs(d, theta) for d, theta in [(6, 1.0), (6, 0.1), (12, 1.0)]]
    [1, 8, 8]
    """
    if order >= INPUT_PAIRS_MIN_ORDER or _is_fast(order, theta):
        return DEFAULT_INPUT_PAIRS
    return 1


def group_eval_points(memory, n, rng):
    """Where a group of neurons (one dimension of ``x``) is decoded.

    ``memory.eval_points`` if given; for a fast memory (fastest dynamics
    above :data:`FAST_DYNAMICS` per second) with radii from its input
    process, the states' own normal distribution (standard deviation
    ``1 / STATE_SCALE`` of the radius, tails included, as the reference
    memory's :meth:`.LegendreMemory.eval_points_dist`); else evenly in
    [-1, 1]. A fast memory's recurrence multiplies the gain with which its
    neurons decode the states they actually hold; even points fit that gain
    where the states seldom are (order 6, theta = 0.1 s, 10 Hz input, 384
    neurons: off by 4.3% on the states' distribution, mean over the
    groups, and by 2.2% with normal points). Measured with
    ``benchmarks/bench_fast_memory.py --targets fast`` (as for
    :func:`default_input_pairs`; input on up to 8 pairs): at theta f = 1,
    even points 0.115 / 0.119, normal points 0.084 / 0.088; at theta f =
    0.3, 0.060 / 0.057 and 0.061 / 0.059.
    """
    dist = memory.eval_points
    fast = _is_fast(memory.order, memory.theta)
    if dist is None and memory._radii_from_process and fast:
        dist = nengo.dists.Gaussian(0.0, 1.0 / STATE_SCALE)
    if dist is None:
        return rng.uniform(-1, 1, size=(n, 1))
    return dist.sample(n, 1, rng=rng)
