r"""Principle 3, exact for the analog chip's synapse as the emulator steps it.

The emulator updates each synapse (a pulse-extended double exponential,
:class:`.SimSynapseBank`) exactly for an input held over each step, so its
response to the decoded value ``v`` is a discrete transfer function

.. math:: H(z) = \frac{N(z)}{P(z)}, \qquad P(z) = z (z - a_1)(z - a_2),

with ``a_i = exp(-dt / tau_i)`` and a numerator ``N`` of degree
``n = deg P - 1`` (:func:`synapse_transfer`). A lowpass gives
``N(z) = (1 - a) z`` and, below, the thesis's discrete mapping
(:func:`nengo_lmu.mapping.discrete_lowpass`).

With the second pole and the pulse, ``N`` has a zero outside the unit circle
(about -1.9 for the Braindrop-like defaults), so the synapse cannot be
inverted by any stable filter, and no mapping makes the population's state
equal the ideal discrete memory's ``x[k+1] = Abar x[k] + Bbar u[k]``. What
it can equal exactly is that state averaged over the last ``n + 1`` steps
with the synapse's own numerator as weights,

.. math:: \tilde x[k] = \sum_i \frac{n_i}{N(1)} x[k - n + i]

(weights about 0.33 for the present step, 0.64 for the one before and
0.03 for the one before that): feeding back

.. math:: w[k] = P(\bar A) N(\bar A)^{-1} \tilde x[k] + \sum_{j=0}^{n} F_j u[k - j]

through ``H`` gives ``\tilde x`` exactly (:func:`exact_mapping`; the input's
``F_j`` are taps of the last ``n + 1`` inputs, delayed on the host). The
closed loop keeps the ideal memory's poles plus ``n`` more per mode
(the roots of ``P(z) - lambda N(z)``, ``lambda`` an eigenvalue of the
recurrent matrix), which decide how spike noise circulates:
:func:`closed_loop_radius`. They stay inside the unit circle for memories
whose modes are slower than the synapse's step response, and leave it for
the fastest modes of high orders (order 64 over 0.128 s: 1.57).

Where the fastest modes outrun the synapse the recurrence is also large and
far from normal, and small errors of the decoded rows move its poles out:
:func:`robust_radius` scales each row by a 2% random error. Order 12 over
0.128 s: nominal 0.957, robust 0.972; order 24 over 0.25 s: 0.970 and
0.992; order 24 over 0.128 s: 0.941 and 1.33 (0.2% errors already give
1.21), and the rate neurons' decoding errors alone make it diverge there.
In the recurrence's real Schur basis (an orthonormal change of the
represented coordinates, in which it is triangular) the same 2% errors
leave order 24 over 0.128 s at 0.944, and the digits' state error there
fell from 5.7 to 3.6 (rates on a chip with only the synapse's shape: 2.5;
the recurrence's norm, about 90 with an 18 ms synapse, amplifies the
decoding error), but order 12 over 0.1 s at 3,072 neurons measured worse
in it (window NRMSE 0.191 against 0.136, three seeds), so the memory
represents the Legendre coordinates.
"""

import warnings

import nengo
import numpy as np
import scipy.signal
from nengo.exceptions import ValidationError

from nengo_lmu.dynamics import discretize, lmu_matrices
from nengo_lmu.mapping import SynapseMapping
from nengo_lmu.hardware.analog.operators import discretize_synapses


#: ``(order, seconds)``: the shortest time constant of a memory's fastest mode
#: (:func:`fastest_mode`) at which the chip held a memory of that order
#: within 2.5 times the reference simulator's state error (see
#: :func:`check_fastest_mode`); :func:`min_fastest_mode` interpolates.
FASTEST_MODE_LIMITS = ((6, 0.0025), (12, 0.004), (24, 0.012))


class FastMemoryWarning(UserWarning):
    """An analog memory whose fastest mode outruns the chip's synapse, so that
    no mapping holds its state (:func:`check_fastest_mode`)."""


