r"""Decoders of a Loihi memory's state solved from its measured spikes.

A :class:`~nengo_lmu.hardware.loihi.LoihiLegendreMemory` decodes its state
with decoders solved for the neurons' steady-state rates. Loihi's neurons
reset their voltage to zero at a spike, and a LIF neuron's membrane filters
its input; in a high-order memory whose fastest dynamics are comparable with
the neurons' interspike intervals the recurrence then departs from the rate
model, and the decoded state loses its high Legendre dimensions (order 64,
theta = 2.048 s, 61 neurons per dimension, digit pixels held 32 ms: every
Loihi neuron model tried left a state error near 1 on nengo's reference
simulator, against 0.12 with nengo's rectified-linear neurons, which keep
the voltage above threshold).

The neurons' spikes still carry most of what the state should hold. The
decoders here are solved, by least squares with nengo's ``LstsqL2``, from
the memory's own filtered spikes, recorded while it runs on the target (the
integer emulator) on training inputs, to the ideal discrete memory of the
same inputs, filtered with the same synapse: they read the state from what
the chip actually computes. :func:`set_decoders` puts them on the memory's
state output, so every connection from ``memory.state`` uses them; the
recurrence is unchanged.
"""

import numpy as np
import nengo
from nengo.exceptions import ValidationError

from nengo_lmu.dynamics import check_positive


class DecoderFit:
    """Accumulates the normal equations of a least-squares fit in pieces.

    Activities and targets of many runs, too large to hold at once, are
    added with :meth:`add`; :meth:`solve` returns nengo's ``LstsqL2``
    solution on all of them (the same regularisation: ``reg`` times the
    largest activity, squared, times the number of samples).

    Parameters
    ----------
    reg : float
        ``LstsqL2``'s ``reg``.
    """

    def __init__(self, reg=0.1):
        self.reg = check_positive(reg, "reg")
        self.gram = None
        self.cross = None
        self.n_samples = 0
        self.max_activity = 0.0

    def add(self, activities, targets):
        """Add ``(samples, neurons)`` activities and ``(samples, dims)`` targets."""
        A = np.asarray(activities, dtype=np.float64)
        Y = np.asarray(targets, dtype=np.float64)
        if A.ndim != 2 or Y.ndim != 2 or len(A) != len(Y):
            raise ValidationError(
                f"must be (samples, neurons) and (samples, dims) arrays of one length "
                f"(got {A.shape} and {Y.shape})", "activities"
            )
        if self.gram is None:
            self.gram = np.zeros((A.shape[1], A.shape[1]))
            self.cross = np.zeros((A.shape[1], Y.shape[1]))
        self.gram += A.T @ A
        self.cross += A.T @ Y
        self.n_samples += len(A)
        self.max_activity = max(self.max_activity, float(np.abs(A).max(initial=0)))

    def solve(self):
        """The ``(neurons, dims)`` decoders: ``LstsqL2(reg)`` on everything added."""
        if self.gram is None:
            raise ValidationError("must have samples; call add first (got none)",
                                  "activities")
        sigma = self.reg * max(self.max_activity, 1e-12)
        G = self.gram + np.eye(len(self.gram)) * sigma**2 * self.n_samples
        return np.linalg.solve(G, self.cross)


def set_decoders(memory, decoders):
    """Decode ``memory``'s state with ``decoders``, ``(dimensions, n_neurons)``.

    ``memory`` is a :class:`~nengo_lmu.hardware.loihi.LoihiLegendreMemory`
    not yet built; its one neuron-to-state connection takes ``decoders`` as
    its transform (:attr:`output_decoders`).
    """
    conns = [c for c in memory.connections if c.label == "decode"]
    shape = (memory.dimensions, memory.n_neurons)
    decoders = np.asarray(decoders, dtype=float)
    if len(conns) != 1 or not isinstance(conns[0].pre_obj, nengo.ensemble.Neurons):
        raise ValidationError(
            "must be a memory that decodes its state from one population's neurons, "
            f"as LoihiLegendreMemory does (got {type(memory).__name__})", "memory"
        )
    if decoders.shape != shape or not np.all(np.isfinite(decoders)):
        raise ValidationError(
            f"must be a finite (dimensions, n_neurons) = {shape} array "
            f"(got shape {decoders.shape})", "decoders"
        )
    conns[0].transform = decoders
    return memory
