r"""Loihi: the Legendre memory mapped through nengo-loihi.

:class:`LoihiLegendreMemory` is a :class:`.LegendreMemory` built the way
Loihi computes (:ref:`hardware-loihi` has the facts behind each choice):

- **Neurons Loihi has.** ``LoihiSpikingRectifiedLinear`` (default) or
  ``LoihiLIF``: nengo-loihi's models of the chip's neurons, which reset to
  zero and so fire at ``1 / ceil(1 / (J dt))``; the decoders are solved for
  those staircase rates, and the reference simulator runs the same model.
- **One population, neuron-to-neuron weights.** The ``order * size_in``
  dimensions are encoded by disjoint groups of neurons in one ensemble
  (axis-aligned encoders), and the recurrence is one ``m x m`` weight matrix
  ``E T A' T^-1 D``: no decode neurons inside the loop, and one synaptic
  event per spike per core instead of one per dimension.
- **The filter on chip.** A Loihi compartment has one synaptic filter for all
  its inputs, so the input connection's lowpass is applied there too
  (nengo-loihi's ``decode_tau``); :func:`nengo_lmu.simulator` arranges this
  while it builds (see :func:`chip_input_filter`).
- **The decay Loihi applies.** Loihi stores the current decay in 12 bits;
  the memory's synapse is the time constant the chip actually realises
  (:func:`chip_tau`), so the discrete Principle 3 is exact on the chip, on
  the float emulator and on the reference simulator alike.
- **Weights for 8 bits.** nengo-loihi rounds every weight into a core to one
  grid (8-bit mantissas, a shared exponent). With ``quantize=True`` the
  recurrent weights are put on that grid by greedy path-following
  quantisation (GPFQ, Lybrand & Saab 2021): each rounding error is
  compensated by the weights still to be rounded, so that the current each
  neuron receives, as a function of the represented state, stays close to
  the unquantised one. nengo-loihi then rounds nothing.
- **Cores.** The population is split into equal blocks that respect the
  1,024-compartment and 1 Mibit synapse-memory limits (a ``BlockShape``).

References
----------
.. [1] Davies et al., "Loihi: a neuromorphic manycore processor with on-chip
   learning", IEEE Micro 38(1), 2018.
.. [2] Lybrand & Saab, "A greedy algorithm for quantizing neural networks",
   JMLR 22(156), 2021.
.. [3] Voelker, "Dynamical Systems in Spiking Neuromorphic Hardware", PhD
   thesis, University of Waterloo 2019 (the discrete mapping, eq. 5.9).
"""

import contextlib
import dataclasses
import math
import warnings

import numpy as np
import nengo
from nengo.exceptions import BuildError, ValidationError
from nengo.utils.builder import default_n_eval_points

import nengo_loihi
from nengo_loihi.block import (
    MAX_COMPARTMENTS,
    MAX_IN_AXONS,
    MAX_OUT_AXONS,
    MAX_SYNAPSE_BITS,
    Synapse,
)
from nengo_loihi.builder.discretize import discretize_model
from nengo_loihi.builder.inputs import ChipReceiveNode
from nengo_loihi.decode_neurons import OnOffDecodeNeurons
from nengo_loihi.hardware import HAS_NXSDK
from nengo_loihi.neurons import LoihiLIF, LoihiSpikingRectifiedLinear, loihi_rates

from nengo_lmu.networks.memory import (
    MAX_EVAL_POINTS_PER_DIMENSION,
    LegendreMemory,
)

#: Where a Loihi network runs: the integer emulator, the float emulator, the
#: chip (needs Intel's NxSDK and a board), the vectorised integer emulator
#: (:mod:`nengo_lmu.hardware.loihi.emulator`), or nengo's reference simulator
#: running the same network (the baseline that isolates the chip's effects).
TARGETS = ("sim", "simreal", "loihi", "fast", "reference")

#: Neuron cores per Loihi chip (Davies et al. 2018).
CORES_PER_CHIP = 128

#: Bits of Loihi's current and voltage decay constants.
DECAY_BITS = 12

#: Largest ratio between two dimensions' radii; smaller radii are raised.
#: d = 6 under 1 Hz input needs 13.5; d = 12 would need 1.8e5.
MAX_RADIUS_RATIO = 32.0

#: Speed (per second) of a memory's fastest dynamics, ``max |eig(A)| / theta``,
#: above which it gets LIF neurons by default. Measured on the reference
#: simulator with the memory's Loihi neuron models (window NRMSE,
#: rectified-linear / LIF): d = 3, theta = 0.1 s (41/s): 0.045 / 0.067;
#: d = 6, theta = 1 s (9/s): 0.069 / 0.145; d = 12, theta = 1 s (20/s):
#: 0.064 / 0.137; d = 6, theta = 0.1 s (93/s): 0.166 / 0.075; d = 12,
#: theta = 0.25 s (81/s): 0.17 / 0.089; d = 24, theta = 0.1 s (431/s):
#: 0.213 / 0.103; on held digit pixels (d = 12 and 24, theta = 0.128 s)
#: the relative state error fell from 1.6 to 0.40 and from 3.8 to 1.3.
FAST_DYNAMICS = 60.0


