"""The fast Loihi emulator against nengo-loihi's own (target="sim"), bit for bit."""

import functools

import nengo
import numpy as np
import pytest
from nengo.exceptions import BuildError, ValidationError

import nengo_lmu
from nengo_lmu import signals

nengo_loihi = pytest.importorskip("nengo_loihi")

from nengo_loihi.block import Axon, LoihiBlock, Synapse  # noqa: E402
from nengo_loihi.builder import Model  # noqa: E402
from nengo_loihi.builder.discretize import discretize_model  # noqa: E402
from nengo_loihi.emulator import EmulatorInterface  # noqa: E402
from nengo_loihi.inputs import LoihiInput, SpikeInput  # noqa: E402
from nengo_loihi.neurons import LoihiLIF, LoihiSpikingRectifiedLinear  # noqa: E402
from nengo_loihi.probe import LoihiProbe  # noqa: E402

from nengo_lmu.hardware import memory as make_memory  # noqa: E402
from nengo_lmu.hardware.loihi import LoihiLegendreMemory  # noqa: E402
from nengo_lmu.hardware.loihi import delivery, emulator  # noqa: E402
from nengo_lmu.hardware.loihi.delivery import Delivery  # noqa: E402
from nengo_lmu.hardware.loihi.emulator import Emulator  # noqa: E402
from nengo_lmu.hardware.loihi.fast import Sequences, Simulator  # noqa: E402
from nengo_lmu.networks.cell import LMUNetwork  # noqa: E402

pytestmark = pytest.mark.filterwarnings(
    "ignore:This version of `nengo_loihi`",
    "ignore:invalid value encountered in cast",
    "ignore:Model is precomputable",
    "ignore:.*extra bits in weight",
    "ignore:tau_s is",
)


def run_both(net, probes, steps, **options):
    """Probe data from nengo-loihi's emulator and from the fast one; and the
    resource and energy figures of each run, which must agree."""
    out, figures = {}, {}
    for target in ("sim", "fast"):
        with nengo_lmu.simulator(net, backend="loihi", target=target,
                                 progress_bar=False, **options) as sim:
            sim.run_steps(steps)
            out[target] = [np.array(sim.data[p]) for p in probes]
            figures[target] = nengo_lmu.hardware.describe(sim)
            assert figures[target].pop("target") == target
    assert figures["sim"] == figures["fast"] and figures["sim"]["synops"] > 0
    return out["sim"], out["fast"]


def assert_identical(expected, actual):
    for e, a in zip(expected, actual):
        assert e.shape == a.shape and e.dtype == a.dtype
        assert np.array_equal(e, a), np.abs(e - a).max()


def memory_net(order, m, duration=0.5, seed=0, **kwargs):
    u = signals.white_signal(1.0, 0.001, 1.0, 0.3, seed=seed)[: int(duration * 1000)]
    with nengo.Network(seed=seed) as net:
        stim = nengo.Node(signals.input_process(u))
        mem = LoihiLegendreMemory(
            order, 1.0, m, radii=signals.white_signal_process(1.0), seed=seed, **kwargs
        )
        nengo.Connection(stim, mem.input, synapse=None)
        probes = [
            nengo.Probe(mem.state, synapse=0.01),
            nengo.Probe(mem.ensemble.neurons),
            nengo.Probe(mem.ensemble.neurons, "voltage"),
            nengo.Probe(mem.ensemble.neurons[[1, 4, 5, 17, 30]]),  # not a slice
        ]
    return net, probes, len(u)


