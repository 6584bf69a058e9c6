r"""The Legendre memory laid out as an analog chip computes it.

:class:`AnalogLegendreMemory` has :class:`.LegendreMemory`'s interface, but
its recurrence stays on the chip: one population whose neuron groups encode
one dimension each (axis-aligned encoders), decoded by the chip's
accumulator straight back into the same population's synapses, with no
host-side node inside the loop. Its decoders are solved by the backend
(:class:`GroupSolver`, one dimension from its own group), so that the
analog backend can solve them from the emulated neurons' tuning curves.

Compensations (:data:`COMPENSATIONS`), each switchable:

- ``"calibrate"``: each neuron measured and trimmed to its nominal curve,
  and decoders from the emulated neurons' own tuning curves (the backend's
  ``calibrate``, :mod:`~nengo_lmu.hardware.analog.calibration`; this memory asks for it).
- ``"synapse"``: Principle 3 for the chip's synapse, a pulse-extended
  double exponential (:func:`nengo_lmu.mapping.general_synapse` with
  :func:`~nengo_lmu.mapping.double_exponential_coefficients`), instead of
  the lowpass the network asks for.
- ``"heterogeneous"``: decode the state and its first two derivatives once
  and let each neuron weigh them with its own synapse's coefficients
  (:class:`.SynapseDerivative`; Voelker 2019, thesis 5.1.4). Implies the
  synapse's shape, as ``"synapse"``.
- ``"exact"`` (:data:`EXACT`, instead of the two above): Principle 3 exact
  for the nominal synapse as the emulator steps it, its second pole and
  pulse included (:mod:`.discrete`): the recurrence plus taps of the last
  two inputs (delayed on the host), and a readout that gives back the ideal
  discrete memory's state. Without spikes and mismatch the memory's state
  is the ideal one to the neurons' decoding error.

Without any of the last three the mapping is the one for a lowpass
(``mapping``, discrete by default), as on the reference simulator.

By default (``compensations=None``) the memory calibrates, and adds the two
synapse compensations only where the synapse's second-order term is at most
its first-order one, ``||c2 A^2|| <= ||c1 A||`` (:func:`second_order_ratio`,
:data:`MAX_SECOND_ORDER_RATIO`). Beyond that the second-order term, which
depends on the chip's parasitic pole and pulse and on the simulator's hold,
dominates the recurrence and amplifies every decoding error: measured on the
Braindrop-like substrate (window NRMSE, white noise with theta * f = 0.3,
128 neurons per dimension), with the synapse compensations against without,
order 6 over 0.1 s (ratio 0.59): 0.134 / 0.129; order 12 over 0.25 s (0.87):
0.256 / 0.265; order 12 over 0.15 s (1.45): 0.30 / 0.14; order 24 over 0.5 s
(1.70): 0.41 / 0.14; order 24 over 0.25 s (3.4): 4.98 / 0.31, diverged.
Asked for beyond the limit, they warn (:class:`UnstableMappingWarning`).
There the lowpass mapping ignores the synapse's second pole and pulse, which
fast, broadband inputs excite (the rates fail as the spikes do), and the
default is ``"exact"`` wherever its loop holds (:data:`MAX_ROBUST_RADIUS`,
:func:`.discrete.robust_radius`), with an 18 ms synapse unless one is given
(:data:`EXACT_SYNAPSE`) and radii floored at 1/3 of the largest
(:data:`EXACT_RADIUS_RATIO`); elsewhere (order 24 over 0.128 or 0.25 s) the
lowpass mapping stays. Measured on the permuted digits' pixels (held 2 ms,
theta = 0.128 s, 100 neurons per dimension, ``benchmarks/bench_analog_fast.py``),
relative state error, order 12: 2.30 before, 0.43 now (reference simulator
0.47); window NRMSE with white noise, theta * f = 1, 128 neurons per
dimension (``bench_generalisation.py grid``): order 6 over 0.05 s 0.72 ->
0.20 (reference 0.19), order 12 over 0.1 s 0.43 -> 0.20 (0.12). The limit
is the synapse's second pole: with only it (no pulse, mismatch, quantisation
or spikes) order 24 over 0.128 s, whose fastest mode decays in 3 ms, errs
3.5 with the lowpass mapping and 5.2 with the exact one; with only the
pulse, 1.3 and 0.06. The exact mapping held where the fastest mode
(``theta / max |eig(A)|``, :func:`.discrete.fastest_mode`) takes about 5 ms
or more. Below :func:`.discrete.min_fastest_mode`, which grows with the
order (2.5 ms at order 6, 4 ms at 12, 12 ms at 24), no mapping holds the
state (measured: an error 2.5 times the reference simulator's or more,
:func:`.discrete.check_fastest_mode`), and the memory warns
(:class:`.discrete.FastMemoryWarning`).

Memories whose fastest mode lasts less than :data:`EXACT_BELOW` (20 ms) take
the exact mapping wherever its loop holds, even where the synapse
compensations would apply: their modes are fast enough to excite the
second pole and pulse that those compensations only approximate. Measured
(``bench_generalisation.py grid --backends analog analog-exact``, 3 seeds,
window NRMSE at 128 / 256 neurons per dimension, theta * f = 0.3 and 1),
synapse compensations against the exact mapping: order 6 over 0.1 s
(10.8 ms) 0.136 / 0.083 and 0.255 / 0.152 against 0.099 / 0.080 and
0.176 / 0.130; order 3 over 0.05 s (12.3 ms) 0.135 / 0.126 and
0.298 / 0.286 against 0.111 / 0.094 and 0.239 / 0.237. Slower memories
keep the synapse compensations, which were as good or better there (order
3 over 0.1 s, 24.6 ms, the thesis's delay network: 0.099 / 0.083 against
0.093 / 0.074 at theta * f = 0.3 but 0.295 against 0.299 at 1 with 256
per dimension; order 6 over 0.25 s, 27 ms: 0.149 / 0.115 against 0.189 /
0.146 at theta * f = 1).

The recurrence in scaled coordinates, ``T A' T^-1``, multiplies dimension
``j`` by ``r_j / r_i`` into dimension ``i``, and radii from a slow input
process span up to 5e4 at order 12 (the highest Legendre coefficients of a
slow signal are tiny), so its rows span up to 3e5 in scale. The
accumulator's 8-bit weights, with one exponent in 0..7 per row, cannot hold
that: the rows of the dimensions with the largest radii round to little or
nothing, and the +-1 output spikes, each worth the connection's largest
weight, carry them as sparse, coarse spike trains (measured, order 12 over
0.25 s, theta * f = 0.3: window NRMSE 2.15; 2.2 with only the 8-bit weights
or only the +-1 output spikes switched on, at most 0.19 with any other
single non-ideality). Where the rows span more
than :data:`MAX_ROW_SPREAD`, radii below the largest over
:data:`MAX_RADIUS_RATIO` are raised to that (:func:`floor_radii`): 0.26 with
a ratio of 10, 0.59 with 32, 0.95 with 100 (reference simulator 0.20).
Memories whose rows fit (the thesis's Table 7.1 network, order 6 over 1 s of
1 Hz noise) keep their radii.
"""