def fastest_mode(order, theta):
    """The time constant in seconds of the fastest mode of an order-``order``
    memory over ``theta`` seconds: ``theta / max |eig(Abar)|``.

    Examples
    --------
    >>> round(1e3 * fastest_mode(24, 0.128), 2)  # the digits network's memory, in ms
    2.97
    """
    A, _ = lmu_matrices(order, theta)
    return float(1.0 / np.abs(np.linalg.eigvals(A)).max())


def min_fastest_mode(order):
    """The shortest fastest mode (seconds) at which the chip holds a memory of
    ``order``: :data:`FASTEST_MODE_LIMITS` interpolated on log-log axes,
    the lowest order's limit below it, and beyond the highest order
    extrapolated along the last two orders' slope (one order-48 measurement,
    in :func:`check_fastest_mode`, agrees with it).

    Examples
    --------
    >>> [round(1e3 * min_fastest_mode(d), 1) for d in (3, 6, 12, 24)]  # ms
    [2.5, 2.5, 4.0, 12.0]
    """
    orders, limits = (np.log(np.array(v, dtype=float)) for v in zip(*FASTEST_MODE_LIMITS))
    x = np.log(max(float(order), 1.0))
    if x <= orders[-1]:
        return float(np.exp(np.interp(x, orders, limits)))
    slope = (limits[-1] - limits[-2]) / (orders[-1] - orders[-2])
    return float(np.exp(limits[-1] + slope * (x - orders[-1])))


def check_fastest_mode(memory, stacklevel=3):
    r"""Warn (:class:`FastMemoryWarning`) where ``memory``'s fastest mode lasts
    less than :func:`min_fastest_mode` of its order.

    The chip's synapse has a second pole (about 2 ms) and a pulse, and a
    numerator zero outside the unit circle (see the module docs), so no
    stable mapping inverts it; modes faster than a few of its time
    constants are lost, whichever compensations are on. Measured on the
    Braindrop-like substrate with the memory's defaults (64 neurons per
    dimension, white noise of RMS 1 with ``theta * f = 1``, two seeds,
    ``benchmarks/bench_analog_fast.py --orders 6 12 24 --per-dim 64 --seeds 2
    --fastest 1.5 2.5 3 3.5 4 5 7 10``), the state error over the ideal
    state's RMS: order 6: 2.85 at 1.5 ms, 0.60 at 2.5 ms, 0.25-0.35 from
    3 ms on (the reference simulator 0.25-0.39); order 12: 2.00, 1.47, 1.40
    and 1.12 up to 3.5 ms, 0.60 at 4 ms and 0.36-0.41 at 5-7 ms (reference
    0.23-0.31); order 24: 1.41 at 1.5 ms, 1.02 at 2.5 ms, 0.75-0.85 from 3 to
    10 ms (reference 0.22-0.30). Longer windows, scored after a warm-up of
    theta over two periods of the input (``--orders 24 --fastest 15 20 30``,
    ``--orders 12 --fastest 4.5 5 6 8``): order 12 0.45 at 4.5 ms (reference
    0.24), 0.41 at 5 ms (0.23); order 24 0.60 at 15 ms (0.27), 0.52 at 20 ms
    (0.23), 0.29 at 30 ms (0.18). So the chip holds a memory within 2.5
    times the reference's error (below that, about 0.7 of the state's size
    or more: little more than a zero state holds) from 2.5 ms at order 6,
    4 ms at order 12 and 12 ms at order 24 (:data:`FASTEST_MODE_LIMITS`),
    and within twice only from 3, 4.5 and 30 ms. Order 48 errs 0.70 at 9 ms
    (reference 0.25) and 0.78 at 42 ms (reference 0.49; one seed, ``--orders
    48 --fastest 40``), within 2.5 times above the 36 ms the extrapolation
    gives it. Orders 24 and 64 over 0.128 s (the digits networks' memories,
    3.0 and 0.6 ms) are far beyond, and so is order 64 over 2.048 s
    (9.7 ms), the slowed-down digits network's.
    """
    tau = fastest_mode(memory.order, memory.theta)
    limit = min_fastest_mode(memory.order)
    if tau < limit:
        warnings.warn(
            f"{memory}: the fastest mode, theta / max|eig(A)| = {1e3 * tau:.2f} ms for "
            f"order {memory.order} over theta = {memory.theta} s, must last at least "
            f"{1e3 * limit:.3g} ms for the chip's synapse to hold the memory "
            "(a state error above 2.5 times the reference simulator's was measured beyond "
            "that): use a longer theta or a lower order",
            FastMemoryWarning,
            stacklevel=stacklevel,
        )
    return tau


