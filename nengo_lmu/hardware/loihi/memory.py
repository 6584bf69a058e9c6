r"""The Legendre memory laid out as Loihi computes it."""

import math
import warnings

import numpy as np
import nengo
from nengo.exceptions import BuildError, ValidationError
import nengo_loihi
from nengo_loihi.block import (
    MAX_COMPARTMENTS,
    MAX_IN_AXONS,
    MAX_OUT_AXONS,
    MAX_SYNAPSE_BITS,
)
from nengo_loihi.neurons import LoihiSpikingRectifiedLinear, loihi_rates

from nengo_lmu.hardware.loihi.chip import (
    LOIHI_NEURONS, _check_count, _check_range, _neuron_args, chip_tau)
from nengo_lmu.hardware.loihi.inputs import MAX_INPUT_COPIES, input_copies
from nengo_lmu.hardware.loihi.resources import fit_neurons_per_core, synapse_bits
from nengo_lmu.hardware.loihi.speed import (  # noqa: F401 (re-exported)
    FAST_DYNAMICS, MAX_HELD_ORDER, _is_fast, _speed, default_input_pairs,
    default_neuron_type, group_eval_points)
from nengo_lmu.mapping import LowpassMapping
from nengo_lmu.networks.memory import LegendreMemory
from nengo_lmu.networks.population import Output, Population, Ports

#: Largest ratio between two dimensions' radii; smaller radii are raised.
#: d = 6 under 1 Hz input needs 13.5; d = 12 would need 1.8e5.
MAX_RADIUS_RATIO = 32.0


class ResetToZeroWarning(UserWarning):
    """Rectified-linear Loihi neurons asked for a memory too fast for them."""


