"""Nengo parameters that validate a memory's arguments as it is made."""

import numpy as np
import nengo
from nengo.exceptions import ValidationError
from nengo.params import NumberParam, Parameter


class FiniteNumberParam(NumberParam):
    """A NumberParam that also rejects NaN and infinity."""

    def coerce(self, instance, num):
        if isinstance(num, (float, np.floating)) and not np.isfinite(num):
            raise ValidationError(
                f"Value must be finite (got {num})", attr=self.name, obj=instance
            )
        return super().coerce(instance, num)


class LowpassParam(Parameter):
    """A lowpass synapse with ``tau > 0``, given as a ``nengo.Lowpass`` or seconds."""

    equatable = True

    def coerce(self, instance, synapse):
        if isinstance(synapse, nengo.Lowpass) and type(synapse) is nengo.Lowpass:
            tau = synapse.tau
        elif isinstance(synapse, (int, float, np.number)) and not isinstance(
            synapse, bool
        ):
            tau = float(synapse)
        else:
            raise ValidationError(
                "Must be a nengo.Lowpass or its time constant in seconds; other "
                f"synapses need a general-synapse mapping (got {synapse!r})",
                attr=self.name,
                obj=instance,
            )
        if not np.isfinite(tau) or tau <= 0:
            raise ValidationError(
                f"Time constant must be a finite number > 0 seconds (got {tau})",
                attr=self.name,
                obj=instance,
            )
        return super().coerce(instance, nengo.Lowpass(tau))


class SimulableNeuronTypeParam(nengo.neurons.NeuronTypeParam):
    """A neuron type instance whose ``step`` nengo can run."""

    def coerce(self, instance, neuron_type):
        neuron_type = super().coerce(instance, neuron_type)
        if type(neuron_type).step is nengo.neurons.NeuronType.step:
            raise ValidationError(
                f"{type(neuron_type).__name__} implements no step, so nengo cannot "
                "simulate it; use e.g. nengo.PoissonSpiking(nengo.LIFRate()), "
                "nengo.LIF() or nengo.LIFRate()",
                attr=self.name,
                obj=instance,
            )
        return neuron_type