import warnings

import numpy as np
import nengo
from nengo.exceptions import ValidationError

from nengo_lmu.hardware.analog.builder import SynapseDerivative
from nengo_lmu.hardware.analog import discrete
from nengo_lmu.hardware.analog.discrete import ExactSynapseMapping
from nengo_lmu.hardware.analog.substrate import Substrate
from nengo_lmu.dynamics import lmu_matrices, scale_system
from nengo_lmu.mapping import (
    SynapseMapping,
    derivative_systems,
    double_exponential_coefficients,
    general_synapse,
)
from nengo_lmu.networks.memory import LegendreMemory
from nengo_lmu.networks.population import Output, Population, Ports

#: What :class:`AnalogLegendreMemory` can compensate, in the order they stack.
COMPENSATIONS = ("calibrate", "synapse", "heterogeneous")

#: The exact discrete mapping for the chip's synapse (:mod:`.discrete`): a
#: compensation that replaces ``"synapse"`` and ``"heterogeneous"``.
EXACT = "exact"

#: Every compensation a memory takes, in the order they are listed.
ALL_COMPENSATIONS = COMPENSATIONS + (EXACT,)

#: The compensations that shape the mapping for the chip's synapse approximately.
_SHAPED = ("synapse", "heterogeneous")

#: Largest ratio between the row scales (largest magnitudes) of the scaled
#: recurrence ``T A' T^-1`` that the memory leaves as it is: the
#: accumulator's rows have 2^7 = 128 scales (one exponent in 0..7 each), and
#: this keeps an octave of that as margin.
MAX_ROW_SPREAD = 64.0

