r"""The linear-systems maths of the Legendre Memory Unit, without neurons.

Everything here is numpy and scipy (plus nengo's exception type, so that bad
input reads the same everywhere in the package). The conventions are those of
:ref:`theory-memory`: the memory obeys

.. math::

   \theta \dot{m}(t) = \bar{A} m(t) + \bar{B} u(t)

and the functions below return the matrices with :math:`\theta` folded in,
``A = Abar / theta`` and ``B = Bbar / theta``, so that ``(A, B)`` is an
ordinary continuous-time state space ``dm/dt = A m + B u``.

References
----------
.. [1] Voelker, Kajić & Eliasmith, "Legendre Memory Units: Continuous-Time
   Representation in Recurrent Neural Networks", NeurIPS 2019.
.. [2] Voelker & Eliasmith, "Improving spiking dynamical networks: accurate
   delays, higher-order synapses, and time cells", Neural Computation 2018.
"""

import numbers

import numpy as np
import scipy.linalg
from nengo.exceptions import ValidationError
from scipy.special import eval_legendre

DISCRETIZERS = ("zoh", "euler")


# --- validation helpers (shared with mapping, signals and networks) ---------


def check_integer(value, attr, low=1):
    """Return ``value`` as an int, or raise naming ``attr`` and the range."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise ValidationError(f"must be an integer >= {low} (got {value!r})", attr)
    if value < low:
        raise ValidationError(f"must be an integer >= {low} (got {value})", attr)
    return int(value)


def check_positive(value, attr):
    """Return ``value`` as a finite float > 0, or raise naming ``attr``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValidationError(f"must be a finite number > 0 (got {value!r})", attr)
    if not np.isfinite(value) or value <= 0:
        raise ValidationError(f"must be a finite number > 0 (got {value})", attr)
    return float(value)


def check_bool(value, attr, optional=False):
    """Return ``value`` as a bool, or raise naming ``attr``.

    Only ``True`` and ``False`` (numpy's bools, and the integers 0 and 1) are
    accepted, never a string: ``bool("false")`` is True, so ``"false"`` must
    not mean anything. ``optional`` also accepts None.
    """
    if optional and value is None:
        return None
    if isinstance(value, numbers.Integral) and value in (0, 1):
        return bool(value)
    if not isinstance(value, (bool, np.bool_)):
        allowed = "True, False or None" if optional else "True or False"
        raise ValidationError(f"must be {allowed} (got {value!r})", attr)
    return bool(value)


def check_dt(dt, theta):
    """Check that the time step ``dt`` is positive and smaller than ``theta``."""
    dt = check_positive(dt, "dt")
    if dt >= theta:
        raise ValidationError(
            f"must be smaller than theta = {theta} s, the memory's window (got {dt})",
            "dt",
        )
    return dt


def check_discretizer(discretizer):
    if discretizer not in DISCRETIZERS:
        raise ValidationError(
            f"must be one of {DISCRETIZERS} (got {discretizer!r})", "discretizer"
        )
    return discretizer


# --- the memory ---------------------------------------------------------------


def lmu_matrices(order, theta=1.0):
    r"""The continuous-time LMU state space ``(A, B)``, with theta folded in.

    Parameters
    ----------
    order : int
        Number of Legendre state variables (:math:`d`), at least 1.
    theta : float, optional
        Length of the remembered window, in seconds (default 1.0).

    Returns
    -------
    A : (order, order) ndarray
        ``Abar / theta``.
    B : (order, 1) ndarray
        ``Bbar / theta``.

    Notes
    -----
    .. math::

       \bar{A}_{ij} = (2i + 1) \begin{cases} -1 & i < j \\
                                    (-1)^{i - j + 1} & i \ge j \end{cases}
       \qquad \bar{B}_i = (2i + 1) (-1)^i

    for :math:`i, j = 0 \ldots d - 1` (the LMU paper, eq. 2).

    Examples
    --------
    >>> A, B = lmu_matrices(2, theta=0.5)
    >>> A * 0.5
    array([[-1., -1.],
           [ 3., -3.]])
    >>> (B * 0.5).ravel()
    array([ 1., -3.])
    """
    order = check_integer(order, "order")
    theta = check_positive(theta, "theta")
    i = np.arange(order)[:, None]
    j = np.arange(order)[None, :]
    Abar = (2 * i + 1) * np.where(i < j, -1.0, (-1.0) ** (i - j + 1))
    Bbar = (2 * i + 1) * (-1.0) ** i
    return Abar / theta, Bbar.reshape(order, 1) / theta


