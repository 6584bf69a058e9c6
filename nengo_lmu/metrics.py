r"""Error metrics, named as in THEORY.md section 4.

All functions take arrays with time along the first axis. Callers pass the
decoded and the reference signal through the same probe filter
(:func:`filtered`) and drop a warm-up of at least ``theta`` first
(:func:`after_warmup`).
"""

import numpy as np
import nengo
from nengo.exceptions import ValidationError

from nengo_lmu.signals import delayed


def filtered(x, synapse, dt=0.001):
    """``x`` as a nengo ``Probe(..., synapse=synapse)`` would record it.

    A probe's filter runs in nengo's update phase, so its output lags
    ``synapse.filt`` by one step; this reproduces that lag exactly, so an
    offline reference and a probed signal pass through the same filter.
    ``synapse`` is a nengo synapse, a lowpass time constant in seconds, or
    None (no filtering, no lag).
    """
    x = np.asarray(x, dtype=float)
    if synapse is None:
        return x
    if not isinstance(synapse, nengo.synapses.Synapse):
        synapse = nengo.Lowpass(synapse)
    y = synapse.filt(x, dt=dt, y0=0, axis=0)
    return np.concatenate([np.zeros_like(y[:1]), y[:-1]], axis=0)


def after_warmup(x, warmup, dt=0.001):
    """The rows of ``x`` from ``warmup`` seconds on."""
    k = int(round(warmup / dt))
    if k >= len(x):
        raise ValidationError(
            f"must be shorter than the signal ({len(x) * dt:g} s) (got {warmup})",
            "warmup",
        )
    return np.asarray(x)[k:]


def _pair(x_hat, x):
    x_hat = np.asarray(x_hat, dtype=float)
    x = np.asarray(x, dtype=float)
    if x_hat.shape != x.shape:
        raise ValidationError(
            f"must have the reference's shape {x.shape} (got {x_hat.shape})", "x_hat"
        )
    return x_hat.reshape(len(x_hat), -1), x.reshape(len(x), -1)


def state_error(x_hat, x):
    r"""State error :math:`E = \sqrt{\mathrm{mean}_t \|\hat{x}(t) - x(t)\|^2}`.

    Examples
    --------
    >>> state_error([[1.0, 1.0], [1.0, 1.0]], [[0.0, 0.0], [0.0, 0.0]])
    1.4142135623730951
    """
    x_hat, x = _pair(x_hat, x)
    return float(np.sqrt(np.mean(np.sum((x_hat - x) ** 2, axis=1))))


def normalised_state_error(x_hat, x, radii):
    r"""Normalised state error :math:`E_n`: each dimension's error over its radius."""
    x_hat, x = _pair(x_hat, x)
    r = np.broadcast_to(np.asarray(radii, dtype=float), x.shape[1:])
    if np.any(~np.isfinite(r)) or np.any(r <= 0):
        raise ValidationError(f"must be finite and > 0 (got {radii})", "radii")
    return state_error(x_hat / r, x / r)


def nrmse(y_hat, y):
    """Root-mean-square error of ``y_hat`` divided by the RMS of ``y``."""
    y_hat, y = _pair(y_hat, y)
    rms = np.sqrt(np.mean(y**2))
    if rms == 0:
        raise ValidationError("has zero RMS, so NRMSE is undefined", "y")
    return float(np.sqrt(np.mean((y_hat - y) ** 2)) / rms)


def delay_nrmse(decoded, u, theta_prime, dt=0.001, warmup=0.0):
    r"""Delay NRMSE(:math:`\theta'`): the decoded ``u(t - theta')`` against the truth.

    Parameters
    ----------
    decoded : (n_steps, k) array_like
        The decoded delayed signal, row ``k`` at time ``(k + 1) dt``.
    u : (n_steps, k) array_like
        The input, filtered like ``decoded``; the truth is ``u`` delayed by
        ``theta_prime`` seconds.
    theta_prime : float
        The delay in seconds.
    dt : float
        Step in seconds.
    warmup : float
        Seconds dropped from the start of both before comparing.
    """
    truth = delayed(u, theta_prime, dt)
    return nrmse(after_warmup(decoded, warmup, dt), after_warmup(truth, warmup, dt))