class ResetToZeroWarning(UserWarning):
    """Rectified-linear Loihi neurons asked for a memory too fast for them."""


def _speed(order, theta):
    from nengo_lmu.dynamics import lmu_matrices  # noqa: PLC0415

    A, _ = lmu_matrices(int(order), float(theta))
    return float(np.max(np.abs(np.linalg.eigvals(A))))


def _is_fast(order, theta):
    try:
        return _speed(order, theta) > FAST_DYNAMICS
    except (TypeError, ValueError, ValidationError):
        return False  # LegendreMemory names what is wrong with them


def default_neuron_type(order, theta):
    """The Loihi neuron model a memory of this order and window gets by default.

    ``LoihiLIF()`` (tau_rc 20 ms, tau_ref 2 ms) when the memory's fastest
    dynamics, ``max |eig(A)| / theta``, exceed :data:`FAST_DYNAMICS` per
    second, else ``LoihiSpikingRectifiedLinear()``.

    Examples
    --------
    >>> type(default_neuron_type(6, 1.0)).__name__
    'LoihiSpikingRectifiedLinear'
    >>> type(default_neuron_type(24, 0.128)).__name__
    'LoihiLIF'
    """
    if _is_fast(order, theta):
        return LoihiLIF()
    return LoihiSpikingRectifiedLinear()


#: Per-core limits that nengo-loihi 1.1 checks when it builds.
CORE_LIMITS = {
    "compartments": MAX_COMPARTMENTS,
    "in-axons": MAX_IN_AXONS,
    "out-axons": MAX_OUT_AXONS,
    "synapse bits": MAX_SYNAPSE_BITS,
}

#: Neuron types the memory accepts, and the Loihi model each becomes.
LOIHI_NEURONS = {
    nengo.SpikingRectifiedLinear: LoihiSpikingRectifiedLinear,
    LoihiSpikingRectifiedLinear: LoihiSpikingRectifiedLinear,
    nengo.LIF: LoihiLIF,
    LoihiLIF: LoihiLIF,
}


def chip_decay(tau, dt=0.001):
    """The per-step factor by which Loihi decays a synaptic current.

    nengo-loihi stores ``1 - exp(-dt / tau)`` as a 12-bit integer ``k`` (minus
    one, which the chip adds back), and the chip multiplies the current by
    ``(4096 - 1 - k) / 4096`` each step.

    Examples
    --------
    >>> round(chip_decay(0.1), 6), round(float(np.exp(-0.001 / 0.1)), 6)
    (0.98999, 0.99005)
    """
    decay = -np.expm1(-dt / float(tau))
    k = np.clip(np.round(decay * (2**DECAY_BITS - 1) - 1), 0, 2**DECAY_BITS - 1)
    return float((2**DECAY_BITS - 1 - k) / 2**DECAY_BITS)


def chip_tau(tau, dt=0.001):
    """The time constant Loihi realises for a lowpass of ``tau`` seconds.

    A ``nengo.Lowpass(chip_tau(tau))`` decays by exactly :func:`chip_decay`
    per step in nengo's reference simulator, and nengo-loihi maps it to the
    same 12-bit decay as ``tau``.
    """
    return -dt / math.log(chip_decay(tau, dt))


def _check_range(value, name, low, high, obj, low_open=False):
    try:
        lo, hi = (float(v) for v in value)
    except (TypeError, ValueError):
        raise ValidationError(
            f"Must be a (low, high) pair of numbers (got {value!r})", attr=name, obj=obj
        ) from None
    ok_low = lo > low if low_open else lo >= low
    if not (np.isfinite(lo) and np.isfinite(hi) and ok_low and lo <= hi < high):
        bound = "<" if low_open else "<="
        raise ValidationError(
            f"Must satisfy {low} {bound} low <= high < {high} (got {value!r})",
            attr=name,
            obj=obj,
        )
    return lo, hi


