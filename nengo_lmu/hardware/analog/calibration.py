r"""Trims: each neuron measured on the chip and set to the curve asked for.

The substrate's neurons differ in gain and threshold (lognormal mismatch),
so a neuron fires at other rates than the ensemble's gain and bias ask for.
Calibrated decoders alone (solved from the true tuning curves) cannot undo
that where a population is addressed neuron by neuron (a connection into or
out of ``ensemble.neurons``, e.g. the trained hidden layer of an LMU, whose
weights were learned for neurons with the nominal gain and bias), and in a
recurrent memory the mismatched curves make the decoded state err (an LMU
memory of order 24 on the Braindrop-like substrate: state error 0.87 with
calibrated decoders, 0.16 trimmed, 0.16 without mismatch). So, calibrating,
the chip's software measures each neuron's rate curve and programs a
per-neuron input scale (its incoming weights and encoder, scaled) and bias
that undo its gain and threshold mismatch.

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

#: Weighted input currents swept by the measurement, in units of each
#: neuron's ``|bias| + 1`` (wide enough for a threshold mismatched by 10x).
SWEEP = np.linspace(-1.0, 10.0, 111)

#: Points of the nominal rate curve that the measurement inverts.
_TABLE_POINTS = 20001


def _inverse(base, currents):
    """``(currents, rates)``: the invertible part of ``base``'s rate curve on
    ``[0, currents]``, for ``np.interp`` to map rates back to currents.

    The grid is even over the whole range and, besides, geometric above 0
    and above 1 (the thresholds of rectified-linear and LIF-like neurons),
    so that the steep curve just above a threshold is resolved however wide
    the range; the table starts at the last current that does not fire.
    """
    even = np.linspace(0.0, currents, _TABLE_POINTS)
    near = np.geomspace(1e-9, max(currents, 2e-9), _TABLE_POINTS // 2)
    grid = np.unique(np.concatenate([even, near, 1.0 + near]))
    grid = grid[grid <= currents]
    rates = np.asarray(base.rates(grid, 1.0, 0.0), dtype=float).ravel()
    silent = np.flatnonzero(rates <= 0)
    start = silent[-1] if silent.size else 0
    grid, rates = grid[start:], rates[start:]
    # keep the strictly increasing part of the curve, where it is invertible
    keep = np.concatenate([[True], np.diff(rates) > 0])
    keep &= rates < 0.95 * rates[-1] if rates[-1] > 0 else keep
    return grid[keep], rates[keep]


def measure_current_map(neurons, bias):
    """Each neuron's effective current as a linear map of input and bias.

    Parameters
    ----------
    neurons : SubstrateNeurons
        The emulated neurons; their :meth:`physical_rates` are the true
        tuning curves of the untrimmed circuits.
    bias : ndarray
        The biases the network asked for (``(n,)``).

    Returns
    -------
    scale, bias_factor : ndarray
        :math:`s_i` and :math:`k_i` (see the module's docstring); NaN for a
        neuron that fires at too few points of the sweep to be measured.
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
    scale = np.full(n, np.nan)
    factor = np.full(n, np.nan)
    for i in range(n):
        sel = ok[:, i]
        design = np.stack([points_w[sel, i], points_b[sel, i]], axis=1)
        if sel.sum() >= 3 and np.linalg.matrix_rank(design) == 2:
            (s, k), *_ = np.linalg.lstsq(design, currents[sel, i], rcond=None)
            if s > 0 and k > 0:
                scale[i], factor[i] = s, k
    return scale, factor


def trims(neurons, bias):
    """The per-neuron input scale and programmed bias that undo the mismatch.

    Returns
    -------
    input_scale, programmed_bias : ndarray
        Multiply each neuron's weighted input by ``input_scale`` and program
        ``programmed_bias`` instead of ``bias``: its effective current is
        then the nominal ``J^w + bias`` (see :func:`measure_current_map`).
        A neuron that cannot be measured is left as it is (scale 1, its
        bias); calibrated decoders still see its true curve.
    """
    bias = np.asarray(bias, dtype=float)
    scale, factor = measure_current_map(neurons, bias)
    measured = np.isfinite(scale)
    input_scale = np.where(measured, 1.0 / np.where(measured, scale, 1.0), 1.0)
    programmed = np.where(measured, bias / np.where(measured, factor, 1.0), bias)
    return input_scale, programmed
