r"""NEF Principle 3: map a linear system onto the synapse that implements it.

A population that feeds its decoded state back through a synapse ``h``
implements ``dx/dt = A x + B u`` if the recurrent and input transforms are
chosen for that synapse. This module computes those transforms; it imports
numpy and scipy only (through :mod:`nengo_lmu.dynamics`).

``MAPPINGS`` names what is implemented. Each mapping takes the continuous
``(A, B)`` (theta already folded in, see :func:`.dynamics.lmu_matrices`) and
returns ``(A', B')``, the recurrent and input transforms. Other synapses
(double exponential, delayed lowpass, heterogeneous time constants) add their
own entries here with the same signature.

References
----------
.. [1] Voelker & Eliasmith, "Improving spiking dynamical networks: accurate
   delays, higher-order synapses, and time cells", Neural Computation 2018.
.. [2] Voelker, "Dynamical Systems in Spiking Neuromorphic Hardware", PhD
   thesis, University of Waterloo 2019, eq. 5.9.
"""

import numpy as np
from nengo.exceptions import ValidationError

from nengo_lmu.dynamics import check_positive, discretize

MAPPINGS = ("discrete", "continuous")


def continuous_lowpass(A, B, tau):
    r"""Principle 3 for a continuous lowpass :math:`h(s) = 1 / (\tau s + 1)`.

    .. math:: A' = \tau A + I, \qquad B' = \tau B

    Exact in continuous time; in a simulator with step ``dt`` it is off by
    :math:`O(dt / \tau)`; prefer :func:`discrete_lowpass` there.
    """
    tau = check_positive(tau, "tau")
    A = np.asarray(A, dtype=float)
    return tau * A + np.eye(A.shape[0]), tau * np.asarray(B, dtype=float)


def discrete_lowpass(A, B, tau, dt, discretizer="zoh"):
    r"""Principle 3 for a digital lowpass at step ``dt``.

    With :math:`a = e^{-dt / \tau}` and :math:`(A_d, B_d)` the discretised
    system,

    .. math:: A' = (A_d - a I) / (1 - a), \qquad B' = B_d / (1 - a)

    (the thesis, eq. 5.9). This is exact for a simulator that filters with
    ``y[k] = a y[k-1] + (1 - a) x[k]``, as nengo's reference simulator and
    nengo-loihi do.

    Examples
    --------
    >>> from nengo_lmu.dynamics import lmu_matrices
    >>> A, B = lmu_matrices(4, theta=1.0)
    >>> Ap, Bp = discrete_lowpass(A, B, tau=0.1, dt=0.001)
    >>> Ac, Bc = continuous_lowpass(A, B, tau=0.1)
    >>> bool(np.abs(Ap - Ac).max() < 0.05)
    True
    """
    tau = check_positive(tau, "tau")
    Ad, Bd = discretize(A, B, dt, method=discretizer)
    a = np.exp(-dt / tau)
    return (Ad - a * np.eye(Ad.shape[0])) / (1.0 - a), Bd / (1.0 - a)


def principle3(A, B, tau, dt=None, mapping="discrete", discretizer="zoh"):
    """Recurrent and input transforms for a lowpass of time constant ``tau``.

    Parameters
    ----------
    A, B : array_like
        Continuous system.
    tau : float
        Synaptic time constant in seconds (> 0).
    dt : float, optional
        Simulator time step in seconds; required for ``mapping="discrete"``.
    mapping : {"discrete", "continuous"}
        Which form of Principle 3 to use (default ``"discrete"``).
    discretizer : {"zoh", "euler"}
        How the discrete mapping discretises ``(A, B)`` (default ``"zoh"``).

    Returns
    -------
    A_prime, B_prime : ndarray
    """
    if mapping not in MAPPINGS:
        raise ValidationError(f"must be one of {MAPPINGS} (got {mapping!r})", "mapping")
    if mapping == "continuous":
        return continuous_lowpass(A, B, tau)
    if dt is None:
        raise ValidationError("is required for the discrete mapping (got None)", "dt")
    return discrete_lowpass(A, B, tau, dt, discretizer=discretizer)