class LoihiLegendreMemory(LegendreMemory):
    r"""A :class:`.LegendreMemory` built to run on Loihi through nengo-loihi.

    It has the same interface (``input``, ``state``, ``output``, the
    ``add_*_output`` methods) and runs on every backend; built for the chip,
    it is the same network on the reference simulator, the float emulator and
    the integer emulator, which is how its errors are separated.

    Parameters
    ----------
    order, theta, n_neurons, radii, size_in, dt, solver, n_eval_points
        As for :class:`.LegendreMemory`. ``radii`` from the input process
        (state scaling) matters most here, as everywhere; radii below the
        largest over :data:`MAX_RADIUS_RATIO` are raised to that, so that the
        weights fit a core's 8-bit range.
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
        :class:`ResetToZeroWarning`.
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
        if type(neuron_type) not in LOIHI_NEURONS:
            raise ValidationError(
                "Must be one of SpikingRectifiedLinear, LIF or their nengo-loihi "
                f"versions, which Loihi implements (got {neuron_type!r})",
                attr="neuron_type",
                obj=self,
            )
        self.max_rates = _check_range(max_rates, "max_rates", 0, 1.0 / dt, self, True)
        self.intercepts = _check_range(intercepts, "intercepts", -1, 1, self)
        if neurons_per_core is not None and not (
            isinstance(neurons_per_core, (int, np.integer))
            and 1 <= neurons_per_core <= MAX_COMPARTMENTS
        ):
            raise ValidationError(
                f"Must be an integer in [1, {MAX_COMPARTMENTS}], the compartments of "
                f"a Loihi core (got {neurons_per_core!r})",
                attr="neurons_per_core",
                obj=self,
            )
        self.input_range = _input_range(input_range, radii, theta, dt, self)
        self.quantize = bool(quantize)
        self._neurons_per_core = neurons_per_core
        # validated as LegendreMemory's synapse, before chip_tau is taken of it
        self.requested_synapse = LegendreMemory.synapse.coerce(self, synapse).tau
        seed = kwargs.get("seed")
        parent = nengo.Network.context[-1] if nengo.Network.context else None
        if seed is None and parent is not None and parent.seed is not None:
            # reproducible inside a seeded model, like nengo's own seeds
            seed = (parent.seed * 1009 + len(parent.networks)) % (2**31 - 1)
        self._rng = np.random.RandomState(
            np.random.randint(2**31 - 1) if seed is None else seed
        )
        self.quantization = None
        super().__init__(
            order,
            theta,
            n_neurons,
            neuron_type=LOIHI_NEURONS[type(neuron_type)](
                **_neuron_args(neuron_type)
            ),
            synapse=chip_tau(self.requested_synapse, dt),
            dt=dt,
            mapping="discrete",
            radii=radii,
            size_in=size_in,
            solver=solver,
            n_eval_points=n_eval_points,
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
            synapse=memory.synapse.tau,
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

    # --- construction ------------------------------------------------------

    def _coerce_radii(self, radii):
        r = super()._coerce_radii(radii)
        # a state this much smaller than the largest carries next to nothing,
        # and representing it would need input weights that a core's 8-bit
        # range cannot hold (nengo-loihi fails to discretise them; d = 12)
        return np.maximum(r, r.max() / MAX_RADIUS_RATIO)

    def group(self, i):
        """The slice of ``ensemble``'s neurons that encode dimension ``i``."""
        edges = np.concatenate([[0], np.cumsum(self.split_sizes())])
        return slice(int(edges[i]), int(edges[i + 1]))

    def _build_neurons(self):
        D, m, dt = self.dimensions, self.n_neurons, self.dt
        rng = self._rng
        nt = self.neuron_type
        encoders = np.zeros((m, D))
        gain, bias = np.zeros(m), np.zeros(m)
        self._activities, self._decoders = [], []
        for i in range(D):
            sl = self.group(i)
            n = sl.stop - sl.start
            enc = rng.choice([-1.0, 1.0], size=n)
            rates = rng.uniform(*self.max_rates, size=n)
            icpt = rng.uniform(*self.intercepts, size=n)
            gain[sl], bias[sl] = nt.gain_bias(rates, icpt)
            encoders[sl, i] = enc
            n_eval = self.n_eval_points or min(
                default_n_eval_points(n, 1), MAX_EVAL_POINTS_PER_DIMENSION
            )
            x = rng.uniform(-1, 1, size=(n_eval, 1))
            act = self.activities(x, enc, gain[sl], bias[sl])
            dec, _ = self._solver(act, x, rng=rng)
            self._activities.append(act)  # GPFQ quantises against these
            self._decoders.append(dec[:, 0])

        # in x = m / r: x' = R x + Bx u, with R = T A' T^-1 and Bx = T B'
        r = self.radii_full
        R = self._mapped_A * r[None, :] / r[:, None]
        Bx = self._mapped_B / r[:, None]
        W = np.zeros((m, m))
        W_in = np.zeros((m, self.size_in))
        D_out = np.zeros((D, m))
        for i in range(D):
            si = self.group(i)
            enc_i = encoders[si, i]
            W_in[si] = enc_i[:, None] * Bx[i][None, :]
            D_out[i, si] = r[i] * self._decoders[i]
            for j in range(D):
                if R[i, j] != 0:
                    W[si, self.group(j)] = R[i, j] * np.outer(enc_i, self._decoders[j])

        self.ensemble = nengo.Ensemble(
            m,
            D,
            encoders=encoders,
            gain=gain,
            bias=bias,
            neuron_type=nt,
            n_eval_points=min(default_n_eval_points(m, D), MAX_EVAL_POINTS_PER_DIMENSION * D),
            label="x",
        )
        nengo_loihi.add_params(self)
        self.config[self.ensemble].block_shape = nengo_loihi.BlockShape(
            (self.neurons_per_core,), (m,)
        )
        self._recurrent_conn = nengo.Connection(
            self.ensemble.neurons,
            self.ensemble.neurons,
            transform=W,
            synapse=self.synapse,
            label="recurrent",
        )
        self._input_conn = nengo.Connection(
            self.input,
            self.ensemble.neurons,
            transform=W_in,
            synapse=self.synapse,
            label="input",
        )
        nengo.Connection(
            self.ensemble.neurons, self.state, transform=D_out, synapse=None, label="decode"
        )
        self._float_weights = W
        if self.quantize:
            self._quantize()

    def activities(self, x, encoders, gain, bias):
        """Loihi's rates of neurons with these parameters at 1-D points ``x``."""
        return loihi_rates(
            self.neuron_type, x @ encoders[None, :], gain, bias, self.dt
        )

    @property
    def neurons_per_core(self):
        """Neurons per Loihi core (``BlockShape``), set or chosen to fit."""
        n_axons = self.n_neurons + 2 * self.size_in  # recurrent + on/off input
        if self._neurons_per_core is None:
            self._neurons_per_core = fit_neurons_per_core(self.n_neurons, n_axons)
        else:
            bits = synapse_bits(n_axons, self._neurons_per_core)
            if bits > MAX_SYNAPSE_BITS:
                raise BuildError(
                    f"synapse bits: {self._neurons_per_core} neurons per core with "
                    f"{n_axons} input axons need {bits} bits of synapse memory, more "
                    f"than a Loihi core's {MAX_SYNAPSE_BITS}; use fewer neurons per "
                    "core (the default fits)"
                )
        return self._neurons_per_core

    @property
    def recurrent_weights(self):
        return np.array(self._recurrent_conn.transform.init)

    @property
    def input_weights(self):
        return np.array(self._input_conn.transform.init)

    @property
    def output_decoders(self):
        return np.array(
            [c for c in self.connections if c.label == "decode"][0].transform.init
        )

    # --- quantisation --------------------------------------------------------

    def chip_model(self):
        """This memory alone, built and discretised by nengo-loihi.

        Returns ``(model, float_weights)``: the integer model and, per block
        of ``ensemble``, the recurrent synapse's float weights before
        rounding (``n_compartments x n_neurons``).
        """
        model = loihi_model([self], self.dt)
        with warnings.catch_warnings(), chip_input_filter([self]):
            warnings.filterwarnings("ignore", message=".*extra bits in weight")
            model.build(self, precompute=False, remove_passthrough=True, discretize=False)
            blocks = model.objs[self.ensemble]["out"]
            floats = [_dense(_recurrent_synapse(self, b), b) for b in blocks]
            discretize_model(model)
        return model, floats

    def _quantize(self):
        W = self._float_weights
        model, floats = self.chip_model()
        Wq = W.copy()
        rounded = np.zeros_like(W)  # what nengo-loihi's own rounding would give
        row0 = 0
        acts = self._activities
        for block, Wf in zip(model.objs[self.ensemble]["out"], floats):
            rows = slice(row0, row0 + Wf.shape[0])
            row0 = rows.stop
            syn = _recurrent_synapse(self, block)
            info = block.compartment.discretize_info
            cfg = syn.synapse_cfg
            s2 = cfg.shift_bits + cfg.weight_exp
            step_int = 2.0 ** (max(s2, 0) + 6)  # the grid, in chip units
            levels = math.floor(127 * 2.0 ** min(s2, 0))
            K = float(info["w_scale"]) * 2.0 ** (6 + info["w_exp"])  # chip units per float
            Wr = W[rows]
            with np.errstate(divide="ignore", invalid="ignore"):
                ratio = np.where(Wr != 0, Wf / Wr, np.nan)
            scale = np.nanmedian(ratio, axis=1)  # float synapse weight per W unit
            if not np.all(np.isfinite(scale)) or not np.allclose(
                ratio[np.isfinite(ratio)],
                np.broadcast_to(scale[:, None], ratio.shape)[np.isfinite(ratio)],
                rtol=1e-4,
            ):
                warnings.warn("could not read the chip's weight grid; not quantising")
                return
            step = step_int / (K * scale)
            rounded[rows] = _dense(syn, block) / (K * scale[:, None])
            # keep the largest weights exact, so the grid stays where it is
            keep = np.abs(Wf) >= min(info["w_max"], np.abs(Wf).max()) * (1 - 1e-7)
            for j, act in enumerate(acts):
                cols = self.group(j)
                Wq[rows, cols] = gpfq(Wr[:, cols], act, step, levels, keep[:, cols])
        loss = lambda Q: {  # noqa: E731
            "weights": float(np.linalg.norm(Q - W) / np.linalg.norm(W)),
            "currents": float(
                np.sqrt(sum(np.sum(((Q - W)[:, self.group(j)] @ a.T) ** 2) for j, a in enumerate(acts)))
                / np.sqrt(sum(np.sum((W[:, self.group(j)] @ a.T) ** 2) for j, a in enumerate(acts)))
            ),
        }
        self._recurrent_conn.transform = Wq
        self.quantization = {"rounded": loss(rounded), "gpfq": loss(Wq)}


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