#: Where the rows span more than :data:`MAX_ROW_SPREAD`, the largest ratio
#: between two dimensions' radii; smaller radii are raised (see the module docs).
MAX_RADIUS_RATIO = 10.0

#: Largest :func:`second_order_ratio` at which the synapse compensations are
#: applied by default, and beyond which asking for them warns.
MAX_SECOND_ORDER_RATIO = 1.0

#: Largest :func:`.discrete.robust_radius` at which the memory uses the
#: exact mapping by default (see the module docs).
MAX_ROBUST_RADIUS = 0.98

#: Fastest mode (seconds, :func:`.discrete.fastest_mode`) below which the
#: memory takes the exact mapping by default wherever its loop holds, even
#: where the synapse compensations would apply (see the module docs).
EXACT_BELOW = 0.02

#: The memory's synapse (seconds) unless it is given: the thesis's setting
#: for its analog delay network, and with the exact mapping Braindrop's
#: default setting, which the exact mapping's recurrence scales with
#: (see the module docs).
DEFAULT_SYNAPSE = 0.1
EXACT_SYNAPSE = 0.018

#: :data:`MAX_RADIUS_RATIO` for the exact mapping, whose recurrence is larger.
EXACT_RADIUS_RATIO = 3.0


class GroupSolver(nengo.solvers.Solver):
    """Solve output ``j`` from the neurons of group ``j`` only.

    For a population whose neuron groups each encode one dimension, this is
    the per-dimension solve of separate 1-D ensembles (the other groups'
    neurons carry only noise about dimension ``j``), at the cost of one
    population's activities.

    Parameters
    ----------
    groups : array_like of int
        The dimension each neuron encodes.
    solver : nengo.solvers.Solver
        Solves each group (e.g. ``nengo.solvers.LstsqL2()``).
    """

    compositional = True

    def __init__(self, groups, solver):
        super().__init__(weights=False)
        self.groups = np.asarray(groups, dtype=int)
        self.solver = solver

    def __call__(self, A, Y, rng=np.random, E=None):
        Y = np.asarray(Y)
        if Y.shape[1] != self.groups.max() + 1:
            raise ValidationError(
                f"targets must have one column per group ({self.groups.max() + 1}; "
                f"got {Y.shape[1]})",
                "Y",
            )
        X = np.zeros((A.shape[1], Y.shape[1]))
        residuals = []
        for j in range(Y.shape[1]):
            idx = self.groups == j
            X[idx, j:j + 1], info = self.solver(A[:, idx], Y[:, j:j + 1], rng=rng)
            residuals.append(np.atleast_1d(info.get("rmses", [np.nan]))[0])
        return X, {"rmses": np.array(residuals)}


def chip_synapse(substrate, tau, dt):
    """The coefficients of ``1 / H(s)`` of ``substrate``'s synapse of nominal
    time constant ``tau``, as the emulator realises it: held over each step
    (:func:`~nengo_lmu.mapping.double_exponential_coefficients`)."""
    return double_exponential_coefficients(tau, substrate.tau2, substrate.pulse_width, hold=dt)


class UnstableMappingWarning(UserWarning):
    """An analog memory whose mapped recurrence is unstable on the chip's synapse."""


def second_order_ratio(A, coefficients):
    """``||c2 A^2|| / ||c1 A||`` (spectral norms): how much the second-order
    term of the synapse mapping (:func:`~nengo_lmu.mapping.general_synapse`)
    weighs against the first-order one; 0 where either vanishes."""
    A = np.asarray(A, dtype=float)
    first = np.linalg.norm(coefficients[1] * A, 2)
    if first == 0:
        return 0.0
    return float(np.linalg.norm(coefficients[2] * (A @ A), 2) / first)


