r"""Inputs, and the references the spiking memory is measured against.

Inputs are arrays of samples, one row per simulator step, so that the network
(through :func:`input_process`) and the ideal memory see the very same
samples: row ``k`` is the input at time ``(k + 1) * dt``, which is what
nengo's probes record at row ``k``.
"""

import numpy as np
import nengo
from nengo.exceptions import ValidationError

from nengo_lmu.dynamics import (
    check_dt,
    check_integer,
    check_positive,
    lmu_discrete,
    lmu_matrices,
    radii_from_covariance,
    state_covariance,
)


def n_steps(duration, dt):
    """Number of simulator steps in ``duration`` seconds."""
    duration = check_positive(duration, "duration")
    return int(round(duration / check_positive(dt, "dt")))


def white_signal(duration, dt=0.001, high=1.0, rms=0.3, channels=1, seed=None):
    """Band-limited white noise (nengo's ``WhiteSignal``) as samples.

    Parameters
    ----------
    duration : float
        Length in seconds; also the signal's period.
    dt : float
        Sample spacing in seconds (default 0.001).
    high : float
        Cut-off frequency in Hz (default 1.0).
    rms : float
        Root-mean-square value (default 0.3).
    channels : int
        Number of independent channels (default 1).
    seed : int, optional
        Seed of the generator.

    Returns
    -------
    u : (n_steps, channels) ndarray
    """
    steps = n_steps(duration, dt)
    process = white_signal_process(duration, high=high, rms=rms)
    channels = check_integer(channels, "channels")
    return process.run(
        steps * dt, d=channels, dt=dt, rng=np.random.RandomState(seed)
    )


def white_signal_process(period, high=1.0, rms=0.3, y0=0.0):
    """nengo's ``WhiteSignal`` with validated arguments (``high`` in Hz).

    ``y0 = 0`` (default) starts the periodic signal where it is closest to
    zero, so that a memory starting from rest sees no step at t = 0: the
    delay line would carry that step to the readout of ``theta'`` at time
    ``theta'``, where its ringing dominates the error for another ``theta``
    (measured, d = 6: delay-theta NRMSE 0.10 over 10 s with the step, 0.003
    after it has passed). The spectrum is unchanged.
    """
    return nengo.processes.WhiteSignal(
        period=check_positive(period, "period"),
        high=check_positive(high, "high"),
        rms=check_positive(rms, "rms"),
        y0=y0,
    )


def sinusoid(duration, dt=0.001, frequency=1.0, amplitude=1.0, phase=0.0):
    """``amplitude * sin(2 pi frequency t + phase)`` at ``t = dt, 2 dt, ...``."""
    t = (np.arange(n_steps(duration, dt)) + 1) * dt
    return (amplitude * np.sin(2 * np.pi * frequency * t + phase))[:, None]


def input_process(u, dt=0.001):
    """A nengo process that plays the samples ``u``, one per step."""
    return nengo.processes.PresentInput(np.asarray(u, dtype=float), dt)


def ideal_memory(u, order, theta, dt=0.001, discretizer="zoh"):
    r"""The ideal discrete memory driven by the samples ``u`` (:ref:`theory-ideal-memory`).

    Parameters
    ----------
    u : (n_steps,) or (n_steps, channels) array_like
        Input samples, row ``k`` at time ``(k + 1) dt``.
    order, theta, dt, discretizer
        As in :class:`.LegendreMemory`.

    Returns
    -------
    m : (n_steps, order * channels) ndarray
        ``m[k] = Ad m[k-1] + Bd u[k-1]``, ``m[0] = 0``; channel ``c`` occupies
        columns ``c * order ... (c + 1) * order - 1``.

    Notes
    -----
    Row ``k`` depends on inputs up to row ``k - 1``: the one-step lag that
    nengo's synapses (and every digital simulator) put into a recurrent loop.
    """
    u = np.asarray(u, dtype=float)
    u = u.reshape(len(u), -1)
    theta = check_positive(theta, "theta")
    Ad, Bd = lmu_discrete(order, theta, check_dt(dt, theta), method=discretizer)
    n, channels = u.shape
    m = np.zeros((n, channels, Ad.shape[0]))
    drive = u[:, :, None] * Bd[:, 0][None, None, :]
    AdT = Ad.T
    for k in range(1, n):
        m[k] = m[k - 1] @ AdT + drive[k - 1]
    return m.reshape(n, -1)


def delayed(u, delay, dt=0.001):
    """``u`` delayed by ``delay`` seconds (a whole number of steps), zero-filled."""
    u = np.asarray(u, dtype=float)
    if not np.isfinite(delay) or delay < 0:
        raise ValidationError(f"must be a finite number >= 0 (got {delay})", "delay")
    k = int(round(delay / dt))
    out = np.zeros_like(u)
    if k < len(u):
        out[k:] = u[: len(u) - k]
    return out


def white_signal_state_covariance(order, theta, process, dt=None):
    """Expected covariance of the memory's state under a ``WhiteSignal``.

    nengo's ``WhiteSignal`` puts equal expected power on each harmonic
    ``k / period`` up to ``high`` (and none at 0 Hz), its powers summing to
    ``rms**2``; the covariance follows from the memory's frequency response
    (:func:`.dynamics.state_covariance`): of the discrete memory at step
    ``dt`` when given, else of the continuous one.
    """
    if not isinstance(process, nengo.processes.WhiteSignal):
        raise ValidationError(
            f"must be a nengo.processes.WhiteSignal (got {type(process).__name__})",
            "process",
        )
    # nengo guarantees high >= 1 / period, so there is at least one harmonic
    k = np.arange(1, int(np.floor(process.high * process.period + 1e-9)) + 1)
    A, B = lmu_matrices(order, theta)
    return state_covariance(A, B, k / process.period, process.rms**2 / k.size, dt=dt)


def state_radii(order, theta, process, scale=2.0, dt=0.001, duration=None, seed=0):
    """Per-dimension radii: ``scale`` standard deviations of each memory state.

    Parameters
    ----------
    order : int
        Memory order.
    theta : float
        Window in seconds.
    process : nengo.Process
        The input the memory will see. A ``WhiteSignal`` is handled
        analytically (:func:`white_signal_state_covariance`); any other
        process is run for ``duration`` seconds (default ``20 * theta``) with
        ``seed`` and the ideal memory's standard deviations are measured.
    scale : float
        Radii in units of standard deviation (default 2: :ref:`theory-state-scaling`
        measured NRMSE 0.083 with it against 0.21 with unit radii).
    dt : float
        Step of the discrete memory whose states are measured (default 0.001).

    Returns
    -------
    radii : (order,) ndarray
    """
    if isinstance(process, nengo.processes.WhiteSignal):
        cov = white_signal_state_covariance(order, theta, process, dt=dt)
    elif isinstance(process, nengo.Process):
        duration = 20.0 * theta if duration is None else duration
        u = process.run(duration, d=1, dt=dt, rng=np.random.RandomState(seed))
        m = ideal_memory(u[:, :1], order, theta, dt)[int(round(theta / dt)) :]
        cov = np.cov(m.T).reshape(order, order)
    else:
        raise ValidationError(
            f"must be a nengo.Process (got {type(process).__name__})", "process"
        )
    return radii_from_covariance(cov, scale=scale)
