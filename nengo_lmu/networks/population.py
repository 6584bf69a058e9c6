r"""The neurons of a Legendre memory: one :class:`Population` per kind of hardware.

A :class:`.LegendreMemory` computes its maths once (the LMU's ``A`` and
``B``, the transforms ``A'`` and ``B'`` for its synapse, their scaled form
on :math:`x = T m`, radii and evaluation points) and asks its population
for neurons. The population makes them, and whatever connections only it
can make, and returns :class:`Ports`: where the input current goes, how an
input transform on ``x`` becomes one into that target, and what decodes
``x``. The memory then wires its ``input`` and ``state`` to them, the same
way for every population.

- :class:`EnsemblesPopulation` (the default; nengo's reference simulator):
  one ensemble per represented dimension, or one for all, with the
  recurrence decoded into the host-side ``state`` and fed back through it.
- :class:`nengo_lmu.hardware.loihi.memory.LoihiPopulation`: one population,
  neuron-to-neuron recurrent weights.
- :class:`nengo_lmu.hardware.analog.memory.AnalogPopulation`: one
  population, the recurrence decoded on the chip.
"""

import dataclasses

import numpy as np
import nengo


@dataclasses.dataclass
class Output:
    """A decoded readout of ``x`` into the memory's ``state``.

    ``source`` decodes ``x[dims]`` (all of ``x`` if ``dims`` is None)
    through ``transform`` (which also undoes the scaling, ``m = r x``),
    with ``solver`` if it is an ensemble.
    """

    source: object
    transform: np.ndarray
    dims: slice = None
    solver: nengo.solvers.Solver = None


@dataclasses.dataclass
class Ports:
    """What a population gives the memory to wire.

    Attributes
    ----------
    input : nengo object or None
        Where the memory's input current goes (its transform is on ``x``,
        passed through ``encode``); None if the population connected the
        input itself.
    outputs : list of Output
        What decodes ``x`` into ``state``.
    encode : callable
        Turns a transform into ``x``'s coordinates into one into ``input``
        (default: the transform itself).
    host_recurrence : bool
        Whether the recurrence runs through the host: from ``state`` (``m``)
        into ``input``. Otherwise the population made it.
    network : nengo.Network or None
        Where the memory's connections go (default the memory itself).
    """

    input: object
    outputs: list
    encode: object = None
    host_recurrence: bool = False
    network: nengo.Network = None


class Population:
    """Makes a Legendre memory's neurons (subclass for each kind of hardware)."""

    #: Whether the neurons are nengo ensembles decoded on the memory's
    #: ``eval_points`` (:meth:`.LegendreMemory.eval_points_dist`).
    uses_eval_points = False

    def adjust_radii(self, radii):
        """The radii this population represents, given the ones asked for."""
        return radii

    def build(self, memory):
        """Make the neurons inside ``memory`` (called within ``with memory``,
        after its maths and its ``input`` and ``state`` exist); return :class:`Ports`."""
        raise NotImplementedError

    def finish(self, memory):
        """Called after the memory has wired the ports (e.g. to quantise
        weights of the whole network)."""

    def __repr__(self):
        return f"{type(self).__name__}()"


class EnsemblesPopulation(Population):
    """One 1-D ensemble per represented dimension (or one for all, with the
    memory's ``single_ensemble``), decoded into ``state``; the recurrence
    runs through ``state`` on the host, filtered once for all ensembles."""

    uses_eval_points = True

    def build(self, memory):
        # x's input T (A' m + B' u), filtered once for all ensembles
        current = nengo.Node(size_in=memory.dimensions, label="current")
        outputs = []
        if memory.single_ensemble:
            parts = [(memory.n_neurons, slice(None))]
        else:
            parts = [(int(n), slice(i, i + 1)) for i, n in enumerate(memory.split_sizes())]
        for n, dims in parts:
            k = len(range(memory.dimensions)[dims])
            dist = memory.eval_points_dist(k)
            extra = {} if dist is None else {"eval_points": dist}
            ens = nengo.Ensemble(
                n,
                k,
                radius=np.sqrt(k),  # the ball that holds the box [-1, 1]^k of x
                neuron_type=memory.neuron_type,
                n_eval_points=memory.eval_points_for(n, k),
                label=f"x[{dims.start}]" if k == 1 else "x",
                **extra,
            )
            nengo.Connection(current[dims], ens, synapse=None)
            outputs.append(Output(ens, np.diag(memory.radii_full[dims]), dims, memory.solver))
        return Ports(input=current, outputs=outputs, host_recurrence=True)