def row_spread(A, radii):
    """The ratio of the largest to the smallest row scale (largest magnitude
    in the row) of ``A`` in coordinates scaled by ``radii``, ``T A T^-1``."""
    radii = np.asarray(radii, dtype=float)
    rows = np.abs(np.asarray(A, dtype=float) * radii[None, :] / radii[:, None]).max(axis=1)
    return float(rows.max() / rows.min())


def floor_radii(A, radii, ratio=None):
    """``radii``, with the smallest raised to the largest over ``ratio``
    (default :data:`MAX_RADIUS_RATIO`) where the rows of ``A`` scaled by them
    span more than :data:`MAX_ROW_SPREAD` (:func:`row_spread`); else unchanged."""
    radii = np.asarray(radii, dtype=float)
    if row_spread(A, radii) <= MAX_ROW_SPREAD:
        return radii
    return np.maximum(radii, radii.max() / (MAX_RADIUS_RATIO if ratio is None else ratio))


def _memory_second_order_ratio(order, theta, synapse, dt, substrate):
    """:func:`second_order_ratio` of a memory's arguments; None where they are
    invalid (the memory's own checks then name the parameter)."""
    try:
        A, _ = lmu_matrices(order, theta)
        tau = synapse.tau if isinstance(synapse, nengo.Lowpass) else float(synapse)
        return second_order_ratio(A, chip_synapse(substrate, tau, dt))
    except (ValidationError, TypeError, ValueError):
        return None


def _default_compensations(order, theta, synapse, dt, substrate, ratio):
    """The compensations a memory gets when none are given: the exact mapping
    where its fastest mode lasts less than :data:`EXACT_BELOW` or the synapse's
    second-order term exceeds its first-order one, if its loop holds there;
    else the synapse compensations where that term is small enough; else
    calibration alone (``ratio`` is :func:`second_order_ratio` for the synapse
    asked for)."""
    if ratio is None:  # invalid arguments, which the memory's own checks name
        return ("calibrate",) + _SHAPED
    shaped_ok = ratio <= MAX_SECOND_ORDER_RATIO
    if shaped_ok and discrete.fastest_mode(order, theta) >= EXACT_BELOW:
        return ("calibrate",) + _SHAPED
    robust = _memory_robust_radius(
        order, theta, EXACT_SYNAPSE if synapse is None else synapse, dt, substrate)
    if robust is not None and robust <= MAX_ROBUST_RADIUS:
        return ("calibrate", EXACT)
    return ("calibrate",) + (_SHAPED if shaped_ok else ())


def _memory_robust_radius(order, theta, synapse, dt, substrate):
    """:func:`.discrete.robust_radius` of a memory's exact mapping; None
    where its arguments are invalid."""
    try:
        A, B = lmu_matrices(order, theta)
        tau = synapse.tau if isinstance(synapse, nengo.Lowpass) else float(synapse)
        return ExactSynapseMapping(substrate).robust_radius(A, B, tau, dt)
    except (ValidationError, TypeError, ValueError, np.linalg.LinAlgError):
        return None


class ChipSynapseMapping(SynapseMapping):
    """Principle 3 for ``substrate``'s synapse (:func:`chip_synapse`) instead
    of the lowpass the memory asks for (:func:`~nengo_lmu.mapping.general_synapse`)."""

    def __init__(self, substrate):
        self.substrate = substrate

    def map(self, A, B, tau, dt):
        return general_synapse(A, B, chip_synapse(self.substrate, tau, dt))