def synapse_transfer(tau1, tau2, pulse_width, dt):
    """``(N, P)``: numerator and denominator (highest power first) of the
    emulator's synapse of time constants ``tau1``, ``tau2`` and pulse
    ``pulse_width`` at step ``dt``, from the decoded value to the neurons'
    input (:class:`.SimSynapseBank`, including its one-step delay).

    ``P`` is monic; leading zeros of ``N`` are dropped, so ``len(P) -
    len(N)`` is the synapse's delay in steps (at least 1).

    Examples
    --------
    >>> N, P = synapse_transfer(0.1, 0.0, 0.0, 0.001)  # nengo's Lowpass(0.1)
    >>> (N / N.sum()).tolist(), np.round(P, 5).tolist()
    ([1.0, 0.0], [1.0, -0.99005, 0.0])
    """
    Ad, G0, G1 = discretize_synapses(np.array([float(tau1)]), tau2, pulse_width, dt)
    Ad, G0, G1 = Ad[:, :, 0], G0[:, 0], G1[:, 0]
    k = Ad.shape[0]
    # state: the synapse's k stages, then the previous step's input
    A = np.zeros((k + 1, k + 1))
    A[:k, :k] = Ad
    A[:k, k] = G1
    B = np.zeros((k + 1, 1))
    B[:k, 0] = G0
    B[k, 0] = 1.0
    C = np.zeros((1, k + 1))
    C[0, k - 1] = 1.0
    num, den = scipy.signal.ss2tf(A, B, C, np.zeros((1, 1)))
    num = np.asarray(num[0], dtype=float)
    num[np.abs(num) < 1e-14 * np.abs(num).max()] = 0.0
    return np.trim_zeros(num, "f"), np.asarray(den, dtype=float)


def _polyval_matrix(p, M):
    """``p(M)`` for a polynomial ``p`` (highest power first) of a square matrix."""
    R = np.zeros_like(M)
    eye = np.eye(len(M))
    for c in p:
        R = R @ M + c * eye
    return R


def exact_mapping(A, B, dt, N, P, discretizer="zoh"):
    r"""Recurrent matrix and input taps that realise ``\tilde x`` exactly
    (see the module docs) through a synapse ``N(z) / P(z)``.

    Parameters
    ----------
    A, B : array_like
        The continuous system (theta folded in).
    dt : float
        The simulator's step in seconds.
    N, P : array_like
        The synapse's numerator and denominator (:func:`synapse_transfer`).
    discretizer : {"zoh", "euler"}
        How ``(A, B)`` is discretised to the ideal memory.

    Returns
    -------
    A_prime : ndarray
        ``P(Abar) N(Abar)^-1``, the recurrent transform.
    taps : list of ndarray
        ``F_0, F_1, ...``: ``F_j`` weighs the input ``j`` steps ago.
    """
    N = np.trim_zeros(np.asarray(N, dtype=float), "f")
    P = np.asarray(P, dtype=float)
    n, p = len(N) - 1, len(P) - 1
    if n + 1 != p or P[0] != 1:
        raise ValidationError(
            f"the synapse must delay its input by exactly one step, with P monic and "
            f"deg P = deg N + 1 (got degrees {p} and {n}, P[0] = {P[0]})", "P"
        )
    Abar, Bbar = discretize(A, B, dt, method=discretizer)
    NA = _polyval_matrix(N, Abar)
    A_prime = np.linalg.solve(NA.T, _polyval_matrix(P, Abar).T).T
    # lowest power first
    n_low, p_low = N[::-1], P[::-1]
    powers = [np.eye(len(Abar))]
    for _ in range(p):
        powers.append(powers[-1] @ Abar)
    taps = []
    for j in range(p):  # the input u[k - n + j], j = 0 .. n
        s_p = sum(p_low[i] * powers[i - 1 - j] for i in range(j + 1, p + 1))
        s_n = sum((n_low[i] * powers[i - 1 - j] for i in range(j + 1, n + 1)),
                  np.zeros_like(Abar))
        taps.append((s_p - A_prime @ s_n) @ Bbar / N.sum())
    # taps[j] weighs u[k - n + j]: reversed, by the input's age in steps
    return A_prime, taps[::-1]


