r"""What the analog substrate computes each step, as nengo operators.

- :class:`SimSynapseBank`: the neurons' own synapses (pulse-extended double
  exponentials, :func:`discretize_synapses`), one bank per nominal time
  constant of an ensemble.
- :class:`SimAccumulator`: decoding weights rounded to ``weight_bits``
  (:func:`quantize_weights`), the decoded value sent as +-1 spikes.
- :class:`SimSpikeCount`: the spikes of a chip population, for energy counts.
- :class:`SubstrateEnsemble`, :class:`SynapseBank`: what the builder records
  of each chip population and each of its synapse banks.

:mod:`nengo_lmu.hardware.analog.builder` adds them to a model.
"""

import numpy as np
import scipy.linalg
from nengo.builder import Operator


class SimSynapseBank(Operator):
    r"""One synapse per neuron: a pulse-extended double exponential, each its own tau.

    The input ``v`` (held over each step) passes through a box filter of width
    ``pulse_width`` and two lowpass poles, ``tau1`` (per neuron) and ``tau2``;
    the update is the exact discretisation of that, so with ``tau2 = 0`` and
    no pulse it is nengo's ``Lowpass`` step for step:

    .. math:: s_{k+1} = A_d s_k + G_0 v_k + G_1 v_{k-1}, \qquad y_{k+1} = s_{k+1, -1}.
    """

    def __init__(self, v, output, state, previous, Ad, G0, G1, tag=None):
        super().__init__(tag=tag)
        self.Ad, self.G0, self.G1 = Ad, G0, G1
        self.sets = []
        self.incs = []
        self.reads = [v]
        self.updates = [output, state, previous]

    def make_step(self, signals, dt, rng):
        v = signals[self.reads[0]]
        y = signals[self.updates[0]]
        s = signals[self.updates[1]]
        vp = signals[self.updates[2]]
        Ad, G0, G1 = self.Ad, self.G0, self.G1
        pulse = bool(np.any(G1))
        if s.shape[0] == 1:

            def step_synapse_bank():
                s[0] *= Ad[0, 0]
                s[0] += G0[0] * v
                if pulse:
                    s[0] += G1[0] * vp
                y[...] = s[0]
                vp[...] = v

            return step_synapse_bank

        def step_synapse_bank2():
            # the second pole reads the first's old value: update it first
            s[1] *= Ad[1, 1]
            s[1] += Ad[1, 0] * s[0]
            s[1] += G0[1] * v
            s[0] *= Ad[0, 0]
            s[0] += G0[0] * v
            if pulse:
                s[1] += G1[1] * vp
                s[0] += G1[0] * vp
            y[...] = s[1]
            vp[...] = v

        return step_synapse_bank2


class SimAccumulator(Operator):
    r"""Quantised decoding weights and the accumulator's +-1 output spikes.

    Each step, ``acc += W_q a dt``; the integer part of ``acc`` leaves as
    spikes (at most one per input spike, since ``|W_q| <= 1``) and is
    subtracted; the output is ``unit * spikes / dt``. Without thinning the
    output is ``unit * W_q a``.
    """

    def __init__(self, weights, unit, activities, output, accumulator, thinning, tag=None):
        super().__init__(tag=tag)
        self.weights = weights
        self.unit = unit
        self.thinning = thinning
        self.sets = [output]
        self.incs = []
        self.reads = [activities]
        self.updates = [accumulator] if thinning else []

    def make_step(self, signals, dt, rng):
        W = self.weights
        unit = self.unit
        a = signals[self.reads[0]]
        out = signals[self.sets[0]]
        if not self.thinning:

            def step_accumulator_float():
                out[...] = unit * (W @ a)

            return step_accumulator_float
        acc = signals[self.updates[0]]

        def step_accumulator():
            acc[...] += (W @ a) * dt
            spikes = np.trunc(acc)
            acc[...] -= spikes
            out[...] = unit * spikes / dt

        return step_accumulator


class SimSpikeCount(Operator):
    """Adds the spikes a population emitted this step to a counter."""

    def __init__(self, output, count, tag=None):
        super().__init__(tag=tag)
        self.sets = []
        self.incs = []
        self.reads = [output]
        self.updates = [count]

    def make_step(self, signals, dt, rng):
        out = signals[self.reads[0]]
        count = signals[self.updates[0]]

        def step_spike_count():
            count[...] += out.sum() * dt

        return step_spike_count