class AnalogLegendreMemory(LegendreMemory):
    r"""A Legendre memory for the analog backend (see the module docs).

    Parameters
    ----------
    order, theta, n_neurons, neuron_type, dt, radii, size_in, solver
        As for :class:`.LegendreMemory`. Where the scaled recurrence's rows
        span more than :data:`MAX_ROW_SPREAD`, radii below the largest over
        :data:`MAX_RADIUS_RATIO` are raised to that (:func:`floor_radii`; see
        the module docs). With ``"exact"``, radii below the largest over
        :data:`EXACT_RADIUS_RATIO` are raised where the rows span more than
        :data:`MAX_ROW_SPREAD` (``population.represented_radii``;
        ``radii`` stays as given).
    synapse : float or nengo.Lowpass, optional
        The nominal synapse, i.e. the chip's time-constant setting (default
        0.1 s, as :class:`.LegendreMemory`; 18 ms with ``"exact"``). Braindrop's setting spans about
        18 ms (its default) to 180 ms (its maximum; Voelker 2019, thesis
        7.1-7.2); a shorter synapse filters less spike noise and makes the
        second pole and the pulse matter more.
    mapping : {"discrete", "continuous"}, optional
        Principle 3 for a lowpass, used without the synapse compensations.
    substrate : Substrate, optional
        The chip the memory is designed for: its ``tau2`` and
        ``pulse_width`` shape the synapse compensations (default
        ``Substrate()``). The memory runs on any substrate.
    compensations : iterable of str, optional
        Any of :data:`ALL_COMPENSATIONS` (``"exact"`` not with ``"synapse"``
        or ``"heterogeneous"``). Default: ``"calibrate"``, plus
        ``"synapse"`` and ``"heterogeneous"`` where the synapse's
        second-order term is at most its first-order one
        (:func:`second_order_ratio` <= :data:`MAX_SECOND_ORDER_RATIO`) and
        the fastest mode lasts at least :data:`EXACT_BELOW`, else
        ``"exact"`` where its loop holds (see the module docs); the chosen
        ones are :attr:`compensations`.
    n_eval_points : int, optional
        Evaluation points of the population (default nengo's heuristic for
        one group, at most 750): each group sees every point, in its own
        dimension.
    **kwargs
        Passed to ``nengo.Network``.

    Attributes
    ----------
    ensemble : nengo.Ensemble
        The one population (also ``ensembles[0]``).
    groups : ndarray of int
        The dimension each neuron encodes.
    calibrate : bool
        Whether the backend should calibrate the chip (neuron trims and
        decoders).

    Warns
    -----
    FastMemoryWarning
        Where the memory's fastest mode, ``theta / max |eig(A)|``, lasts less
        than :func:`.discrete.min_fastest_mode` of its order (12 ms at order
        24): the chip's synapse cannot hold it
        (:func:`.discrete.check_fastest_mode`), e.g. orders 24 and 64 over
        0.128 s (3.0 and 0.6 ms).
    UnstableMappingWarning
        Where ``"synapse"`` or ``"heterogeneous"`` is asked for beyond
        :data:`MAX_SECOND_ORDER_RATIO`.

    Examples
    --------
    >>> mem = AnalogLegendreMemory(order=3, theta=1.0, n_neurons=300,
    ...                            compensations=("calibrate", "synapse"))
    >>> mem.coefficients.round(6)  # 1 + c1 s + c2 s^2 of the synapse, held over dt
    array([1.0000e+00, 1.0275e-01, 2.7700e-04])
    """

    def __init__(
        self,
        order,
        theta,
        n_neurons,
        neuron_type=None,
        synapse=None,
        dt=0.001,
        mapping="discrete",
        radii=1.0,
        size_in=1,
        substrate=None,
        compensations=None,
        solver=None,
        n_eval_points=None,
        **kwargs,
    ):
        substrate = Substrate() if substrate is None else substrate
        if not isinstance(substrate, Substrate):
            raise ValidationError(
                f"Must be a nengo_lmu.hardware.analog.Substrate (got {substrate!r})",
                attr="substrate",
                obj=self,
            )
        asked = DEFAULT_SYNAPSE if synapse is None else synapse
        ratio = _memory_second_order_ratio(order, theta, asked, dt, substrate)
        if compensations is None:
            compensations = _default_compensations(order, theta, synapse, dt, substrate,
                                                   ratio)
        if synapse is None:
            exact = compensations == EXACT or EXACT in tuple(compensations)
            synapse = EXACT_SYNAPSE if exact else DEFAULT_SYNAPSE
        if isinstance(compensations, str):
            compensations = (compensations,)
        compensations = tuple(compensations)
        unknown = [c for c in compensations if c not in ALL_COMPENSATIONS]
        if unknown:
            raise ValidationError(
                f"Must be a subset of {ALL_COMPENSATIONS} (got {unknown})",
                attr="compensations",
                obj=self,
            )
        compensations = tuple(c for c in ALL_COMPENSATIONS if c in compensations)
        if EXACT in compensations and any(c in compensations for c in _SHAPED):
            raise ValidationError(
                f"Must not combine 'exact' with 'synapse' or 'heterogeneous', which it "
                f"replaces (got {compensations})",
                attr="compensations",
                obj=self,
            )
        population = AnalogPopulation(substrate, compensations)
        if EXACT in compensations:
            synapse_mapping = ExactSynapseMapping(substrate)
        elif population.synapse_shaped:
            synapse_mapping = ChipSynapseMapping(substrate)
        else:
            synapse_mapping = None
        super().__init__(
            order,
            theta,
            n_neurons,
            neuron_type=neuron_type,
            synapse=synapse,
            dt=dt,
            mapping=mapping,
            radii=radii,
            size_in=size_in,
            solver=solver,
            n_eval_points=n_eval_points,
            population=population,
            synapse_mapping=synapse_mapping,
            **kwargs,
        )
        discrete.check_fastest_mode(self)
        if self.synapse_shaped and ratio is not None and ratio > MAX_SECOND_ORDER_RATIO:
            warnings.warn(
                f"{self}: compensations: 'synapse' and 'heterogeneous' need the "
                "synapse's second-order term to be at most its first-order one, "
                f"||c2 A^2|| / ||c1 A|| <= {MAX_SECOND_ORDER_RATIO:g} (got {ratio:.2f} "
                f"for order {order} over theta = {theta} s); beyond that they amplify "
                "decoding errors and the memory can diverge: leave compensations at "
                "their default, or use a longer theta or a lower order",
                UnstableMappingWarning,
                stacklevel=2,
            )

    def _coerce_radii(self, radii):
        radii = super()._coerce_radii(radii)
        if isinstance(self.synapse_mapping, ExactSynapseMapping):
            return radii  # floored in the coordinates it represents (discrete.wire)
        A, B = lmu_matrices(self.order, self.theta)
        mapped, _ = self.synapse_mapping.map(A, B, self.synapse.tau, self.dt)
        return floor_radii(mapped, radii)

    def loop_radius(self):
        """The spectral radius of the linear closed loop on the substrate's
        nominal synapse: the mapped recurrence (``scaled_A``) fed back through
        the exactly discretised pulse-extended double exponential, as the
        emulator runs it, neurons taken as linear.

        A diagnostic, not a verdict: spiking memories whose linear loop grows
        by up to 1.18 per step measured accurate on the Braindrop-like
        substrate (order 24 over 0.128 s: 1.06, window NRMSE 0.19; order 64
        over 0.128 s: 1.18, 0.29; the lowpass mapping, white noise with
        theta * f = 0.3), so the memory does not warn on it.
        """
        from nengo_lmu.hardware.analog.operators import discretize_synapses  # noqa: PLC0415

        sub = self.substrate
        Ad, G0, G1 = discretize_synapses(np.array([self.synapse.tau]), sub.tau2,
                                         sub.pulse_width, self.dt)
        Ad, G0, G1 = Ad[:, :, 0], G0[:, 0], G1[:, 0]
        k, D = Ad.shape[0], self.dimensions
        eye = np.eye(D)
        # state: the synapse's k stages per dimension, then the previous input
        Y = np.zeros((D, (k + 1) * D))
        Y[:, (k - 1) * D:k * D] = eye
        V = self.scaled_A @ Y
        M = np.zeros(((k + 1) * D, (k + 1) * D))
        for i in range(k):
            rows = slice(i * D, (i + 1) * D)
            for j in range(k):
                M[rows, j * D:(j + 1) * D] += Ad[i, j] * eye
            M[rows] += G0[i] * V
            M[rows, k * D:] += G1[i] * eye
        M[k * D:] = V
        return float(np.max(np.abs(np.linalg.eigvals(M))))

    @property
    def substrate(self):
        """The chip the memory is designed for."""
        return self.population.substrate

    @property
    def compensations(self):
        """The compensations applied, in :data:`COMPENSATIONS` order."""
        return self.population.compensations

    @property
    def coefficients(self):
        """``1 + c1 s + c2 s^2`` of the chip's synapse, held over ``dt``."""
        return chip_synapse(self.substrate, self.synapse.tau, self.dt)

    @property
    def calibrate(self):
        return "calibrate" in self.compensations

    @property
    def synapse_shaped(self):
        """Whether the mapping is for the chip's synapse rather than a lowpass."""
        return self.population.synapse_shaped

    @property
    def ensemble(self):
        """The one population (also ``ensembles[0]``)."""
        return self.population.ensemble

    @property
    def groups(self):
        """The dimension each neuron encodes."""
        return self.population.groups

    @property
    def wiring(self):
        """The subnetwork that holds the memory's connections."""
        return self.population.wiring

    @property
    def recurrent_connections(self):
        """The recurrent connection(s): one, or one per synapse derivative."""
        return self.population.recurrent_connections

    @property
    def input_connections(self):
        """The input connection(s): one, or one per synapse derivative."""
        if self.population.input_connections is not None:
            return self.population.input_connections
        return [self._input_conn]


