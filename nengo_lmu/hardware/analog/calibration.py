r"""Trims for neurons that a network addresses one by one.

Calibrated decoders (the builder's ``calibrate``) absorb the chip's
mismatch wherever a population is read through decoders: the solver sees
the neurons' true tuning curves. A population whose neurons are addressed
one by one (a connection into or out of ``ensemble.neurons``, e.g. the
trained hidden layer of an LMU, whose weights were learned for neurons with
the nominal gain and bias) has no decoders to re-solve: each neuron must
itself respond as the weights assume. So, calibrating, the chip's software
measures each such neuron's rate curve and programs a per-neuron input
scale (its incoming weights, scaled) and bias that undo its gain and
threshold mismatch.

:func:`measure_current_map` is the measurement: rates swept over the
neuron's input current and programmed bias, turned back into the current
the neuron's model receives (the inverse of the nominal model's rate
curve), and fitted per neuron by the linear map

.. math:: J^{eff}_i = s_i J^{w}_i + k_i b_i

from weighted input :math:`J^w` and programmed bias :math:`b`.
:func:`trims` gives the programmed input scale :math:`1 / s_i` and bias
:math:`b_i / k_i` that make the effective current the nominal one. Noise
and drift are not measured (the measurement is of the curves at the start
of a run), so a drifting chip departs from its trims again over time.
"""

import numpy as np
from nengo.exceptions import BuildError
from nengo.ensemble import Neurons

#: Weighted input currents swept by the measurement, in units of each
#: neuron's ``|bias| + 1`` (wide enough for a threshold mismatched by 10x).
SWEEP = np.linspace(-1.0, 10.0, 111)

#: Points of the nominal rate curve that the measurement inverts.
_TABLE_POINTS = 20001


def addressed_ensembles(network):
    """Ensembles whose neurons a connection of ``network`` reads or drives directly."""
    out = set()
    for conn in network.all_connections:
        for obj in (conn.pre_obj, conn.post_obj):
            if isinstance(obj, Neurons):
                out.add(obj.ensemble)
    return out


def _inverse(base, currents):
    """A function mapping rates of ``base`` back to currents, on ``[0, max]``."""
    grid = np.linspace(0.0, currents, _TABLE_POINTS)
    rates = np.asarray(base.rates(grid, 1.0, 0.0), dtype=float).ravel()
    # keep the strictly increasing part of the curve, where it is invertible
    keep = np.concatenate([[True], np.diff(rates) > 0])
    keep &= rates < 0.95 * rates[-1] if rates[-1] > 0 else keep
    return grid[keep], rates[keep]


def measure_current_map(neurons, bias, label="ensemble"):
    """Each neuron's effective current as a linear map of input and bias.

    Parameters
    ----------
    neurons : SubstrateNeurons
        The emulated neurons; their :meth:`rates` are the true tuning curves.
    bias : ndarray
        The biases the network asked for (``(n,)``).
    label : str
        Named in a ``BuildError``.

    Returns
    -------
    scale, bias_factor : ndarray
        :math:`s_i` and :math:`k_i` (see the module's docstring).
    """
    bias = np.asarray(bias, dtype=float)
    n = bias.size
    # weighted inputs across the neuron's range, at two programmed biases
    step = np.abs(bias) + 1.0
    x = SWEEP[:, None] * step[None, :]
    b_hi = bias + step
    points_w = np.concatenate([x, x])
    points_b = np.concatenate([np.broadcast_to(bias, x.shape),
                               np.broadcast_to(b_hi, x.shape)])
    rates = np.concatenate([neurons.physical_rates(x, 1.0, bias),
                            neurons.physical_rates(x, 1.0, b_hi)])
    top = 50.0 * float(np.max(np.abs(points_w) + np.abs(points_b)))
    grid, table = _inverse(neurons.base, top)
    ok = (rates > 0) & (rates <= table[-1])
    currents = np.interp(rates, table, grid)
    scale = np.empty(n)
    factor = np.empty(n)
    for i in range(n):
        sel = ok[:, i]
        design = np.stack([points_w[sel, i], points_b[sel, i]], axis=1)
        if sel.sum() < 3 or np.linalg.matrix_rank(design) < 2:
            raise BuildError(
                f"calibrate: neuron {i} of {label} fires at too few points of the "
                "calibration sweep to measure its gain and bias"
            )
        (scale[i], factor[i]), *_ = np.linalg.lstsq(design, currents[sel, i], rcond=None)
    if np.any(scale <= 0) or np.any(factor <= 0):
        raise BuildError(
            f"calibrate: a neuron of {label} measured a non-positive gain or bias "
            "factor; it cannot be trimmed"
        )
    return scale, factor


def trims(neurons, bias, label="ensemble"):
    """The per-neuron input scale and programmed bias that undo the mismatch.

    Returns
    -------
    input_scale, programmed_bias : ndarray
        Multiply each neuron's weighted input by ``input_scale`` and program
        ``programmed_bias`` instead of ``bias``: its effective current is
        then the nominal ``J^w + bias`` (see :func:`measure_current_map`).
    """
    scale, factor = measure_current_map(neurons, bias, label)
    return 1.0 / scale, np.asarray(bias, dtype=float) / factor
