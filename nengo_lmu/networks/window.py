r"""Nonlinear functions of the window a Legendre memory holds.

A :class:`.LegendreMemory` holds the last ``theta`` seconds of its input as
the ``order`` Legendre coefficients :math:`m(t)`. Any *linear* functional of
the window is a readout vector (:meth:`.LegendreMemory.add_functional_output`);
a *nonlinear* one, such as the window's maximum, its RMS, its median or the
output of a detector for a shape, is a nonlinear function of :math:`m` and
needs neurons that represent the state jointly. :class:`WindowFunction`
solves it the NEF way:

1. **Sample windows** from the process the memory will see: short runs of
   it drive the ideal discrete memory (:func:`.signals.ideal_memory`), and at
   sampled times the state :math:`m` and the true window
   :math:`u(t - \theta')`, :math:`\theta' \in [0, \theta]`, are kept
   (:func:`sample_windows`).
2. **Represent the state** in a population: the memory's own neurons when
   one population already represents all its dimensions jointly
   (``LegendreMemory(..., single_ensemble=True)``), otherwise a readout
   population of ``n_neurons`` that receives the same input current as the
   memory's own neurons, so that it represents :math:`m(t)` itself rather
   than a filtered, lagging copy (see :class:`WindowFunction`, Notes).
3. **Solve decoders** with nengo's solver from that population's activities
   at the sampled states to :math:`f` of the sampled true windows.

Because the readout is built from plain nengo objects (an ensemble and
connections from the memory's ``state``), it runs on every backend the
memory runs on: nengo's reference simulator, nengo-loihi (the connection from
the memory's neurons to the readout stays on the chip once nengo-loihi
removes the ``state`` passthrough node) and the emulated analog chip (which
also places the readout population on the substrate and, calibrating,
solves its decoders from the emulated tuning curves).

Accuracy to expect
------------------
Three errors add up, and the first one grows as :math:`f` gets less smooth:

- **The state does not determine the window.** ``order`` coefficients hold
  a polynomial approximation of the window; windows that differ only in
  what the approximation drops have the same state but different :math:`f`.
  For the mean (a linear functional, read exactly by :math:`m_0`) this
  costs nothing, for the RMS (nearly :math:`\sqrt{\sum_i m_i^2 / (2i + 1)}`
  by Parseval) little, for the maximum more: it depends on the window's
  fine detail, and the decoders can only give its expectation given the
  state. Higher ``order`` or slower inputs shrink it.
- **The decoders are smooth.** A population of ``n_neurons`` approximates
  smooth functions of its ``order``-dimensional state best; kinks (the
  maximum switching between peaks, the square root at zero RMS) and
  discontinuities (a threshold detector) need many more neurons and are
  rounded off.
- **Spiking noise** of the memory and of the readout population, as for any
  decoded value; the probe's filter trades it against lag.

``benchmarks/bench_window.py`` measures them for d = 6, theta = 1 s and
1 Hz white noise (RMS 0.3), a memory of 3,000 Poisson neurons and a readout
of 3,000 more, NRMSE against the true function of the true window, mean
over 5 seeds:

============  ==============  ==============  ==================
function      rate floor      10 ms filter    100 ms filter
============  ==============  ==============  ==================
mean          0.012           0.13            0.10
RMS           0.034           0.13            0.10
maximum       0.097           0.18            0.13
============  ==============  ==============  ==================

The rate floor (the same decoders on rate activities at the ideal state:
the first two errors alone) rises eight-fold from the mean to the maximum;
spike noise adds about the same to each, and dominates the mean, whose
variation over 1 s windows of 1 Hz noise is small. The filter is applied to
decoded and true values alike. A longer synapse in the memory (0.3 s, also
the readout's) integrates less spike noise: 0.10, 0.12 and 0.17 with the
10 ms filter, 0.06, 0.08 and 0.11 with 100 ms. On nengo-loihi's integer emulator (600 + 600
neurons, Loihi's spiking ReLU) the errors are 0.24, 0.16 and 0.24, against
0.23, 0.21 and 0.26 for the same sizes with Poisson neurons on the
reference simulator.

References
----------
.. [1] Voelker, Kajić & Eliasmith, "Legendre Memory Units", NeurIPS 2019.
.. [2] Eliasmith & Anderson, "Neural Engineering", MIT Press 2003 (decoding
   nonlinear functions from populations).
"""

import numbers

import numpy as np
import nengo
from nengo.exceptions import ValidationError

from nengo_lmu import dynamics
from nengo_lmu.mapping import principle3
from nengo_lmu.signals import ideal_memory