class AnalogPopulation(Population):
    """One population whose groups of neurons encode one dimension each
    (axis-aligned encoders), the recurrence decoded on the chip straight back
    into its synapses (see :class:`AnalogLegendreMemory`)."""

    def __init__(self, substrate, compensations):
        self.substrate = substrate
        self.compensations = compensations
        self.ensemble = self.groups = self.wiring = None
        self.recurrent_connections = self.input_connections = None
        self.represented_radii = None

    @property
    def synapse_shaped(self):
        return "synapse" in self.compensations or "heterogeneous" in self.compensations

    def build(self, memory):
        D, m = memory.dimensions, memory.n_neurons
        sizes = memory.split_sizes()
        self.groups = np.repeat(np.arange(D), sizes)
        within = np.concatenate([np.arange(n) for n in sizes])
        encoders = np.zeros((m, D))
        encoders[np.arange(m), self.groups] = np.where(within % 2 == 0, 1.0, -1.0)
        self.ensemble = ens = nengo.Ensemble(
            m,
            D,
            radius=1.0,
            encoders=encoders,
            neuron_type=memory.neuron_type,
            eval_points=nengo.dists.Uniform(-1, 1),
            n_eval_points=memory.eval_points_for(int(sizes.max()), 1),
            label="x",
        )
        solver = GroupSolver(self.groups, memory.solver)
        tau = memory.synapse
        # nengo seeds a network's connections before its ensembles: built in a
        # subnetwork, their number (which the compensations change) leaves the
        # population's seed, and so its neurons, the same for every compensation
        self.wiring = nengo.Network(label="wiring")
        readout = np.diag(memory.radii_full)
        with self.wiring:
            if isinstance(memory.synapse_mapping, ExactSynapseMapping):
                recurrent, self.input_connections, readout, self.represented_radii = (
                    discrete.wire(memory, ens, solver, tau,
                                  lambda M, r: floor_radii(M, r, EXACT_RADIUS_RATIO)))
                self.recurrent_connections = [recurrent]
            elif "heterogeneous" in self.compensations:
                self._derivatives(memory, ens, solver, tau)
            else:
                self.recurrent_connections = [nengo.Connection(
                    ens, ens, transform=memory.scaled_A, synapse=tau, solver=solver
                )]
        return Ports(
            input=None if self.input_connections is not None else ens,
            outputs=[Output(ens, readout, solver=solver)],
            network=self.wiring,
        )

    def _derivatives(self, memory, ens, solver, tau):
        """Decode x and its first two derivatives once; each neuron weighs
        them with its own synapse's coefficients (:class:`.SynapseDerivative`)."""
        D = memory.dimensions
        eye = np.eye(memory.size_in)
        Ax, Bx = scale_system(np.kron(eye, memory.A), np.kron(eye, memory.B), memory.radii_full)
        coefficients = chip_synapse(self.substrate, tau.tau, memory.dt)
        self.recurrent_connections = [nengo.Connection(ens, ens, synapse=tau, solver=solver)]
        self.input_connections = []
        for k, (Ak, Bk) in enumerate(derivative_systems(Ax, Bx, 2)):
            c = coefficients[k]
            if k == 0 or c == 0:
                continue
            self.recurrent_connections.append(nengo.Connection(
                ens, ens, synapse=tau, solver=solver,
                transform=SynapseDerivative((D, D), c * Ak, order=k, coefficient=c),
            ))
            self.input_connections.append(nengo.Connection(
                memory.input, ens, synapse=tau,
                transform=SynapseDerivative(Bk.shape, c * Bk, order=k, coefficient=c),
            ))
