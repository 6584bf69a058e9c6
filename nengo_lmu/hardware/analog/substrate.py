r"""The emulated analog substrate: what a Braindrop-like chip does to a network.

A :class:`Substrate` is the chip: its non-idealities, each a field that a
value of zero (or ``None``) switches off, and the ``seed`` that makes one
chip differ from another. Every per-neuron and per-synapse quantity is drawn
for a physical *slot* on the chip from streams keyed by ``(seed, quantity,
block of 1,024 slots)``, and ensembles take slots in build order, so the
same chip and the same network always give the same neurons, whatever else
changes.

Sources of the defaults (:ref:`hardware-analog-substrate` describes each):

=======================  ===============================================================
field                    default and source
=======================  ===============================================================
``gain_sigma``           0.44 (log units). *Derived*: Boahen's EE304 QIF soma circuit
                         with threshold-voltage mismatch sigma_UT = 0.22 (Braindrop
                         design literature).
``threshold_sigma``      0.54 (log units). *Derived*, as above.
``tau_cv``               0.3. *Measured* on Braindrop (Voelker 2019, thesis 7.1-7.2:
                         mean 179 ms, sd 54 ms at the maximised setting).
``tau2``                 2 ms, the parasitic second pole. *Weakly sourced* (thesis
                         5.1.3).
``pulse_width``          0.5 ms, the width of each spike's synaptic pulse. *Weakly
                         sourced / guess* (thesis 5.1.3).
``neurons_per_synapse``  4: Braindrop has 1,024 synapses for 4,096 neurons (Neckar et
                         al. 2019); here each neuron reads one of them.
``weight_bits``          8: one's complement weights ``|W| <= 127`` over a per-row
                         accumulator threshold ``2^(6 + t)``, ``t`` in 0..7 (the public
                         Braindrop driver, pystorm).
``spike_thinning``       True: decoded values leave the accumulator as +-1 spikes
                         (pystorm's accumulator "thinning").
``noise``                0.01 of the threshold current per 1 ms step. *Guess*: no
                         published figure.
``drift``                0.002 per sqrt(second), a random walk of the log gain and log
                         threshold. *Guess* from 1-3 %/C and a 0.1-0.5 C walk per 10 s
                         (:ref:`hardware-analog-substrate`).
``refractory``           1 ms (pystorm hal).
=======================  ===============================================================

The synaptic time constant's *mean* is the one each connection asks for
(its ``nengo.Lowpass``): the chip's time-constant DAC is set to it. Braindrop
sets one value for the whole chip, about 18 ms by default and up to about
180 ms (thesis 7.1-7.2); the emulator takes any value and does not enforce
that range.
"""

import dataclasses
import math

import numpy as np
from nengo.exceptions import ValidationError

from nengo_lmu.mapping import double_exponential_coefficients

#: Slots per random-number block: draws for slot ``k`` do not depend on how
#: many slots were allocated before it in other blocks.
BLOCK = 1024

#: One stream per drawn quantity.
_STREAMS = {"gain": 1, "threshold": 2, "tau": 3, "noise": 4}

#: Substrate fields that are non-idealities, in the order the docs list them.
NON_IDEALITIES = (
    "gain_sigma",
    "threshold_sigma",
    "tau_cv",
    "tau2",
    "pulse_width",
    "weight_bits",
    "spike_thinning",
    "noise",
    "drift",
    "refractory",
)


