"""Backends: one entry point, :func:`simulator`, for every simulator.

Experiments, tests and notebooks call ``nengo_lmu.simulator(net, backend=...)``
and never branch on the backend themselves. Backend packages (nengo-loihi,
nengo-dl) are imported only when their backend is asked for.
"""

import nengo
from nengo.exceptions import BuildError, ValidationError

from nengo_lmu.compat import HAS_NENGO_LOIHI

#: Backends reachable through :func:`simulator`.
BACKENDS = ("reference", "loihi", "analog", "dl")


def memories(network):
    """Every LegendreMemory in ``network``, itself included."""
    from nengo_lmu.networks.memory import LegendreMemory

    nets = [network] + list(network.all_networks)
    return [net for net in nets if isinstance(net, LegendreMemory)]


def memory(backend="reference", **spec):
    """A Legendre memory built for ``backend``.

    ``"reference"`` gives a :class:`.LegendreMemory`; ``"loihi"`` a
    :class:`nengo_lmu.hardware.loihi.LoihiLegendreMemory`, which always uses
    the discrete mapping and one population, so ``mapping`` must be
    ``"discrete"`` and ``single_ensemble`` False there; ``"analog"`` a
    :class:`nengo_lmu.hardware.analog.AnalogLegendreMemory` (one population,
    ``single_ensemble`` False; ``substrate`` and ``compensations`` options).
    ``spec`` holds the constructor's arguments.
    """
    _check_backend(backend)
    if backend == "analog":
        if spec.pop("single_ensemble", False):
            raise ValidationError(
                "is not available on the analog backend, whose memory is one "
                "population with one group of neurons per dimension already",
                "single_ensemble",
            )
        from nengo_lmu.hardware.analog import AnalogLegendreMemory  # noqa: PLC0415

        return AnalogLegendreMemory(**spec)
    if backend == "loihi":
        if spec.pop("mapping", "discrete") != "discrete":
            raise ValidationError(
                "must be 'discrete' on Loihi, whose synapses are digital", "mapping"
            )
        if spec.pop("single_ensemble", False):
            raise ValidationError(
                "is not available on Loihi, whose memory is one population with "
                "one group of neurons per dimension already",
                "single_ensemble",
            )
        return _loihi().LoihiLegendreMemory(**spec)
    from nengo_lmu.networks.memory import LegendreMemory  # noqa: PLC0415

    return LegendreMemory(**spec)


def split_options(backend, options):
    """Split a backend's plain-data options into the memory's and the simulator's.

    Options are what a :class:`~nengo_lmu.analysis.experiment.Trial` stores
    (``backend_options``): numbers and strings. On ``"analog"``, ``chip``,
    ``substrate``, ``without`` and ``compensations``
    (:func:`nengo_lmu.hardware.analog.from_options`) become the memory's
    ``substrate`` and ``compensations`` and the simulator's ``substrate``;
    everything else, and every option of other backends, goes to the
    simulator.

    Returns
    -------
    memory_options, simulator_options : dict
    """
    options = dict(options)
    if backend != "analog":
        return {}, options
    from nengo_lmu.hardware import analog  # noqa: PLC0415

    names = ("chip", "substrate", "without", "compensations")
    plain = {k: options.pop(k) for k in names if k in options}
    substrate, compensations = analog.from_options(**plain)
    options["substrate"] = substrate
    return {"substrate": substrate, "compensations": compensations}, options


def describe(sim):
    """Backend-specific figures of a simulator that has run, as plain data.

    Empty for the reference simulator; for nengo-loihi the resource totals
    and the energy estimates of :mod:`nengo_lmu.hardware.energy` (call it
    before the simulator closes).
    """
    if type(sim).__module__.startswith(("nengo_loihi", "nengo_lmu.hardware.loihi")):
        return _loihi().describe(sim)
    if hasattr(sim.model, "substrate"):
        from nengo_lmu.hardware.analog import describe as analog_describe  # noqa: PLC0415

        return analog_describe(sim)
    return {}


def _check_backend(backend):
    if backend not in BACKENDS:
        raise ValidationError(
            f"must be one of {BACKENDS} (got {backend!r})", "backend"
        )


def _loihi():
    if not HAS_NENGO_LOIHI:
        raise BuildError(
            "backend: 'loihi' needs nengo-loihi; pip install 'nengo-lmu[loihi]'"
        )
    from nengo_lmu.hardware import loihi  # noqa: PLC0415

    return loihi