def discretize(A, B, dt, method="zoh"):
    r"""Discretise ``dx/dt = A x + B u`` at time step ``dt``.

    Parameters
    ----------
    A : (n, n) array_like
    B : (n, k) array_like
    dt : float
        Time step in seconds.
    method : {"zoh", "euler"}
        ``"zoh"`` (default) holds the input constant over each step and is
        exact for such inputs; ``"euler"`` is forward Euler
        (``Ad = I + dt A``, ``Bd = dt B``), documented for comparison only.

    Returns
    -------
    Ad : (n, n) ndarray
    Bd : (n, k) ndarray

    Notes
    -----
    The zero-order hold is computed as the exponential of the augmented
    matrix :math:`\begin{bmatrix} A & B \\ 0 & 0 \end{bmatrix} dt`, which gives
    :math:`A_d = e^{A dt}` and :math:`B_d = A^{-1}(A_d - I) B` without
    inverting :math:`A`.
    """
    A = np.atleast_2d(np.asarray(A, dtype=float))
    B = np.asarray(B, dtype=float).reshape(A.shape[0], -1)
    dt = check_positive(dt, "dt")
    check_discretizer(method)
    n, k = B.shape
    if method == "euler":
        return np.eye(n) + dt * A, dt * B
    M = np.zeros((n + k, n + k))
    M[:n, :n] = A
    M[:n, n:] = B
    E = scipy.linalg.expm(M * dt)
    return E[:n, :n], E[:n, n:]


def lmu_discrete(order, theta, dt, method="zoh"):
    """The discrete LMU ``(Ad, Bd)`` at step ``dt`` (:ref:`theory-discretisation`)."""
    A, B = lmu_matrices(order, theta)
    return discretize(A, B, check_dt(dt, theta), method=method)


# --- readouts -----------------------------------------------------------------


def delay_readout(order, theta_prime, theta=1.0):
    r"""Readout vector(s) decoding :math:`u(t - \theta')` from the memory.

    Parameters
    ----------
    order : int
        Memory order :math:`d`.
    theta_prime : float or array_like
        Delay(s) in seconds, each in ``[0, theta]``.
    theta : float, optional
        Window length in seconds (default 1.0).

    Returns
    -------
    C : ndarray
        Shape ``(order,)`` for a scalar delay, ``(n, order)`` for ``n`` delays:
        :math:`C_i = P_i(2 \theta' / \theta - 1)`.

    Examples
    --------
    >>> delay_readout(3, 0.0, theta=1.0)
    array([ 1., -1.,  1.])
    >>> delay_readout(3, 1.0, theta=1.0)
    array([1., 1., 1.])
    """
    order = check_integer(order, "order")
    theta = check_positive(theta, "theta")
    tp = np.asarray(theta_prime, dtype=float)
    if not np.all(np.isfinite(tp)) or np.any(tp < 0) or np.any(tp > theta):
        raise ValidationError(
            f"every delay must lie in [0, theta] = [0, {theta}] s (got {theta_prime})",
            "theta_prime",
        )
    x = 2.0 * tp / theta - 1.0
    return eval_legendre(np.arange(order), x[..., None])


def functional_readout(order, function, theta=1.0, n_points=None):
    r"""Readout vector for the linear functional :math:`\int_0^\theta f(\theta') u(t-\theta') d\theta'`.

    Parameters
    ----------
    order : int
        Memory order :math:`d`.
    function : callable or array_like
        Either a function ``f(theta_prime)`` accepting an array of delays in
        seconds, or samples of ``f`` on an evenly spaced grid covering
        ``[0, theta]`` (first sample at 0, last at ``theta``, at least two).
    theta : float, optional
        Window length in seconds (default 1.0).
    n_points : int, optional
        Gauss-Legendre points for a callable (default ``max(64, 4 * order)``).

    Returns
    -------
    C : (order,) ndarray
        :math:`C_i = \int_0^\theta f(\theta') P_i(2\theta'/\theta - 1) d\theta'`.

    Examples
    --------
    The window mean, :math:`f = 1/\theta`, reads the first state alone:

    >>> np.abs(functional_readout(3, lambda tp: np.ones_like(tp))).round(12)
    array([1., 0., 0.])
    """
    order = check_integer(order, "order")
    theta = check_positive(theta, "theta")
    if callable(function):
        n = max(64, 4 * order) if n_points is None else check_integer(n_points, "n_points")
        x, w = np.polynomial.legendre.leggauss(n)
        tp = (x + 1.0) * theta / 2.0
        f = np.asarray(function(tp), dtype=float).reshape(-1)
        if f.shape != tp.shape or not np.all(np.isfinite(f)):
            raise ValidationError(
                "must return one finite value per delay in the array it is given "
                f"(got shape {f.shape} for {tp.shape})",
                "function",
            )
        return eval_legendre(np.arange(order)[:, None], x[None, :]) @ (f * w) * (
            theta / 2.0
        )
    f = np.asarray(function, dtype=float)
    if f.ndim != 1 or f.size < 2 or not np.all(np.isfinite(f)):
        raise ValidationError(
            "must be a callable or a 1-D array of at least 2 finite samples over "
            f"[0, theta] (got shape {f.shape})",
            "function",
        )
    tp = np.linspace(0.0, theta, f.size)
    P = eval_legendre(np.arange(order)[:, None], (2.0 * tp / theta - 1.0)[None, :])
    return np.trapz(P * f[None, :], tp, axis=1)


# --- frequency domain ---------------------------------------------------------