@dataclasses.dataclass(frozen=True)
class Substrate:
    """An emulated Braindrop-like analog chip (defaults: see the module docs).

    Parameters
    ----------
    seed : int
        Which chip: mismatch, synapses and noise are drawn from it (>= 0).
    gain_sigma, threshold_sigma : float
        Lognormal mismatch of each neuron's gain and firing threshold, in log
        units (>= 0). A neuron's current ``J = g (J_in - b) + b`` is divided by
        its threshold, where ``b`` is the bias the ensemble asked for.
    tau_cv : float
        Coefficient of variation of each synapse's time constant around the
        connection's (lognormal, >= 0).
    tau2 : float
        Second pole of every synapse in seconds (>= 0).
    pulse_width : float
        Width of the pulse each spike makes in the synapse, seconds
        (>= 0, at most the simulator's step).
    neurons_per_synapse : int
        Neurons sharing one synapse and so one time constant (>= 1).
    weight_bits : int or None
        Bits of the decoding weights (with sign), 2 to 16; ``None`` keeps
        floating-point weights.
    spike_thinning : bool
        Decoded values leave the chip as the accumulator's +-1 spikes.
    noise : float
        Standard deviation of each neuron's input current, as a fraction of
        its threshold current, per 1 ms (>= 0).
    drift : float
        Random walk of each neuron's log gain and log threshold, per
        sqrt(second) (>= 0).
    refractory : float or None
        Refractory period in seconds for neuron models that have one
        (``tau_ref``); ``None`` keeps the model's own.

    Examples
    --------
    >>> Substrate().active()[:3]
    ('gain_sigma', 'threshold_sigma', 'tau_cv')
    >>> Substrate.ideal().active()
    ()
    >>> Substrate(seed=3).without("noise", "drift").noise
    0.0
    """

    seed: int = 0
    gain_sigma: float = 0.44
    threshold_sigma: float = 0.54
    tau_cv: float = 0.3
    tau2: float = 0.002
    pulse_width: float = 0.0005
    neurons_per_synapse: int = 4
    weight_bits: object = 8
    spike_thinning: bool = True
    noise: float = 0.01
    drift: float = 0.002
    refractory: object = 0.001

    def __post_init__(self):
        seed = self._integer("seed", self.seed, 0, None)
        object.__setattr__(self, "seed", seed)
        for name in ("gain_sigma", "threshold_sigma", "tau_cv", "tau2", "pulse_width",
                     "noise", "drift"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float, np.number)) or (
                not math.isfinite(value) or value < 0
            ):
                raise ValidationError(
                    f"must be a finite number >= 0 (got {value!r})", f"Substrate.{name}"
                )
            object.__setattr__(self, name, float(value))
        object.__setattr__(
            self,
            "neurons_per_synapse",
            self._integer("neurons_per_synapse", self.neurons_per_synapse, 1, None),
        )
        if self.weight_bits is not None:
            object.__setattr__(
                self, "weight_bits", self._integer("weight_bits", self.weight_bits, 2, 16)
            )
        if not isinstance(self.spike_thinning, (bool, np.bool_)):
            raise ValidationError(
                f"must be True or False (got {self.spike_thinning!r})",
                "Substrate.spike_thinning",
            )
        object.__setattr__(self, "spike_thinning", bool(self.spike_thinning))
        if self.refractory is not None:
            r = self.refractory
            if isinstance(r, bool) or not isinstance(r, (int, float, np.number)) or (
                not math.isfinite(r) or r < 0
            ):
                raise ValidationError(
                    f"must be None or a finite number >= 0 seconds (got {r!r})",
                    "Substrate.refractory",
                )
            object.__setattr__(self, "refractory", float(r))

    @staticmethod
    def _integer(name, value, low, high):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or (
            value < low or (high is not None and value > high)
        ):
            bound = f">= {low}" if high is None else f"in [{low}, {high}]"
            raise ValidationError(
                f"must be an integer {bound} (got {value!r})", f"Substrate.{name}"
            )
        return int(value)

    # --- constructors -----------------------------------------------------

    @classmethod
    def ideal(cls, seed=0):
        """A substrate with every non-ideality switched off: the reference simulator."""
        return cls(seed=seed).without(*NON_IDEALITIES)

    def without(self, *names):
        """This chip with the named non-idealities switched off."""
        off = {}
        for name in names:
            if name not in NON_IDEALITIES:
                raise ValidationError(
                    f"must name non-idealities from {NON_IDEALITIES} (got {name!r})",
                    "names",
                )
            off[name] = None if name in ("weight_bits", "refractory") else (
                False if name == "spike_thinning" else 0.0
            )
        return dataclasses.replace(self, **off)

    def replace(self, **changes):
        """This chip with some fields changed (``dataclasses.replace``)."""
        return dataclasses.replace(self, **changes)

    def active(self):
        """The non-idealities that are switched on, in :data:`NON_IDEALITIES` order."""
        return tuple(
            name
            for name in NON_IDEALITIES
            if getattr(self, name) not in (None, 0.0, False)
        )

    # --- what the chip is -------------------------------------------------

    @property
    def heterogeneous_synapses(self):
        """Whether synapses differ from the nominal lowpass (needs a per-neuron filter)."""
        return self.tau_cv > 0 or self.tau2 > 0 or self.pulse_width > 0

    def standard_normal(self, quantity, start, n):
        """Standard normal draws for slots ``start .. start + n - 1`` of a quantity."""
        if n == 0:
            return np.zeros(0)
        first, last = start // BLOCK, (start + n - 1) // BLOCK
        z = np.concatenate(
            [
                np.random.default_rng([self.seed, _STREAMS[quantity], b]).standard_normal(
                    BLOCK
                )
                for b in range(first, last + 1)
            ]
        )
        return z[start - first * BLOCK : start - first * BLOCK + n]

    def neuron_mismatch(self, start, n):
        """Gain and threshold factors of neurons in slots ``start ..``, both lognormal."""
        gain = np.exp(self.gain_sigma * self.standard_normal("gain", start, n))
        threshold = np.exp(
            self.threshold_sigma * self.standard_normal("threshold", start, n)
        )
        return gain, threshold

    def time_constants(self, tau, start, n):
        """First time constant of the synapse each neuron in slots ``start ..`` reads.

        Lognormal with mean ``tau`` and coefficient of variation ``tau_cv``;
        ``neurons_per_synapse`` consecutive slots share a synapse.
        """
        first = start // self.neurons_per_synapse
        last = (start + n - 1) // self.neurons_per_synapse
        z = self.standard_normal("tau", first, last - first + 1)
        s2 = math.log1p(self.tau_cv**2)
        taus = tau * np.exp(math.sqrt(s2) * z - s2 / 2)
        index = np.arange(start, start + n) // self.neurons_per_synapse - first
        return taus[index]

    def synapse_coefficients(self, tau1, hold=0.0):
        """``c_0, c_1, c_2`` of each synapse's inverse transfer function (``(3, n)``).

        ``hold``: the emulator's step, over which it holds the neurons' output
        (:func:`nengo_lmu.mapping.double_exponential_coefficients`).
        """
        return double_exponential_coefficients(tau1, self.tau2, self.pulse_width, hold)

    def noise_seed(self, start):
        """Seed of the current noise of an ensemble whose first slot is ``start``."""
        return int(np.random.default_rng([self.seed, _STREAMS["noise"], start]).integers(2**31))
