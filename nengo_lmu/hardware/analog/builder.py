r"""Build any nengo network onto the emulated substrate.

:class:`AnalogBuilder` is nengo's own builder with a few entries replaced;
everything it does not replace (nodes, probes, learning rules, processes,
Direct-mode ensembles, synapses other than a lowpass) is built by nengo as on
the reference simulator. What the substrate changes, and where:

- **Neurons** (:class:`SubstrateNeurons`): each neuron of an ensemble takes
  the next free slot of the chip; its input current is mismatched, noisy and
  drifting, and its model's refractory period is the substrate's.
- **Synapses** (:class:`SimSynapseBank`): a ``nengo.Lowpass`` on a connection
  into an ensemble is realised per neuron by that neuron's synapse, a
  pulse-extended double exponential with its own time constant. The encoded
  inputs of all connections with the same nominal synapse are summed and
  filtered once, as in the chip.
- **Decoding weights** (:class:`SimAccumulator`): weights out of an ensemble
  are rounded to ``weight_bits`` with one exponent per output row, and the
  decoded value leaves the accumulator as +-1 spikes.
- **Calibration**, with ``calibrate=True``: each neuron's gain and bias
  measured from its rate curve and trimmed to the ones the network asked
  for (:mod:`~nengo_lmu.hardware.analog.calibration`), and decoders solved from the emulated neurons'
  own (trimmed) tuning curves, as the chip's software does after measuring
  them.

Connections whose transform is a :class:`SynapseDerivative` carry a
derivative of the state for heterogeneous-synapse compensation: each neuron
receives it scaled by its own synapse's coefficient.
"""

import collections
import contextlib

import numpy as np
import nengo
from nengo.builder import Builder, Model, Signal
from nengo.rc import rc
from nengo.builder.connection import get_eval_points, get_targets
from nengo.builder.operator import Copy, DotInc, ElementwiseInc, Reset
from nengo.builder.transforms import multiply
from nengo.ensemble import Neurons
from nengo.exceptions import BuildError, ValidationError
from nengo.neurons import NeuronType, RatesToSpikesNeuronType

from nengo_lmu.hardware.analog import calibration
from nengo_lmu.hardware.analog.operators import (
    SimAccumulator,
    SimSpikeCount,
    SimSynapseBank,
    SubstrateEnsemble,
    SynapseBank,
    discretize_synapses,
    quantize_weights,
)
from nengo_lmu.hardware.analog.substrate import Substrate

#: Seconds between steps of the gain and threshold drift (a slow random walk;
#: stepping it every 1 ms step would cost two draws per neuron per step).
DRIFT_INTERVAL = 0.01


class SynapseDerivative(nengo.Dense):
    r"""A dense transform that carries the ``order``-th derivative of a state.

    The transform's matrix is ``c * A^order`` (or ``c * A^(order - 1) B`` for
    the input), with ``c = coefficient`` the nominal synapse's ``c_order``
    (:func:`nengo_lmu.mapping.double_exponential_coefficients`). Any backend
    runs it as a plain ``nengo.Dense``; the analog backend gives each
    post-synaptic neuron ``c_order`` of its own synapse instead of ``c``
    (Voelker 2019, thesis section 5.1.4).
    """

    order = nengo.params.IntParam("order", low=1, readonly=True)
    coefficient = nengo.params.NumberParam("coefficient", low=0, low_open=True, readonly=True)

    def __init__(self, shape, init, order, coefficient):
        super().__init__(shape, init=init)
        self.order = order
        self.coefficient = coefficient


def _replaced(obj, **changes):
    """A copy of a frozen nengo object with some parameters changed."""
    state = obj.__getstate__()
    state.update(changes)
    new = type(obj).__new__(type(obj))
    new.__setstate__(state)
    return new


