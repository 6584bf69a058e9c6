"""Loihi simulators of networks with Loihi memories, and what a run used."""

import warnings

import nengo
import nengo_loihi
from nengo.exceptions import BuildError, ValidationError
from nengo_loihi.hardware import HAS_NXSDK

from nengo_lmu.hardware.loihi.inputs import HostInputs, loihi_model
from nengo_lmu.hardware.loihi.memory import LoihiLegendreMemory
from nengo_lmu.hardware.loihi.resources import resources

#: Where a Loihi network runs: the integer emulator, the float emulator, the
#: chip (needs Intel's NxSDK and a board), the vectorised integer emulator
#: (:mod:`nengo_lmu.hardware.loihi.emulator`), or nengo's reference simulator
#: running the same network (the baseline that isolates the chip's effects).
TARGETS = ("sim", "simreal", "loihi", "fast", "reference")


def simulator(network, dt=0.001, target="sim", max_chips=None, **options):
    """Build ``network`` with nengo-loihi for ``target``.

    Reached as ``nengo_lmu.simulator(network, backend="loihi", target=...)``.

    Parameters
    ----------
    network : nengo.Network
        May contain :class:`LoihiLegendreMemory` networks, each with its
        own synapse; a plain :class:`.LegendreMemory` is refused with a
        ``BuildError``. Every host-to-chip connection is filtered on the
        chip only, with its own synapse (:class:`.HostInputs`, which refuses
        a chip ensemble whose inputs need two filters).
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

    memories = _memories(network)
    plain = [m for m in memories if not isinstance(m, LoihiLegendreMemory)]
    if plain:
        raise BuildError(
            f"{plain[0]}: a LegendreMemory built for the reference simulator; "
            "build it for Loihi with nengo_lmu.hardware.loihi.LoihiLegendreMemory "
            "(LoihiLegendreMemory.from_memory(memory) copies its specification)"
        )
    if target == "reference":
        keep = {k: options[k] for k in ("seed", "progress_bar", "optimize") if k in options}
        return nengo.Simulator(network, dt=dt, **keep)
    options.pop("progress_bar", None)
    options.pop("cache", None)
    host_inputs = HostInputs(network)  # refuses blocks that need two filters
    model = loihi_model(memories, dt, fast_build=target == "fast",
                        decode_tau=host_inputs.decode_tau)
    with warnings.catch_warnings(), host_inputs.on_chip():
        warnings.filterwarnings("ignore", message=".*extra bits in weight")
        # nengo-loihi's emulator fills its integer state arrays with NaN
        # before it writes every entry; numpy warns about the placeholder
        # cast, not about any value the emulator uses
        warnings.filterwarnings("ignore", message="invalid value encountered in cast",
                                category=RuntimeWarning)
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
    from nengo_lmu.hardware.loihi.energy import dense_counts, loihi_counts  # noqa: PLC0415

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
        events = loihi_counts(sim)
        dense = dense_counts(sim.model, events.steps)
        out["synops"] = events.synops
        out["energy_loihi_j"] = energy.estimate(events, "loihi")["energy_j"]
        for name in ("cpu", "gpu"):
            out[f"energy_{name}_j"] = energy.estimate(dense, name)["energy_j"]
    return out