@pytest.mark.parametrize(
    "order, m, neuron_type, quantize, pairs",
    [
        (3, 90, LoihiSpikingRectifiedLinear(), True, 8),  # input on several pairs
        (6, 240, LoihiSpikingRectifiedLinear(), False, 1),
        (4, 160, LoihiLIF(), True, 1),
        (2, 60, LoihiLIF(), False, 8),
    ],
)
def test_memory_is_bit_exact(order, m, neuron_type, quantize, pairs):
    net, probes, steps = memory_net(order, m, neuron_type=neuron_type, quantize=quantize,
                                    neurons_per_core=m // 2, input_pairs=pairs)
    mem = net.networks[0]
    assert (mem.input_copies > 1) == (pairs > 1)
    expected, actual = run_both(net, probes, steps)
    assert expected[1].any()  # the neurons spiked
    assert_identical(expected, actual)


def test_decoded_network_is_bit_exact():
    """Decoded connections (decode neurons), on-chip and host probes, two runs."""
    with nengo.Network(seed=3) as net:
        stim = nengo.Node(lambda t: [np.sin(8 * t), np.cos(5 * t)])
        a = nengo.Ensemble(80, 2, neuron_type=nengo.LIF())
        b = nengo.Ensemble(60, 1, neuron_type=nengo.SpikingRectifiedLinear())
        out = nengo.Node(lambda t, x: x**2, size_in=1)  # on the host
        nengo.Connection(stim, a)
        nengo.Connection(a, b, function=lambda x: x[0] * x[1], synapse=0.01)
        nengo.Connection(b, b, transform=0.5, synapse=0.05)
        nengo.Connection(b, out, synapse=0.02)
        probes = [nengo.Probe(a, synapse=0.01), nengo.Probe(b.neurons),
                  nengo.Probe(out), nengo.Probe(b.neurons, "input")]
    out = {}
    for cls, target in ((nengo_loihi.Simulator, "sim"), (Simulator, "fast")):
        with cls(net, target=target) as sim:
            sim.run_steps(150)
            sim.run_steps(100)  # probes collected in two pieces
            out[target] = [np.array(sim.data[p]) for p in probes]
    assert out["sim"][1].any()
    assert_identical(out["sim"], out["fast"])


@pytest.mark.parametrize("host_pre, host", [(True, True), (True, False), (False, True)])
def test_host_parts_run_in_bulk_bit_exact(host_pre, host):
    """Each precomputed mode of the step runner (host before the chip, after
    it, or both), whose host parts run all their steps at once, with probes
    recording every step or every third."""
    with nengo.Network(seed=1) as net:
        a = nengo.Ensemble(40, 1, neuron_type=nengo.SpikingRectifiedLinear())
        if host_pre:
            nengo.Connection(nengo.Node(lambda t: np.sin(10 * t)), a)
        else:
            a.gain, a.bias = nengo.dists.Uniform(50, 100), nengo.dists.Uniform(50, 200)
        probes = [nengo.Probe(a.neurons)]
        if host:  # decoded onto a node: on the host
            out = nengo.Node(size_in=1)
            nengo.Connection(a, out, synapse=0.01)
            probes.append(nengo.Probe(out))
            probes.append(nengo.Probe(out, sample_every=0.003))
    out = {}
    for cls, target in ((nengo_loihi.Simulator, "sim"), (Simulator, "fast")):
        with cls(net, target=target) as sim:
            assert ("host_pre" in sim.sims, "host" in sim.sims) == (host_pre, host)
            assert sim.precompute
            sim.run_steps(70)
            sim.run_steps(150)  # the host fed in chunks across both runs
            out[target] = [np.array(sim.data[p]) for p in probes]
    assert out["sim"][0].any()
    assert_identical(out["sim"], out["fast"])
    with pytest.raises(nengo.exceptions.SimulatorClosed, match="closed"):
        sim.run_steps(1)


def hand_model(noise_at_membrane):
    """A model built by hand: noise, LIF refractory periods, population axons
    (atoms, compartment bases, shared weights), repeated indices, overflow."""
    rng = np.random.RandomState(4)
    model = Model()
    inp = SpikeInput(6)
    for t in range(1, 40):
        inp.add_spikes(t, np.flatnonzero(rng.rand(6) < 0.5), permanent=True)
    model.add_input(inp)

    a = LoihiBlock(12, label="a")
    a.compartment.configure_lif(tau_rc=0.02, tau_ref=0.003)
    a.compartment.configure_filter(0.005)
    a.compartment.bias[:] = 0.4
    a.compartment.enable_noise[:6] = True
    a.compartment.noise_exp = 1
    a.compartment.noise_offset = 2
    a.compartment.noise_at_membrane = noise_at_membrane
    model.add_block(a)
    b = LoihiBlock(8, label="b")
    b.compartment.configure_relu(tau_ref=0.002)
    b.compartment.configure_filter(0.01)
    b.compartment.bias[:] = 0.1
    model.add_block(b)

    s_in = Synapse(6, label="input")
    s_in.set_weights(rng.uniform(-1, 2, size=(6, 12)))
    a.add_synapse(s_in)
    ax = Axon(6)
    ax.target = s_in
    inp.add_axon(ax)

    # population synapse: 2 atoms, shared weights, bases, one unused axon
    s_pop = Synapse(4, label="pop")
    weights = [rng.uniform(-0.5, 2, size=(2, 3)) for _ in range(2)]
    indices = [np.array([[0, 1, 2], [2, 2, 0]]), np.array([[1, 1, 1], [0, 1, 2]])]
    s_pop.set_population_weights(weights, indices, axon_to_weight_map=[0, 1, 0, 1],
                                 compartment_bases=[0, 3, 5, -1])
    b.add_synapse(s_pop)
    ax_pop = Axon(4)
    ax_pop.target = s_pop
    ax_pop.set_compartment_axon_map(target_axons=np.arange(12) % 5 - 1,
                                    atoms=np.arange(12) % 2)
    a.add_axon(ax_pop)

    s_rec = Synapse(8, label="recurrent")
    s_rec.set_weights(rng.uniform(-0.5, 0.5, size=(8, 12)))
    a.add_synapse(s_rec)
    ax_rec = Axon(8)
    ax_rec.target = s_rec
    b.add_axon(ax_rec)

    for block in (a, b):
        for key in ("current", "voltage", "spiked"):
            model.add_probe(LoihiProbe(target=block, key=key))
    discretize_model(model)
    return model


@pytest.mark.parametrize("noise_at_membrane", [0, 1])
def test_hand_built_model_is_bit_exact(noise_at_membrane, monkeypatch):
    monkeypatch.setattr(EmulatorInterface, "strict", False)
    outputs = []
    for cls in (EmulatorInterface, Emulator):
        model = hand_model(noise_at_membrane)
        with cls(model, seed=5) as emu:
            emu.run_steps(60)
            outputs.append([emu.collect_probe_output(p) for p in model.probes])
    assert outputs[0][2].any() and outputs[0][5].any()  # both blocks spiked
    assert_identical(*outputs)


@pytest.mark.parametrize("noise_at_membrane", [0, 1])
def test_chunks_and_blocks_are_bit_exact(noise_at_membrane, monkeypatch):
    """Tiny chunks (the delivery matrix folded a few paths at a time, large
    synapses' rows built per chunk) and tiny blocks of steps (input currents
    and noise drawn a few steps at a time) change nothing."""
    monkeypatch.setattr(EmulatorInterface, "strict", False)
    monkeypatch.setattr(delivery, "CHUNK", 7)
    monkeypatch.setattr(emulator, "BLOCK_VALUES", 100)  # 5 steps of 20 compartments
    outputs = []
    for cls in (EmulatorInterface, Emulator):
        model = hand_model(noise_at_membrane)
        with cls(model, seed=5) as emu:
            emu.run_steps(23)
            emu.run_steps(37)
            outputs.append([emu.collect_probe_output(p) for p in model.probes])
    assert_identical(*outputs)
    net, probes, steps = memory_net(3, 90, duration=0.2, neurons_per_core=40)
    expected, actual = run_both(net, probes, steps)
    assert expected[1].any()
    assert_identical(expected, actual)


def connect(source, block, weights):
    """Axons from ``source`` (a block or an input) into ``block`` through one
    synapse with dense ``weights`` (axons x compartments)."""
    syn = Synapse(weights.shape[0])
    syn.set_weights(weights)
    block.add_synapse(syn)
    axon = Axon(weights.shape[0])
    axon.target = syn
    source.add_axon(axon)


def test_overflow_warns_like_nengo_loihi():
    model = Model()
    inp = SpikeInput(1000)
    for t in range(1, 10):
        inp.add_spikes(t, np.arange(1000), permanent=True)
    model.add_input(inp)
    block = LoihiBlock(1)
    block.compartment.configure_relu()
    block.compartment.configure_filter(0.1)
    model.add_block(block)
    connect(inp, block, np.ones((1000, 1)))
    probe = LoihiProbe(target=block, key="current")
    model.add_probe(probe)
    discretize_model(model)
    with Emulator(model) as emu, pytest.warns(UserWarning, match="Overflow in q0"):
        emu.run_steps(5)


def growing_model():
    """64 compartments spiking every step drive two with a slow current
    filter and a threshold above ``vmax``: the current grows until it
    overflows, the voltage until ``vmax`` clips it."""
    model = Model()
    a = LoihiBlock(64, label="driver")
    a.compartment.configure_relu()
    a.compartment.bias[:] = 2000.0
    model.add_block(a)
    b = LoihiBlock(2, label="integrator")
    b.compartment.configure_relu()
    b.compartment.configure_filter(1.0)
    model.add_block(b)
    connect(a, b, np.ones((64, 2)))
    for key in ("current", "voltage"):
        model.add_probe(LoihiProbe(target=b, key=key))
    model.add_probe(LoihiProbe(target=a, key="spiked"))
    discretize_model(model)
    b.compartment.vth[:] = 2**24  # above vmax: never spikes
    return model


def test_range_checks_skipped_only_where_nothing_overflows(monkeypatch):
    """The emulator's bound of |current| skips nengo-loihi's range checks on
    the first steps; the current still wraps, and the voltage is still
    clipped at vmax, at the same steps as on nengo-loihi's emulator."""
    monkeypatch.setattr(EmulatorInterface, "strict", False)
    outputs = []
    for cls in (EmulatorInterface, Emulator):
        model = growing_model()
        with cls(model, seed=0) as emu, pytest.warns(UserWarning, match="in current"):
            emu.run_steps(300)
            outputs.append([emu.collect_probe_output(p) for p in model.probes])
    assert_identical(*outputs)
    current, voltage, spiked = outputs[1]
    vmax = next(b for b in model.blocks if b.label == "integrator").compartment.vmax
    assert spiked.all()  # the driver spikes every step
    wrap = np.argmax(current[:, 0] < 0)  # the current grows, then wraps
    assert wrap > 10 and np.all(np.diff(current[:wrap, 0]) > 0)
    assert np.any(voltage == vmax) and np.any(voltage < vmax)
    assert emu.check_u2 and emu.clip_vmax


def cell_net(seed=0):
    memory = functools.partial(make_memory, "loihi", neurons_per_core=60)
    net = LMUNetwork(1, 3, [dict(units=12, order=4, theta=0.1, n_neurons=120)],
                     spiking=True, memory=memory, seed=seed)
    return net


def test_lmu_cell_is_bit_exact():
    net = cell_net()
    net.input.output = lambda t: np.sin(20 * t)
    with net:
        spikes = nengo.Probe(net.cells[0].memory.ensemble.neurons)
    expected, actual = run_both(net, [net.probe, spikes], 200)
    assert expected[1].any()
    assert_identical(expected, actual)


def test_batch_elements_equal_separate_runs():
    rng = np.random.RandomState(0)
    data = rng.uniform(-1, 1, size=(3, 120, 1))
    net = cell_net()
    net.input.output = Sequences(data)
    with net:
        spikes = nengo.Probe(net.cells[0].memory.ensemble.neurons)
    probes = [net.probe, spikes]
    with nengo_lmu.simulator(net, backend="loihi", target="fast") as sim:
        sim.run_steps(10)  # leaves spikes for step 11, which run_batch must drop
        batch = sim.run_batch(150, progress_bar=False)
        again = sim.run_batch(150, batch_size=2, progress_bar=False)  # in 2 pieces
        # and the simulator runs on afterwards as if new
        assert sim.n_steps == 0
        net.input.output.index = 1
        sim.run_steps(150)
        after = [np.array(sim.data[p]) for p in probes]
    for p in probes:
        assert batch[p].shape[:2] == (3, 150)
        assert np.array_equal(batch[p], again[p])
    for b in range(3):
        net.input.output.index = b
        expected, _ = run_both(net, probes, 150) if b == 1 else (None, None)
        with nengo_lmu.simulator(net, backend="loihi", target="fast") as sim:
            sim.run_steps(150)
            single = [np.array(sim.data[p]) for p in probes]
        assert_identical(single, [batch[p][b] for p in probes])
        if b == 1:
            assert_identical(expected, single)  # and nengo-loihi agrees
            assert_identical(expected, after)
    assert not np.array_equal(batch[spikes][0], batch[spikes][1])


def test_unsupported_and_bad_input():
    with nengo.Network(seed=0) as net:
        stim = nengo.Node([0.5])
        a = nengo.Ensemble(20, 1)
        b = nengo.Node(size_in=1)
        nengo.Connection(stim, a)
        conn = nengo.Connection(a, b, learning_rule_type=nengo.PES())
        nengo.Connection(b, conn.learning_rule)
    with pytest.raises(BuildError, match="on-chip learning .* not supported"):
        Simulator(net)
    with pytest.raises(ValidationError, match="target: Must be 'fast'"):
        Simulator(net, target="sim")
    model = Model()
    model.add_block(LoihiBlock(2))
    with pytest.raises(BuildError, match="must be discretised .*got dtype float32"):
        Emulator(model)
    model.add_input(LoihiInput())
    with pytest.raises(BuildError, match="must be spike inputs.*got LoihiInput"):
        Emulator(model)
    with pytest.raises(BuildError, match="no blocks on the chip"):
        Emulator(Model())
    with pytest.raises(ValidationError, match="data: Must be a non-empty"):
        Sequences(np.zeros((3, 4)))
    with nengo.Network() as plain:
        nengo.Ensemble(10, 1)
    with Simulator(plain) as sim, pytest.raises(ValidationError, match="Sequences"):
        sim.run_batch(10)
    with nengo.Network(seed=0) as loop:  # through the host and back: not precomputable
        seq = nengo.Node(Sequences(np.zeros((2, 5, 1))))
        a = nengo.Ensemble(10, 1)
        f = nengo.Node(lambda t, x: x, size_in=1)
        nengo.Connection(seq, a)
        nengo.Connection(a, f)
        nengo.Connection(f, a)
    with Simulator(loop) as sim:
        with pytest.raises(ValidationError, match="precompute: Must be precomputable"):
            sim.run_batch(5)
    # sums a float could not hold exactly
    too_big = r"must sum to less than 2\*\*53.*\(got 9007199254740993\)"
    with pytest.raises(BuildError, match=too_big):
        Delivery(lambda: [([0, 1], [0, 0], [2**52 + 1, 2**52])], 2, 1)


def test_evaluate_scores_the_test_set_in_one_batch(tmp_path):
    """analysis.deployment.evaluate on Loihi: each example as a fresh nengo-loihi run."""
    from nengo_lmu import tasks  # noqa: PLC0415
    from nengo_lmu.analysis import deployment, training  # noqa: PLC0415

    task = tasks.permuted_digits().subset(n_train=8, n_test=3)
    cell = dict(units=8, order=3, theta=0.064, n_neurons=60)
    net = training.network_for(task, [cell])
    # stronger weights than at initialisation, so the hidden neurons spike
    net.set_parameters({k: 20 * v for k, v in net.parameters().items()})
    path = str(tmp_path / "net.npz")
    net.save(path)
    result = deployment.evaluate(path, task, backend="loihi", progress_bar=False)
    assert result["outputs"].shape == (3, task.n_steps, task.n_outputs)
    assert result["n_test"] == 3 and 0 <= result["score"] <= 1
    x = task.x_test
    for i in (0, 2):
        net = deployment.deploy(path, backend="loihi")
        net.input.output = deployment.Feed(x[i], net.spec["dt"])
        with nengo_lmu.simulator(net, backend="loihi", target="sim") as sim:
            sim.run_steps(task.n_steps)
            expected = np.array(sim.data[net.probe])
        assert np.any(expected != 0)
        assert np.array_equal(result["outputs"][i], expected)


@pytest.mark.parametrize(
    "n_src, n_dst, p, dense, dtype, unit",
    [
        (50, 50, 0.5, True, np.float64, 1),  # small: float64
        (300, 200, 0.01, False, np.float32, 1),  # sparse
        (800, 700, 0.1, True, np.float32, 1),  # large: float32
        (800, 700, 0.1, True, np.float32, 1 << 12),  # too large for float32 unscaled
        (300, 200, 0.01, False, np.float32, 1 << 16),
    ],
)
def test_spike_delivery_sums_exactly(n_src, n_dst, p, dense, dtype, unit):
    """Gathered or multiplied, float sums equal the integer product, for
    triples given in chunks, some (source, target) pairs in several; columns
    are scaled by their power of two only where their sums need it."""
    rng = np.random.RandomState(0)
    src, dst = np.nonzero(rng.rand(n_src, n_dst) < p)
    w = rng.randint(-300, 300, size=len(src)) * 4 * unit  # a common power of two
    W = np.zeros((n_src, n_dst), dtype=np.int64)
    np.add.at(W, (src, dst), w)
    again = rng.rand(len(src)) < 0.3  # these paths again, in a later chunk
    W[src[again], dst[again]] += 8 * unit
    chunks = np.array_split(np.arange(len(src)), 5)
    deliver = Delivery(lambda: [(src[c], dst[c], w[c]) for c in chunks]
                       + [(src[again], dst[again], np.full(again.sum(), 8 * unit)),
                          (src[:3], dst[:3], np.zeros(3, dtype=int))],  # all zero
                       n_src, n_dst)
    assert deliver.dense == dense and deliver.dtype == dtype
    assert np.abs(W).sum(axis=0).max() < 2**53  # within the float64 limit
    scaled = np.abs(W).sum(axis=0).max() >= (2**24 if dtype == np.float32 else 2**53)
    assert deliver.unit_scale == (not scaled) and scaled == (unit > 1)
    assert deliver.absmax == np.abs(W).max()
    for q in (0.1, 0.5):  # rows gathered sequence by sequence, or one product
        spikes = rng.rand(7, n_src) < q
        spikes[3] = False  # a silent sequence
        assert np.array_equal(deliver(spikes), spikes.astype(np.int64) @ W)
        assert np.array_equal(deliver(spikes[:1]), spikes[:1].astype(np.int64) @ W)
        assert np.array_equal(deliver.block(spikes), spikes.astype(np.int64) @ W)
    assert deliver.add(np.zeros((1, n_src), dtype=bool)) is None