def exact_readout(A, B, dt, N, discretizer="zoh"):
    r"""``(R, taps)`` that give the ideal memory's state back from the realised
    one: ``x[k] = R \tilde x[k] + sum_j G_j u[k - j]`` (see the module docs).

    ``R = N(1) Abar^n N(Abar)^-1``; ``taps`` are ``G_0 (= 0), G_1 .. G_n``.
    ``R`` amplifies the decoding error of modes near a zero of ``N``.
    """
    N = np.trim_zeros(np.asarray(N, dtype=float), "f")
    n = len(N) - 1
    Abar, Bbar = discretize(A, B, dt, method=discretizer)
    powers = [np.eye(len(Abar))]
    for _ in range(n):
        powers.append(powers[-1] @ Abar)
    # Abar^n N(Abar)^-1
    M = np.linalg.solve(_polyval_matrix(N, Abar).T, powers[n].T).T
    n_low = N[::-1]
    taps = [np.zeros_like(Bbar)]
    for lag in range(1, n + 1):
        j = n - lag  # u[k - n + j]
        s_n = sum((n_low[i] * powers[i - 1 - j] for i in range(j + 1, n + 1)),
                  np.zeros_like(Abar))
        taps.append((powers[n - 1 - j] - M @ s_n) @ Bbar)
    return N.sum() * M, taps


def state_weights(N):
    """The weights with which the realised state averages the ideal memory's
    last ``len(N)`` states, the present one first (see the module docs)."""
    N = np.trim_zeros(np.asarray(N, dtype=float), "f")
    return N / N.sum()


#: Relative error of each row of the recurrent matrix in :func:`robust_radius`:
#: about what calibrated decoders of a mismatched chip leave.
ROW_ERROR = 0.02

#: Perturbed recurrences :func:`robust_radius` tries (seeded: the same every time).
N_PERTURBATIONS = 10


def robust_radius(A_prime, N, P, row_error=ROW_ERROR, n=N_PERTURBATIONS, seed=0):
    """The largest :func:`closed_loop_radius` of ``A_prime`` with each row
    scaled by ``1 + row_error * z`` (``z`` standard normal; ``n`` draws from
    ``seed``), as decoding gain errors do.

    The exact mapping's recurrence is large and far from normal for memories
    whose fastest modes outrun the synapse, and there a gain error of a few
    percent moves its poles out of the unit circle although the nominal loop
    is stable: order 24 over 0.128 s, nominal radius 0.94, 1.33 with 2%.
    """
    A_prime = np.asarray(A_prime, dtype=float)
    rng = np.random.default_rng(seed)
    radius = closed_loop_radius(A_prime, N, P)
    for _ in range(n):
        scale = 1.0 + row_error * rng.standard_normal(len(A_prime))
        radius = max(radius, closed_loop_radius(scale[:, None] * A_prime, N, P))
    return radius


def closed_loop_radius(A_prime, N, P):
    """The largest magnitude of the linear closed loop's poles: the roots of
    ``det(P(z) I - N(z) A_prime)``. Above 1 the loop is unstable and
    spike noise grows."""
    A_prime = np.asarray(A_prime, dtype=float)
    N = np.trim_zeros(np.asarray(N, dtype=float), "f")
    P = np.asarray(P, dtype=float)
    d, p = len(A_prime), len(P) - 1
    padded = np.concatenate([np.zeros(p + 1 - len(N)), N])
    # the block companion matrix of the matrix polynomial P(z) I - N(z) A' (monic)
    M = np.zeros((p * d, p * d))
    M[: (p - 1) * d, d:] = np.eye((p - 1) * d)
    for i in range(p):  # the coefficient of z^i
        M[(p - 1) * d:, i * d:(i + 1) * d] = -(P[p - i] * np.eye(d) - padded[p - i] * A_prime)
    return float(np.abs(np.linalg.eigvals(M)).max())