class WideInputNeurons(OnOffDecodeNeurons):
    """nengo-loihi's host-to-chip on/off encoder for values up to ``input_range``.

    nengo-loihi sends each value from the host to the chip as the spikes of
    an on/off pair of neurons (``OnOffDecodeNeurons``), which is linear only
    for values in [-1, 1]: beyond that the "off" neuron is silent and the
    "on" neuron cannot fire more than once per step, so larger values are
    compressed and clipped. This encoder divides the value by
    ``input_range`` on the host (the encoding ensemble's radius) and
    multiplies it back on the chip: through the target ensemble's encoders,
    as nengo-loihi does with its own ``scale``, and, for connections into
    ``Neurons``, whose weights nengo-loihi takes as they are, in the
    weights themselves (:class:`_InputWeights`).
    """

    def __init__(self, input_range, dt=0.001):
        super().__init__(dt=dt, is_input=True)
        self.input_range = float(input_range)

    def __str__(self):
        return f"{type(self).__name__}(input_range={self.input_range:g}, dt={self.dt:g})"

    def get_ensemble(self, dim, add_to_container=True):
        ens = super().get_ensemble(dim, add_to_container=add_to_container)
        ens.radius = self.input_range
        return ens

    def get_post_encoders(self, encoders):
        return super().get_post_encoders(encoders * self.input_range)