class SubstrateNeurons(NeuronType):
    r"""A neuron model run on the substrate (built internally, per ensemble).

    Neuron ``i`` with gain factor ``g_i``, threshold factor ``h_i``, the bias
    ``b_i`` its ensemble asked for and random walks ``w_g, w_h`` gets

    .. math:: J_i = e^{-w_h} \left(g_i e^{w_g} (J^{in}_i - b_i) + b_i\right) / h_i
              + \sigma \xi_i

    and runs ``base`` on it. Trimmed (:meth:`trim`, when calibrating), the
    neuron's weighted input
    :math:`J^{in}_i - b_i` is scaled by ``input_scale`` and it is programmed
    with ``programmed_bias`` instead of :math:`b_i`. Its :meth:`rates` are
    the neuron's true tuning curves at the start of a run (no noise, no
    drift), trims included; :meth:`physical_rates` those of the untrimmed
    circuit: what calibration measures.
    """

    def __init__(self, base, gain, threshold, bias, noise=0.0, drift=0.0, seed=0):
        super().__init__()
        self.base = base
        self.gain_factor = np.asarray(gain, dtype=float)
        self.inv_threshold = 1.0 / np.asarray(threshold, dtype=float)
        self.bias = np.asarray(bias, dtype=float)
        self.input_scale = np.ones_like(self.bias)
        self.programmed_bias = self.bias.copy()
        self.noise = float(noise)
        self.drift = float(drift)
        self.seed = int(seed)
        self.negative = base.negative
        self.spiking = base.spiking
        self.state = dict(base.state)

    @property
    def ideal(self):
        """Whether the current reaches ``base`` unchanged (no mismatch, noise or drift)."""
        return (
            self.noise == 0
            and self.drift == 0
            and np.all(self.gain_factor == 1)
            and np.all(self.inv_threshold == 1)
        )

    def trim(self, input_scale, programmed_bias):
        """Program per-neuron input scales and biases (calibration's trims)."""
        self.input_scale = np.asarray(input_scale, dtype=float)
        self.programmed_bias = np.asarray(programmed_bias, dtype=float)

    def _current_map(self, gain_walk=0.0, threshold_walk=0.0):
        """``(scale, offset)``: the effective current is ``scale * J + offset``."""
        g = self.gain_factor * np.exp(gain_walk)
        h = self.inv_threshold * np.exp(-threshold_walk)
        scale = g * h * self.input_scale
        return scale, h * self.programmed_bias - scale * self.bias

    # each instance is one population's physical neurons: never merge two
    def __eq__(self, other):
        return self is other

    def __hash__(self):
        return id(self)

    def __repr__(self):
        return f"SubstrateNeurons({self.base!r}, n={self.bias.size})"

    def make_state(self, n_neurons, rng=np.random, dtype=None):
        state = self.base.make_state(n_neurons, rng=rng, dtype=dtype)
        # the current each neuron makes of its input: J = scale * J_in + offset
        state["current_scale"], state["current_offset"] = self._current_map()
        state["gain_walk"] = np.zeros(n_neurons)
        state["threshold_walk"] = np.zeros(n_neurons)
        state["steps_since_drift"] = np.zeros(1)
        state["substrate_rng"] = np.random.RandomState(self.seed)
        # the per-step current noise uses numpy's faster Generator (nengo's
        # state only carries RandomStates); like nengo's own noise, it is
        # not restarted by Simulator.reset()
        self._noise_rng = np.random.default_rng(self.seed)
        return state

    def gain_bias(self, max_rates, intercepts):
        return self.base.gain_bias(max_rates, intercepts)

    def max_rates_intercepts(self, gain, bias):
        return self.base.max_rates_intercepts(gain, bias)

    def physical_rates(self, x, gain, bias):
        """Rates of the untrimmed circuit, ``gain * x`` its weighted input and
        ``bias`` its programmed bias."""
        return self.base.rates(
            x, gain * self.gain_factor * self.inv_threshold, bias * self.inv_threshold
        )

    def rates(self, x, gain, bias):
        scale = self.input_scale
        return self.physical_rates(
            x, gain * scale, self.programmed_bias + scale * (bias - self.bias)
        )

    def step(self, dt, J, output, current_scale, current_offset, gain_walk,
             threshold_walk, steps_since_drift, substrate_rng, **state):
        n = J.size
        if self.drift > 0:
            steps_since_drift += 1
            if steps_since_drift[0] * dt >= DRIFT_INTERVAL - 1e-12:
                # a slow random walk: stepped every DRIFT_INTERVAL, not every dt
                walk = self.drift * np.sqrt(steps_since_drift[0] * dt)
                steps_since_drift[...] = 0
                gain_walk += walk * substrate_rng.standard_normal(n)
                threshold_walk += walk * substrate_rng.standard_normal(n)
                current_scale[...], current_offset[...] = self._current_map(
                    gain_walk, threshold_walk)
        J_eff = current_scale * J
        J_eff += current_offset
        if self.noise > 0:
            J_eff += self.noise * np.sqrt(0.001 / dt) * self._noise_rng.standard_normal(
                n, dtype=np.float32
            )
        self.base.step(dt, J_eff, output, **state)