def _window_points(theta, dt, n_points):
    """Delays (in whole steps) at which a window is sampled, present first."""
    steps = int(round(theta / dt))
    if n_points is None:
        n_points = min(steps + 1, 1001)
    n_points = dynamics.check_integer(n_points, "n_points", low=2)
    return np.unique(np.round(np.linspace(0, steps, n_points)).astype(int))


def windows_of(u, theta, dt=0.001, n_points=None):
    """Every full window of the samples ``u``, one row per step.

    Parameters
    ----------
    u : (n_steps,) or (n_steps, channels) array_like
        Input samples, row ``k`` at time ``(k + 1) dt`` (channel 0 is used).
    theta : float
        Window length in seconds.
    dt : float, optional
        Step in seconds (default 0.001).
    n_points : int, optional
        Samples per window, evenly spaced over ``[0, theta]`` (default every
        step, at most 1001).

    Returns
    -------
    windows : (n_steps, n_points) ndarray
        ``windows[k, j] = u[k - delays[j]]``: column 0 is the present, the
        last column the input ``theta`` ago (the convention of
        :func:`.signals.delayed`). Rows before the window is full read the
        missing past as zero, as the memory starting from rest does.
    delays : (n_points,) ndarray
        The delays of the columns, in seconds.
    """
    u = np.asarray(u, dtype=float)
    u = u.reshape(len(u), -1)[:, 0]
    lags = _window_points(dynamics.check_positive(theta, "theta"), dt, n_points)
    padded = np.concatenate([np.zeros(lags[-1]), u])
    view = np.lib.stride_tricks.sliding_window_view(padded, lags[-1] + 1)
    return view[:, ::-1][:, lags], lags * dt


def apply_function(function, windows):
    """``function`` of each row of ``windows``, as a ``(n, k)`` array.

    ``function`` takes one window (a 1-D array, present first) and returns a
    number or a 1-D array of ``k`` numbers; it must be finite everywhere.
    """
    if not callable(function):
        raise ValidationError(
            f"must be a callable of one window (got {function!r})", "function"
        )
    out = [np.atleast_1d(np.asarray(function(w), dtype=float)) for w in windows]
    shapes = {o.shape for o in out}
    if len(shapes) != 1 or len(next(iter(shapes))) != 1:
        raise ValidationError(
            "must return a number or a 1-D array of one length for every window "
            f"(got shapes {sorted(shapes)})",
            "function",
        )
    out = np.array(out)
    if not np.all(np.isfinite(out)):
        raise ValidationError("must return finite values (got NaN or inf)", "function")
    return out


def sample_windows(
    process,
    order,
    theta,
    dt=0.001,
    n_windows=2000,
    n_points=None,
    windows_per_run=20,
    seed=0,
):
    r"""Memory states and the true windows they hold, sampled from ``process``.

    Parameters
    ----------
    process : nengo.Process or array_like
        The input the memory will see. A process is run ``ceil(n_windows /
        windows_per_run)`` times with independent seeds, each run for
        ``3 * theta`` seconds, and ``windows_per_run`` windows are taken
        evenly over its last ``theta`` (after ``2 * theta`` of warm-up, when
        the ideal memory has forgotten its start from rest). An array of
        samples (one row per step) is used as one recording: ``n_windows``
        windows are taken evenly from its rows after ``2 * theta``.
    order : int
        Memory order :math:`d`.
    theta : float
        Window in seconds.
    dt : float, optional
        Step in seconds (default 0.001).
    n_windows : int, optional
        Windows to sample (default 2000).
    n_points : int, optional
        Samples per window (default every step, at most 1001).
    windows_per_run : int, optional
        Windows taken from each run of a process (default 20).
    seed : int, optional
        Seed of the first run (default 0).

    Returns
    -------
    states : (n_windows, order) ndarray
        The ideal discrete memory's state :math:`m` at each sampled time.
    windows : (n_windows, n_points) ndarray
        The true window at the same times, present first (:func:`windows_of`).
    delays : (n_points,) ndarray
        The windows' delays in seconds.
    """
    theta = dynamics.check_positive(theta, "theta")
    dt = dynamics.check_dt(dt, theta)
    n_windows = dynamics.check_integer(n_windows, "n_windows", low=2)
    per_run = dynamics.check_integer(windows_per_run, "windows_per_run")
    warm = 2 * int(round(theta / dt))
    if isinstance(process, nengo.Process):
        runs = [
            process.run(3 * theta, d=1, dt=dt, rng=np.random.RandomState(seed + i))
            for i in range(int(np.ceil(n_windows / per_run)))
        ]
        per = [per_run] * len(runs)
    else:
        u = np.asarray(process, dtype=float)
        if u.ndim not in (1, 2) or not np.all(np.isfinite(u)) or len(u) <= warm:
            raise ValidationError(
                "must be a nengo.Process or finite samples (one row per step) "
                f"longer than 2 * theta = {warm} steps (got shape {u.shape})",
                "process",
            )
        runs, per = [u.reshape(len(u), -1)[:, :1]], [n_windows]
    states, windows = [], []
    for u, k in zip(runs, per):
        rows = np.unique(np.linspace(warm, len(u) - 1, k).astype(int))
        m = ideal_memory(u, order, theta, dt)
        w, delays = windows_of(u, theta, dt, n_points)
        states.append(m[rows])
        windows.append(w[rows])
    return np.concatenate(states)[:n_windows], np.concatenate(windows)[:n_windows], delays


