"""The built-in backends: nengo's reference simulator, Loihi, the analog chip, nengo-dl.

Each is a :class:`~nengo_lmu.hardware.backends.Backend`; this module imports
no backend package, each method imports its own when it runs.
"""

import nengo
from nengo.exceptions import BuildError, ValidationError

from nengo_lmu.compat import HAS_NENGO_DL, HAS_NENGO_LOIHI
from nengo_lmu.hardware.backends import Backend


def _one_population(name, spec):
    if spec.pop("single_ensemble", False):
        raise ValidationError(
            f"is not available on {name}, whose memory is one population with "
            "one group of neurons per dimension already",
            "single_ensemble",
        )


class ReferenceBackend(Backend):
    """nengo's reference simulator (``nengo.Simulator``) and :class:`.LegendreMemory`."""

    name = "reference"
    simulator_modules = ("nengo.simulator",)
    options = ("optimize", "seed")
    rate_twin = True

    def simulator(self, network, dt, cache=True, **options):
        if not cache and "model" not in options:
            options["model"] = nengo.builder.Model(
                dt=dt, decoder_cache=nengo.cache.NoDecoderCache()
            )
        return nengo.Simulator(network, dt=dt, **options)


class LoihiBackend(Backend):
    """nengo-loihi (:mod:`nengo_lmu.hardware.loihi`): the emulators, the chip,
    and the same network on the reference simulator (option ``target``)."""

    name = "loihi"
    packages = ("nengo_loihi",)
    extra = "loihi"
    simulator_modules = ("nengo_loihi", "nengo_lmu.hardware.loihi")
    columns = (
        "target", "cores", "chips", "compartments", "synapse_kib", "synops",
        "energy_loihi_j", "energy_cpu_j", "energy_gpu_j",
    )
    options = ("max_chips", "precompute", "remove_passthrough", "seed", "target")
    dense_recurrence = True
    deploys_memory = True
    table_note = (
        "Loihi row: nengo-loihi's integer emulator; cores and synapse memory "
        "of the chip mapping; energy per simulated second estimated from the "
        "run's synaptic operations and neuron updates (Davies et al. 2018) and "
        "for a CPU computing the same network densely (KerasSpiking's 8.6 nJ/op)."
    )

    def check_available(self):
        if not HAS_NENGO_LOIHI:
            raise BuildError(
                "backend: 'loihi' needs nengo-loihi; pip install 'nengo-lmu[loihi]'"
            )

    def _module(self):
        self.check_available()
        from nengo_lmu.hardware import loihi  # noqa: PLC0415

        return loihi

    def memory(self, **spec):
        """A :class:`~nengo_lmu.hardware.loihi.LoihiLegendreMemory`, which
        always uses the discrete mapping and one population (``mapping`` must
        be ``"discrete"``, ``single_ensemble`` False)."""
        if spec.pop("mapping", "discrete") != "discrete":
            raise ValidationError(
                "must be 'discrete' on Loihi, whose synapses are digital", "mapping"
            )
        _one_population("Loihi", spec)
        return self._module().LoihiLegendreMemory(**spec)

    def simulator(self, network, dt, cache=True, **options):
        return self._module().simulator(network, dt=dt, **options)

    def describe(self, sim):
        if not self.owns(sim):  # target="reference": nengo's own simulator
            return {}
        return self._module().describe(sim)

    def can_reset(self, target="sim", **options):
        """nengo-loihi's own emulator cannot reset; the fast emulator and the
        reference simulator can."""
        return target in ("fast", "reference")

    def run_examples(self, network, inputs, seed=0, batch_size=None, progress_bar=True,
                     gap=None, **options):
        """All examples as one batch on the fast emulator (``target="fast"``,
        the default here: the integers of nengo-loihi's emulator), in pieces
        of ``batch_size``, with a progress bar; on nengo-loihi's own
        emulator (which cannot reset) back to back, each after ``gap``."""
        from nengo_lmu.analysis import deployment  # noqa: PLC0415

        if options.get("target", "fast") == "fast":
            options["target"] = "fast"
            return deployment.run_batched(network, inputs, seed, batch_size, progress_bar,
                                          options)
        options.setdefault("target", "sim")
        return deployment.run_back_to_back(network, inputs, self.name, gap, seed, options)

    def hardware_figures(self, record):
        if "cores" not in record:
            return None
        return {
            "cores": record["cores"],
            "synapse_kib": record["synapse_kib"],
            "chip_j": record["energy_loihi_j"],
            "cpu_j": record["energy_cpu_j"],
        }


