r"""The emulated analog neuromorphic backend (a Braindrop-like substrate).

- :class:`Substrate`: the chip and its non-idealities, each switchable.
- :class:`Simulator`: a nengo backend that builds any network onto it
  (entry point ``nengo.backends: analog``; ``nengo_lmu.simulator(net,
  backend="analog", substrate=..., calibrate=...)``).
- :class:`AnalogLegendreMemory`: the Legendre memory laid out as the chip
  computes, with the compensations that make it work there.

References
----------
.. [1] Neckar et al., "Braindrop: a mixed-signal neuromorphic architecture
   with a dynamical systems-based programming model", Proc. IEEE 107(1), 2019.
.. [2] Voelker, "Dynamical Systems in Spiking Neuromorphic Hardware", PhD
   thesis, University of Waterloo 2019, sections 5.1.3-5.1.4 and 7.
"""

from nengo_lmu.hardware.analog.builder import SynapseDerivative
from nengo_lmu.hardware.analog.memory import COMPENSATIONS, AnalogLegendreMemory
from nengo_lmu.hardware.analog.simulator import IdealSimulator, Simulator, describe
from nengo_lmu.hardware.analog.substrate import NON_IDEALITIES, Substrate
