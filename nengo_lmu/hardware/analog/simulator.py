"""The analog backend's simulator: nengo's, built onto a :class:`.Substrate`."""

import nengo
from nengo.cache import get_default_decoder_cache

from nengo_lmu.hardware.analog.builder import AnalogModel
from nengo_lmu.hardware.analog.substrate import Substrate


class Simulator(nengo.Simulator):
    """Run a nengo network on an emulated Braindrop-like analog chip.

    Any network builds; what the chip changes is listed in
    :mod:`nengo_lmu.hardware.analog.builder`. With ``Substrate.ideal()`` it
    behaves like ``nengo.Simulator`` (nengo's own test suite runs on it:
    ``make test-nengo``).

    Parameters
    ----------
    network : nengo.Network
    dt : float, optional
        Step in seconds (default 0.001); the emulation of the continuous-time
        chip is exact for inputs held over each step.
    seed : int, optional
        The network's seed, as for ``nengo.Simulator``. Which chip it runs on
        is ``substrate.seed``.
    model : nengo.builder.Model, optional
        A model to build into; a plain ``nengo.builder.Model`` builds without
        the substrate.
    substrate : Substrate, optional
        The chip (default ``Substrate()``, Braindrop-like).
    calibrate : bool or "decoders", optional
        Measure each emulated neuron's gain and bias and trim it to the
        curve its ensemble asked for (:mod:`~nengo_lmu.hardware.analog.calibration`), and solve
        decoders from the neurons' own (trimmed) tuning curves, as the
        chip's software does after measuring them (default False: decoders
        for the neurons the network asked for, untrimmed neurons);
        ``"decoders"``: calibrated decoders only, neurons untrimmed.
        Calibrated solves bypass nengo's decoder cache.
    decoder_cache : nengo.cache.DecoderCache, optional
        Default nengo's (``nengo.cache.NoDecoderCache()`` turns it off).
    progress_bar, optimize
        As for ``nengo.Simulator``.

    Examples
    --------
    >>> import nengo
    >>> with nengo.Network(seed=0) as net:
    ...     a = nengo.Ensemble(100, 1)
    ...     p = nengo.Probe(a, synapse=0.01)
    >>> with Simulator(net, substrate=Substrate(seed=1), calibrate=True,
    ...                progress_bar=False) as sim:
    ...     sim.run(0.01)
    >>> sim.model.substrate.seed
    1
    """

    def __init__(
        self,
        network,
        dt=0.001,
        seed=None,
        model=None,
        substrate=None,
        calibrate=False,
        decoder_cache=None,
        progress_bar=True,
        optimize=True,
    ):
        self.closed = True  # as nengo's: closed until built, so __del__ is quiet
        if model is None:
            model = AnalogModel(
                dt=float(dt),
                label=f"{type(network).__name__}, dt={dt:f}",
                decoder_cache=(
                    get_default_decoder_cache() if decoder_cache is None else decoder_cache
                ),
                substrate=substrate,
                calibrate=calibrate,
            )
        super().__init__(
            network,
            dt=dt,
            seed=seed,
            model=model,
            progress_bar=progress_bar,
            optimize=optimize,
        )


class IdealSimulator(Simulator):
    """The analog simulator with every non-ideality off (for nengo's test suite)."""

    def __init__(self, network, *args, substrate=None, **kwargs):
        super().__init__(
            network,
            *args,
            substrate=Substrate.ideal() if substrate is None else substrate,
            **kwargs,
        )


def describe(sim):
    """What an analog run used and its energy estimates, as plain data.

    Keys: ``chip`` (substrate seed), ``non_idealities`` (the active ones,
    ``+``-joined), ``calibrated``, ``neurons`` (chip slots used),
    ``synapse_banks`` (populations x nominal time constants filtered per
    neuron), ``synops`` (equivalent synaptic operations counted in the run)
    and ``energy_<platform>_j`` for the analog chip (event-based) and a CPU
    and a GPU computing the same network densely.
    """
    from nengo_lmu.hardware import energy  # noqa: PLC0415
    from nengo_lmu.hardware.analog.energy import analog_counts, analog_dense_counts  # noqa: PLC0415

    model = sim.model
    events = analog_counts(sim)
    dense = analog_dense_counts(sim)
    out = {
        "chip": model.substrate.seed,
        "non_idealities": "+".join(model.substrate.active()) or "none",
        "calibrated": model.calibrate,
        "neurons": model.slots_used,
        "synapse_banks": sum(len(c.banks) for c in model.chip.values()),
        "synops": events.synops,
        "energy_braindrop_j": energy.estimate(events, "braindrop")["energy_j"],
    }
    for name in ("cpu", "gpu"):
        out[f"energy_{name}_j"] = energy.estimate(dense, name)["energy_j"]
    return out