def simulator(network, backend="reference", dt=None, cache=True, **options):
    """Build ``network`` on ``backend`` and return the simulator.

    Parameters
    ----------
    network : nengo.Network
        Any network; the :class:`.LegendreMemory` networks inside it fix the
        step, since their discrete mapping was computed for it.
    backend : str
        One of :data:`BACKENDS`: ``"reference"`` (``nengo.Simulator``) or
        ``"loihi"`` (nengo-loihi; see :func:`nengo_lmu.hardware.loihi.simulator`
        for its options ``target`` and ``max_chips``) or ``"analog"``
        (:class:`nengo_lmu.hardware.analog.Simulator`; options ``substrate``,
        a :class:`~nengo_lmu.hardware.analog.Substrate`, by default the one
        the network's :class:`.AnalogLegendreMemory` networks were designed
        for, and ``calibrate``, by default whether any of them asks for it)
        or ``"dl"`` (``nengo_dl.Simulator``, for training; the memories'
        dynamics are not trained unless ``fixed_dynamics=False``, see
        :func:`nengo_lmu.hardware.dl.simulator`).
    dt : float, optional
        Simulator step in seconds; default the memories' ``dt`` (or 0.001).
        A step that differs from a memory's raises ``BuildError``.
    cache : bool, optional
        Use nengo's decoder cache, where the backend has one (default True);
        timings of builds want it off.
    **options
        Passed to the backend's simulator (``seed``, ``progress_bar``, ...).

    Returns
    -------
    nengo.Simulator
        Use it as a context manager to release its resources.
    """
    _check_backend(backend)
    if not isinstance(network, nengo.Network):
        raise ValidationError(
            f"must be a nengo.Network (got {type(network).__name__} {network!r:.60})",
            "network",
        )
    _check_sizes(network)
    steps = sorted({mem.dt for mem in memories(network)})
    if dt is None:
        dt = steps[0] if steps else 0.001
    for mem_dt in steps:
        if mem_dt != dt:
            raise BuildError(
                f"dt: the simulator's step must equal every LegendreMemory's dt, for "
                f"which its mapping was computed (got dt={dt}, memory dt={mem_dt})"
            )
    if backend == "loihi":
        return _loihi().simulator(network, dt=dt, **options)
    if backend == "analog":
        return _analog_simulator(network, dt, cache, options)
    if backend == "dl":
        from nengo_lmu.hardware import dl  # noqa: PLC0415

        return dl.simulator(network, memories(network), dt=dt, **options)
    if not cache and "model" not in options:
        options["model"] = nengo.builder.Model(
            dt=dt, decoder_cache=nengo.cache.NoDecoderCache()
        )
    return nengo.Simulator(network, dt=dt, **options)


def _check_sizes(network):
    """Refuse a network whose memories would not fit in this machine, before
    the build allocates anything (BuildError naming ``n_neurons``)."""
    from nengo_lmu.networks import footprint  # noqa: PLC0415

    for mem in memories(network):
        nbytes = footprint.build_bytes(
            mem.order, mem.n_neurons, mem.size_in, mem.single_ensemble, mem.n_eval_points
        )
        footprint.check_fits(nbytes, "n_neurons", mem.n_neurons)


def _analog_simulator(network, dt, cache, options):
    from nengo_lmu.hardware import analog  # noqa: PLC0415

    mems = memories(network)
    plain = [m for m in mems if not isinstance(m, analog.AnalogLegendreMemory)]
    if plain:
        raise BuildError(
            f"backend: {plain[0]} is a LegendreMemory, whose recurrence runs through "
            "host-side nodes; on the analog backend use "
            "nengo_lmu.hardware.memory('analog', ...) (an AnalogLegendreMemory), "
            "whose recurrence stays on the chip"
        )
    if options.get("calibrate") is None:
        options["calibrate"] = any(m.calibrate for m in mems)
    designed_for = {m.substrate for m in mems}
    if options.get("substrate") is None and len(designed_for) == 1:
        # run on the chip the memories were designed for
        options["substrate"] = designed_for.pop()
    if not cache:
        options.setdefault("decoder_cache", nengo.cache.NoDecoderCache())
    return analog.Simulator(network, dt=dt, **options)
