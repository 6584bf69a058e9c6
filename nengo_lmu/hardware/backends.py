"""The backend registry: one object per backend, found by name.

A backend is a :class:`Backend`: it makes the backend's Legendre memory,
splits a trial's plain-data options between the memory and the simulator,
makes the simulator, describes a finished run, lists the versions of what
produced it, and says what it can do (reset, run examples in a batch) and
which report columns it fills. Everything in nengo-lmu that depends on the
backend asks its :class:`Backend`; nothing else branches on backend names.

The built-in backends (:mod:`nengo_lmu.hardware.builtin`) are registered by
name and imported on first use, so that asking for ``"reference"`` never
imports nengo-loihi or TensorFlow. A third-party package adds a backend with
one :class:`Backend` subclass and one registration: at run time with
:func:`register`, or in its packaging metadata under the entry-point group
:data:`ENTRY_POINT_GROUP`, e.g. in ``setup.cfg``::

    [options.entry_points]
    nengo_lmu.backends =
        mychip = mychip.lmu:MyChipBackend

Examples
--------
>>> from nengo_lmu.hardware import backends
>>> backends.get("reference").can_reset()
True
>>> "loihi" in backends.names()
True
"""

import importlib
import importlib.metadata
import importlib.util

import nengo
from nengo.exceptions import BuildError, ValidationError

#: The backend used when none is named.
DEFAULT = "reference"

#: The entry-point group third-party backends register under.
ENTRY_POINT_GROUP = "nengo_lmu.backends"

#: The built-in backends, imported on first use (``module:attribute``).
BUILTIN = {
    "reference": "nengo_lmu.hardware.builtin:ReferenceBackend",
    "loihi": "nengo_lmu.hardware.builtin:LoihiBackend",
    "analog": "nengo_lmu.hardware.builtin:AnalogBackend",
    "dl": "nengo_lmu.hardware.builtin:DLBackend",
}


class Backend:
    """What nengo-lmu needs to know about one backend.

    Subclasses set :attr:`name` and override what differs from nengo's
    reference simulator; the defaults describe a backend that runs any nengo
    network, as ``nengo.Simulator`` does.
    """

    #: The name trials, the CLI and :func:`nengo_lmu.simulator` use.
    name = None
    #: Python packages whose versions a result records (import names).
    packages = ()
    #: The extra to install when a package is missing (``pip install
    #: 'nengo-lmu[extra]'``), or None.
    extra = None
    #: Module prefixes of the simulators it makes (for :meth:`owns`).
    simulator_modules = ()
    #: Keys :meth:`describe` adds to a trial's record.
    columns = ()
    #: The plain-data options a trial may pass (``backend_options``): its
    #: simulator's arguments that a trial does not set itself, and any that
    #: :meth:`split_options` gives the memory; None: not checked. Listed
    #: here so that a trial is checked without importing the backend's
    #: package (nengo-loihi imports TensorFlow); the tests compare them with
    #: the simulators' signatures.
    options = None
    #: Whether its memories' recurrence is a dense neuron-to-neuron weight
    #: matrix (the memory footprint estimate counts it).
    dense_recurrence = False
    #: Whether a trial may run a rate-neuron twin on it.
    rate_twin = False
    #: A sentence explaining its row in the demo's table, or None.
    table_note = None
    #: Whether a trained network deployed here gets this backend's memory
    #: (:meth:`memory`) instead of the one it was trained with.
    deploys_memory = False
    #: Examples per minibatch when :meth:`run_examples` is given none (None:
    #: all at once, or one after another where the backend cannot batch).
    batch_size = None

    def check_available(self):
        """Raise ``BuildError`` naming what to install if a package is missing."""
        for package in self.packages:
            if importlib.util.find_spec(package) is None:
                hint = f"; pip install 'nengo-lmu[{self.extra}]'" if self.extra else ""
                raise BuildError(f"backend: {self.name!r} needs {package}{hint}")

    def memory(self, **spec):
        """A Legendre memory built for this backend (``spec``: its arguments)."""
        from nengo_lmu.networks.memory import LegendreMemory  # noqa: PLC0415

        return LegendreMemory(**spec)

    def split_options(self, options):
        """Split plain-data options into the memory's and the simulator's.

        Returns ``(memory_options, simulator_options)``; by default all go to
        the simulator.
        """
        return {}, dict(options)

    def simulator(self, network, dt, cache=True, **options):
        """Build ``network`` (sizes and ``dt`` already checked) and return the simulator."""
        raise NotImplementedError

    def describe(self, sim):
        """Backend-specific figures of a simulator that has run, as plain data."""
        return {}

    def owns(self, sim):
        """Whether ``sim`` is one of this backend's simulators."""
        return bool(self.simulator_modules) and type(sim).__module__.startswith(
            self.simulator_modules
        )

    def versions(self):
        """Versions of the packages a result on this backend depends on,
        by import name (``packages``; the numeric stack is recorded for all)."""
        out = {}
        for package in self.packages:
            module = importlib.import_module(package)
            out[package] = getattr(module, "__version__", "unknown")
        return out

    def can_reset(self, **options):
        """Whether its simulators (with these options) can ``reset`` to rest."""
        return True

    def run_examples(self, network, inputs, seed=0, batch_size=None, progress_bar=True,
                     gap=None, **options):
        """Run ``network`` on each example of ``inputs`` from rest; its probe's data.

        ``network`` has an ``input`` node, a ``probe`` and ``spec["dt"]``
        (a :class:`~nengo_lmu.networks.cell.LMUNetwork`); ``inputs`` is
        ``(examples, steps, channels)``; returns ``(examples, steps,
        outputs)``. By default each example runs after ``sim.reset``
        where :meth:`can_reset`, else all run back to back, each after
        ``gap`` seconds of zero input (default: the longest memory's
        ``theta``) that let the memories empty
        (:mod:`nengo_lmu.analysis.deployment`).
        """
        from nengo_lmu.analysis import deployment  # noqa: PLC0415

        if self.can_reset(**options):
            return deployment.run_reset(network, inputs, self.name, seed, options)
        return deployment.run_back_to_back(network, inputs, self.name, gap, seed, options)

    def hardware_figures(self, record):
        """The demo table's hardware columns of a record, or None.

        A dict with ``cores``, ``synapse_kib``, ``chip_j`` (energy on the
        chip over the run) and ``cpu_j`` (a CPU computing the same network);
        missing keys print as ``-``.
        """
        return None

    def __repr__(self):
        return f"<{type(self).__name__} {self.name!r}>"


