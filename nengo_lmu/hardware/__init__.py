"""Backends: one entry point, :func:`simulator`, for every simulator.

Experiments, tests and notebooks call ``nengo_lmu.simulator(net, backend=...)``
and never branch on the backend themselves: each backend is a
:class:`~nengo_lmu.hardware.backends.Backend` in the registry
(:mod:`nengo_lmu.hardware.backends`), and the functions here ask it. Backend
packages (nengo-loihi, nengo-dl) are imported only when their backend is
asked for.
"""

from nengo.exceptions import BuildError

from nengo_lmu.hardware import backends

#: The built-in backends reachable through :func:`simulator`
#: (:func:`nengo_lmu.hardware.backends.names` adds registered ones).
BACKENDS = tuple(backends.BUILTIN)


def memories(network):
    """Every LegendreMemory in ``network``, itself included."""
    from nengo_lmu.networks.memory import LegendreMemory  # noqa: PLC0415

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
    ``spec`` holds the constructor's arguments
    (:meth:`~nengo_lmu.hardware.backends.Backend.memory`).
    """
    return backends.get(backend).memory(**spec)


def split_options(backend, options):
    """Split a backend's plain-data options into the memory's and the simulator's.

    Options are what a :class:`~nengo_lmu.analysis.experiment.Trial` stores
    (``backend_options``): numbers and strings. On ``"analog"``, ``chip``,
    ``substrate``, ``without`` and ``compensations``
    (:func:`nengo_lmu.hardware.analog.from_options`) become the memory's
    ``substrate`` and ``compensations`` and the simulator's ``substrate``;
    everything else, and every option of other backends, goes to the
    simulator (:meth:`~nengo_lmu.hardware.backends.Backend.split_options`).

    Returns
    -------
    memory_options, simulator_options : dict
    """
    return backends.get(backend).split_options(options)


def describe(sim):
    """Backend-specific figures of a simulator that has run, as plain data.

    Empty for the reference simulator; for nengo-loihi the resource totals
    and the energy estimates of :mod:`nengo_lmu.hardware.energy` (call it
    before the simulator closes); see each backend's
    :meth:`~nengo_lmu.hardware.backends.Backend.describe`.
    """
    backend = backends.for_simulator(sim)
    return {} if backend is None else backend.describe(sim)


def simulator(network, backend="reference", dt=None, cache=True, **options):
    """Build ``network`` on ``backend`` and return the simulator.

    Parameters
    ----------
    network : nengo.Network
        Any network; the :class:`.LegendreMemory` networks inside it fix the
        step, since their discrete mapping was computed for it.
    backend : str
        A registered backend (:func:`nengo_lmu.hardware.backends.names`):
        ``"reference"`` (``nengo.Simulator``) or
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
    chosen = backends.get(backend)
    backends.check_network(network)
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
    chosen.check_available()
    sim = chosen.simulator(network, dt, cache=cache, **options)
    try:
        sim.nengo_lmu_backend = chosen.name
    except AttributeError:  # a simulator class with __slots__: owns() decides
        pass
    return sim


def _check_sizes(network):
    """Refuse a network whose memories would not fit in this machine, before
    the build allocates anything (BuildError naming ``n_neurons``)."""
    from nengo_lmu.networks import footprint  # noqa: PLC0415

    for mem in memories(network):
        nbytes = footprint.build_bytes(
            mem.order, mem.n_neurons, mem.size_in, mem.single_ensemble, mem.n_eval_points
        )
        footprint.check_fits(nbytes, "n_neurons", mem.n_neurons)