def with_refractory(neuron_type, refractory):
    """``neuron_type`` with its refractory period set, where it has one."""
    if refractory is None:
        return neuron_type
    if isinstance(neuron_type, RatesToSpikesNeuronType):
        return _replaced(
            neuron_type, base_type=with_refractory(neuron_type.base_type, refractory)
        )
    if "tau_ref" in neuron_type._paramdict:
        return _replaced(neuron_type, tau_ref=refractory)
    return neuron_type


# --- the builder -----------------------------------------------------------


class AnalogModel(Model):
    """A nengo build model that knows its substrate (see :class:`AnalogBuilder`)."""

    def __init__(self, dt=0.001, label=None, decoder_cache=None, substrate=None,
                 calibrate=False):
        super().__init__(dt=dt, label=label, decoder_cache=decoder_cache,
                         builder=AnalogBuilder)
        self.substrate = Substrate() if substrate is None else substrate
        check_substrate(self.substrate, dt)
        if not (calibrate == "decoders" if isinstance(calibrate, str)
                else isinstance(calibrate, (bool, np.bool_))):
            raise ValidationError(
                f"must be True, False or 'decoders' (got {calibrate!r})", "calibrate"
            )
        self.calibrate = bool(calibrate)
        # "decoders": calibrated decoders, untrimmed neurons
        self.trim = self.calibrate and not isinstance(calibrate, str)
        self.slots_used = 0
        self.chip = {}  # Ensemble -> SubstrateEnsemble
        self.connections = collections.OrderedDict()  # Connection -> notes
        self._building = []

    @contextlib.contextmanager
    def building(self, conn):
        self._building.append(conn)
        try:
            yield
        finally:
            self._building.pop()

    @property
    def current_connection(self):
        return self._building[-1] if self._building else None


def _signal(value, name, readonly=False):
    """A signal of nengo's float type (``nengo.rc``), like nengo's own."""
    return Signal(np.asarray(value, dtype=rc.float_dtype), name=name, readonly=readonly)


def _nengo_builder(cls):
    """nengo's own build function for objects of class ``cls`` (by its MRO)."""
    for obj_cls in cls.__mro__:
        if obj_cls in Builder.builders:
            return Builder.builders[obj_cls]
    raise BuildError(f"Cannot build object of type '{cls.__name__}'")


class AnalogBuilder(Builder):
    """Nengo's builder with the substrate's entries looked up first.

    Its registry is a ``ChainMap`` over nengo's, so anything registered with
    nengo (also later, by other packages) builds here too.
    """

    builders = collections.ChainMap({}, Builder.builders)

    @classmethod
    def register(cls, nengo_class):
        """Register a substrate build function (without nengo's overwrite warning)."""

        def register_builder(build_fn):
            cls.builders.maps[0][nengo_class] = build_fn
            return build_fn

        return register_builder


def _on_chip(model, obj):
    """The SubstrateEnsemble of an ensemble (or its neurons), if it is on the chip."""
    ens = obj.ensemble if isinstance(obj, Neurons) else obj
    return model.chip.get(ens) if isinstance(ens, nengo.Ensemble) else None


@AnalogBuilder.register(nengo.Ensemble)
def build_ensemble(model, ens):
    """nengo's ensemble, plus a spike counter when its neurons are on the chip."""
    _nengo_builder(nengo.Ensemble)(model, ens)
    chip = model.chip.get(ens)
    if chip is not None:
        chip.count = _signal(np.zeros(1), f"{ens}.spike_count")
        model.add_op(SimSpikeCount(model.sig[ens.neurons]["out"], chip.count))


def _substrate_neurons(model, neuron_type, neurons):
    sub = model.substrate
    ens = neurons.ensemble
    n = neurons.size_in
    start = model.slots_used
    model.slots_used += n
    gain, threshold = sub.neuron_mismatch(start, n)
    bias = model.sig[neurons]["bias"].initial_value
    base = with_refractory(neuron_type, sub.refractory)
    noise_seed = sub.noise_seed(start)
    spiking = isinstance(base, RatesToSpikesNeuronType)
    inner = SubstrateNeurons(
        base.base_type if spiking else base,
        gain, threshold, bias, sub.noise, sub.drift, noise_seed,
    )
    if model.trim and not inner.ideal:
        # measure each neuron and trim it to the curve the network asked for
        inner.trim(*calibration.trims(inner, bias))
    model.chip[ens] = SubstrateEnsemble(ens, start, inner)
    if not inner.ideal:
        base = _replaced(base, base_type=inner) if spiking else inner
    return base