class LoihiLegendreMemory(LegendreMemory):
    r"""A :class:`.LegendreMemory` built to run on Loihi through nengo-loihi.

    It has the same interface (``input``, ``state``, ``output``, the
    ``add_*_output`` methods) and runs on every backend; built for the chip,
    it is the same network on the reference simulator, the float emulator and
    the integer emulator, which is how its errors are separated.

    Parameters
    ----------
    order, theta, n_neurons, radii, size_in, dt, solver, n_eval_points, eval_points
        As for :class:`.LegendreMemory`. ``radii`` from the input process
        (state scaling) matters most here, as everywhere; radii below the
        largest over :data:`MAX_RADIUS_RATIO` are raised to that, so that the
        weights fit a core's 8-bit range. Evaluation points are each group's,
        in one dimension: by default evenly in [-1, 1], or, for a fast memory
        (above :data:`FAST_DYNAMICS`) with radii from its input process, the
        states' own normal distribution (:func:`group_eval_points`).
    neuron_type : nengo.neurons.NeuronType, optional
        ``LoihiSpikingRectifiedLinear()`` or ``LoihiLIF()``;
        ``nengo.SpikingRectifiedLinear`` and ``nengo.LIF`` become these, which
        is what nengo-loihi runs for them on the chip. The default
        (:func:`default_neuron_type`) depends on how fast the memory is:
        rectified-linear neurons for memories whose fastest dynamics are
        below :data:`FAST_DYNAMICS` per second, LIF neurons (20 ms membrane,
        2 ms refractory period) above. Loihi's neurons reset to zero after a
        spike; without a leak, such neurons carry their firing phase from
        one input to the next and lose a fast memory's high orders, and an
        explicit rectified-linear type for a fast memory gets a
        :class:`ResetToZeroWarning`, and so does every memory above order
        :data:`MAX_HELD_ORDER` (24), whose recurrence amplifies the error
        that the reset leaves until the state is lost.
    synapse : float or nengo.Lowpass, optional
        The time constant asked for (default 0.1 s); the memory uses the
        nearest one the chip realises, :func:`chip_tau`.
    max_rates : (float, float), optional
        Range of the neurons' maximum rates in Hz (default ``(200, 300)``),
        below ``1 / dt``. Higher rates lower the spiking error but produce
        more spikes to route and emulate.
    intercepts : (float, float), optional
        Range of the neurons' intercepts (default ``(-0.5, 0.5)``), in
        ``[-1, 1)``.
    input_range : float, optional
        The largest magnitude of the input ``u`` the memory is built for.
        nengo-loihi sends values from the host to the chip as spikes of
        on/off neuron pairs that fire at most once per step, which clips
        values beyond +-1 unless the pairs fire more slowly;
        :func:`simulator` slows them down so that values up to the largest
        ``input_range`` of its memories reach the chip (each spike then
        carries more). The default is, with ``radii`` given as the input
        process, four times a ``WhiteSignal``'s RMS or 1.25 times the
        largest value of a run of any other process; otherwise 1.
    input_pairs : int, optional
        The most identical on/off pairs that carry the input from the host,
        each with its share of the input weights. A core puts all its
        weights on one 8-bit grid set by the largest, and one pair's weights
        into the high orders are several times the largest recurrent weight,
        which makes the recurrent weights, biases and currents coarse. Each
        neuron takes just enough pairs (:func:`input_copies`, at most this)
        that its input weights are no larger than its recurrent ones (9 for
        the high orders of an order-12 memory at theta = 1 s, 0.3 Hz input,
        768 neurons); each pair takes two input axons on every core. ``1``
        is the mapping without this. Default :func:`default_input_pairs`:
        :data:`DEFAULT_INPUT_PAIRS` (8) from order
        :data:`INPUT_PAIRS_MIN_ORDER` (12) up and for memories faster than
        :data:`FAST_DYNAMICS`, 1 otherwise; at most :data:`MAX_INPUT_COPIES`.
    stagger_input : bool, optional
        Start the pairs that carry the input at evenly spread phases
        (default True), so that ``k`` of them deliver it ``k`` times more
        finely than one (see
        :class:`~nengo_lmu.hardware.loihi.inputs.WideInputNeurons`); False starts them
        all at once, as nengo-loihi does, and ``k`` pairs are then as coarse
        as one. One memory with False turns it off for the whole model.
    readout_lead : bool, optional
        Make up for the step that nengo-loihi takes to send the chip's
        outputs to the host (default True): the host reads at step ``k``
        the state decoded at step ``k - 1``, which costs a fast memory's
        window. With the lead, on the chip targets, the chip sends
        ``Ad m[k-1]`` and the host adds ``Bd u[k-1]``, the ideal discrete
        memory's update (:meth:`lead_matrices`): the state at step ``k``.
        Only where the state and the outputs made from it go to the host
        alone (:func:`~nengo_lmu.hardware.loihi.inputs.readout_lead`); a
        state that feeds the chip gets there without that delay. The
        reference simulator has no such delay and runs without it.
    quantize : bool, optional
        Put the recurrent weights on nengo-loihi's 8-bit grid by GPFQ
        (default True). Building then runs nengo-loihi's builder once on
        the memory alone to read the grid of each core.
    neurons_per_core : int, optional
        Neurons per Loihi core. The default is the largest number whose
        synapse memory fits a core, spread evenly over as few cores as
        possible.
    **kwargs
        ``label``, ``seed``, ``add_to_container`` as for ``nengo.Network``.
        ``seed`` also fixes the neurons' gains, biases and encoders, which
        are drawn when the memory is constructed.

    Attributes
    ----------
    ensemble : nengo.Ensemble
        The one population of ``n_neurons``; neurons ``group(i)`` encode
        represented dimension ``i`` with encoders of +1 or -1.
    recurrent_weights, input_weights, output_decoders : ndarray
        The neuron-to-neuron, input-to-neuron and neuron-to-state transforms
        (nengo multiplies connections into neurons by the gains).
    quantization : dict or None
        What quantisation did: the relative change of the recurrent weights
        and of the currents they deliver, before and after GPFQ.

    Examples
    --------
    >>> import nengo
    >>> with nengo.Network(seed=0) as model:
    ...     stim = nengo.Node(nengo.processes.WhiteSignal(10, high=1, rms=0.3))
    ...     lmu = LoihiLegendreMemory(order=6, theta=1.0, n_neurons=600, seed=0)
    ...     _ = nengo.Connection(stim, lmu.input, synapse=None)
    >>> lmu.ensemble.n_neurons, lmu.neurons_per_core
    (600, 150)
    """

    def __init__(
        self,
        order,
        theta,
        n_neurons,
        neuron_type=None,
        synapse=0.1,
        dt=0.001,
        radii=1.0,
        size_in=1,
        max_rates=(200.0, 300.0),
        intercepts=(-0.5, 0.5),
        solver=None,
        n_eval_points=None,
        input_range=None,
        quantize=True,
        neurons_per_core=None,
        input_pairs=None,
        stagger_input=True,
        readout_lead=True,
        **kwargs,
    ):
        # validate what only this class has, before anything is built
        mapping = kwargs.pop("mapping", "discrete")
        if mapping != "discrete":
            raise ValidationError(
                f"Must be 'discrete' on Loihi, whose synapses are digital (got {mapping!r})",
                attr="mapping",
                obj=self,
            )
        if neuron_type is None:
            neuron_type = default_neuron_type(order, theta)
        elif (
            type(neuron_type) in (nengo.SpikingRectifiedLinear, LoihiSpikingRectifiedLinear)
            and _is_fast(order, theta)
        ):
            warnings.warn(
                f"{type(neuron_type).__name__}: Loihi's rectified-linear neurons "
                "reset to zero and lose the high orders of a memory whose "
                f"fastest dynamics exceed {FAST_DYNAMICS:g}/s (order {order} over "
                f"theta = {theta} s: {_speed(order, theta):.0f}/s); LIF neurons "
                "(the default here) hold them",
                ResetToZeroWarning,
                stacklevel=2,
            )
        if isinstance(order, (int, np.integer)) and order > MAX_HELD_ORDER:
            warnings.warn(
                f"order {order}: Loihi's neurons reset to zero at a spike, and beyond "
                f"order {MAX_HELD_ORDER} the recurrence amplifies the error this "
                "leaves until the memory loses its state (measured on held digit "
                "pixels: state error 1.0 times the state's RMS at order 32)",
                ResetToZeroWarning, stacklevel=2,
            )
        if type(neuron_type) not in LOIHI_NEURONS:
            raise ValidationError(
                "Must be one of SpikingRectifiedLinear, LIF or their nengo-loihi "
                f"versions, which Loihi implements (got {neuron_type!r})",
                attr="neuron_type",
                obj=self,
            )
        max_rates = _check_range(max_rates, "max_rates", 0, 1.0 / dt, self, True)
        intercepts = _check_range(intercepts, "intercepts", -1, 1, self)
        _check_count(neurons_per_core, "neurons_per_core", MAX_COMPARTMENTS, self,
                     suffix=", the compartments of a Loihi core")
        _check_count(input_pairs, "input_pairs", MAX_INPUT_COPIES, self,
                     prefix="None (chosen to fit) or ")
        for name, flag in (("stagger_input", stagger_input), ("readout_lead", readout_lead)):
            if not isinstance(flag, (bool, np.bool_)):
                raise ValidationError(
                    f"Must be True or False (got {flag!r})", attr=name, obj=self
                )
        self.readout_lead = bool(readout_lead)
        input_range = _input_range(input_range, radii, theta, dt, self)
        seed = kwargs.get("seed")
        parent = nengo.Network.context[-1] if nengo.Network.context else None
        if seed is None and parent is not None and parent.seed is not None:
            # reproducible inside a seeded model, like nengo's own seeds
            seed = (parent.seed * 1009 + len(parent.networks)) % (2**31 - 1)
        rng = np.random.RandomState(np.random.randint(2**31 - 1) if seed is None else seed)
        super().__init__(
            order,
            theta,
            n_neurons,
            neuron_type=LOIHI_NEURONS[type(neuron_type)](
                **_neuron_args(neuron_type)
            ),
            synapse=synapse,
            dt=dt,
            mapping="discrete",
            radii=radii,
            size_in=size_in,
            solver=solver,
            n_eval_points=n_eval_points,
            population=LoihiPopulation(
                max_rates, intercepts, input_range, quantize, neurons_per_core, rng,
                input_pairs, stagger_input,
            ),
            synapse_mapping=ChipLowpassMapping(),
            **kwargs,
        )

    @classmethod
    def from_memory(cls, memory, **overrides):
        """The Loihi version of ``memory``'s specification.

        Copies ``order``, ``theta``, ``n_neurons``, ``synapse``, ``dt``,
        ``radii``, ``size_in``, ``solver``, ``n_eval_points``, ``label`` and
        ``seed``; the neuron type and everything Loihi-specific take this
        class's defaults unless given in ``overrides``. Create it inside the
        network it should belong to.
        """
        spec = dict(
            order=memory.order,
            theta=memory.theta,
            n_neurons=memory.n_neurons,
            synapse=memory.requested_synapse,
            dt=memory.dt,
            radii=memory.radii,
            size_in=memory.size_in,
            solver=memory._solver,
            n_eval_points=memory.n_eval_points,
            label=memory.label,
            seed=memory.seed,
        )
        spec.update(overrides)
        return cls(**spec)

    # --- what the population holds ------------------------------------------

    @property
    def max_rates(self):
        """Range of the neurons' maximum rates in Hz."""
        return self.population.max_rates

    @property
    def intercepts(self):
        """Range of the neurons' intercepts."""
        return self.population.intercepts

    @property
    def input_range(self):
        """The largest magnitude of the input the memory is built for."""
        return self.population.input_range

    def lead_matrices(self):
        """``(Ad, Bd)``: the discrete memory the network realises (its
        ``discretizer`` at ``dt``) on the state ``m``, one block per input
        channel, with which ``readout_lead`` advances the state the host
        reads by one step."""
        from nengo_lmu.dynamics import lmu_discrete  # noqa: PLC0415

        Ad, Bd = lmu_discrete(self.order, self.theta, self.dt, method=self.discretizer)
        eye = np.eye(self.size_in)
        return np.kron(eye, Ad), np.kron(eye, Bd)

    @property
    def decode_connections(self):
        """The connections from the neurons into ``state``."""
        return [c for c in self.connections if c.label == "decode"]

    @property
    def stagger_input(self):
        """Whether the pairs that carry the input start at staggered phases."""
        return self.population.stagger_input

    @property
    def quantize(self):
        """Whether the recurrent weights were put on the chip's grid by GPFQ."""
        return self.population.quantize

    @property
    def quantization(self):
        """What quantisation did (see the class docstring), or None."""
        return self.population.quantization

    @property
    def ensemble(self):
        """The one population of ``n_neurons``."""
        return self.population.ensemble

    def group(self, i):
        """The slice of ``ensemble``'s neurons that encode dimension ``i``."""
        edges = np.concatenate([[0], np.cumsum(self.split_sizes())])
        return slice(int(edges[i]), int(edges[i + 1]))

    def activities(self, x, encoders, gain, bias):
        """Loihi's rates of neurons with these parameters at 1-D points ``x``."""
        return loihi_rates(
            self.neuron_type, x @ encoders[None, :], gain, bias, self.dt
        )

    @property
    def neurons_per_core(self):
        """Neurons per Loihi core (``BlockShape``), set or chosen to fit."""
        return self.population.neurons_per_core(self.n_neurons, self.size_in)

    @property
    def recurrent_weights(self):
        return np.array(self.population.recurrent_conn.transform.init)

    @property
    def input_weights(self):
        return sum(np.array(c.transform.init) for c in self.input_connections)

    @property
    def input_connections(self):
        """The connections from ``input`` into the neurons: the input is
        carried by :attr:`input_copies` identical on/off pairs from the host,
        each with its share of :attr:`input_weights`."""
        return list(self.population.input_conns) or [self._input_conn]

    @property
    def input_copies(self):
        """How many on/off pairs carry the input (:func:`input_copies`)."""
        return self.population.input_copies

    @property
    def output_decoders(self):
        return np.array(
            [c for c in self.connections if c.label == "decode"][0].transform.init
        )

    def chip_model(self):
        """This memory alone, built and discretised by nengo-loihi
        (:func:`nengo_lmu.hardware.loihi.quantization.chip_model`)."""
        from nengo_lmu.hardware.loihi.quantization import chip_model  # noqa: PLC0415

        return chip_model(self)