def input_neurons(memories, dt=0.001):
    """The host-to-chip encoder for a network with these memories.

    A :class:`WideInputNeurons` for the largest ``input_range`` of the
    memories, or None (nengo-loihi's own, linear in [-1, 1]) when that is
    at most 1.
    """
    largest = max([m.input_range for m in memories], default=1.0)
    return WideInputNeurons(largest, dt=dt) if largest > 1.0 else None


def loihi_model(memories, dt=0.001):
    """The nengo-loihi ``Model`` that :func:`simulator` builds these memories into.

    Its on-chip input filter (``decode_tau``) is the memories' synapse, and
    its host-to-chip encoder carries their ``input_range``
    (:func:`input_neurons`).
    """
    model = nengo_loihi.builder.Model(dt=dt)
    taus = {mem.synapse.tau for mem in memories}
    if taus:
        model.decode_tau = taus.pop()
    node_neurons = input_neurons(memories, dt)
    if node_neurons is not None:
        model.node_neurons = node_neurons
        model.build_callback = _InputWeights(model)
    return model


class _InputWeights:
    """Build callback: multiply host-to-``Neurons`` weights by the input range.

    Applied once to each connection from a host input into ``Neurons`` right
    after nengo-loihi builds it, before it splits and discretises the
    model (see :class:`WideInputNeurons`).
    """

    def __init__(self, model):
        self.model = model
        self.done = set()

    def __call__(self, obj):
        model = self.model
        if not (
            isinstance(obj, nengo.Connection)
            and obj in model.connection_decode_neurons
            and isinstance(obj.post_obj, nengo.ensemble.Neurons)
        ):
            return
        scale = model.node_neurons.input_range
        for conn, parts in list(model.objs.items()):
            if (
                isinstance(conn, nengo.Connection)
                and conn not in self.done
                and type(conn.pre_obj) is ChipReceiveNode
                and isinstance(conn.post_obj, nengo.ensemble.Neurons)
                and "weights" in parts
            ):
                self.done.add(conn)
                for w in parts["weights"].weights:
                    w *= scale


def _neuron_args(neuron_type):
    args = {"amplitude": neuron_type.amplitude}
    if isinstance(neuron_type, nengo.LIF):
        args.update(tau_rc=neuron_type.tau_rc, tau_ref=neuron_type.tau_ref)
    return args


def _recurrent_synapse(memory, block):
    syns = [s for s in block.synapses if s.n_axons == memory.n_neurons and "input" not in str(s.label)]
    if len(syns) != 1:
        raise BuildError(
            f"{memory}: expected one recurrent synapse on {block}, found {len(syns)}"
        )
    return syns[0]


def _dense(synapse, block):
    """A synapse's weights as a ``n_compartments x n_axons`` array."""
    out = np.zeros((block.compartment.n_compartments, synapse.n_axons))
    for a, (w, idx) in enumerate(zip(synapse.weights, synapse.indices)):
        out[idx[0], a] = w[0]
    return out


def _effective_weights(synapse, block, Wf, W):
    """The transform nengo-loihi's rounding of a synapse amounts to."""
    info = block.compartment.discretize_info
    K = float(info["w_scale"]) * 2.0 ** (6 + info["w_exp"])
    with np.errstate(divide="ignore", invalid="ignore"):
        scale = np.nanmedian(np.where(W != 0, Wf / W, np.nan), axis=1)
    return _dense(synapse, block) / (K * scale[:, None])