class WindowFunction(nengo.Network):
    r"""Decode nonlinear functions of a Legendre memory's window.

    Parameters
    ----------
    memory : LegendreMemory
        The memory whose window is read; any of its backend versions
        (:class:`.LegendreMemory`, ``LoihiLegendreMemory``,
        ``AnalogLegendreMemory``).
    process : nengo.Process or array_like
        The input the memory will see, from which windows are sampled
        (:func:`sample_windows`).
    function : callable, optional
        A first function of the window to decode as ``output``; more are
        added with :meth:`add_output`. It takes one window, a 1-D array of
        ``u(t - theta')`` at the delays :attr:`delays` (the present first),
        and returns a number or a 1-D array.
    n_neurons : int, optional
        Neurons of the readout population. None (default) decodes from the
        memory's own population, which needs a memory whose one population
        represents every dimension jointly
        (``LegendreMemory(..., single_ensemble=True)``).
    channel : int, optional
        The input channel whose window is read (default 0).
    neuron_type : nengo.neurons.NeuronType, optional
        The readout population's neurons (default the memory's).
    max_rates, intercepts : nengo.dists.Distribution or (low, high), optional
        The readout population's tuning (default: the memory's ``max_rates``
        and ``intercepts`` where it has them, as a Loihi memory does;
        otherwise nengo's defaults).
    predict : bool, optional
        Feed the readout population the memory's own input current, mapped
        so that it represents :math:`m(t)` (default True); otherwise it
        represents :math:`m` through the memory's synapse, which lags by
        about its time constant.
    n_windows, n_points, seed
        As for :func:`sample_windows` (default 2000 windows, every step up to
        1001 points, seed 0).
    solver : nengo.solvers.Solver, optional
        Decoder solver (default ``nengo.solvers.LstsqL2()``).
    **kwargs
        Passed to ``nengo.Network`` (``label``, ``seed``, ``add_to_container``).

    Attributes
    ----------
    ensemble : nengo.Ensemble
        The population the functions are decoded from (the memory's own or
        the readout population); it represents :math:`m / r` (``r`` the
        memory's radii).
    output : nengo.Node or None
        ``function``'s decoded value (unfiltered spikes: probe it with a
        synapse); None without ``function``.
    states, windows, delays : ndarray
        The sampled states :math:`m`, windows and their delays in seconds.

    Notes
    -----
    The memory's neurons receive the current :math:`h * (A' m + B' u)`,
    which equals :math:`m` for Principle 3's :math:`(A', B')` on the
    memory's synapse :math:`h`. The readout population receives
    :math:`h * ((A' + B' C_0) \hat{m})` from the memory's decoded state,
    :math:`C_0` the delay-0 readout standing in for the present input, so it
    represents :math:`m(t)` without the synapse's lag, using only the
    memory's state (on Loihi, a connection between neurons on the chip).

    Examples
    --------
    >>> import nengo
    >>> from nengo_lmu import LegendreMemory, signals
    >>> process = signals.white_signal_process(10.0, high=1.0, rms=0.3)
    >>> with nengo.Network(seed=0):
    ...     lmu = LegendreMemory(order=4, theta=1.0, n_neurons=400, radii=process)
    ...     peak = WindowFunction(lmu, process, np.max, n_neurons=400, n_windows=200)
    >>> peak.states.shape, peak.windows.shape
    ((200, 4), (200, 1001))
    """

    def __init__(
        self,
        memory,
        process,
        function=None,
        n_neurons=None,
        channel=0,
        neuron_type=None,
        max_rates=None,
        intercepts=None,
        predict=True,
        n_windows=2000,
        n_points=None,
        seed=0,
        solver=None,
        **kwargs,
    ):
        from nengo_lmu.networks.memory import LegendreMemory  # noqa: PLC0415

        if not isinstance(memory, LegendreMemory):
            raise ValidationError(
                f"must be a LegendreMemory (got {type(memory).__name__})", "memory"
            )
        if (
            isinstance(channel, bool)
            or not isinstance(channel, numbers.Integral)
            or not 0 <= channel < memory.size_in
        ):
            raise ValidationError(
                f"must be an integer in [0, {memory.size_in - 1}], one of the "
                f"memory's input channels (got {channel!r})",
                "channel",
            )
        own = n_neurons is None
        if own and not (memory.single_ensemble and memory.size_in == 1):
            raise ValidationError(
                "must be given (the readout population's size) unless the memory "
                "represents all its dimensions in one population "
                "(LegendreMemory(..., single_ensemble=True), one channel); this "
                "memory's neurons each encode one dimension, from which only sums "
                "of one-dimensional functions can be decoded (got None)",
                "n_neurons",
            )
        if not own:
            n_neurons = dynamics.check_integer(n_neurons, "n_neurons")
        self._solver = nengo.solvers.LstsqL2() if solver is None else solver
        if not isinstance(self._solver, nengo.solvers.Solver):
            raise ValidationError(
                f"must be a nengo.solvers.Solver (got {solver!r})", "solver"
            )
        self.memory = memory
        self.channel = int(channel)
        self.states, self.windows, self.delays = sample_windows(
            process,
            memory.order,
            memory.theta,
            memory.dt,
            n_windows=n_windows,
            n_points=n_points,
            seed=seed,
        )
        self._n_points = n_points
        self._x = self.states / memory.radii  # what the population represents
        self.output = None
        super().__init__(**kwargs)
        with self:
            if own:
                self.ensemble = memory.ensembles[0]
            else:
                self.ensemble = self._readout(
                    n_neurons, neuron_type, max_rates, intercepts, predict
                )
            if function is not None:
                self.output = self.add_output(function, label="output")

    def _readout(self, n_neurons, neuron_type, max_rates, intercepts, predict):
        mem = self.memory
        d = mem.order
        radius = float(np.quantile(np.linalg.norm(self._x, axis=1), 0.99))
        options = {}
        given = {"max_rates": max_rates, "intercepts": intercepts}
        for name, value in given.items():
            # default: the memory's own tuning where it has one (Loihi's does)
            value = getattr(mem, name, None) if value is None else value
            if value is not None:
                if not isinstance(value, nengo.dists.Distribution):
                    value = nengo.dists.Uniform(*value)
                options[name] = value
        ens = nengo.Ensemble(
            n_neurons,
            d,
            radius=radius,
            neuron_type=mem.neuron_type if neuron_type is None else neuron_type,
            eval_points=self._x,
            label="window",
            **options,
        )
        transform = np.eye(d)
        if predict:
            Ap, Bp = principle3(
                mem.A, mem.B, mem.synapse.tau, dt=mem.dt, mapping="discrete",
                discretizer=mem.discretizer,
            )
            C0 = dynamics.delay_readout(d, 0.0, mem.theta)
            transform = Ap + Bp @ C0[None, :]
        transform = transform / mem.radii[:, None]  # onto x = m / r
        rows = slice(self.channel * d, (self.channel + 1) * d)
        nengo.Connection(
            mem.state[rows], ens, transform=transform, synapse=mem.synapse, label="state"
        )
        return ens

    def add_output(self, function, label=None):
        """Add a node decoding ``function`` of the window.

        Parameters
        ----------
        function : callable
            Of one window (1-D, at :attr:`delays`, present first); returns a
            number or a 1-D array of fixed length.
        label : str, optional

        Returns
        -------
        nengo.Node
            The decoded value, unfiltered.
        """
        targets = apply_function(function, self.windows)
        with self:
            node = nengo.Node(size_in=targets.shape[1], label=label)
            nengo.Connection(
                self.ensemble,
                node,
                eval_points=self._x,
                scale_eval_points=False,
                function=targets,
                solver=self._solver,
                synapse=None,
            )
        return node

    def truth(self, u, function, dt=None):
        """``function`` of the true window at every step of the samples ``u``.

        Rows before the window is full see zeros for the missing past; drop
        a warm-up of ``theta`` before comparing.
        """
        dt = self.memory.dt if dt is None else dt
        windows, _ = windows_of(u, self.memory.theta, dt, self._n_points)
        return apply_function(function, windows)


#: Functions of a window (1-D, present first) used by the examples, tests
#: and benchmark.
FUNCTIONS = {
    "mean": np.mean,
    "rms": lambda w: np.sqrt(np.mean(w**2)),
    "max": np.max,
}
