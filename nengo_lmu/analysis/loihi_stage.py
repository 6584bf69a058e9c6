"""The Loihi conversion stage's memory decoders, solved from the chip's own spikes.

:mod:`.conversion`'s ``"spikes (Loihi emulator)"`` stage runs each cell's
:class:`~nengo_lmu.hardware.loihi.LoihiLegendreMemory` on the fast integer
emulator. Where Loihi's neurons decode the state worse than the rate
decoders assume, :func:`fit_decoders` solves the state decoders from the
memory's spikes on training examples (held-out examples decide whether
they replace the rate decoders), and :class:`DecodedMemory` builds the
stage's memories with them.
"""

import numpy as np
import nengo

from nengo_lmu import hardware
from nengo_lmu.analysis import deployment
from nengo_lmu.analysis.training import hold
from nengo_lmu.dynamics import check_integer, check_positive


#: Training examples whose spikes the Loihi stage's memory decoders are
#: solved from (:func:`fit_decoders`).
LOIHI_CALIBRATION_EXAMPLES = 64


#: The measured decoders replace a memory's rate decoders only where their
#: squared state error on the held-out examples is below this fraction of
#: the rate decoders' (half the RMS error): where the rate decoders lose the
#: state (order 64) the measured ones win by far more; where they hold it
#: (order 24) the measured ones, chosen on state error alone, cost accuracy.
_CALIBRATION_GAIN = 0.25


def fit_decoders(network, task, overrides, steps_per_item=1,
                 n_examples=LOIHI_CALIBRATION_EXAMPLES, synapse=0.01, reg=0.1, every=4,
                 batch_size=8, seed=0, gate=None):
    """Each cell's Loihi memory decoders, solved from its spikes on training examples.

    ``network`` (a :class:`.Training`, as the Loihi stage deploys it: the
    knobs applied, see :func:`.conversion.converted`) runs on Loihi's fast
    integer emulator, deployed with ``overrides`` (the stage's network
    arguments, :func:`.conversion.stage_overrides`; :func:`loihi_decoders`
    passes them), on the first ``n_examples`` training examples of ``task``,
    each from rest. Each memory's spikes, filtered with
    ``synapse``, and the ideal discrete memory of the input it received,
    filtered the same, are sampled every ``every`` steps; the decoders
    are their least-squares fit (nengo's ``LstsqL2`` with ``reg``,
    :class:`~nengo_lmu.hardware.loihi.calibration.DecoderFit`). See
    :mod:`nengo_lmu.hardware.loihi.calibration` for why.

    The last quarter of the examples (in batches of ``batch_size``) is held
    out: a cell keeps its rate decoders (None in the list) unless the
    measured ones' squared state error there is below ``gate`` times theirs
    (default ``_CALIBRATION_GAIN``, 0.25: half the RMS error).

    Returns
    -------
    list of ndarray or None
        One ``(dimensions, n_neurons)`` array per cell, for
        :func:`~nengo_lmu.hardware.loihi.calibration.set_decoders`, or
        None where the rate decoders are kept.
    """
    from nengo_lmu import metrics, signals  # noqa: PLC0415
    from nengo_lmu.hardware.loihi.calibration import DecoderFit  # noqa: PLC0415
    from nengo_lmu.hardware.loihi.fast import Sequences  # noqa: PLC0415

    n_examples = check_integer(n_examples, "n_examples")
    every = check_integer(every, "every")
    batch_size = check_integer(batch_size, "batch_size")
    synapse = check_positive(synapse, "synapse")
    net = deployment.deploy(network, backend="loihi", spiking=True, **overrides)
    fits = [DecoderFit(reg) for _ in net.cells]
    held = [[] for _ in fits]  # (spikes, rate-decoded state, ideal) of held-out batches
    dt = net.spec["dt"]
    with net:
        spikes = [nengo.Probe(c.memory.ensemble.neurons, synapse=synapse) for c in net.cells]
        states = [nengo.Probe(c.memory.state, synapse=synapse) for c in net.cells]
        inputs = [nengo.Probe(c.u, synapse=None) for c in net.cells]
    examples = hold(task.x_train[:n_examples], steps_per_item)
    steps = examples.shape[1]
    rows = np.arange(every - 1, steps, every)
    starts = list(range(0, len(examples), batch_size))
    n_fit = max(1, len(starts) - max(1, len(starts) // 4))  # the last quarter held out
    net.input.output = Sequences(examples[:batch_size], dt)
    with hardware.simulator(net, backend="loihi", target="fast", seed=seed) as sim:
        for k, start in enumerate(starts):
            net.input.output.data = examples[start:start + batch_size]
            data = sim.run_batch(steps, progress_bar=False)
            for i, cell in enumerate(net.cells):
                mem = cell.memory
                ideal = np.concatenate([metrics.filtered(signals.ideal_memory(
                    u, mem.order, mem.theta, dt, mem.discretizer), synapse, dt)[rows]
                    for u in data[inputs[i]]])
                acts = data[spikes[i]][:, rows].reshape(-1, mem.n_neurons)
                if k < n_fit:
                    fits[i].add(acts, ideal)
                if k >= n_fit:
                    held[i].append((acts, data[states[i]][:, rows].reshape(ideal.shape),
                                    ideal))
    gate = _CALIBRATION_GAIN if gate is None else check_positive(gate, "gate")
    out = []
    for fit, pieces in zip(fits, held):
        decoders = fit.solve()
        calibrated = sum(np.sum((a @ decoders - y) ** 2) for a, _, y in pieces)
        rates = sum(np.sum((s - y) ** 2) for _, s, y in pieces)
        out.append(decoders.T if not pieces or calibrated < gate * rates else None)
    return out


class DecodedMemory:
    """A backend's memory factory that gives each cell's memory, in cell
    order, its decoders (:func:`~nengo_lmu.hardware.loihi.calibration.set_decoders`)."""

    def __init__(self, backend, decoders, **options):
        self.backend = backend
        self.decoders = list(decoders)
        self.options = options
        self.calls = 0

    def __call__(self, **spec):
        from nengo_lmu.hardware.loihi.calibration import set_decoders  # noqa: PLC0415

        memory = hardware.memory(self.backend, **self.options, **spec)
        i = self.calls % len(self.decoders)  # a network makes its cells in order
        self.calls += 1
        if self.decoders[i] is None:
            return memory
        return set_decoders(memory, self.decoders[i])
