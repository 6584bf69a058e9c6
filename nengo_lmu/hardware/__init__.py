"""Backends: one entry point, :func:`simulator`, for every simulator.

Experiments, tests and notebooks call ``nengo_lmu.simulator(net, backend=...)``
and never branch on the backend themselves. Backend packages (nengo-loihi,
nengo-dl) are imported only when their backend is asked for.
"""

import nengo
from nengo.exceptions import BuildError, ValidationError

#: Backends reachable through :func:`simulator`.
BACKENDS = ("reference",)


def _memories(network):
    from nengo_lmu.networks.memory import LegendreMemory

    nets = [network] + list(network.all_networks)
    return [net for net in nets if isinstance(net, LegendreMemory)]


def simulator(network, backend="reference", dt=None, **options):
    """Build ``network`` on ``backend`` and return the simulator.

    Parameters
    ----------
    network : nengo.Network
        Any network; the :class:`.LegendreMemory` networks inside it fix the
        step, since their discrete mapping was computed for it.
    backend : str
        One of :data:`BACKENDS` (``"reference"``: ``nengo.Simulator``).
    dt : float, optional
        Simulator step in seconds; default the memories' ``dt`` (or 0.001).
        A step that differs from a memory's raises ``BuildError``.
    **options
        Passed to the backend's simulator (``seed``, ``progress_bar``, ...).

    Returns
    -------
    nengo.Simulator
        Use it as a context manager to release its resources.
    """
    if backend not in BACKENDS:
        raise ValidationError(
            f"must be one of {BACKENDS} (got {backend!r})", "backend"
        )
    steps = sorted({mem.dt for mem in _memories(network)})
    if dt is None:
        dt = steps[0] if steps else 0.001
    for mem_dt in steps:
        if mem_dt != dt:
            raise BuildError(
                f"dt: the simulator's step must equal every LegendreMemory's dt, for "
                f"which its mapping was computed (got dt={dt}, memory dt={mem_dt})"
            )
    return nengo.Simulator(network, dt=dt, **options)