@AnalogBuilder.register(RatesToSpikesNeuronType)
@AnalogBuilder.register(NeuronType)
def build_neurons(model, neuron_type, neurons, *args, **kwargs):
    """Neurons of an ensemble take chip slots; other calls are nengo's."""
    if args or kwargs or not isinstance(neurons, Neurons) or neurons.ensemble in model.chip:
        return _nengo_builder(type(neuron_type))(
            model, neuron_type, neurons, *args, **kwargs
        )
    built = _substrate_neurons(model, neuron_type, neurons)
    return _nengo_builder(type(built))(model, built, neurons)


@AnalogBuilder.register(nengo.Connection)
def build_connection(model, conn):
    """nengo's connection, with the transform, solver and synapse builds in context."""
    with model.building(conn):
        return _nengo_builder(nengo.Connection)(model, conn)


@AnalogBuilder.register(nengo.solvers.Solver)
def build_solver(model, solver, conn, rng):
    """Decoders; from the emulated neurons' own tuning curves when calibrating."""
    chip = model.chip.get(conn.pre_obj)
    if not model.calibrate or chip is None:
        return _nengo_builder(type(solver))(model, solver, conn, rng)
    built = model.params[conn.pre_obj]
    eval_points = get_eval_points(model, conn, rng)
    targets = get_targets(conn, eval_points)
    if solver.weights and not solver.compositional:
        raise BuildError(
            f"calibrate: non-compositional weight solvers are not supported on the "
            f"analog backend (got {solver!r} on {conn})"
        )
    x = np.dot(eval_points, built.encoders.T / conn.pre_obj.radius)
    activities = chip.neurons.rates(x, built.gain, built.bias)
    if np.count_nonzero(activities) == 0:
        raise BuildError(
            f"Building {conn}: no emulated neuron of {conn.pre_obj} fires at any "
            "evaluation point, so no decoders can be calibrated"
        )
    decoders, info = solver(activities, targets, rng=rng)
    return eval_points, decoders.T, info


def _amplitude(pre):
    """The value one spike of ``pre``'s neurons carries (``amplitude``; 1 if none)."""
    ens = pre.ensemble if isinstance(pre, Neurons) else pre
    amplitude = getattr(getattr(ens, "neuron_type", None), "amplitude", 1.0)
    return float(amplitude) if amplitude else 1.0


@AnalogBuilder.register(nengo.transforms.Dense)
@AnalogBuilder.register(nengo.transforms.NoTransform)
def build_transform(model, transform, sig_in, decoders=None, encoders=None, rng=np.random):
    """Decoding weights out of the chip through the accumulator; others as nengo."""
    conn = model.current_connection
    sub = model.substrate
    nengo_build = _nengo_builder(type(transform))
    pre_chip = None if conn is None else _on_chip(model, conn.pre_obj)
    if (
        pre_chip is None
        or (sub.weight_bits is None and not sub.spike_thinning)
        or conn.learning_rule is not None
        or (isinstance(conn.pre_obj, nengo.Ensemble) and decoders is None)
    ):
        return nengo_build(model, transform, sig_in, decoders=decoders,
                           encoders=encoders, rng=rng)
    if isinstance(transform, nengo.transforms.NoTransform):
        transform = nengo.Dense((transform.size_out, transform.size_in), init=1.0)
    W = transform.sample(rng=rng)
    if decoders is not None:
        W = multiply(W, decoders)
    if encoders is not None:
        W = multiply(encoders.T, W)
    if W.ndim < 2:
        W = np.diag(np.broadcast_to(W, (sig_in.size,)))
    # the chip weighs each spike; a spike of neurons with amplitude a carries
    # a (activities a / dt), so the weights per spike, a W, are what the
    # accumulator's range must hold (else a hidden layer at amplitude 1 / 800
    # would use 1/800 of it and leave the accumulator one output spike in
    # hundreds of input spikes)
    amplitude = _amplitude(conn.pre_obj)
    if sub.weight_bits is not None:
        Wq, unit, exponents = quantize_weights(W * amplitude, sub.weight_bits)
    else:
        largest = np.max(np.abs(W * amplitude)) or 1.0
        Wq, unit, exponents = W * amplitude / largest, largest, None
    Wq = Wq / amplitude  # per unit of activity, as the accumulator reads it
    weighted = Signal(shape=W.shape[0], name=f"{transform}.accumulated")
    accumulator = _signal(np.zeros(W.shape[0]), f"{transform}.accumulator")
    model.add_op(
        SimAccumulator(Wq, unit, sig_in, weighted, accumulator, sub.spike_thinning,
                       tag=f"{conn}.accumulator")
    )
    model.connections[conn] = {"unit": unit, "exponents": exponents, "rows": W.shape[0]}
    # nengo keeps the weights it is given for probing: the realised ones
    return weighted, _signal(unit * Wq, f"{transform}.weights", readonly=True)


