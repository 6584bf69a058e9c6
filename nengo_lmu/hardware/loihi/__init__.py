r"""Loihi: the Legendre memory mapped through nengo-loihi.

:class:`LoihiLegendreMemory` is a :class:`.LegendreMemory` built the way
Loihi computes (:ref:`hardware-loihi` has the facts behind each choice):

- **Neurons Loihi has.** ``LoihiSpikingRectifiedLinear`` (default) or
  ``LoihiLIF``: nengo-loihi's models of the chip's neurons, which reset to
  zero and so fire at ``1 / ceil(1 / (J dt))``; the decoders are solved for
  those staircase rates, and the reference simulator runs the same model.
- **One population, neuron-to-neuron weights.** The ``order * size_in``
  dimensions are encoded by disjoint groups of neurons in one ensemble
  (axis-aligned encoders), and the recurrence is one ``m x m`` weight matrix
  ``E T A' T^-1 D``: no decode neurons inside the loop, and one synaptic
  event per spike per core instead of one per dimension.
- **The filter on chip.** A Loihi compartment has one synaptic filter for all
  its inputs, so the input connection's lowpass is applied there too
  (nengo-loihi's ``decode_tau``), and every other host input is filtered
  there with its own block's synapse: :func:`nengo_lmu.simulator` arranges
  this while it builds (see :class:`HostInputs`).
- **The decay Loihi applies.** Loihi stores the current decay in 12 bits;
  the memory's synapse is the time constant the chip actually realises
  (:func:`chip_tau`), so the discrete Principle 3 is exact on the chip, on
  the float emulator and on the reference simulator alike.
- **Weights for 8 bits.** nengo-loihi rounds every weight into a core to one
  grid (8-bit mantissas, a shared exponent). With ``quantize=True`` the
  recurrent weights are put on that grid by greedy path-following
  quantisation (GPFQ, Lybrand & Saab 2021): each rounding error is
  compensated by the weights still to be rounded, so that the current each
  neuron receives, as a function of the represented state, stays close to
  the unquantised one. nengo-loihi then rounds nothing.
- **An input that does not set the grid.** A core's grid, and with it the
  integer scale of its biases, thresholds and currents, follows its largest
  weight. One host-to-chip on/off pair carries the whole input, so its
  weights into a slow memory's high orders are several times the largest
  recurrent weight; the input is spread over as many identical pairs as
  each neuron needs for its input weights to fit its recurrent ones
  (:func:`input_copies`, the memory's ``input_pairs``).
- **Cores.** The population is split into equal blocks that respect the
  1,024-compartment and 1 Mibit synapse-memory limits (a ``BlockShape``).

References
----------
.. [1] Davies et al., "Loihi: a neuromorphic manycore processor with on-chip
   learning", IEEE Micro 38(1), 2018.
.. [2] Lybrand & Saab, "A greedy algorithm for quantizing neural networks",
   JMLR 22(156), 2021.
.. [3] Voelker, "Dynamical Systems in Spiking Neuromorphic Hardware", PhD
   thesis, University of Waterloo 2019 (the discrete mapping, eq. 5.9).
"""

from nengo_lmu.hardware.loihi.chip import (
    CORE_LIMITS,
    CORES_PER_CHIP,
    DECAY_BITS,
    LOIHI_NEURONS,
    chip_decay,
    chip_tau,
    weight_grid,
)
from nengo_lmu.hardware.loihi import build
from nengo_lmu.hardware.loihi.energy import dense_counts, loihi_counts
from nengo_lmu.hardware.loihi.inputs import (
    DEFAULT_INPUT_PAIRS,
    INPUT_PAIRS_MIN_ORDER,
    MAX_INPUT_COPIES,
    HostInputs,
    WideInputNeurons,
    chip_input_filter,
    input_copies,
    input_neurons,
    loihi_model,
)
from nengo_lmu.hardware.loihi.memory import (
    FAST_DYNAMICS,
    MAX_HELD_ORDER,
    MAX_RADIUS_RATIO,
    LoihiLegendreMemory,
    ResetToZeroWarning,
    default_neuron_type,
)
from nengo_lmu.hardware.loihi.quantization import chip_model, effective_weights, gpfq
from nengo_lmu.hardware.loihi.resources import (
    ResourceReport,
    fit_neurons_per_core,
    resources,
    synapse_bits,
)
from nengo_lmu.hardware.loihi.simulator import TARGETS, describe, simulator