class ChipLowpassMapping(LowpassMapping):
    """The discrete lowpass mapping for the time constant Loihi realises
    (:func:`~nengo_lmu.hardware.loihi.chip_tau`), so that Principle 3 is
    exact on the chip, on its emulators and on the reference simulator."""

    def __init__(self):
        super().__init__(mapping="discrete", discretizer="zoh")

    def realised(self, tau, dt):
        return chip_tau(tau, dt)


class LoihiPopulation(Population):
    """One population whose groups of neurons encode one dimension each, with
    neuron-to-neuron recurrent weights ``E T A' T^-1 D`` (see
    :class:`LoihiLegendreMemory`); its parameters are that class's."""

    uses_eval_points = True  # each group's, one-dimensional (:func:`group_eval_points`)

    def __init__(self, max_rates, intercepts, input_range, quantize, neurons_per_core, rng,
                 input_pairs=None, stagger_input=True):
        self.max_rates = max_rates
        self.intercepts = intercepts
        self.input_range = input_range
        self.quantize = bool(quantize)
        self._neurons_per_core = neurons_per_core
        self._per_core_given = neurons_per_core is not None
        self.rng = rng
        self.quantization = None
        self.ensemble = None
        self.recurrent_conn = None
        self.input_pairs = input_pairs
        self.stagger_input = bool(stagger_input)
        self.input_copies = 1
        self.row_copies = None
        self.input_conns = []

    def adjust_radii(self, radii):
        # a state this much smaller than the largest carries next to nothing,
        # and representing it would need input weights that a core's 8-bit
        # range cannot hold (nengo-loihi fails to discretise them; d = 12)
        return np.maximum(radii, radii.max() / MAX_RADIUS_RATIO)

    def neurons_per_core(self, n_neurons, size_in):
        """Neurons per core: as set, checked to fit, or the most that fit."""
        n_axons = n_neurons + 2 * size_in * self.input_copies  # recurrent + on/off input
        if n_neurons + 2 * size_in > MAX_IN_AXONS:  # extra input pairs fit by design
            raise BuildError(
                f"n_neurons: each core of a LoihiLegendreMemory receives one axon per "
                f"neuron and two per input channel, and a Loihi core has {MAX_IN_AXONS} "
                f"input axons: at most {MAX_IN_AXONS - 2 * size_in} neurons "
                f"(got {n_neurons})"
            )
        if self._neurons_per_core is None:
            self._neurons_per_core = fit_neurons_per_core(n_neurons, n_axons)
        else:
            bits = synapse_bits(n_axons, self._neurons_per_core)
            if bits > MAX_SYNAPSE_BITS:
                raise BuildError(
                    f"synapse bits: {self._neurons_per_core} neurons per core with "
                    f"{n_axons} input axons need {bits} bits of synapse memory, more "
                    f"than a Loihi core's {MAX_SYNAPSE_BITS}; use fewer neurons per "
                    "core (the default fits)"
                )
        # every neuron sends one axon to each core (the recurrence is dense)
        out_axons = self._neurons_per_core * math.ceil(n_neurons / self._neurons_per_core)
        if out_axons > MAX_OUT_AXONS:
            raise BuildError(
                f"n_neurons: every neuron of a LoihiLegendreMemory sends one axon to "
                f"each of its cores; {n_neurons} neurons at {self._neurons_per_core} "
                f"per core need {out_axons} output axons per core, more than a Loihi "
                f"core's {MAX_OUT_AXONS}: use at most {MAX_OUT_AXONS} neurons"
            )
        return self._neurons_per_core

    def build(self, memory):
        D, m = memory.dimensions, memory.n_neurons
        per_core = memory.neurons_per_core  # refuses what does not fit, before any work
        rng = self.rng
        nt = memory.neuron_type
        encoders = np.zeros((m, D))
        gain, bias = np.zeros(m), np.zeros(m)
        self.activities, decoders = [], []
        for i in range(D):
            sl = memory.group(i)
            n = sl.stop - sl.start
            enc = rng.choice([-1.0, 1.0], size=n)
            rates = rng.uniform(*self.max_rates, size=n)
            icpt = rng.uniform(*self.intercepts, size=n)
            gain[sl], bias[sl] = nt.gain_bias(rates, icpt)
            encoders[sl, i] = enc
            x = group_eval_points(memory, memory.eval_points_for(n, 1), rng)
            act = memory.activities(x, enc, gain[sl], bias[sl])
            dec, _ = memory.solver(act, x, rng=rng)
            self.activities.append(act)  # GPFQ quantises against these
            decoders.append(dec[:, 0])

        # in x = m / r: x' = R x + Bx u, with R = T A' T^-1 and Bx = T B'
        r = memory.radii_full
        R = memory.scaled_A
        W = np.zeros((m, m))
        D_out = np.zeros((D, m))
        for i in range(D):
            si = memory.group(i)
            enc_i = encoders[si, i]
            D_out[i, si] = r[i] * decoders[i]
            for j in range(D):
                if R[i, j] != 0:
                    W[si, memory.group(j)] = R[i, j] * np.outer(enc_i, decoders[j])

        def encode(M):
            """A transform into x made into one into the neurons (their encoders)."""
            out = np.zeros((m, M.shape[1]))
            for i in range(D):
                si = memory.group(i)
                out[si] = encoders[si, i][:, None] * M[i][None, :]
            return out

        self.row_copies = input_copies(
            W, encode(memory.scaled_B), self.input_range, memory.dt, m, memory.size_in,
            most=self.input_pairs or default_input_pairs(memory.order, memory.theta),
        )
        self.input_copies = int(self.row_copies.max())
        if self.input_copies > 1:
            # the input takes more axons: fit the neurons per core again
            if not self._per_core_given:
                self._neurons_per_core = None
            per_core = memory.neurons_per_core
        self.ensemble = nengo.Ensemble(
            m,
            D,
            encoders=encoders,
            gain=gain,
            bias=bias,
            neuron_type=nt,
            n_eval_points=memory.eval_points_for(m, D),
            label="x",
        )
        nengo_loihi.add_params(memory)
        memory.config[self.ensemble].block_shape = nengo_loihi.BlockShape(
            (per_core,), (m,)
        )
        self.recurrent_conn = nengo.Connection(
            self.ensemble.neurons,
            self.ensemble.neurons,
            transform=W,
            synapse=memory.synapse,
            label="recurrent",
        )
        self.float_weights = W
        return Ports(
            input=self.ensemble.neurons, encode=encode,
            outputs=[Output(self.ensemble.neurons, D_out)],
        )

    def finish(self, memory):
        conn = memory._input_conn
        self.input_conns = [conn]
        if self.input_copies > 1:
            # identical on/off pairs, pair j carrying 1/k of the input of
            # the neurons that take k >= j pairs (and nothing to the others)
            k = self.row_copies[:, None]
            full = np.array(conn.transform.init)
            parts = [np.where(k > j, full / k, 0.0) for j in range(self.input_copies)]
            conn.transform = parts[0]
            with memory:
                self.input_conns += [
                    nengo.Connection(conn.pre, conn.post, transform=part,
                                     synapse=conn.synapse, label="input")
                    for part in parts[1:]
                ]
        if self.quantize:
            from nengo_lmu.hardware.loihi.quantization import quantize  # noqa: PLC0415

            Wq, self.quantization = quantize(memory, self.float_weights, self.activities)
            if Wq is not None:
                self.recurrent_conn.transform = Wq


def _input_range(value, radii, theta, dt, obj):
    """The memory's ``input_range``, given or estimated from the input process."""
    if value is None:
        if isinstance(radii, nengo.processes.WhiteSignal):
            return 4.0 * float(radii.rms)
        if isinstance(radii, nengo.Process):
            duration = max(20.0 * float(theta), 10.0)
            u = radii.run(duration, d=1, dt=dt, rng=np.random.RandomState(0))
            return max(1.25 * float(np.max(np.abs(u))), 1e-3)
        return 1.0
    try:
        value = float(value)
    except (TypeError, ValueError):
        value = float("nan")
    if not (np.isfinite(value) and value > 0):
        raise ValidationError(
            f"Must be a finite number > 0, the largest |u| the memory is built "
            f"for (got {value!r})",
            attr="input_range",
            obj=obj,
        )
    return value

