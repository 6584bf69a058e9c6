r"""The Legendre memory in spiking neurons (NEF Principles 1-3)."""

import numpy as np
import nengo
from nengo.exceptions import ValidationError
from nengo.params import BoolParam, EnumParam, IntParam
from nengo.utils.builder import default_n_eval_points

from nengo_lmu import dynamics
from nengo_lmu.mapping import MAPPINGS, LowpassMapping, SynapseMapping
from nengo_lmu.networks.params import (  # noqa: F401 (part of this module's namespace)
    FiniteNumberParam,
    LowpassParam,
    SimulableNeuronTypeParam,
)
from nengo_lmu.networks.population import EnsemblesPopulation, Population
from nengo_lmu.signals import state_radii

#: Evaluation points per represented dimension beyond which more buy nothing
#: for a lowpass-filtered spiking population but cost time and memory: the
#: activity matrix is ``n_eval_points x n_neurons`` while decoders are solved.
#: 750 is nengo's own default for a 1-D ensemble of up to 375 neurons.
MAX_EVAL_POINTS_PER_DIMENSION = 750

#: Standard deviations of each state that radii computed from an input
#: process span (:func:`.signals.state_radii`).
STATE_SCALE = 2.0

#: Where radii come from an input process, the largest ratio between two
#: dimensions' radii in a memory of nengo ensembles: smaller radii are
#: raised to the largest over this (:meth:`LegendreMemory.floor_radii`).
MAX_RADIUS_RATIO = 100.0

#: The :attr:`LegendreMemory.recurrent_gain` above which a memory with radii
#: from an input process decodes the tails of its states' distribution too
#: (:meth:`LegendreMemory.eval_points_dist`).
FAST_RECURRENCE = 1.0