def gpfq(W, activities, step, levels, keep=None):
    """Greedy path-following quantisation of the rows of ``W`` (GPFQ).

    Parameters
    ----------
    W : (rows, n) array
        Weights from ``n`` presynaptic neurons to each row's neuron.
    activities : (n_points, n) array
        The presynaptic rates over the points that matter.
    step : (rows,) array
        Each row's grid step; quantised weights are integer multiples of it.
    levels : int
        Largest multiple allowed (the mantissa's range).
    keep : (rows, n) bool array, optional
        Weights to leave exact.

    Returns
    -------
    Q : (rows, n) array
        Weights on the grid, chosen one presynaptic neuron at a time so that
        ``Q @ activities.T`` tracks ``W @ activities.T``: each neuron's
        rounding absorbs the error the earlier ones left (Lybrand & Saab 2021).
    """
    W = np.asarray(W, dtype=float)
    A = np.asarray(activities, dtype=float)
    step = np.asarray(step, dtype=float)
    Q = np.empty_like(W)
    err = np.zeros((A.shape[0], W.shape[0]))  # running error of each row's current
    norms = np.einsum("ij,ij->j", A, A)
    for j in range(W.shape[1]):
        target = W[:, j]
        if norms[j] > 0:
            target = target + (A[:, j] @ err) / norms[j]
        q = np.clip(np.round(target / step), -levels, levels) * step
        if keep is not None:
            q = np.where(keep[:, j], W[:, j], q)
        Q[:, j] = q
        err += np.outer(A[:, j], W[:, j] - q)
    return Q


def fit_neurons_per_core(n_neurons, n_axons):
    """Largest even share of ``n_neurons`` per core whose weights fit a core.

    Every neuron receives dense weights from ``n_axons`` axons; a core holds
    1,024 compartments and 1,048,576 bits of synapse memory (as nengo-loihi
    counts them).
    """
    n_cores = max(1, math.ceil(n_neurons / MAX_COMPARTMENTS))
    fits = lambda n: synapse_bits(n_axons, math.ceil(n_neurons / n)) <= MAX_SYNAPSE_BITS  # noqa: E731
    if not fits(n_neurons):
        raise BuildError(
            f"synapse bits: one neuron with {n_axons} input axons needs "
            f"{synapse_bits(n_axons, 1)} bits, more than a Loihi core's {MAX_SYNAPSE_BITS}"
        )
    # the fewest cores that fit: the bits grow with the neurons per core, so
    # bisect over the number of cores (a d = 64 memory tried 452 one by one)
    lo, hi = n_cores, n_neurons
    while lo < hi:
        mid = (lo + hi) // 2
        if fits(mid):
            hi = mid
        else:
            lo = mid + 1
    return math.ceil(n_neurons / lo)


def synapse_bits(n_axons, n_compartments):
    """Synapse memory, in bits, of dense 8-bit weights from ``n_axons`` axons
    to ``n_compartments`` compartments, as nengo-loihi counts it."""
    syn = Synapse(n_axons)
    syn.set_weights(np.ones((n_axons, n_compartments), dtype=np.float32))
    return syn.bits()


@contextlib.contextmanager
def chip_input_filter(memories):
    """While nengo-loihi builds, move each memory's input lowpass onto the chip.

    A Loihi compartment filters all its inputs with one time constant, so
    host-to-chip spikes into the memory must arrive unfiltered and be filtered
    there (nengo-loihi's ``Model.decode_tau``, which the caller sets to the
    memories' synapse). The input connections get their synapse back on exit.
    """
    conns = [mem._input_conn for mem in memories]
    synapses = [conn.synapse for conn in conns]
    try:
        for conn in conns:
            conn.synapse = None
        yield
    finally:
        for conn, syn in zip(conns, synapses):
            conn.synapse = syn


def loihi_memories(network):
    nets = [network] + list(network.all_networks)
    return [net for net in nets if isinstance(net, LoihiLegendreMemory)]


