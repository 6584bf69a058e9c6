r"""NEF Principle 3: map a linear system onto the synapse that implements it.

A population that feeds its decoded state back through a synapse ``h``
implements ``dx/dt = A x + B u`` if the recurrent and input transforms are
chosen for that synapse. This module computes those transforms; it imports
numpy and scipy only (through :mod:`nengo_lmu.dynamics`).

``MAPPINGS`` names what is implemented. Each mapping takes the continuous
``(A, B)`` (theta already folded in, see :func:`.dynamics.lmu_matrices`) and
returns ``(A', B')``, the recurrent and input transforms.

Synapses other than a lowpass are described by the coefficients ``c`` of
their inverse transfer function, ``1 / H(s) = sum_i c_i s^i``
(:func:`double_exponential_coefficients` for the pulse-extended double
exponential of analog hardware), and mapped by :func:`general_synapse`.
A population whose neurons each have their own synapse decodes ``x`` and
its derivatives once and lets each neuron weigh them with its own ``c_i``
(:func:`derivative_systems`).

References
----------
.. [1] Voelker & Eliasmith, "Improving spiking dynamical networks: accurate
   delays, higher-order synapses, and time cells", Neural Computation 2018.
.. [2] Voelker, "Dynamical Systems in Spiking Neuromorphic Hardware", PhD
   thesis, University of Waterloo 2019, eq. 5.9 and sections 5.1.3-5.1.4.
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


def double_exponential_coefficients(tau1, tau2=0.0, pulse_width=0.0, hold=0.0):
    r"""Coefficients of ``1 / H(s)`` for a pulse-extended double exponential.

    .. math:: H(s) = \frac{1 - e^{-\epsilon s}}{\epsilon s}
              \frac{1}{(\tau_1 s + 1)(\tau_2 s + 1)}

    is the synapse of Braindrop-like analog hardware (the thesis, section
    5.1.3), normalised to unit DC gain: each spike is a pulse of width
    :math:`\epsilon` filtered by two poles. Expanded to second order,

    .. math:: 1 / H(s) \approx 1 + c_1 s + c_2 s^2, \quad
              c_1 = \tau_1 + \tau_2 + \epsilon / 2, \quad
              c_2 = \tau_1 \tau_2 + \epsilon (\tau_1 + \tau_2) / 2 + \epsilon^2 / 12.

    ``c_1`` is the synapse's mean delay. The terms of order three and up
    (from the pulse only) are dropped.

    ``hold`` adds one more box filter of that width: a simulator with step
    ``dt`` holds what the neurons send over each step, which is such a box,
    and with it the continuous mapping of a lowpass agrees with the exact
    discrete one (:func:`discrete_lowpass`) to second order in ``dt``.

    Parameters
    ----------
    tau1, tau2 : float or array_like
        Time constants in seconds, ``tau1 > 0`` and ``tau2 >= 0``; arrays give
        one synapse per element.
    pulse_width : float or array_like
        :math:`\epsilon` in seconds, ``>= 0``.
    hold : float, optional
        Width of the simulator's hold in seconds, ``>= 0`` (default 0, the
        continuous-time synapse).

    Returns
    -------
    ndarray
        ``(3,) + shape``: ``c_0 = 1``, ``c_1`` and ``c_2``.

    Examples
    --------
    >>> double_exponential_coefficients(0.1)  # a lowpass: 1 + tau s
    array([1. , 0.1, 0. ])
    """
    tau1 = np.asarray(tau1, dtype=float)
    tau2 = np.asarray(tau2, dtype=float)
    eps = np.asarray(pulse_width, dtype=float)
    hold = np.asarray(hold, dtype=float)
    for value, name, strict in (
        (tau1, "tau1", True), (tau2, "tau2", False), (eps, "pulse_width", False),
        (hold, "hold", False),
    ):
        if not np.all(np.isfinite(value)) or np.any(value < 0) or (
            strict and np.any(value <= 0)
        ):
            bound = "> 0" if strict else ">= 0"
            raise ValidationError(f"must be finite and {bound} seconds (got {value})", name)
    one = np.ones(np.broadcast(tau1, tau2, eps, hold).shape)
    # each factor of 1 / H as (1, a, b): poles (1 + tau s), boxes 1 + w s / 2 + w^2 s^2 / 12
    factors = [(one, tau1 * one, 0 * one), (one, tau2 * one, 0 * one)]
    factors += [(one, w / 2 * one, w**2 / 12 * one) for w in (eps, hold)]
    c = [one, 0 * one, 0 * one]
    for f in factors:
        c = [c[0] * f[0], c[1] * f[0] + c[0] * f[1], c[2] * f[0] + c[1] * f[1] + c[0] * f[2]]
    return np.stack(c)


def derivative_systems(A, B, n_derivatives):
    r"""Matrices that give the state's derivatives from ``x`` and ``u``.

    For :math:`\dot{x} = A x + B u` with input held constant (zero-order
    hold, so derivatives of ``u`` vanish),

    .. math:: x^{(i)} = A^i x + A^{i - 1} B u.

    Returns
    -------
    list of (ndarray, ndarray)
        ``(A^i, A^(i-1) B)`` for ``i = 0 .. n_derivatives``; the first is
        ``(I, 0)``.
    """
    A = np.asarray(A, dtype=float)
    B = np.asarray(B, dtype=float)
    systems = [(np.eye(A.shape[0]), np.zeros_like(B))]
    power = np.eye(A.shape[0])
    for _ in range(int(n_derivatives)):
        systems.append((power @ A, power @ B))
        power = power @ A
    return systems


def general_synapse(A, B, coefficients):
    r"""Principle 3 for a synapse with ``1 / H(s) = sum_i c_i s^i``.

    .. math:: A' = \sum_i c_i A^i, \qquad B' = \sum_{i \geq 1} c_i A^{i-1} B

    (Voelker & Eliasmith 2018; the thesis, section 5.1.3), with the input's
    derivatives dropped (zero-order hold). A lowpass, ``c = (1, tau)``, gives
    :func:`continuous_lowpass`.

    Parameters
    ----------
    A, B : array_like
        Continuous system.
    coefficients : array_like
        ``c_0, c_1, ...``; ``c_0`` is the synapse's inverse DC gain (1 for a
        normalised synapse).

    Examples
    --------
    >>> from nengo_lmu.dynamics import lmu_matrices
    >>> A, B = lmu_matrices(3, theta=1.0)
    >>> Ap, Bp = general_synapse(A, B, [1.0, 0.1])
    >>> Ac, Bc = continuous_lowpass(A, B, 0.1)
    >>> bool(np.allclose(Ap, Ac) and np.allclose(Bp, Bc))
    True
    """
    c = np.asarray(coefficients, dtype=float)
    if c.ndim != 1 or c.size < 1 or not np.all(np.isfinite(c)):
        raise ValidationError(
            f"must be a finite 1-D sequence c_0, c_1, ... (got {coefficients!r})",
            "coefficients",
        )
    Ap = 0.0
    Bp = 0.0
    for ci, (Ai, Bi) in zip(c, derivative_systems(A, B, c.size - 1)):
        Ap = Ap + ci * Ai
        Bp = Bp + ci * Bi
    return Ap, Bp


class SynapseMapping:
    """How a memory's synapse realises its dynamics: Principle 3 for that synapse.

    A :class:`.LegendreMemory` computes its transforms once from one of
    these: :meth:`realised` gives the lowpass its connections use and
    :meth:`map` the recurrent and input transforms ``(A', B')`` for one
    channel's continuous ``(A, B)``.
    """

    def realised(self, tau, dt):
        """The lowpass time constant (seconds) the memory's connections use
        when ``tau`` is asked for at step ``dt`` (default: ``tau`` itself)."""
        return tau

    def map(self, A, B, tau, dt):
        """``(A', B')`` for a synapse of nominal time constant ``tau`` at step ``dt``."""
        raise NotImplementedError

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in vars(self).items())
        return f"{type(self).__name__}({args})"


class LowpassMapping(SynapseMapping):
    """Principle 3 for a lowpass synapse (:func:`principle3`).

    Parameters
    ----------
    mapping : {"discrete", "continuous"}
        For a digital lowpass at ``dt`` (exact in a discrete simulator) or
        a continuous one.
    discretizer : {"zoh", "euler"}
        How the discrete mapping discretises the system.
    """

    def __init__(self, mapping="discrete", discretizer="zoh"):
        self.mapping = mapping
        self.discretizer = discretizer

    def map(self, A, B, tau, dt):
        return principle3(
            A, B, tau, dt=dt, mapping=self.mapping, discretizer=self.discretizer
        )


class GeneralSynapseMapping(SynapseMapping):
    """Principle 3 for a synapse with ``1 / H(s) = sum_i c_i s^i``
    (:func:`general_synapse`), e.g. an analog chip's pulse-extended double
    exponential (:func:`double_exponential_coefficients`).

    Parameters
    ----------
    coefficients : array_like
        ``c_0, c_1, ...`` of the synapse's inverse transfer function.
    """

    def __init__(self, coefficients):
        self.coefficients = np.asarray(coefficients, dtype=float)

    def map(self, A, B, tau, dt):
        return general_synapse(A, B, self.coefficients)
