"""The fast Loihi build makes nengo-loihi's model, attribute by attribute."""

import warnings

import nengo
import numpy as np
import pytest

nengo_loihi = pytest.importorskip("nengo_loihi")

from nengo_loihi.block import Axon, LoihiBlock, Synapse  # noqa: E402
from nengo_loihi.inputs import LoihiInput  # noqa: E402

from nengo_lmu import signals  # noqa: E402
from nengo_lmu.hardware.loihi import LoihiLegendreMemory, build, loihi_model  # noqa: E402
from nengo_lmu.hardware.loihi.inputs import chip_input_filter  # noqa: E402

pytestmark = pytest.mark.filterwarnings(
    "ignore:This version of `nengo_loihi`",
    "ignore:invalid value encountered in cast",
    "ignore:Model is precomputable",
    "ignore:.*extra bits in weight",
)


def signature(model):
    """Every block, synapse, axon, input and probe of ``model`` as plain data,
    with references between them by position."""
    refs = {}
    for b, block in enumerate(model.blocks):
        refs[id(block)] = ("block", b)
        for s, syn in enumerate(block.synapses):
            refs[id(syn)] = ("synapse", b, s)
        for a, axon in enumerate(block.axons):
            refs[id(axon)] = ("axon", b, a)
    for i, inp in enumerate(model.inputs):
        refs[id(inp)] = ("input", i)
        for a, axon in enumerate(inp.axons):
            refs[id(axon)] = ("input-axon", i, a)

    def sig(obj, depth=0):
        if id(obj) in refs and depth > 0:
            return refs[id(obj)]
        if isinstance(obj, np.ndarray):
            return ("array", obj.dtype.str, obj.shape, obj.tobytes())
        if isinstance(obj, np.generic):
            return ("scalar", obj.dtype.str, obj.item())
        if isinstance(obj, (list, tuple)):
            return [sig(v, depth + 1) for v in obj]
        if isinstance(obj, dict):
            return sorted((str(k), sig(v, depth + 1)) for k, v in obj.items())
        if isinstance(obj, (LoihiBlock, Synapse, Axon, LoihiInput)) or hasattr(obj, "__dict__") and type(obj).__module__.startswith("nengo_loihi"):
            return (type(obj).__name__, sorted(
                (k, sig(v, depth + 1)) for k, v in vars(obj).items()
                if k not in ("block", "label") or isinstance(v, str)
            ))
        if isinstance(obj, (int, float, str, bool, type(None))):
            return obj
        return type(obj).__name__

    blocks = [sig(b) for b in model.blocks]
    inputs = [sig(i) for i in model.inputs]
    probes = [(sig(p.target), sig(p.slice), sig(p.weights), p.key) for p in model.probes]
    return blocks, inputs, probes


def models(net, memories, **options):
    out = []
    for builder in (None, build.Builder()):
        model = loihi_model(memories, 0.001)
        if builder is not None:
            model.builder = builder
        with warnings.catch_warnings(), chip_input_filter(memories):
            warnings.simplefilter("ignore")
            sim = nengo_loihi.Simulator(net, model=model, **options)
        out.append(sim)
    return out


def memory_net(d, m, size_in=1, **kwargs):
    process = signals.white_signal_process(1.0, high=3.0, rms=0.5)
    with nengo.Network(seed=1) as net:
        stim = nengo.Node(nengo.processes.WhiteSignal(1.0, high=3, rms=0.5, seed=2),
                          size_out=size_in)
        mem = LoihiLegendreMemory(d, 0.2, m, radii=process, size_in=size_in, seed=3,
                                  **kwargs)
        nengo.Connection(stim, mem.input, synapse=None)
        probes = [nengo.Probe(mem.state, synapse=0.01), nengo.Probe(mem.ensemble.neurons)]
    return net, [mem], probes


@pytest.mark.parametrize("d, m, size_in, kwargs", [
    (3, 300, 1, dict(neurons_per_core=60)),
    (4, 240, 2, dict(neurons_per_core=50, quantize=False)),
    (2, 200, 1, dict(neurons_per_core=70, neuron_type=nengo.LIF())),
])
def test_fast_build_is_nengo_loihis_model(d, m, size_in, kwargs):
    net, memories, probes = memory_net(d, m, size_in, **kwargs)
    ref, fast = models(net, memories)
    assert len(ref.model.blocks) > 1  # the split is exercised
    assert signature(fast.model) == signature(ref.model)
    with ref, fast:
        ref.run_steps(150)
        fast.run_steps(150)
        for p in probes:
            assert np.array_equal(ref.data[p], fast.data[p])


def test_fast_build_falls_back_for_other_networks():
    """Decoded connections, a plain ensemble split over cores, and nengo-loihi's
    own population features build the same too."""
    with nengo.Network(seed=0) as net:
        stim = nengo.Node(np.sin)
        a = nengo.Ensemble(300, 2, label="a")
        b = nengo.Ensemble(50, 1, label="b")
        nengo.Connection(stim, a, transform=[[1.0], [0.0]])
        nengo.Connection(a, b, function=lambda x: x[0] * x[1])
        nengo.Connection(b.neurons, a.neurons, transform=np.ones((300, 50)) * 1e-3)
        nengo_loihi.add_params(net)
        net.config[a].block_shape = nengo_loihi.BlockShape((100,), (300,))
        probe = nengo.Probe(b, synapse=0.02)
    ref, fast = models(net, [])
    assert len(ref.model.blocks) > 3
    assert signature(fast.model) == signature(ref.model)
    with ref, fast:
        ref.run_steps(100)
        fast.run_steps(100)
        assert np.array_equal(ref.data[probe], fast.data[probe])