@AnalogBuilder.register(nengo.synapses.Lowpass)
def build_lowpass(model, synapse, sig_in, sig_out=None, mode="update"):
    """A lowpass into a chip population: the neurons' own synapses; others as nengo."""
    conn = model.current_connection
    post_chip = None if conn is None else _on_chip(model, conn.post_obj)
    if (
        post_chip is None
        or not model.substrate.heterogeneous_synapses
        or sig_out is not None
        or type(synapse) is not nengo.Lowpass
    ):
        return _nengo_builder(type(synapse))(
            model, synapse, sig_in, sig_out=sig_out, mode=mode
        )
    bank = _bank(model, post_chip, synapse.tau)
    ens = post_chip.ensemble
    built = model.params[ens]
    scale, key = np.ones(ens.n_neurons), (0, 1.0)
    if isinstance(conn.transform, SynapseDerivative):
        k = conn.transform.order
        if k >= bank.coefficients.shape[0]:
            raise BuildError(
                f"transform.order: the analog synapse has coefficients up to order "
                f"{bank.coefficients.shape[0] - 1} (got {k} on {conn})"
            )
        key = (k, conn.transform.coefficient)
        scale = bank.coefficients[k] / conn.transform.coefficient
    if isinstance(conn.post_obj, Neurons):
        gains = built.gain * scale
        sl = conn.post_slice
        if isinstance(sl, slice):
            model.add_op(ElementwiseInc(_signal(gains[sl], f"{conn}.gains", True), sig_in, bank.v[sl]))
        else:
            full = Signal(shape=ens.n_neurons, name=f"{conn}.scattered")
            model.add_op(Reset(full))
            model.add_op(Copy(sig_in, full, dst_slice=sl, inc=True))
            model.add_op(ElementwiseInc(_signal(gains, f"{conn}.gains", True), full, bank.v))
    else:
        # decoded inputs that each neuron weighs alike are summed, then encoded once
        decoded = bank.decoded.get(key)
        if decoded is None:
            decoded = bank.decoded[key] = Signal(shape=ens.dimensions, name=f"{ens}.{key}")
            model.add_op(Reset(decoded))
            enc = built.scaled_encoders * scale[:, None]
            model.add_op(DotInc(_signal(enc, f"{ens}.encoders{key}", True), decoded, bank.v))
        model.add_op(Copy(sig_in, decoded, dst_slice=conn.post_slice, inc=True))
    # nengo adds what this returns into the ensemble's input: nothing more
    return _signal(np.zeros(sig_in.size), f"{conn}.on_chip_synapse", True)


def _bank(model, chip, tau):
    bank = chip.banks.get(tau)
    if bank is not None:
        return bank
    sub = model.substrate
    ens = chip.ensemble
    n = ens.n_neurons
    tau1 = sub.time_constants(tau, chip.start, n)
    Ad, G0, G1 = discretize_synapses(tau1, sub.tau2, sub.pulse_width, model.dt)
    k = Ad.shape[0]
    v = Signal(shape=n, name=f"{ens}.synaptic_input[{tau:g}]")
    y = _signal(np.zeros(n), f"{ens}.synapse[{tau:g}]")
    state = _signal(np.zeros((k, n)), f"{ens}.synapse_state[{tau:g}]")
    previous = _signal(np.zeros(n), f"{ens}.synapse_previous[{tau:g}]")
    model.add_op(Reset(v))
    model.add_op(SimSynapseBank(v, y, state, previous, Ad, G0, G1, tag=f"{ens} synapses"))
    model.add_op(Copy(y, model.sig[ens.neurons]["in"], inc=True))
    bank = SynapseBank(tau1, sub.synapse_coefficients(tau1, hold=model.dt), v)
    chip.banks[tau] = bank
    return bank


def check_substrate(substrate, dt):
    """Raise before building if the substrate cannot run at step ``dt``."""
    if not isinstance(substrate, Substrate):
        raise ValidationError(
            f"must be a nengo_lmu.hardware.analog.Substrate (got {substrate!r})", "substrate"
        )
    if substrate.pulse_width > dt:
        raise ValidationError(
            f"must be at most the simulator's step dt = {dt} s (got {substrate.pulse_width})",
            "Substrate.pulse_width",
        )
