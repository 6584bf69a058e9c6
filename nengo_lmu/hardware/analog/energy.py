"""Operations counted in an analog-backend run, for :mod:`nengo_lmu.hardware.energy`."""

import nengo
from nengo.exceptions import ValidationError

from nengo_lmu.hardware.energy import OperationCounts


def _analog_fanout(model):
    """Per chip ensemble: equivalent synaptic operations per spike of one neuron."""
    fanout = {ens: 0 for ens in model.chip}
    for obj in model.params:
        if not isinstance(obj, nengo.Connection):
            continue
        pre = _ensemble_of(obj.pre_obj)
        if pre not in fanout:
            continue
        post = _ensemble_of(obj.post_obj)
        fanout[pre] += post.n_neurons if post in model.chip else obj.size_out
    return fanout


def analog_counts(sim):
    """Count the equivalent operations of an analog-backend run so far.

    Each spike of a chip neuron is one equivalent synaptic operation per
    neuron it reaches on the chip and per dimension it reaches off the chip,
    summed over its connections. Every neuron is updated every step; a
    neuron update is active in the steps it spiked (an upper bound on
    active steps: spikes in one step are counted once each).
    """
    model = sim.model
    if not hasattr(model, "chip"):
        raise ValidationError("must be an analog-backend simulator", "sim")
    fanout = _analog_fanout(model)
    spikes = {ens: float(sim.signals[c.count][0]) for ens, c in model.chip.items()}
    steps = int(sim.n_steps)
    n = sum(ens.n_neurons for ens in model.chip)
    return OperationCounts(
        synops=sum(spikes[ens] * fanout[ens] for ens in model.chip),
        neuron_updates=float(n * steps),
        active_updates=min(sum(spikes.values()), float(n * steps)),
        steps=steps,
    )


def analog_dense_counts(sim):
    """Operations of computing an analog-backend network on a CPU or GPU, every step.

    A CPU computes the network as nengo does, factored: each connection out of
    a chip population multiplies its neurons' activities by its decoding
    weights (neurons x rows), and each connection into one multiplies the
    decoded value by the encoders (rows x neurons); every neuron is updated
    every step.
    """
    model = sim.model
    steps = int(sim.n_steps)
    macs = 0
    for obj in model.params:
        if not isinstance(obj, nengo.Connection):
            continue
        pre = _ensemble_of(obj.pre_obj)
        post = _ensemble_of(obj.post_obj)
        if pre in model.chip:
            macs += pre.n_neurons * obj.size_out
        if post in model.chip and isinstance(obj.post_obj, nengo.Ensemble):
            macs += post.n_neurons * obj.size_out
    n = sum(ens.n_neurons for ens in model.chip)
    return OperationCounts(
        synops=float(macs * steps),
        neuron_updates=float(n * steps),
        active_updates=float(n * steps),
        steps=steps,
    )


def _ensemble_of(obj):
    return obj.ensemble if isinstance(obj, nengo.ensemble.Neurons) else obj
