"""Nengo networks built from the LMU maths."""

from nengo_lmu.networks.cell import LMUCell, LMUNetwork
from nengo_lmu.networks.memory import LegendreMemory
from nengo_lmu.networks.window import WindowFunction