# --- what the substrate holds per ensemble --------------------------------


class SubstrateEnsemble:
    """What the chip built for one ensemble: its slots, neurons, synapses and counters."""

    def __init__(self, ensemble, start, neurons):
        self.ensemble = ensemble
        self.start = start
        self.neurons = neurons  # SubstrateNeurons (the rate part for rates-to-spikes)
        self.banks = {}  # nominal tau -> SynapseBank
        self.count = None  # spikes emitted, a Signal


class SynapseBank:
    """The synapses of one population for one nominal time constant."""

    def __init__(self, tau1, coefficients, v):
        self.tau1 = tau1
        self.coefficients = coefficients
        self.v = v  # the neurons' synaptic input, before the synapse
        self.decoded = {}  # (derivative order, nominal coefficient) -> decoded input


def discretize_synapses(tau1, tau2, pulse_width, dt):
    r"""Exact discrete updates of pulse-extended double-exponential synapses.

    For each ``tau1`` (the other parameters shared), with the input held over
    each step, returns ``Ad (k, k, n)``, ``G0 (k, n)`` and ``G1 (k, n)``
    (``k`` = 1 without ``tau2``, else 2) of
    :math:`s_{k+1} = A_d s_k + G_0 v_k + G_1 v_{k-1}`; ``G1`` is the part of
    the previous step's input that the pulse carries into this one.
    """
    tau1 = np.asarray(tau1, dtype=float)
    n = tau1.size
    k = 2 if tau2 > 0 else 1
    A = np.zeros((n, k, k))
    A[:, 0, 0] = -1.0 / tau1
    if k == 2:
        A[:, 1, 0] = 1.0 / tau2
        A[:, 1, 1] = -1.0 / tau2
    B = np.zeros((n, k))
    B[:, 0] = 1.0 / tau1

    def blocks(h):
        """e^{Ah}, int_0^h e^{As} ds B and int_0^h e^{As} (h - s) ds B."""
        M = np.zeros((n, k + 2, k + 2))
        M[:, :k, :k] = A
        M[:, :k, k] = B
        M[:, k, k + 1] = 1.0
        E = scipy.linalg.expm(M * h)
        return E[:, :k, :k], E[:, :k, k], E[:, :k, k + 1]

    Ad, G, _ = blocks(dt)
    G1 = np.zeros((n, k))
    if pulse_width > 0:
        _, P1, P2 = blocks(pulse_width)
        decay, _, _ = blocks(dt - pulse_width)
        # the pulse of the previous input still on: int_0^eps e^{A(dt - s)} B (1 - s/eps) ds
        G1 = np.einsum("nij,nj->ni", decay, P1 - P2 / pulse_width)
    G0 = G - G1
    return Ad.transpose(1, 2, 0), G0.T, G1.T


def quantize_weights(W, bits):
    r"""Round decoding weights as the accumulator stores them.

    Weights are ``unit * W_int / 2^(bits - 2 + t)`` with ``|W_int| <= 2^(bits-1) - 1``
    and one exponent ``t`` in 0..7 per row. ``unit``, the value one output spike
    carries, is shared by the connection and puts its largest weight at the top
    of the range with ``t = 1``; each row then takes the largest ``t`` (the
    finest grid) that holds its own largest weight, so rows much smaller than
    the largest lose precision, as on the chip.

    Returns
    -------
    Wq : ndarray
        Weights in spikes (``|Wq| <= 1``), so that the value is ``unit * Wq``.
    unit : float
    exponents : ndarray of int
    """
    W = np.asarray(W, dtype=float)
    levels = 2 ** (bits - 1) - 1
    base = 2 ** (bits - 2)
    largest = np.max(np.abs(W)) if W.size else 0.0
    if largest == 0:
        return np.zeros_like(W), 1.0, np.zeros(W.shape[0], dtype=int)
    unit = largest * 2 * base / levels
    w = W / unit
    row_max = np.max(np.abs(w), axis=1)
    exponents = np.zeros(W.shape[0], dtype=int)
    for t in range(8):
        exponents[row_max * base * 2**t <= levels] = t
    scale = (base * 2.0**exponents)[:, None]
    Wint = np.clip(np.round(w * scale), -levels, levels)
    return np.minimum(Wint / scale, 1.0), unit, exponents


