"""One trial: a plain specification in, a plain result record out.

A :class:`Trial` names everything that determines a run (numbers and strings
only, so it can be stored, hashed and sent to other processes);
:func:`run_trial` builds the memory, drives it and the ideal discrete memory
with the same input samples, and measures the metrics of :ref:`theory-metrics`.
"""

import dataclasses
import hashlib
import json
import platform
import resource
import time
import warnings
from collections.abc import Iterable

import numpy as np
import nengo
from nengo.exceptions import ValidationError

from nengo_lmu import metrics, signals
from nengo_lmu.dynamics import (
    check_bool,
    check_dt,
    check_integer,
    check_positive,
    delay_readout,
)
from nengo_lmu.hardware import backends, describe, memory, simulator, split_options
from nengo_lmu.mapping import MAPPINGS
from nengo_lmu.networks import footprint
from nengo_lmu.version import version

#: Record fields that measure the machine, not the trial: they differ between
#: two runs of the same trial, every other field is identical.
TIMING_FIELDS = ("build_s", "run_s", "realtime", "peak_rss_mb", "twin_run_s")

#: Options a trial passes to the simulator itself, so backend_options must not.
RESERVED_OPTIONS = ("network", "dt", "cache", "progress_bar", "model")

#: Neuron types by name, so that trials stay plain data.
NEURON_TYPES = {
    # the memory class's own default (e.g. chosen by speed on Loihi)
    "default": lambda: None,
    "poisson": lambda: nengo.PoissonSpiking(nengo.LIFRate()),
    "lif": nengo.LIF,
    "lifrate": nengo.LIFRate,
    "spiking-relu": nengo.SpikingRectifiedLinear,
    "relu": nengo.RectifiedLinear,
    "regular": lambda: nengo.RegularSpiking(nengo.LIFRate()),
    "direct": nengo.Direct,
}


#: The rate-neuron twin of each neuron type: the same tuning curves without
#: spiking, so the twin's error is the network's systematic floor (decoder
#: distortion and mapping), free of spiking noise. Rate types are their own twin.
RATE_TWINS = {
    "poisson": "lifrate",
    "lif": "lifrate",
    "lifrate": "lifrate",
    "regular": "lifrate",
    "spiking-relu": "relu",
    "relu": "relu",
    "direct": "direct",
}


def neuron_type(name):
    """The nengo neuron type called ``name`` in :data:`NEURON_TYPES`."""
    if name not in NEURON_TYPES:
        raise nengo.exceptions.ValidationError(
            f"must be one of {sorted(NEURON_TYPES)} (got {name!r})", "neuron_type"
        )
    return NEURON_TYPES[name]()