def frequency_response(A, B, frequencies):
    r"""State response :math:`(i \omega I - A)^{-1} B` at each frequency (Hz).

    Returns an array of shape ``(len(frequencies), n, k)``.
    """
    A = np.atleast_2d(np.asarray(A, dtype=float))
    B = np.asarray(B, dtype=float).reshape(A.shape[0], -1)
    f = np.atleast_1d(np.asarray(frequencies, dtype=float))
    eye = np.eye(A.shape[0])
    M = 2j * np.pi * f[:, None, None] * eye[None] - A[None]
    return np.linalg.solve(M, np.broadcast_to(B, (f.size,) + B.shape))


def delay_error(order, theta, frequency, theta_prime=None):
    r"""Analytic error of the order-``d`` delay readout for a unit sinusoid.

    Parameters
    ----------
    order : int
        Memory order :math:`d`.
    theta : float
        Window length in seconds.
    frequency : float or array_like
        Input frequency in Hz.
    theta_prime : float, optional
        Decoded delay in seconds (default ``theta``).

    Returns
    -------
    error : float or ndarray
        :math:`|e^{-i\omega\theta'} - H_d(i\omega)|`, the amplitude of the
        steady-state error for a unit-amplitude input sinusoid, where
        :math:`H_d(s) = C (sI - A)^{-1} B` is the memory's transfer function
        to the delay readout ``C``.

    Examples
    --------
    >>> bool(delay_error(6, 1.0, 0.5) < delay_error(3, 1.0, 0.5))
    True
    """
    theta = check_positive(theta, "theta")
    tp = theta if theta_prime is None else theta_prime
    A, B = lmu_matrices(order, theta)
    C = delay_readout(order, tp, theta)
    f = np.asarray(frequency, dtype=float)
    H = frequency_response(A, B, f.ravel())[:, :, 0] @ C
    err = np.abs(np.exp(-2j * np.pi * f.ravel() * tp) - H)
    return err.reshape(f.shape) if f.ndim else float(err[0])


# --- state scaling ------------------------------------------------------------


def state_covariance(A, B, frequencies, power, dt=None):
    r"""Expected state covariance of ``dx/dt = A x + B u`` for a sum of sinusoids.

    Parameters
    ----------
    A, B : array_like
        Continuous state space (``B`` with one column).
    frequencies : array_like
        Frequencies (Hz) of the input's components.
    power : array_like
        Variance the input carries at each frequency (the sum is the input's
        mean square).
    dt : float, optional
        With a step, the covariance of the zero-order-hold discrete system
        (:func:`discretize`) driven by the sampled sinusoids: its response at
        :math:`z = e^{i 2 \pi f dt}`. That is the system a digital simulator
        runs and the ideal memory every error is measured against; the
        continuous response misses what it does near the Nyquist rate, where
        a high-order memory's smallest states get most of their variance.

    Returns
    -------
    Sigma : (n, n) ndarray
        :math:`\sum_k p_k \mathrm{Re}[H(f_k) H(f_k)^*]` with
        :math:`H(f) = (i 2\pi f I - A)^{-1} B`; at ``f = 0`` the DC gain is used
        with the power taken as the squared mean.
    """
    f = np.atleast_1d(np.asarray(frequencies, dtype=float))
    p = np.broadcast_to(np.asarray(power, dtype=float), f.shape)
    if dt is None:
        H = frequency_response(A, B, f)[:, :, 0]
    else:
        Ad, Bd = discretize(A, B, dt)
        z = np.exp(2j * np.pi * f * dt)
        M = z[:, None, None] * np.eye(Ad.shape[0])[None] - Ad[None]
        H = np.linalg.solve(M, np.broadcast_to(Bd, (f.size,) + Bd.shape))[:, :, 0]
    return np.einsum("k,ki,kj->ij", p, H, H.conj()).real


def radii_from_covariance(covariance, scale=2.0, floor=1e-6):
    """Per-dimension radii: ``scale`` times each state's standard deviation.

    Dimensions whose standard deviation is below ``floor`` times the largest
    one get that floor, so the scaling stays invertible.
    """
    scale = check_positive(scale, "scale")
    std = np.sqrt(np.clip(np.diag(np.asarray(covariance, dtype=float)), 0, None))
    if std.max() <= 0:
        raise ValidationError(
            f"must have a positive variance in some dimension (got {std})", "covariance"
        )
    return scale * np.maximum(std, floor * std.max())


def scale_rows(M, radii):
    r"""``T M`` with ``T = diag(1 / radii)``: a map into ``m``'s coordinates
    made into one into ``x = T m``'s."""
    return np.asarray(M, dtype=float) / np.asarray(radii, dtype=float)[:, None]


def scale_system(A, B, radii):
    r"""Similarity transform ``x = T m`` with ``T = diag(1 / radii)``.

    Returns ``(T A T^-1, T B)``; a readout ``C`` of ``m`` becomes
    ``C T^-1 = C * radii`` on ``x``, and ``m = radii * x``.
    """
    r = np.asarray(radii, dtype=float)
    return scale_rows(A, r) * r[None, :], scale_rows(B, r)
