r"""The emulated analog neuromorphic backend (a Braindrop-like substrate).

- :class:`Substrate`: the chip and its non-idealities, each switchable.
- :class:`Simulator`: a nengo backend that builds any network onto it
  (entry point ``nengo.backends: analog``; ``nengo_lmu.simulator(net,
  backend="analog", substrate=..., calibrate=...)``).
- :class:`AnalogLegendreMemory`: the Legendre memory laid out as the chip
  computes, with the compensations that make it work there.

References
----------
.. [1] Neckar et al., "Braindrop: a mixed-signal neuromorphic architecture
   with a dynamical systems-based programming model", Proc. IEEE 107(1), 2019.
.. [2] Voelker, "Dynamical Systems in Spiking Neuromorphic Hardware", PhD
   thesis, University of Waterloo 2019, sections 5.1.3-5.1.4 and 7.
"""

from nengo_lmu.hardware.analog.builder import SynapseDerivative
from nengo_lmu.hardware.analog.discrete import (
    FASTEST_MODE_LIMITS,
    ExactSynapseMapping,
    FastMemoryWarning,
    check_fastest_mode,
    closed_loop_radius,
    exact_mapping,
    exact_readout,
    fastest_mode,
    min_fastest_mode,
    robust_radius,
    state_weights,
    synapse_transfer,
)
from nengo_lmu.hardware.analog.energy import analog_counts, analog_dense_counts
from nengo_lmu.hardware.analog.memory import (
    ALL_COMPENSATIONS,
    COMPENSATIONS,
    DEFAULT_SYNAPSE,
    EXACT,
    EXACT_BELOW,
    EXACT_RADIUS_RATIO,
    EXACT_SYNAPSE,
    MAX_RADIUS_RATIO,
    MAX_ROBUST_RADIUS,
    MAX_ROW_SPREAD,
    MAX_SECOND_ORDER_RATIO,
    AnalogLegendreMemory,
    UnstableMappingWarning,
    floor_radii,
    row_spread,
    second_order_ratio,
)
from nengo_lmu.hardware.analog.simulator import IdealSimulator, Simulator, describe
from nengo_lmu.hardware.analog.substrate import NON_IDEALITIES, Substrate

#: Substrate presets that plain-data options (a Trial's ``backend_options``) name.
PRESETS = ("braindrop", "ideal")


def from_options(chip=0, substrate="braindrop", without="", compensations="auto"):
    """A substrate and compensations from plain data (e.g. a Trial's options).

    Parameters
    ----------
    chip : int
        The substrate's seed.
    substrate : {"braindrop", "ideal"}
        Braindrop-like defaults or every non-ideality off.
    without : str
        Non-idealities to switch off, ``+``-joined (e.g. ``"noise+drift"``).
    compensations : str
        ``"auto"`` (the memory's default, which depends on its speed: see
        :class:`AnalogLegendreMemory`), ``"all"``, ``"none"`` or names from
        :data:`ALL_COMPENSATIONS`, ``+``-joined (``"all"`` is
        :data:`COMPENSATIONS`).

    Returns
    -------
    substrate : Substrate
    compensations : tuple of str or None
        None for ``"auto"``.

    Examples
    --------
    >>> sub, comps = from_options(chip=2, without="noise", compensations="calibrate")
    >>> sub.seed, sub.noise, comps
    (2, 0.0, ('calibrate',))
    """
    from nengo.exceptions import ValidationError  # noqa: PLC0415

    if substrate not in PRESETS:
        raise ValidationError(f"must be one of {PRESETS} (got {substrate!r})", "substrate")
    sub = Substrate(seed=chip) if substrate == "braindrop" else Substrate.ideal(seed=chip)
    names = [n for n in str(without).split("+") if n]
    sub = sub.without(*names)
    if compensations == "auto":
        comps = None
    elif compensations == "all":
        comps = COMPENSATIONS
    elif compensations in ("none", ""):
        comps = ()
    else:
        comps = tuple(str(compensations).split("+"))
        unknown = [c for c in comps if c not in ALL_COMPENSATIONS]
        if unknown:
            raise ValidationError(
                f"must be 'all', 'none', 'auto' or names from {ALL_COMPENSATIONS} joined by '+' "
                f"(got {compensations!r})",
                "compensations",
            )
    return sub, comps