class LegendreMemory(nengo.Network):
    r"""A Legendre memory of ``theta`` seconds held by ``n_neurons`` spiking neurons.

    The network represents the ``order``-dimensional state :math:`m(t)` of

    .. math:: \theta \dot{m}(t) = \bar{A} m(t) + \bar{B} u(t)

    (:ref:`theory-memory`) for each channel of its input, so that
    ``u(t - theta')`` and any linear functional of the last ``theta`` seconds
    of input can be decoded from it.

    Parameters
    ----------
    order : int
        Legendre state variables per input channel (:math:`d`), at least 1.
    theta : float
        Length of the window in seconds, > 0.
    n_neurons : int
        Total neurons :math:`m`, at least one per represented dimension
        (``order * size_in``). They are split as evenly as possible over the
        dimensions, one 1-D ensemble each, unless ``single_ensemble``. A
        multiple of ``order * size_in`` gives equal ensembles, whose operators
        nengo's optimizer merges; an uneven split runs about 30% slower at
        m = 1000 (measured, d = 6).
    neuron_type : nengo.neurons.NeuronType, optional
        Default ``nengo.PoissonSpiking(nengo.LIFRate())``, the LMU paper's
        Poisson neurons.
    synapse : float or nengo.Lowpass, optional
        Recurrent and input synapse; seconds or a ``nengo.Lowpass`` (default 0.1).
    dt : float, optional
        The simulator's step in seconds, used by the discrete mapping
        (default 0.001); must be smaller than ``theta``.
    mapping : {"discrete", "continuous"}, optional
        Principle 3 for a digital lowpass at ``dt`` (default, exact in a
        discrete simulator) or for a continuous lowpass.
    radii : float, array_like or nengo.Process, optional
        Range each state variable's neurons represent: one number, one per
        Legendre dimension (``order``), or the input process the memory will
        see, from which ``2`` standard deviations of each state are computed
        (:func:`.signals.state_radii`), those below the largest over
        :data:`MAX_RADIUS_RATIO` raised to that (:meth:`floor_radii`).
        Default 1. With a process, a fast memory is also decoded where its
        state goes, tails included (:meth:`eval_points_dist`).
    size_in : int, optional
        Input channels, each with its own memory (default 1).
    single_ensemble : bool, optional
        Represent all dimensions in one ensemble of ``n_neurons`` instead of
        an even split (default False). Its radius is ``sqrt(order * size_in)``,
        the ball around the box that ``radii`` describe, so it spends neurons
        on corners the state rarely visits: about 2-4x the split's error for
        rate neurons at equal ``n_neurons``.
    discretizer : {"zoh", "euler"}, optional
        Discretisation used by the discrete mapping (default ``"zoh"``).
    solver : nengo.solvers.Solver, optional
        Decoder solver (default ``nengo.solvers.LstsqL2()``).
    n_eval_points : int, optional
        Evaluation points per ensemble. The default is nengo's heuristic,
        capped at ``750`` per represented dimension, which keeps decoder
        solving O(m) in time and memory.
    eval_points : nengo.dists.Distribution, optional
        Where each ensemble's decoders are fit, sampled as nengo samples an
        ensemble's ``eval_points`` (on its unit ball, then scaled by its
        radius). Default: the states' own distribution for a fast memory
        with ``radii`` from an input process (:meth:`eval_points_dist`),
        nengo's default (points scattered evenly in the ball) otherwise.
        Pass ``nengo.Ensemble.eval_points.default`` for nengo's default
        always.
    population : nengo_lmu.networks.population.Population, optional
        What makes the neurons (default
        :class:`~nengo_lmu.networks.population.EnsemblesPopulation`: the
        ensembles described above). Hardware memories pass their own.
    synapse_mapping : nengo_lmu.mapping.SynapseMapping, optional
        Principle 3 for the synapse that implements the dynamics (default a
        :class:`~nengo_lmu.mapping.LowpassMapping` with ``mapping`` and
        ``discretizer``; e.g. a
        :class:`~nengo_lmu.mapping.GeneralSynapseMapping` for a higher-order
        synapse).
    **kwargs
        Passed to ``nengo.Network`` (``label``, ``seed``, ``add_to_container``).

    Attributes
    ----------
    input : nengo.Node
        The input :math:`u`, ``size_in`` wide.
    state : nengo.Node
        The decoded memory :math:`m`, in the Legendre basis of :ref:`theory-memory`
        with any scaling undone, ``order * size_in`` wide (channel ``c`` in columns
        ``c * order`` to ``(c + 1) * order - 1``); unfiltered spikes, so probe
        it with a synapse.
    output : nengo.Node
        The decoded :math:`u(t - \theta)`, ``size_in`` wide; built on first
        use, so a memory read only through ``state`` pays nothing for it.
    ensembles : list of nengo.Ensemble
        The populations holding the memory (``nengo.Network.ensembles``).

    Notes
    -----
    Internally each population represents :math:`x = T m` with
    :math:`T = \mathrm{diag}(1 / r)`, so that every dimension spans its
    neurons' range (:ref:`theory-state-scaling`); the recurrent transform is
    :math:`T A'` applied to :math:`m` and the input transform :math:`T B'`.
    Decoders are solved once per ensemble, and all readouts are linear maps
    of ``state``, so adding outputs solves nothing new.

    References
    ----------
    .. [1] Voelker, Kajić & Eliasmith, "Legendre Memory Units", NeurIPS 2019.
    .. [2] Voelker & Eliasmith, "Improving spiking dynamical networks",
       Neural Computation 2018.

    Examples
    --------
    >>> import nengo
    >>> with nengo.Network(seed=0) as model:
    ...     stim = nengo.Node(nengo.processes.WhiteSignal(10, high=1, rms=0.3))
    ...     lmu = LegendreMemory(order=6, theta=1.0, n_neurons=600)
    ...     _ = nengo.Connection(stim, lmu.input, synapse=None)
    ...     half = lmu.add_delay_output(0.5)
    >>> lmu.mapped_A.shape, len(lmu.ensembles)
    ((6, 6), 6)
    """

    order = IntParam("order", low=1, readonly=True)
    theta = FiniteNumberParam("theta", low=0, low_open=True, readonly=True)
    n_neurons = IntParam("n_neurons", low=1, readonly=True)
    neuron_type = SimulableNeuronTypeParam("neuron_type", readonly=True)
    synapse = LowpassParam("synapse", readonly=True)
    dt = FiniteNumberParam("dt", low=0, low_open=True, readonly=True)
    mapping = EnumParam("mapping", values=MAPPINGS, readonly=True)
    discretizer = EnumParam("discretizer", values=dynamics.DISCRETIZERS, readonly=True)
    size_in = IntParam("size_in", low=1, readonly=True)
    single_ensemble = BoolParam("single_ensemble", readonly=True)
    n_eval_points = IntParam("n_eval_points", low=1, optional=True, readonly=True)

    def __init__(
        self,
        order,
        theta,
        n_neurons,
        neuron_type=None,
        synapse=0.1,
        dt=0.001,
        mapping="discrete",
        radii=1.0,
        size_in=1,
        single_ensemble=False,
        discretizer="zoh",
        solver=None,
        n_eval_points=None,
        eval_points=None,
        population=None,
        synapse_mapping=None,
        **kwargs,
    ):
        # validate everything before nengo.Network adds us to its context
        self.order = order
        self.theta = theta
        self.size_in = size_in
        self.n_neurons = n_neurons
        if self.n_neurons < self.dimensions:
            raise ValidationError(
                f"Must be at least order * size_in = {self.dimensions}, one neuron "
                f"per represented dimension (got {n_neurons})",
                attr="n_neurons",
                obj=self,
            )
        self.neuron_type = (
            nengo.PoissonSpiking(nengo.LIFRate()) if neuron_type is None else neuron_type
        )
        asked = LegendreMemory.synapse.coerce(self, synapse)
        self.dt = dt
        if self.dt >= self.theta:
            raise ValidationError(
                f"Must be smaller than theta = {self.theta} s (got {dt})",
                attr="dt",
                obj=self,
            )
        self.mapping = mapping
        self.discretizer = discretizer
        self.single_ensemble = single_ensemble
        self.n_eval_points = n_eval_points
        if eval_points is not None and not isinstance(eval_points, nengo.dists.Distribution):
            raise ValidationError(
                f"Must be a nengo.dists.Distribution or None (got {eval_points!r})",
                attr="eval_points",
                obj=self,
            )
        self.eval_points = eval_points
        self.population = _instance(population, Population, EnsemblesPopulation, "population", self)
        if eval_points is not None and not self.population.uses_eval_points:
            raise ValidationError(
                f"Is used only by populations of nengo ensembles, which "
                f"{type(self.population).__name__} is not; leave it None "
                f"(got {eval_points!r})",
                attr="eval_points",
                obj=self,
            )
        self.synapse_mapping = _instance(
            synapse_mapping, SynapseMapping,
            lambda: LowpassMapping(self.mapping, self.discretizer), "synapse_mapping", self,
        )
        #: The synapse's time constant as asked for (``synapse`` is the one
        #: the connections use, which hardware may round).
        self.requested_synapse = asked.tau
        self.synapse = self.synapse_mapping.realised(asked.tau, self.dt)
        self._radii = self.population.adjust_radii(self._coerce_radii(radii))
        self._solver = nengo.solvers.LstsqL2() if solver is None else solver
        if not isinstance(self._solver, nengo.solvers.Solver):
            raise ValidationError(
                f"Must be a nengo.solvers.Solver (got {solver!r})", attr="solver", obj=self
            )

        super().__init__(**kwargs)

        # the maths, once: A' and B' for the synapse, then on x = T m
        A, B = dynamics.lmu_matrices(self.order, self.theta)
        Ap, Bp = self.synapse_mapping.map(A, B, self.synapse.tau, self.dt)
        eye = np.eye(self.size_in)
        self._A, self._B = A, B
        self._mapped_A = np.kron(eye, Ap)
        self._mapped_B = np.kron(eye, Bp)
        self._scaled_A, self._scaled_B = dynamics.scale_system(
            self._mapped_A, self._mapped_B, self.radii_full
        )

        # the network: the population's neurons, wired the same way for all
        with self:
            self.input = nengo.Node(size_in=self.size_in, label="input")
            self.state = nengo.Node(size_in=self.dimensions, label="state")
            self._output = None
            self._wire(self.population.build(self))
            self.population.finish(self)

    # --- construction helpers ---------------------------------------------

    def _wire(self, ports):
        """Connect ``input`` and ``state`` to the population's :class:`.Ports`."""
        encode = ports.encode or (lambda transform: transform)
        with ports.network or self:
            if ports.host_recurrence:
                # T A' acting on m: the recurrence through the decoded state
                nengo.Connection(
                    self.state,
                    ports.input,
                    transform=encode(dynamics.scale_rows(self._mapped_A, self.radii_full)),
                    synapse=self.synapse,
                )
            self._input_conn = None
            if ports.input is not None:
                self._input_conn = nengo.Connection(
                    self.input,
                    ports.input,
                    transform=encode(self._scaled_B),
                    synapse=self.synapse,
                    label="input",
                )
            for out in ports.outputs:
                post = self.state if out.dims is None else self.state[out.dims]
                extra = {} if out.solver is None else {"solver": out.solver}
                nengo.Connection(
                    out.source, post, transform=out.transform, synapse=None,
                    label="decode", **extra,
                )

    def eval_points_for(self, n, k=1):
        """Evaluation points of an ensemble of ``n`` neurons representing
        ``k`` dimensions: ``n_eval_points`` if given, else nengo's heuristic
        capped at :data:`MAX_EVAL_POINTS_PER_DIMENSION` per dimension."""
        if self.n_eval_points is not None:
            return self.n_eval_points
        return min(default_n_eval_points(n, k), MAX_EVAL_POINTS_PER_DIMENSION * k)

    def split_sizes(self):
        """Neurons per represented dimension: as even as possible, larger first."""
        sizes = np.full(self.dimensions, self.n_neurons // self.dimensions)
        sizes[: self.n_neurons % self.dimensions] += 1
        return sizes

    @property
    def recurrent_gain(self):
        """How much the recurrence amplifies an error in the decoded state:
        the spectral radius of ``A' - I`` (about ``synapse.tau * max|eig(A)|
        / theta``). Below 1 the recurrence mostly carries the state over
        from step to step; above it, it multiplies what it is fed back."""
        eye = np.eye(len(self._mapped_A))
        return float(np.abs(np.linalg.eigvals(self._mapped_A - eye)).max())

    def eval_points_dist(self, k=1):
        """Where an ensemble representing ``k`` dimensions of ``x`` is decoded,
        as a distribution on its unit ball (nengo scales it by the ensemble's
        radius, ``sqrt(k)``), or None for nengo's default (even in the ball):
        ``eval_points`` if given, else as follows.

        A fast memory (:attr:`recurrent_gain` above :data:`FAST_RECURRENCE`)
        with radii from an input process decodes each one-dimensional
        ensemble on the states' own distribution: each state of ``x`` has
        standard deviation ``1 / STATE_SCALE`` (the radii are that many
        standard deviations), and white-noise states are normal, so the
        points are drawn from that normal and the decoders also hold in the
        tails beyond the radii, which the recurrence amplifies. Everything
        else keeps nengo's default: a slow memory's recurrence does not
        amplify the tails, and even points are more precise inside the
        radii; a ``single_ensemble`` measured better with the default; with
        given radii the distribution is unknown.

        Measured (means over five seeds, ``benchmarks/bench_eval_points.py``):
        the thesis's delay network (d = 3, theta = 0.1 s, 0.1 s synapse,
        gain 4.0, 384 LIF neurons, 3 Hz input) window NRMSE 0.074 -> 0.042;
        on a slow memory the normal points would cost precision (d = 3,
        theta = 1 s, gain 0.41, 300 Poisson neurons: state error 0.044 ->
        0.052), hence the threshold.
        """
        if self.eval_points is not None:
            return self.eval_points
        if not self._radii_from_process or k != 1 or self.recurrent_gain <= FAST_RECURRENCE:
            return None
        return nengo.dists.Gaussian(0.0, 1.0 / STATE_SCALE)

    def floor_radii(self, radii):
        """``radii`` computed from an input process, with those below the
        largest over :data:`MAX_RADIUS_RATIO` raised to that, for a memory of
        nengo ensembles (hardware populations floor their radii their own way,
        ``population.adjust_radii``).

        A slow input's high Legendre coefficients are tiny (order 12 over
        1 s, white noise of theta * f = 0.3: radii from 1.9 down to 4e-6),
        but the recurrence feeds those dimensions the others' decoding
        noise, and their ensembles saturate: each errs 2-18 times its radius
        whatever the number of neurons. The state also starts from rest, and
        the input's onset rings in those dimensions for about a theta after
        the warm-up at some 50 times their stationary radii. Measured on the
        reference simulator (Poisson neurons, ``benchmarks/bench_radius_floor.py``,
        means over five seeds), order 12 over 1 s, theta * f = 0.3: the
        normalised state error E_n is 74.7 at 1,536 and at 6,144 neurons
        unfloored, 2.25 and 1.84 floored at 100; order 12 over 0.25 s: 9.9 ->
        2.04 and 1.68; order 6 over 0.1 s, 768 neurons: 1.74 -> 1.21. The
        window NRMSE weighs those dimensions little and stays as it was:
        floored over unfloored on the same seed, mean of ten seeds, 1.02,
        0.98, 0.99 and 1.03 at those three points and order 12 over 0.05 s,
        theta * f = 1, each 95% interval containing 1. A floor of 32 lowers
        E_n further, but its window NRMSE was above 100's at 6 of 9 such
        (point, neurons) pairs and its state error E at all 9.
        Radii given as numbers are kept as they are.
        """
        radii = np.asarray(radii, dtype=float)
        if not (self._radii_from_process and isinstance(self.population, EnsemblesPopulation)):
            return radii
        return np.maximum(radii, radii.max() / MAX_RADIUS_RATIO)

    def _coerce_radii(self, radii):
        self._radii_from_process = isinstance(radii, nengo.Process)
        if self._radii_from_process:
            return self.floor_radii(
                state_radii(self.order, self.theta, radii, scale=STATE_SCALE, dt=self.dt))
        r = np.asarray(radii, dtype=float)
        if r.ndim > 1 or (r.ndim == 1 and r.size != self.order):
            raise ValidationError(
                f"Must be a number, {self.order} numbers (one per order) or a "
                f"nengo.Process (got shape {r.shape})",
                attr="radii",
                obj=self,
            )
        if not np.all(np.isfinite(r)) or np.any(r <= 0):
            raise ValidationError(
                f"Must be finite and > 0 (got {radii})", attr="radii", obj=self
            )
        return np.broadcast_to(r, (self.order,)).copy()

    # --- outputs ----------------------------------------------------------

    def add_readout(self, readout, label=None):
        """Add a node decoding ``readout @ m`` for each input channel.

        Parameters
        ----------
        readout : (order,) or (k, order) array_like
            Readout vector(s) on the Legendre state of one channel.
        label : str, optional

        Returns
        -------
        nengo.Node
            ``k * size_in`` wide (channel-major), unfiltered.
        """
        C = np.atleast_2d(np.asarray(readout, dtype=float))
        if C.ndim != 2 or C.shape[1] != self.order or not np.all(np.isfinite(C)):
            raise ValidationError(
                f"Must be finite with {self.order} columns, one per order "
                f"(got shape {np.shape(readout)})",
                attr="readout",
                obj=self,
            )
        transform = np.kron(np.eye(self.size_in), C)
        with self:
            node = nengo.Node(size_in=transform.shape[0], label=label)
            nengo.Connection(self.state, node, transform=transform, synapse=None)
        return node

    def add_delay_output(self, theta_prime, label=None):
        """Add a node decoding ``u(t - theta_prime)``, ``theta_prime`` in [0, theta] s."""
        C = dynamics.delay_readout(self.order, theta_prime, self.theta)
        label = f"delay {theta_prime:g} s" if label is None else label
        return self.add_readout(C, label=label)

    def add_functional_output(self, function, label=None):
        """Add a node decoding ``integral_0^theta f(s) u(t - s) ds``.

        ``function`` is a callable of the delay (seconds) or samples over
        ``[0, theta]``, as in :func:`.dynamics.functional_readout`.
        """
        C = dynamics.functional_readout(self.order, function, self.theta)
        return self.add_readout(C, label=label)

    def add_learned_output(self, learning_rate=1e-4, label=None):
        """Add an output whose decoders are learned online with PES.

        Returns ``(output, error)``: connect the target into ``error`` with
        ``transform=-1``; the network connects ``output`` into it already, so
        ``error = output - target`` drives PES on a decoded connection from
        every ensemble, starting from zero decoders.
        """
        with self:
            output = nengo.Node(size_in=self.size_in, label=label)
            error = nengo.Node(size_in=self.size_in, label="error")
            nengo.Connection(output, error, synapse=None)
            for ens in self.ensembles:
                conn = nengo.Connection(
                    ens,
                    output,
                    function=lambda x: np.zeros(self.size_in),
                    learning_rule_type=nengo.PES(learning_rate=learning_rate),
                    solver=self._solver,
                )
                nengo.Connection(error, conn.learning_rule)
        return output, error

    @property
    def output(self):
        """The decoded ``u(t - theta)``, ``size_in`` wide (built on first use)."""
        if self._output is None:
            self._output = self.add_delay_output(self.theta, label="output")
        return self._output

    # --- read-only maths --------------------------------------------------

    @property
    def dimensions(self):
        """Represented dimensions, ``order * size_in``."""
        return self.order * self.size_in

    @property
    def A(self):
        """The continuous LMU matrix ``Abar / theta`` for one channel."""
        return self._A.copy()

    @property
    def B(self):
        """The continuous LMU input matrix ``Bbar / theta`` for one channel."""
        return self._B.copy()

    @property
    def mapped_A(self):
        """Recurrent transform ``A'`` on ``m`` from Principle 3 for the
        synapse (``synapse_mapping``), all channels."""
        return self._mapped_A.copy()

    @property
    def mapped_B(self):
        """Input transform ``B'`` on ``m`` from Principle 3, all channels."""
        return self._mapped_B.copy()

    @property
    def scaled_A(self):
        """``T A' T^-1``: the recurrent transform on the represented
        ``x = T m``, ``T = diag(1 / radii_full)``."""
        return self._scaled_A.copy()

    @property
    def scaled_B(self):
        """``T B'``: the input transform into ``x = T m``."""
        return self._scaled_B.copy()

    @property
    def solver(self):
        """The decoder solver."""
        return self._solver

    @property
    def radii(self):
        """Radius of each Legendre dimension (``order``)."""
        return self._radii.copy()

    @property
    def radii_full(self):
        """Radius of every represented dimension (``order * size_in``)."""
        return np.tile(self._radii, self.size_in)

    @property
    def readout(self):
        """Readout of ``output``: ``u(t - theta)`` from one channel's ``m``."""
        return dynamics.delay_readout(self.order, self.theta, self.theta)


def _instance(value, kind, default, name, obj):
    """``value``, or ``default()`` when None; a ValidationError unless a ``kind``."""
    value = default() if value is None else value
    if not isinstance(value, kind):
        raise ValidationError(
            f"Must be a {kind.__module__}.{kind.__name__} (got {value!r})", attr=name, obj=obj
        )
    return value
