r"""Long windows: memories of :math:`10^3` to :math:`10^5` steps.

The LMU paper states that LMUs handle dependencies spanning 100,000 steps.
This module makes that a measurement at ``dt = 1 ms`` (``theta`` = 1, 10 and
100 s), with band-limited white noise whose bandwidth scales with the
window (``cycles / theta`` Hz: the same content per window at every length):

- :func:`ideal_errors`: the ideal discrete memory's delay NRMSE at
  :math:`\theta' = \theta` and :math:`\theta / 2` against the order ``d``,
  beside the continuous-time prediction from the memory's transfer function
  (:func:`predicted_error`). The continuous memory is scale-invariant (its
  error depends on ``theta`` only through ``theta * bandwidth``), so at a
  fixed number of cycles per window the discrete memory holds :math:`10^5`
  steps as well as :math:`10^3`: the number of steps costs nothing.
- :func:`spiking_trials`: the spiking memory against ``theta`` at fixed
  ``d`` and ``m`` (trials for :func:`.experiment.run_trial`, which also
  runs the rate-neuron twin), and the same with a longer synapse or more
  neurons.

Why a neural memory degrades with ``theta``: Principle 3 gives the
recurrence :math:`A' \approx I + \tau A / \theta`, which approaches the
identity, so the population integrates. Whatever the decoders get wrong,
:math:`\hat{m} = m + \eta`, is fed back with the state and enters the
dynamics as

.. math:: \dot{m} = A m / \theta + B u / \theta + \eta / \tau

against a signal term that shrinks as :math:`1 / \theta`. Two kinds of
:math:`\eta` add up:

- **spike noise**, white with density :math:`S_0 \propto 1 / (\text{neurons}
  \times \text{rate})`: the memory forgets it only on its own time scale
  :math:`\theta`, so its variance grows as :math:`S_0 \theta / \tau^2` and
  the error as :math:`\sqrt{\theta} / \tau`;
- **decoder distortion**, a fixed function of the state (what the rate
  twin has alone): it is not averaged out but biases the dynamics, by
  :math:`\theta / \tau` times the distortion relative to the memory's own
  dynamics, so it grows as :math:`\theta / \tau` until the state drifts
  to wherever the distortion pushes it.

Both fall with a longer synapse :math:`\tau` and with more neurons (noise
as :math:`1 / \sqrt{m}`, distortion faster). ``bench_long_window.py``
measures this: the state error and the rate twin's against ``theta``, and
the same memory with a longer synapse, more neurons and without state
scaling.
"""

import dataclasses

import numpy as np

from nengo_lmu import dynamics, metrics, signals

#: Windows of 10^3, 10^4 and 10^5 steps at dt = 1 ms.
THETAS = (1.0, 10.0, 100.0)

#: Orders compared for the ideal memory.
ORDERS = (6, 12, 24, 48)


def predicted_error(order, theta, u, dt=0.001, theta_prime=None):
    """Continuous-time delay NRMSE for the periodic input samples ``u``.

    ``u`` is one period of a periodic signal (as nengo's ``WhiteSignal``
    of that period is); each of its Fourier components is delayed with the
    error :func:`.dynamics.delay_error`, and the errors are weighed by the
    components' power: the error of the continuous memory in steady state,
    without discretisation or warm-up.
    """
    u = np.asarray(u, dtype=float).reshape(len(u), -1)[:, 0]
    power = np.abs(np.fft.rfft(u)) ** 2
    freqs = np.fft.rfftfreq(len(u), dt)
    keep = (freqs > 0) & (power > 1e-12 * power.max())
    err = dynamics.delay_error(order, theta, freqs[keep], theta_prime)
    return float(np.sqrt(np.sum(power[keep] * err**2) / np.sum(power[keep])))


def ideal_errors(
    thetas=THETAS,
    orders=ORDERS,
    cycles=(1.0, 4.0),
    fractions=(1.0, 0.5),
    windows=10,
    dt=0.001,
    rms=0.3,
    seed=0,
):
    """The ideal discrete memory's delay NRMSE, against ``theta`` and ``d``.

    Parameters
    ----------
    thetas : sequence of float
        Windows in seconds (default 1, 10, 100 s: :math:`10^3`-:math:`10^5` steps).
    orders : sequence of int
        Memory orders (default 6, 12, 24, 48).
    cycles : sequence of float
        Input bandwidths in cycles per window: white noise up to
        ``cycles / theta`` Hz.
    fractions : sequence of float
        Delays read, as fractions of ``theta``.
    windows : int
        Input length in windows; the first two are the warm-up (after one,
        the start from rest still rings in the readout of ``theta`` ago:
        d = 12, 1 cycle per window, NRMSE 4e-3 after one window at every
        length, 2e-4 after two at 10^4 steps; measured).
    dt, rms, seed
        Step (s), the input's RMS and seed.

    Returns
    -------
    list of dict
        One per (theta, cycles, order, fraction): ``steps`` (theta / dt),
        ``nrmse`` (discrete memory against the true delayed input),
        ``predicted`` (:func:`predicted_error`: the continuous memory on the
        same input). The discrete memory's error has a floor that the
        continuous one lacks, about ``pi * cycles * (dt / theta) / sqrt(3)``
        (1.8e-3 for 1 cycle in 10^3 steps): the input is held over each step,
        which shifts the memory's timing by half a step; it shrinks as the
        window holds more steps (measured with ``bench_long_window.py``).
    """
    rows = []
    for theta in thetas:
        for c in cycles:
            duration = windows * theta
            u = signals.white_signal(duration, dt, high=c / theta, rms=rms, seed=seed)
            for d in orders:
                m = signals.ideal_memory(u, d, theta, dt)
                for frac in fractions:
                    C = dynamics.delay_readout(d, frac * theta, theta)
                    rows.append(dict(
                        theta=float(theta), steps=int(round(theta / dt)), cycles=float(c),
                        order=int(d), fraction=float(frac),
                        nrmse=metrics.delay_nrmse(m @ C, u[:, 0], frac * theta, dt,
                                                  warmup=2 * theta),
                        predicted=predicted_error(d, theta, u, dt, frac * theta),
                    ))
    return rows


def spiking_trials(
    thetas=THETAS,
    order=6,
    n_neurons=6000,
    synapse=0.1,
    cycles=1.0,
    windows=3,
    seeds=(0,),
    **fields,
):
    """Trials of the spiking memory against ``theta`` at fixed ``d`` and ``m``.

    Each trial's input is white noise up to ``cycles / theta`` Hz for
    ``windows * theta`` seconds (the first ``theta`` is the warm-up), so
    every window holds the same content; ``fields`` sets other
    :class:`.experiment.Trial` fields (``neuron_type``, ``rate_twin``, ...).
    Run them with :func:`.experiment.run_trial` (or a sweep).
    """
    from nengo_lmu.analysis.experiment import Trial  # noqa: PLC0415

    fields.setdefault("delays", (0.5, 1.0))
    base = Trial(order=order, n_neurons=n_neurons, synapse=synapse, **fields)
    return [
        dataclasses.replace(
            base, theta=float(t), input_high=cycles / t, duration=windows * t, seed=s
        )
        for t in thetas
        for s in seeds
    ]


def growth(records, x="theta", y="state_error"):
    """Power-law exponent of ``y`` against ``x`` over ``records`` (plain dicts).

    Returns :func:`.metrics.power_law_fit`'s dict (a bootstrap interval
    needs two or more seeds per point).
    """
    xs = [r[x] for r in records]
    ys = [r[y] for r in records]
    return metrics.power_law_fit(xs, ys)
