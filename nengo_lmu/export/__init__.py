"""Exports of nengo-lmu networks to formats other simulators and chips read.

- :mod:`nengo_lmu.export.nir`: a Loihi memory as a NIR graph (the
  Neuromorphic Intermediate Representation), readable by snnTorch, rockpool,
  Spyx, Lava-DL and SpiNNaker2 tools. Needs ``pip install nir`` (in the
  ``tests`` and ``nir`` extras).
- :mod:`nengo_lmu.export.nir_network`: a trained LMU network as one NIR
  graph, deployed with neurons NIR expresses (``deploy_exportable``).
- :mod:`nengo_lmu.export.nir_numpy`: a NumPy executor of NIR graphs, which
  runs an exported graph with the time-step convention the exporter documents.
- :mod:`nengo_lmu.export.nir_snntorch`: the same graph run by snnTorch's
  neurons through nirtorch (the ``nir`` extra: snnTorch, nirtorch and a CPU
  build of PyTorch).
- :mod:`nengo_lmu.export.compare`: a memory (or a trained network) scored in
  nengo and, exported, in those executors, on the same input.

Nothing is imported here, so ``import nengo_lmu`` never needs ``nir`` or torch.
"""