def simulator(network, dt=0.001, target="sim", max_chips=None, **options):
    """Build ``network`` with nengo-loihi for ``target``.

    Reached as ``nengo_lmu.simulator(network, backend="loihi", target=...)``.

    Parameters
    ----------
    network : nengo.Network
        May contain :class:`LoihiLegendreMemory` networks (all with one
        synapse, which becomes nengo-loihi's on-chip input filter);
        a plain :class:`.LegendreMemory` is refused with a ``BuildError``.
    dt : float
    target : {"sim", "simreal", "loihi", "fast", "reference"}
        The integer emulator (default; what the chip computes), the float
        emulator, the chip itself, which needs Intel's NxSDK and a board,
        ``"fast"``: the same integers as ``"sim"`` from a vectorised, batched
        emulator (:class:`nengo_lmu.hardware.loihi.fast.Simulator`), or
        ``"reference"``: ``nengo.Simulator`` running the same network with
        the same neuron models (no spike routing, quantised host inputs or
        integer state).
    max_chips : int, optional
        Refuse (``BuildError``) a network that needs more chips.
    **options
        Passed to ``nengo_loihi.Simulator`` (``seed``, ``precompute``,
        ``hardware_options``...). ``progress_bar`` is dropped: nengo-loihi
        has none.
    """
    if target not in TARGETS:
        raise ValidationError(f"must be one of {TARGETS} (got {target!r})", "target")
    if target == "loihi" and not HAS_NXSDK:
        raise BuildError(
            "target: 'loihi' runs on the chip and needs Intel's NxSDK and a Loihi "
            "board, and neither is available here; use target='sim' (the integer "
            "emulator, which computes what the chip computes) or 'simreal'"
        )
    from nengo_lmu.hardware import memories as _memories  # noqa: PLC0415

    plain = [m for m in _memories(network) if not isinstance(m, LoihiLegendreMemory)]
    if plain:
        raise BuildError(
            f"{plain[0]}: a LegendreMemory built for the reference simulator; "
            "build it for Loihi with nengo_lmu.hardware.loihi.LoihiLegendreMemory "
            "(LoihiLegendreMemory.from_memory(memory) copies its specification)"
        )
    memories = loihi_memories(network)
    if target == "reference":
        keep = {k: options[k] for k in ("seed", "progress_bar", "optimize") if k in options}
        return nengo.Simulator(network, dt=dt, **keep)
    taus = sorted({mem.synapse.tau for mem in memories})
    if len(taus) > 1:
        raise BuildError(
            f"synapse: every LoihiLegendreMemory in a network must share one "
            f"synapse, nengo-loihi's single on-chip input filter (got {taus})"
        )
    options.pop("progress_bar", None)
    options.pop("cache", None)
    model = loihi_model(memories, dt)
    with warnings.catch_warnings(), chip_input_filter(memories):
        warnings.filterwarnings("ignore", message=".*extra bits in weight")
        if target == "fast":
            from nengo_lmu.hardware.loihi.fast import Simulator  # noqa: PLC0415

            sim = Simulator(network, dt=dt, model=model, **options)
        else:
            sim = nengo_loihi.Simulator(
                network, dt=dt, model=model, target=target, **options
            )
    try:
        resources(sim).check(max_chips)
    except BuildError:
        sim.close()
        raise
    return sim


def describe(sim):
    """Resource totals and energy estimates of a nengo-loihi run, as plain data.

    Keys: ``cores``, ``chips``, ``compartments``, ``synapse_kib``, ``synops``
    (synaptic operations counted in the run), ``energy_<platform>_j`` for
    Loihi (event-based) and for a CPU and a GPU computing the same network
    densely, and ``target``.
    """
    from nengo_lmu.hardware import energy  # noqa: PLC0415

    report = resources(sim)
    t = report.totals
    out = {
        "target": sim.target,
        "cores": t["cores"],
        "chips": t["chips"],
        "compartments": t["compartments"],
        "synapse_kib": t["synapse bits"] / 8 / 1024,
    }
    if sim.target in ("sim", "simreal", "fast"):
        events = energy.loihi_counts(sim)
        dense = energy.dense_counts(sim.model, events.steps)
        out["synops"] = events.synops
        out["energy_loihi_j"] = energy.estimate(events, "loihi")["energy_j"]
        for name in ("cpu", "gpu"):
            out[f"energy_{name}_j"] = energy.estimate(dense, name)["energy_j"]
    return out


def docs_example(order=6, theta=1.0, n_per_dimension=100, tau=0.1, label="docs LMU"):
    """The former nengo-loihi documentation's LMU, as a baseline.

    An ``EnsembleArray`` of ``order x n_per_dimension`` SpikingRectifiedLinear
    neurons at 100-120 Hz with intercepts in [-1, 0.5] (what
    ``nengo_loihi.set_defaults()`` sets, configured here on the ensembles so
    that nengo's global defaults stay untouched), decoded recurrent and input
    connections with the continuous Principle 3 on a ``tau`` lowpass, radius
    1 in every dimension. Returns a network with ``input`` and ``state``
    (the decoded Legendre state) attributes.
    """
    from nengo_lmu.dynamics import lmu_matrices  # noqa: PLC0415
    from nengo_lmu.mapping import continuous_lowpass  # noqa: PLC0415

    A, B = lmu_matrices(order, theta)
    Ap, Bp = continuous_lowpass(A, B, tau)
    with nengo.Network(label=label) as net:
        net.input = nengo.Node(size_in=1, label="input")
        net.array = nengo.networks.EnsembleArray(
            n_per_dimension,
            order,
            neuron_type=nengo.SpikingRectifiedLinear(),
            max_rates=nengo.dists.Uniform(100, 120),
            intercepts=nengo.dists.Uniform(-1, 0.5),
        )
        nengo.Connection(net.input, net.array.input, transform=Bp, synapse=tau)
        nengo.Connection(net.array.output, net.array.input, transform=Ap, synapse=tau)
        net.state = net.array.output
    return net