class AnalogBackend(Backend):
    """The emulated analog chip (:mod:`nengo_lmu.hardware.analog`)."""

    name = "analog"
    simulator_modules = ("nengo_lmu.hardware.analog",)
    columns = (
        "chip", "non_idealities", "calibrated", "neurons", "synapse_banks", "synops",
        "energy_braindrop_j", "energy_cpu_j", "energy_gpu_j",
    )
    options = ("calibrate", "chip", "compensations", "optimize", "seed", "substrate",
               "without")
    deploys_memory = True
    table_note = (
        "Analog row: the emulated Braindrop-like substrate (nengo_lmu.hardware."
        "analog); energy per simulated second from the run's equivalent synaptic "
        "operations at 381 fJ each (Neckar et al. 2019), CPU as above."
    )

    def memory(self, **spec):
        """An :class:`~nengo_lmu.hardware.analog.AnalogLegendreMemory` (one
        population: ``single_ensemble`` False; ``substrate`` and
        ``compensations`` options)."""
        _one_population("the analog backend", spec)
        from nengo_lmu.hardware.analog import AnalogLegendreMemory  # noqa: PLC0415

        return AnalogLegendreMemory(**spec)

    def split_options(self, options):
        """``chip``, ``substrate``, ``without`` and ``compensations``
        (:func:`nengo_lmu.hardware.analog.from_options`) become the memory's
        ``substrate`` and ``compensations`` and the simulator's ``substrate``;
        the rest goes to the simulator."""
        options = dict(options)
        from nengo_lmu.hardware import analog  # noqa: PLC0415

        names = ("chip", "substrate", "without", "compensations")
        plain = {k: options.pop(k) for k in names if k in options}
        substrate, compensations = analog.from_options(**plain)
        options["substrate"] = substrate
        return {"substrate": substrate, "compensations": compensations}, options

    def simulator(self, network, dt, cache=True, **options):
        from nengo_lmu.hardware import analog, memories  # noqa: PLC0415

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

    def describe(self, sim):
        from nengo_lmu.hardware.analog import describe  # noqa: PLC0415

        return describe(sim)

    def hardware_figures(self, record):
        if "energy_braindrop_j" not in record:
            return None
        return {"chip_j": record["energy_braindrop_j"], "cpu_j": record["energy_cpu_j"]}


class DLBackend(Backend):
    """nengo-dl (:mod:`nengo_lmu.hardware.dl`), for training; the memories'
    dynamics are fixed unless ``fixed_dynamics=False``."""

    name = "dl"
    packages = ("nengo_dl",)
    extra = "dl"
    simulator_modules = ("nengo_dl",)
    batch_size = 32

    def run_examples(self, network, inputs, seed=0, batch_size=None, progress_bar=True,
                     gap=None, **options):
        """The examples in minibatches of ``batch_size`` (the last one padded)."""
        from nengo_lmu.analysis import deployment  # noqa: PLC0415

        return deployment.run_minibatches(network, inputs, batch_size or self.batch_size,
                                          seed)

    def check_available(self):
        if not HAS_NENGO_DL:
            from nengo_lmu.hardware import dl  # noqa: PLC0415

            dl._nengo_dl()  # raises, naming the extra

    def simulator(self, network, dt, cache=True, **options):
        from nengo_lmu.hardware import dl, memories  # noqa: PLC0415

        return dl.simulator(network, memories(network), dt=dt, **options)