@dataclasses.dataclass(frozen=True)
class Trial:
    """Everything that determines one run of a LegendreMemory.

    Times are in seconds, frequencies in Hz; ``delays`` are fractions of
    ``theta``. ``state_scaling`` chooses radii of two standard deviations of
    each state under the input (:ref:`theory-state-scaling`); otherwise radius 1.
    ``backend_options`` holds ``(name, value)`` pairs for the backend's
    simulator (e.g. ``(("target", "sim"),)`` for Loihi; for the analog
    backend also ``chip``, ``substrate``, ``without`` and ``compensations``,
    see :func:`nengo_lmu.hardware.split_options`). ``rate_twin`` also
    runs the same network with the rate neurons of :data:`RATE_TWINS` on the
    reference simulator and records its errors as ``twin_*`` (the systematic
    floor); None means on for the reference backend, off elsewhere.
    """

    order: int = 6
    theta: float = 1.0
    n_neurons: int = 3000
    neuron_type: str = "poisson"
    synapse: float = 0.1
    dt: float = 0.001
    mapping: str = "discrete"
    state_scaling: bool = True
    single_ensemble: bool = False
    input_high: float = 1.0
    input_rms: float = 0.3
    duration: float = 10.0
    probe_synapse: float = 0.01
    seed: int = 0
    input_seed: int = 0
    backend: str = "reference"
    delays: tuple = (0.0, 0.5, 1.0)
    backend_options: tuple = ()
    rate_twin: bool = None

    def __post_init__(self):
        # canonical plain data, so that equal trials have equal keys: each
        # number as its field's Python type (1 -> 1.0 for theta, numpy -> Python),
        # tuples, not lists, whatever the caller passed
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            kind = f.type if isinstance(f.type, type) else None
            if kind in (int, float) and isinstance(value, bool):
                raise nengo.exceptions.ValidationError(
                    f"must be of type {kind.__name__}, not bool (got {value!r})", f.name
                )
            if kind in (int, float, str) and type(value) is not kind:
                try:
                    cast = kind(value)
                    if kind is int and cast != value:
                        raise ValueError(value)
                except (TypeError, ValueError, OverflowError):
                    raise nengo.exceptions.ValidationError(
                        f"must be of type {kind.__name__} (got {value!r})", f.name
                    ) from None
                value = cast
            elif isinstance(value, np.generic):
                value = value.item()
            object.__setattr__(self, f.name, value)
        object.__setattr__(self, "delays", _delays(self.delays))
        object.__setattr__(self, "backend_options", _options(self.backend_options))
        _check_fields(self)
        if self.rate_twin and not backends.get(self.backend).rate_twin:
            raise nengo.exceptions.ValidationError(
                "is only available on the reference backend, where rate neurons "
                f"run (got backend {self.backend!r})",
                "rate_twin",
            )
        if self.rate_twin and self.neuron_type not in RATE_TWINS:
            raise nengo.exceptions.ValidationError(
                f"needs a neuron_type in {sorted(RATE_TWINS)} (got {self.neuron_type!r})",
                "rate_twin",
            )

    @classmethod
    def from_record(cls, record):
        """The trial that produced ``record`` (its spec fields; the rest is ignored)."""
        names = [f.name for f in dataclasses.fields(cls)]
        return cls(**{k: record[k] for k in names if k in record})

    def spec(self):
        """This trial as a plain dict (JSON-ready: lists and dicts, no tuples)."""
        spec = dataclasses.asdict(self)
        spec["delays"] = list(self.delays)
        spec["backend_options"] = dict(self.backend_options)
        return spec

    @property
    def key(self):
        """A stable name for this trial: a hash of its spec, the same in every
        process (``rate_twin`` as it takes effect, so None and its value agree)."""
        spec = dict(self.spec(), rate_twin=self.runs_twin)
        text = json.dumps(spec, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    @property
    def runs_twin(self):
        """Whether :func:`run_trial` also runs the rate twin (``rate_twin``,
        or by default on the reference backend)."""
        if self.rate_twin is None:
            return backends.get(self.backend).rate_twin and self.neuron_type in RATE_TWINS
        return self.rate_twin

    @property
    def twin(self):
        """The rate-neuron twin of this trial (itself for rate neurons)."""
        return dataclasses.replace(
            self, neuron_type=RATE_TWINS[self.neuron_type], rate_twin=False
        )

    def build(self):
        """The network, probes and input samples for this trial."""
        u = signals.white_signal(
            self.duration, self.dt, self.input_high, self.input_rms, seed=self.input_seed
        )
        radii = 1.0
        if self.state_scaling:
            radii = signals.white_signal_process(
                self.duration, self.input_high, self.input_rms
            )
        memory_options, _ = split_options(self.backend, self.backend_options)
        with nengo.Network(seed=self.seed, label="trial") as net:
            stim = nengo.Node(signals.input_process(u, self.dt), label="u")
            mem = memory(
                self.backend,
                **memory_options,
                order=self.order,
                theta=self.theta,
                n_neurons=self.n_neurons,
                neuron_type=neuron_type(self.neuron_type),
                synapse=self.synapse,
                dt=self.dt,
                mapping=self.mapping,
                radii=radii,
                single_ensemble=self.single_ensemble,
            )
            nengo.Connection(stim, mem.input, synapse=None)
            probe = nengo.Probe(mem.state, synapse=self.probe_synapse)
        return net, mem, probe, u


def _delays(delays):
    """``delays`` as a tuple of floats, or a ValidationError naming the field."""
    if isinstance(delays, (str, bytes)) or not isinstance(delays, Iterable):
        raise ValidationError(
            f"must be a list of fractions of theta in [0, 1] (got {delays!r})", "delays"
        )
    try:
        return tuple(float(f) for f in delays)
    except (TypeError, ValueError):
        raise ValidationError(
            f"must be a list of fractions of theta in [0, 1] (got {delays!r})", "delays"
        ) from None


def _options(options):
    """``backend_options`` as sorted ``(name, value)`` pairs of plain data."""
    if isinstance(options, dict):
        options = options.items()
    try:
        pairs = [tuple(item) for item in options]
    except TypeError:
        pairs = None
    if pairs is None or any(len(p) != 2 for p in pairs):
        raise ValidationError(
            f"must be a dict or (name, value) pairs (got {options!r})", "backend_options"
        )
    pairs = [(k, v.item() if isinstance(v, np.generic) else v) for k, v in pairs]
    for name, value in pairs:
        if not isinstance(name, str) or not name.isidentifier():
            raise ValidationError(
                f"names must be identifiers such as 'target' (got {name!r})",
                "backend_options",
            )
        if name in RESERVED_OPTIONS:
            raise ValidationError(
                f"must not set {name!r}, which the trial sets itself "
                f"(got {name}={value!r})",
                "backend_options",
            )
        if value is not None and not isinstance(value, (str, int, float, bool)):
            raise ValidationError(
                "values must be plain numbers or strings, so that the trial stays "
                f"plain data (got {name}={value!r})",
                "backend_options",
            )
    return tuple(sorted(pairs, key=lambda p: p[0]))


def _check_fields(trial):
    """Every field in its range, before anything is built (ValidationError)."""
    for name in ("state_scaling", "single_ensemble"):
        object.__setattr__(trial, name, check_bool(getattr(trial, name), name))
    object.__setattr__(
        trial, "rate_twin", check_bool(trial.rate_twin, "rate_twin", optional=True)
    )
    check_integer(trial.order, "order")
    check_positive(trial.theta, "theta")
    if trial.n_neurons < trial.order:
        raise ValidationError(
            f"must be at least order = {trial.order}, one neuron per represented "
            f"dimension (got {trial.n_neurons})",
            "n_neurons",
        )
    neuron_type(trial.neuron_type)
    for name in ("synapse", "input_high", "input_rms"):
        check_positive(getattr(trial, name), name)
    check_dt(trial.dt, trial.theta)
    if trial.mapping not in MAPPINGS:
        raise ValidationError(f"must be one of {MAPPINGS} (got {trial.mapping!r})", "mapping")
    check_positive(trial.duration, "duration")
    if trial.duration < trial.theta + 10 * trial.dt:
        raise ValidationError(
            f"must be longer than theta = {trial.theta} s, the warm-up the metrics "
            f"skip, by at least 10 steps (got {trial.duration})",
            "duration",
        )
    if trial.duration * trial.input_high < 1:
        raise ValidationError(
            f"must be at least 1 / input_high = {1 / trial.input_high:g} s, one "
            f"period of the input's lowest frequency (got {trial.duration})",
            "duration",
        )
    if not (np.isfinite(trial.probe_synapse) and trial.probe_synapse >= 0):
        raise ValidationError(
            f"must be a finite number >= 0 seconds (got {trial.probe_synapse})",
            "probe_synapse",
        )
    for name in ("seed", "input_seed"):
        value = getattr(trial, name)
        if not 0 <= value < 2**32:
            raise ValidationError(
                f"must be an integer in [0, 2**32 - 1], as numpy seeds are (got {value})",
                name,
            )
    allowed = backends.get(trial.backend).options
    unknown = [name for name, _ in trial.backend_options if allowed and name not in allowed]
    if unknown:
        raise ValidationError(
            f"must name options of the {trial.backend} backend, {list(allowed)} "
            f"(got {unknown[0]!r})",
            "backend_options",
        )
    if not trial.delays:
        raise ValidationError("must hold at least one fraction of theta (got ())", "delays")
    bad = [f for f in trial.delays if not 0 <= f <= 1]
    if bad:
        raise ValidationError(
            "must be fractions of theta in [0, 1], since the memory holds only the "
            f"last theta seconds (got {bad[0]!r} in {trial.delays})",
            "delays",
        )


class SlowBuildWarning(UserWarning):
    """A trial whose build will take long (many ensembles)."""


#: Above this many ensembles (one per Legendre dimension), :func:`run_trial`
#: warns that the build is slow: nengo builds them one at a time, in a time
#: that grows faster than their number (d = 400 takes 10 s, d = 1000 minutes).
SLOW_ENSEMBLES = 200


def check_resources(trial, limit=None):
    """Refuse ``trial`` (``BuildError`` naming ``n_neurons``) if building it would
    need more memory than this machine has (:mod:`nengo_lmu.networks.footprint`).

    Returns the estimate in bytes. ``limit`` overrides the machine's memory.
    Warns (:class:`SlowBuildWarning`) if the memory has more than
    :data:`SLOW_ENSEMBLES` ensembles.
    """
    if not trial.single_ensemble and trial.order > SLOW_ENSEMBLES:
        warnings.warn(
            f"order={trial.order}: the memory is {trial.order} ensembles, one per "
            "dimension, which nengo builds one at a time; expect minutes (pass "
            "progress_bar=True, or use `nengo-lmu run`, to follow the build)",
            SlowBuildWarning,
            stacklevel=3,
        )
    nbytes = footprint.build_bytes(
        trial.order,
        trial.n_neurons,
        single_ensemble=trial.single_ensemble,
        dense_recurrence=backends.get(trial.backend).dense_recurrence,
    )
    return footprint.check_fits(nbytes, "n_neurons", trial.n_neurons, limit=limit)


def peak_rss_mb():
    """This process's peak resident memory so far, in MiB (Linux units).

    A process-wide high-water mark: in a sweep it is the largest of the trials
    a worker has run so far. ``model_mb`` is the per-trial measure.
    """
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def model_mb(sim):
    """MiB held by a nengo simulator's signals (state, weights, probes' buffers
    excluded), counting each underlying array once; None for other backends."""
    signals = getattr(sim, "signals", None)
    if signals is None:
        return None
    bases = {}
    for value in signals.values():
        base = value
        while isinstance(base, np.ndarray) and base.base is not None:
            base = base.base
        if isinstance(base, np.ndarray):
            bases[id(base)] = base.nbytes
    return sum(bases.values()) / 2**20


def versions(backend="reference"):
    """Versions of what produced a record: Python, nengo-lmu and the numeric stack."""
    import scipy  # noqa: PLC0415

    found = dict(
        python=platform.python_version(),
        nengo_lmu=version,
        nengo=nengo.__version__,
        numpy=np.__version__,
        scipy=scipy.__version__,
    )
    found.update(backends.get(backend).versions())
    return found


def _simulate(trial, progress_bar=False):
    """Build and run ``trial`` once; its errors, timings and decoded data."""
    t0 = time.perf_counter()
    net, mem, probe, u = trial.build()
    _, options = split_options(trial.backend, trial.backend_options)
    # no decoder cache: build_s is the real cost, not a read of an earlier run's
    with simulator(
        net,
        backend=trial.backend,
        dt=trial.dt,
        cache=False,
        progress_bar=progress_bar,
        **options,
    ) as sim:
        t1 = time.perf_counter()
        sim.run_steps(len(u))
        t2 = time.perf_counter()
        decoded = sim.data[probe]
        t = sim.trange()
        extra = describe(sim)
        size = model_mb(sim)

    ideal = metrics.filtered(
        signals.ideal_memory(u, trial.order, trial.theta, trial.dt), trial.probe_synapse, trial.dt
    )
    u_f = metrics.filtered(u, trial.probe_synapse, trial.dt)
    warm = lambda x: metrics.after_warmup(x, trial.theta, trial.dt)  # noqa: E731
    errors = {
        "state_error": metrics.state_error(warm(decoded), warm(ideal)),
        "normalised_state_error": metrics.normalised_state_error(
            warm(decoded), warm(ideal), mem.radii_full
        ),
    }
    errors["window_nrmse"] = metrics.window_nrmse(
        decoded, u_f, trial.theta, trial.dt, warmup=trial.theta
    )
    thetas = np.asarray(trial.delays, dtype=float) * trial.theta
    C = delay_readout(trial.order, thetas, trial.theta)
    dec_delay, ideal_delay = decoded @ C.T, ideal @ C.T
    for i, (frac, tp) in enumerate(zip(trial.delays, thetas)):
        errors[f"delay_nrmse_{frac:g}"] = metrics.delay_nrmse(
            dec_delay[:, i], u_f[:, 0], tp, trial.dt, warmup=trial.theta
        )
        errors[f"delay_nrmse_ideal_{frac:g}"] = metrics.nrmse(
            warm(dec_delay[:, i]), warm(ideal_delay[:, i])
        )
    measured = dict(build_s=t1 - t0, run_s=t2 - t1, model_mb=size, **extra)
    data = dict(
        t=t,
        u=u_f[:, 0],
        ideal=ideal,
        decoded=decoded,
        delays=thetas,
        decoded_delays=dec_delay,
        ideal_delays=ideal_delay,
        true_delays=np.stack([signals.delayed(u_f[:, 0], tp, trial.dt) for tp in thetas], 1),
        radii=mem.radii_full,
    )
    return errors, measured, data


def run_trial(trial, progress_bar=False, keep_data=False):
    """Run ``trial`` and measure it against the ideal discrete memory.

    Returns
    -------
    record : dict
        Plain data: the trial's fields (:meth:`Trial.spec`), then
        ``state_error`` (E), ``normalised_state_error`` (E_n),
        ``window_nrmse`` (the decoded window at 100 delays against the true
        delayed input, :func:`nengo_lmu.metrics.window_nrmse`),
        ``delay_nrmse_<f>`` against the true delayed input and
        ``delay_nrmse_ideal_<f>`` against the ideal memory's readout for each
        delay fraction ``f``; with ``rate_twin`` the same errors of the
        rate-neuron twin as ``twin_<name>`` and its ``twin_run_s``;
        ``build_s`` (constructing the network and building it), ``run_s``,
        ``realtime``, ``model_mb`` (the built model's signals),
        ``peak_rss_mb`` (process high-water mark), ``key``, ``versions``,
        and what :func:`nengo_lmu.hardware.describe` adds for the backend
        (resources and energy on Loihi). Apart from :data:`TIMING_FIELDS`,
        the same trial always gives the same record.
    data : dict, only with ``keep_data``
        ``t``, ``u``, ``ideal`` and ``decoded`` states (probe-filtered),
        ``delays`` (seconds) and the decoded / ideal / true delayed signals.
    """
    check_resources(trial)
    errors, measured, data = _simulate(trial, progress_bar=progress_bar)
    record = trial.spec()
    record["key"] = trial.key
    record.update(errors)
    if trial.runs_twin:
        twin = trial.twin
        if twin.neuron_type == trial.neuron_type:
            twin_errors, twin_s = errors, 0.0
        else:
            twin_errors, twin_measured, _ = _simulate(twin)
            twin_s = twin_measured["run_s"]
        record.update({f"twin_{k}": v for k, v in twin_errors.items()})
        record["twin_neuron_type"] = twin.neuron_type
        record["twin_run_s"] = twin_s
    record.update(measured)
    record.update(
        realtime=trial.duration / measured["run_s"],
        peak_rss_mb=peak_rss_mb(),
        versions=versions(trial.backend),
    )
    if not keep_data:
        return record
    return record, data
