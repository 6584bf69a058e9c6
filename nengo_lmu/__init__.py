"""nengo-lmu: Legendre Memory Units in spiking neurons, on Nengo's backends.

The public API. Importing it imports nengo, numpy and scipy, never a
backend package (nengo-loihi, nengo-dl, TensorFlow).
"""

from nengo_lmu import dynamics, mapping, metrics, signals
from nengo_lmu.hardware import BACKENDS, simulator
from nengo_lmu.networks import LegendreMemory, WindowFunction
from nengo_lmu.version import version as __version__