class ExactSynapseMapping(SynapseMapping):
    """Principle 3 exact for ``substrate``'s nominal synapse as the emulator
    steps it (see the module docs): :meth:`map` gives the recurrent matrix
    and the present input's tap, :meth:`delayed_taps` the taps of the
    inputs one and more steps ago, which the memory delays on the host."""

    def __init__(self, substrate, discretizer="zoh"):
        self.substrate = substrate
        self.discretizer = discretizer

    def transfer(self, tau, dt):
        """``(N, P)`` of the nominal synapse (:func:`synapse_transfer`)."""
        sub = self.substrate
        return synapse_transfer(tau, sub.tau2, sub.pulse_width, dt)

    def taps(self, A, B, tau, dt):
        """``(A', [F_0, F_1, ...])`` (:func:`exact_mapping`)."""
        N, P = self.transfer(tau, dt)
        return exact_mapping(A, B, dt, N, P, discretizer=self.discretizer)

    def map(self, A, B, tau, dt):
        A_prime, taps = self.taps(A, B, tau, dt)
        return A_prime, taps[0]

    def delayed_taps(self, A, B, tau, dt):
        """``[F_1, F_2, ...]``: the input taps of one step ago and more."""
        return self.taps(A, B, tau, dt)[1][1:]

    def readout(self, A, B, tau, dt):
        """``(R, [G_0, G_1, ...])`` (:func:`exact_readout`)."""
        N, _ = self.transfer(tau, dt)
        return exact_readout(A, B, dt, N, discretizer=self.discretizer)

    def closed_loop_radius(self, A, B, tau, dt):
        """:func:`closed_loop_radius` of the mapped memory."""
        N, P = self.transfer(tau, dt)
        return closed_loop_radius(self.map(A, B, tau, dt)[0], N, P)

    def robust_radius(self, A, B, tau, dt):
        """:func:`robust_radius` of the mapped memory."""
        N, P = self.transfer(tau, dt)
        return robust_radius(self.map(A, B, tau, dt)[0], N, P)

    def __repr__(self):
        return f"{type(self).__name__}({self.substrate!r})"


def wire(memory, ens, solver, tau, floor):
    """Make the exact mapping's connections in ``memory`` (inside its wiring).

    The population represents ``diag(1 / rho) x~``, ``rho`` the memory's
    radii floored by ``floor(A', radii)``. The input and its taps of past
    steps go into ``ens`` through the chip's synapse; the readout gives the
    ideal state back (:func:`exact_readout`).

    Returns
    -------
    recurrent : nengo.Connection
    inputs : list of nengo.Connection
        The present input's, then those of 1, 2, ... steps ago.
    readout : ndarray
        The transform from the population's decoded ``y`` to ``memory.state``.
    rho : ndarray
    """
    mapping = memory.synapse_mapping
    A_prime, taps = mapping.taps(memory.A, memory.B, tau.tau, memory.dt)
    R, readout_taps = mapping.readout(memory.A, memory.B, tau.tau, memory.dt)
    eye = np.eye(memory.size_in)
    M = np.kron(eye, A_prime)
    rho = floor(M, memory.radii_full)
    recurrent = nengo.Connection(ens, ens, transform=M * rho[None, :] / rho[:, None],
                                 synapse=tau, solver=solver)
    nodes = [memory.input]
    for lag in range(1, len(taps)):
        node = nengo.Node(size_in=memory.size_in, label=f"input {lag} step(s) ago")
        nengo.Connection(memory.input, node,
                         synapse=nengo.LinearFilter([1.0], [1.0] + [0.0] * lag, analog=False))
        nodes.append(node)
    inputs = [
        nengo.Connection(node, ens, transform=np.kron(eye, F) / rho[:, None],
                         synapse=tau, label=f"input {lag} step(s) ago" if lag else "input")
        for lag, (node, F) in enumerate(zip(nodes, taps))
    ]
    for node, G in zip(nodes[1:], readout_taps[1:]):
        nengo.Connection(node, memory.state, transform=np.kron(eye, G), synapse=None)
    return recurrent, inputs, np.kron(eye, R) @ np.diag(rho), rho