_registry = {}
_entry_points_loaded = False


def register(backend, replace=False):
    """Add ``backend``, a :class:`Backend` instance, to the registry under
    its ``name``.

    Returns the backend. ``replace`` allows overriding a registered name.
    """
    if not isinstance(backend, Backend):
        raise ValidationError(
            f"must be a nengo_lmu.hardware.backends.Backend (got {backend!r})", "backend"
        )
    if not isinstance(backend.name, str) or not backend.name:
        raise ValidationError(
            f"must be a non-empty string (got {backend.name!r})", "Backend.name"
        )
    if backend.name in _names() and not replace:
        raise ValidationError(
            f"{backend.name!r} is registered already; pass replace=True to override it",
            "backend",
        )
    _registry[backend.name] = backend
    return backend


def _load(spec):
    module, _, attr = spec.partition(":")
    obj = getattr(importlib.import_module(module), attr)
    return obj() if isinstance(obj, type) else obj


def _entry_points():
    global _entry_points_loaded  # noqa: PLW0603
    if _entry_points_loaded:
        return {}
    found = {}
    for ep in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP):
        if ep.name not in BUILTIN:
            found[ep.name] = ep.value
    _entry_points_loaded = True
    return found


def _names():
    for name, spec in _entry_points().items():
        _registry.setdefault(name, spec)
    return list(BUILTIN) + [n for n in _registry if n not in BUILTIN]


def names():
    """Every registered backend's name: the built-in ones, then the others."""
    return tuple(_names())


def get(name):
    """The :class:`Backend` called ``name`` (``ValidationError`` naming the
    registered ones otherwise)."""
    known = _names()
    if name not in known:
        raise ValidationError(f"must be one of {tuple(known)} (got {name!r})", "backend")
    backend = _registry.get(name, BUILTIN.get(name))
    if isinstance(backend, str):
        backend = _load(backend)
        if not isinstance(backend, Backend) or backend.name != name:
            raise BuildError(
                f"backend: {name!r} is registered as {_registry.get(name, BUILTIN.get(name))!r}, "
                f"which is not a Backend named {name!r} (got {backend!r})"
            )
        _registry[name] = backend
    return backend


def find(name):
    """The :class:`Backend` called ``name``, or None if none is registered
    (e.g. a stored record of a backend no longer installed)."""
    try:
        return get(name)
    except ValidationError:
        return None


def for_simulator(sim):
    """The backend that made ``sim``, or None.

    Simulators made by :func:`nengo_lmu.simulator` carry their backend's
    name; for others, each backend already loaded is asked (:meth:`Backend.owns`).
    """
    name = getattr(sim, "nengo_lmu_backend", None)
    if name is not None:
        return get(name)
    for backend in list(_registry.values()):
        if isinstance(backend, Backend) and backend.owns(sim):
            return backend
    for name, spec in BUILTIN.items():
        if name not in _registry or isinstance(_registry[name], str):
            backend = get(name)
            if backend.owns(sim):
                return backend
    return None


def check_network(network):
    """``network`` as a ``nengo.Network`` (``ValidationError`` otherwise)."""
    if not isinstance(network, nengo.Network):
        raise ValidationError(
            f"must be a nengo.Network (got {type(network).__name__} {network!r:.60})",
            "network",
        )
    return network