@dataclasses.dataclass
class ResourceReport:
    """What a built nengo-loihi model uses, against Loihi's limits.

    ``cores``: one dict per core (block): ``label`` and, for each of
    :data:`CORE_LIMITS`, the amount used. ``synapses``: one dict per synapse
    with its core, ``label``, ``axons``, ``weights``, ``bits``, and once
    discretised the ``weight_exp``, the ``levels`` its largest weight uses
    of the 8-bit mantissa and the ``lost_bits`` nengo-loihi's rounding drops
    below it. ``chips``: chips of :data:`CORES_PER_CHIP` cores.
    ``quantization``: each :class:`LoihiLegendreMemory`'s relative weight
    and current changes by plain rounding and by GPFQ.
    """

    cores: list
    synapses: list
    chips: int
    quantization: dict

    @property
    def totals(self):
        """Sums over cores, plus ``cores`` and ``chips``."""
        out = {key: sum(c[key] for c in self.cores) for key in CORE_LIMITS}
        out.update(cores=len(self.cores), chips=self.chips)
        return out

    @property
    def peak(self):
        """The largest use of each per-core resource, as a fraction of its limit."""
        return {
            key: max((c[key] / lim for c in self.cores), default=0.0)
            for key, lim in CORE_LIMITS.items()
        }

    def check(self, max_chips=None):
        """Raise ``BuildError`` naming the first limit the model exceeds."""
        for c in self.cores:
            for key, lim in CORE_LIMITS.items():
                if c[key] > lim:
                    raise BuildError(
                        f"{key}: core {c['label']} uses {c[key]}, more than "
                        f"Loihi's {lim} per core"
                    )
        if max_chips is not None and self.chips > max_chips:
            raise BuildError(
                f"chips: {len(self.cores)} cores need {self.chips} chips of "
                f"{CORES_PER_CHIP}, more than max_chips={max_chips}"
            )

    def table(self):
        """A plain-text summary: totals, peak use per core, weights."""
        t = self.totals
        lines = [
            f"cores {t['cores']}, chips {t['chips']}, compartments "
            f"{t['compartments']}, in-axons {t['in-axons']}, out-axons "
            f"{t['out-axons']}, synapse memory {t['synapse bits'] / 8 / 1024:.0f} KiB",
            "peak per core: "
            + ", ".join(f"{k} {v:.0%}" for k, v in self.peak.items()),
        ]
        disc = [s for s in self.synapses if s.get("weight_exp") is not None]
        if disc:
            lost = max(s["lost_bits"] for s in disc)
            levels = min(s["levels"] for s in disc)
            lines.append(
                f"weights: 8-bit mantissas, exponents "
                f"{min(s['weight_exp'] for s in disc)}..{max(s['weight_exp'] for s in disc)}, "
                f"fewest levels used {levels}, most bits lost {lost}"
            )
        for label, q in self.quantization.items():
            lines.append(
                f"{label}: recurrent current error {q['rounded']['currents']:.2%} "
                f"rounded, {q['gpfq']['currents']:.2%} with GPFQ"
            )
        return "\n".join(lines)


def resources(sim_or_model, network=None):
    """The :class:`ResourceReport` of a nengo-loihi simulator or model.

    ``network`` (default the simulator's) supplies the quantisation figures
    of the :class:`LoihiLegendreMemory` networks in it.
    """
    model = getattr(sim_or_model, "model", sim_or_model)
    network = getattr(sim_or_model, "network", None) if network is None else network
    cores, synapses = [], []
    for i, block in enumerate(model.blocks):
        use = block.utilization()
        cores.append(
            {
                "label": f"{i}: {block.label}",
                "compartments": use["compartments"][0],
                "in-axons": use["in-axons"][0],
                "out-axons": use["out-axons"][0],
                "synapse bits": use["synapses"][0],
            }
        )
        for syn in block.synapses:
            row = {
                "core": f"{i}: {block.label}",
                "label": str(syn.label),
                "axons": syn.n_axons,
                "weights": int(sum(np.size(w) for w in syn.weights)),
                "bits": syn.bits(),
                "weight_exp": None,
            }
            ints = [np.asarray(w) for w in syn.weights if np.size(w)]
            if ints and ints[0].dtype.kind == "i" and syn.synapse_cfg is not None:
                cfg = syn.synapse_cfg
                s2 = cfg.shift_bits + cfg.weight_exp
                step = 2 ** (max(s2, 0) + 6)
                big = max(int(np.abs(w).max()) for w in ints)
                row.update(
                    weight_exp=int(cfg.weight_exp),
                    levels=big // step,
                    lost_bits=max(0, -s2),
                )
            synapses.append(row)
    quant = {}
    if network is not None:
        for mem in loihi_memories(network):
            if mem.quantization is not None:
                quant[str(mem.label or mem)] = mem.quantization
    return ResourceReport(
        cores=cores,
        synapses=synapses,
        chips=math.ceil(len(cores) / CORES_PER_CHIP),
        quantization=quant,
    )
