"""The Loihi mapping, run on nengo-loihi's emulator (no hardware in CI)."""

import pathlib
import sys
import warnings

import nengo
import numpy as np
import pytest
from nengo.exceptions import BuildError, ValidationError

import nengo_lmu
from nengo_lmu import dynamics, metrics, signals
from nengo_lmu.analysis.experiment import Trial, run_trial
from nengo_lmu.networks import LegendreMemory

nengo_loihi = pytest.importorskip("nengo_loihi")

from nengo_lmu.hardware import energy, loihi  # noqa: E402
from nengo_lmu.hardware.loihi import LoihiLegendreMemory, quantization  # noqa: E402

# the former docs example, kept with the benchmarks as their baseline
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2] / "benchmarks"))
from docs_example import docs_example  # noqa: E402

pytestmark = pytest.mark.filterwarnings(
    "ignore:This version of `nengo_loihi`",
    "ignore:invalid value encountered in cast",
    "ignore:Model is precomputable",
)


def memory_trial(m, order=3, duration=2.0, seed=0, **kwargs):
    """A memory driven by 1 Hz white noise, probed on its state."""
    u = signals.white_signal(duration, 0.001, 1.0, 0.3, seed=seed)
    with nengo.Network(seed=seed) as net:
        stim = nengo.Node(signals.input_process(u))
        mem = LoihiLegendreMemory(
            order, 1.0, m, radii=signals.white_signal_process(duration), seed=seed, **kwargs
        )
        nengo.Connection(stim, mem.input, synapse=None)
        probe = nengo.Probe(mem.state, synapse=0.01)
    return net, mem, probe, u


def errors(sim, probe, u, order):
    ideal = metrics.filtered(signals.ideal_memory(u, order, 1.0), 0.01)
    warm = lambda x: metrics.after_warmup(x, 0.5)  # noqa: E731
    C = dynamics.delay_readout(order, 1.0, 1.0)
    return metrics.nrmse(warm(sim.data[probe] @ C), warm(ideal @ C))


def run(net, probe, u, order, backend, **options):
    with nengo_lmu.simulator(net, backend=backend, progress_bar=False, **options) as sim:
        sim.run_steps(len(u))
        return errors(sim, probe, u, order), nengo_lmu.hardware.describe(sim)


def test_chip_decay_is_what_the_emulator_applies():
    for tau in (0.005, 0.02, 0.1, 0.3):
        a = loihi.chip_decay(tau)
        assert abs(a - np.exp(-0.001 / tau)) < 5e-4
        # the realised time constant maps back to the same 12-bit decay
        assert loihi.chip_decay(loihi.chip_tau(tau)) == a
        assert np.isclose(np.exp(-0.001 / loihi.chip_tau(tau)), a, rtol=0, atol=1e-12)

    _, mem, _, _ = memory_trial(30, order=2, quantize=False, synapse=0.05)
    model, _ = mem.chip_model()
    block = model.objs[mem.ensemble]["out"][0]
    k = block.compartment.decay_u[0]
    assert (4095 - k) / 4096 == loihi.chip_decay(0.05)
    assert mem.synapse.tau == loihi.chip_tau(0.05)


@pytest.mark.parametrize(
    "kwargs, attr",
    [
        (dict(neuron_type=nengo.PoissonSpiking(nengo.LIFRate())), "neuron_type"),
        (dict(neuron_type=nengo.LIFRate()), "neuron_type"),
        (dict(max_rates=(0, 100)), "max_rates"),
        (dict(max_rates=(100, 1000)), "max_rates"),
        (dict(max_rates=(300, 200)), "max_rates"),
        (dict(max_rates=100), "max_rates"),
        (dict(intercepts=(-0.5, 1.0)), "intercepts"),
        (dict(intercepts=(-1.5, 0.5)), "intercepts"),
        (dict(neurons_per_core=0), "neurons_per_core"),
        (dict(neurons_per_core=1025), "neurons_per_core"),
        (dict(synapse=-0.1), "synapse"),
        (dict(n_neurons=2), "n_neurons"),
    ],
)
def test_bad_parameters_fail_before_building(kwargs, attr):
    spec = dict(order=3, theta=1.0, n_neurons=60)
    spec.update(kwargs)
    with nengo.Network() as net:
        with pytest.raises(ValidationError) as err:
            LoihiLegendreMemory(**spec)
    assert err.value.attr == attr
    assert len(net.all_objects) == 0


def test_more_neurons_than_a_core_has_axons_for_is_a_build_error():
    """One dense population: each core takes an axon from every neuron."""
    with pytest.raises(BuildError, match=r"n_neurons: each core .* at most 4094 neurons "
                                         r"\(got 6400\)"):
        LoihiLegendreMemory(64, 0.128, 6400, quantize=False, seed=0)
    with pytest.raises(BuildError, match=r"n_neurons: every neuron .* 4094 neurons at 30 "
                                         r"per core need 4110 output axons"):
        LoihiLegendreMemory(2, 1.0, 4094, quantize=False, neurons_per_core=30, seed=0)


def test_neurons_per_core_that_cannot_hold_the_weights_is_a_build_error():
    with pytest.raises(BuildError, match="synapse bits"):
        LoihiLegendreMemory(4, 1.0, 2048, neurons_per_core=1024, quantize=False, seed=0)


def test_backend_errors():
    net, mem, probe, u = memory_trial(30, order=2, quantize=False)
    with pytest.raises(BuildError, match="NxSDK"):
        nengo_lmu.simulator(net, backend="loihi", target="loihi")
    with pytest.raises(ValidationError, match="target"):
        nengo_lmu.simulator(net, backend="loihi", target="chip")
    with nengo.Network() as plain:
        LegendreMemory(2, 1.0, 20)
    with pytest.raises(BuildError, match="from_memory"):
        nengo_lmu.simulator(plain, backend="loihi")
    with pytest.raises(ValidationError, match="mapping"):
        nengo_lmu.hardware.memory("loihi", order=2, theta=1.0, n_neurons=20,
                                  mapping="continuous")


def _memories_with_synapses(taus):
    with nengo.Network(seed=0) as net:
        u = nengo.Node(nengo.processes.WhiteSignal(1.0, high=3, rms=0.5, seed=1))
        probes = []
        for tau in taus:
            mem = LoihiLegendreMemory(3, 0.2, 120, synapse=tau, seed=int(tau * 1000))
            nengo.Connection(u, mem.input, synapse=None)
            probes.append(nengo.Probe(mem.state, synapse=0.01))
    return net, probes


@pytest.mark.parametrize("target", ["sim", "fast"])
def test_memories_with_different_synapses_run_as_they_do_alone(target):
    # every host input is filtered on the chip with its own memory's synapse,
    # so one network can hold memories of different synapses
    states = {}
    for taus in ((0.05,), (0.1,), (0.05, 0.1)):
        net, probes = _memories_with_synapses(taus)
        with nengo_lmu.simulator(net, backend="loihi", target=target) as sim:
            sim.run(0.3)
        states[taus] = [sim.data[p] for p in probes]
    together = states[(0.05, 0.1)]
    assert np.array_equal(together[0], states[(0.05,)][0])
    assert np.array_equal(together[1], states[(0.1,)][0])
    assert not np.allclose(together[0], together[1], atol=0.01)
    assert np.abs(together[1]).max() > 0.05


def test_building_for_the_emulator_raises_no_numpy_warning():
    # nengo-loihi's emulator casts NaN placeholders into its integer state
    # arrays as it is made; the simulator wrapper must keep that quiet
    net, _, probe, _ = memory_trial(30, duration=1.0)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        with nengo_lmu.simulator(net, backend="loihi", target="sim",
                                 progress_bar=False) as sim:
            sim.run_steps(5)
    assert sim.data[probe].shape == (5, 3)


def test_from_memory_copies_the_specification():
    radii = [0.5, 0.3, 0.1]
    with nengo.Network():
        ref = LegendreMemory(3, 0.7, 90, synapse=0.05, radii=radii, seed=3)
        mem = LoihiLegendreMemory.from_memory(ref, quantize=False)
    assert (mem.order, mem.theta, mem.n_neurons, mem.seed) == (3, 0.7, 90, 3)
    assert np.allclose(mem.radii, radii)
    assert mem.requested_synapse == 0.05


def test_same_seed_same_network():
    a = LoihiLegendreMemory(3, 1.0, 60, seed=4, quantize=False)
    b = LoihiLegendreMemory(3, 1.0, 60, seed=4, quantize=False)
    c = LoihiLegendreMemory(3, 1.0, 60, seed=5, quantize=False)
    assert np.array_equal(a.recurrent_weights, b.recurrent_weights)
    assert not np.array_equal(a.recurrent_weights, c.recurrent_weights)
    with nengo.Network(seed=1):
        d = LoihiLegendreMemory(3, 1.0, 60, quantize=False)
    with nengo.Network(seed=1):
        e = LoihiLegendreMemory(3, 1.0, 60, quantize=False)
    assert np.array_equal(d.recurrent_weights, e.recurrent_weights)


def test_gpfq_beats_rounding_and_stays_on_the_grid(rng):
    x = np.linspace(-1, 1, 200)[:, None]
    A = np.maximum(0, x * rng.choice([-1, 1], 50) + rng.uniform(-0.5, 0.5, 50)) * 100
    W = rng.normal(size=(20, 50)) * 0.01
    step = np.full(20, 0.004)
    keep = np.zeros(W.shape, dtype=bool)
    keep[0, 0] = True
    Q = loihi.gpfq(W, A, step, levels=10, keep=keep)
    rounded = np.clip(np.round(W / step[:, None]), -10, 10) * step[:, None]
    err = lambda M: np.linalg.norm((M - W) @ A.T)  # noqa: E731
    assert err(Q) < 0.5 * err(rounded)
    levels = Q / step[:, None]
    on_grid = np.isclose(levels, np.round(levels))
    assert on_grid[~keep].all() and Q[0, 0] == W[0, 0]
    assert np.abs(levels[~keep]).max() <= 10


def test_quantised_weights_are_what_the_chip_gets():
    _, mem, _, _ = memory_trial(120, order=3)
    q = mem.quantization
    assert q["gpfq"]["currents"] < q["rounded"]["currents"] / 3
    # nengo-loihi rounds nothing more: the chip's weights are GPFQ's
    model, floats = mem.chip_model()
    row = 0
    for block, Wf in zip(model.objs[mem.ensemble]["out"], floats):
        rows = slice(row, row + Wf.shape[0])
        row = rows.stop
        syn = quantization._recurrent_synapse(mem, block)
        chip = loihi.effective_weights(syn, block, Wf, mem.recurrent_weights[rows])
        close = np.isclose(chip, mem.recurrent_weights[rows], rtol=1e-5, atol=1e-12)
        # except the largest weights, kept exact so that the grid stays put
        kept = np.abs(Wf) >= np.abs(Wf).max() * (1 - 1e-6)
        assert close[~kept].all() and kept.sum() <= 2


def test_emulator_matches_reference_on_the_same_network():
    """Reference, float emulator and integer emulator within 1.3x (d=3, m=300)."""
    net, mem, probe, u = memory_trial(300, order=3, duration=3.0)
    ref, _ = run(net, probe, u, 3, "reference")
    real, _ = run(net, probe, u, 3, "loihi", target="simreal")
    chip, info = run(net, probe, u, 3, "loihi", target="sim")
    assert ref < 0.3
    assert real < 1.3 * ref and chip < 1.3 * ref
    assert info["cores"] == 1 and info["compartments"] == 300
    # the input connection got its synapse back after the on-chip build
    assert mem._input_conn.synapse == mem.synapse


def test_beats_the_former_docs_example_on_the_emulator():
    u = signals.white_signal(3.0, 0.001, 1.0, 0.3, seed=0)
    with nengo.Network(seed=0) as net:
        stim = nengo.Node(signals.input_process(u))
        docs = docs_example(order=3, n_per_dimension=100)
        nengo.Connection(stim, docs.input, synapse=None)
        p_docs = nengo.Probe(docs.state, synapse=0.01)
        mem = LoihiLegendreMemory(3, 1.0, 300, radii=signals.white_signal_process(3.0), seed=0)
        nengo.Connection(stim, mem.input, synapse=None)
        p_mem = nengo.Probe(mem.state, synapse=0.01)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with nengo_lmu.simulator(net, backend="loihi") as sim:
            sim.run_steps(len(u))
            ours, theirs = errors(sim, p_mem, u, 3), errors(sim, p_docs, u, 3)
    assert ours < 0.5 * theirs


def test_resource_report_matches_a_hand_computed_case(rng):
    with nengo.Network(seed=0) as net:
        ens = nengo.Ensemble(10, 1, neuron_type=nengo.SpikingRectifiedLinear(),
                             max_rates=nengo.dists.Uniform(100, 120), label="ens")
        nengo.Connection(ens.neurons, ens.neurons,
                         transform=rng.uniform(-0.01, 0.01, (10, 10)), synapse=0.05)
        nengo.Probe(ens.neurons)
    with nengo_lmu.simulator(net, backend="loihi") as sim:
        report = loihi.resources(sim)
    # one core: 10 compartments, 10 axons out (one per neuron) and in; each
    # axon carries 10 dense 8-bit weights plus a 10-bit header, rounded up to
    # 64-bit memory units: ceil((10 * 8 + 10) / 64) * 64 = 128 bits
    assert report.totals == {"compartments": 10, "in-axons": 10, "out-axons": 10,
                             "synapse bits": 10 * 128, "cores": 1, "chips": 1}
    (syn,) = report.synapses
    assert syn["weights"] == 100 and syn["axons"] == 10 and syn["bits"] == 10 * 128
    assert 0 < syn["levels"] <= 127
    assert "cores 1, chips 1" in report.table()
    assert report.limits == loihi.CORE_LIMITS  # nengo-loihi's, from its utilisation


def test_resource_check_names_the_limit():
    report = loihi.ResourceReport(
        cores=[{"label": "x", "compartments": 10, "in-axons": 10, "out-axons": 5000,
                "synapse bits": 100}],
        synapses=[], chips=1, quantization={},
    )
    with pytest.raises(BuildError, match="out-axons.*4096"):
        report.check()
    report.cores[0]["out-axons"] = 10
    report.check()
    with pytest.raises(BuildError, match="chips"):
        loihi.ResourceReport(cores=report.cores * 129, synapses=[], chips=2,
                             quantization={}).check(max_chips=1)


def test_energy_counts_spikes_times_fanout():
    with nengo.Network(seed=0) as net:
        ens = nengo.Ensemble(10, 1, neuron_type=nengo.SpikingRectifiedLinear(),
                             max_rates=nengo.dists.Uniform(100, 120),
                             intercepts=nengo.dists.Uniform(-0.9, -0.5), label="ens")
        nengo.Connection(ens.neurons, ens.neurons, transform=np.full((10, 10), 1e-4),
                         synapse=0.05)
        p = nengo.Probe(ens.neurons)
    with nengo_lmu.simulator(net, backend="loihi") as sim:
        sim.run_steps(200)
        counts = loihi.loihi_counts(sim)
        dense = loihi.dense_counts(sim.model, 200)
    spikes = (sim.data[p] > 0).sum()
    assert spikes > 50
    assert counts.synops == 10 * spikes  # every spike reaches 10 weights
    assert counts.active_updates == spikes and counts.neuron_updates == 2000
    assert dense.synops == 100 * 200
    e = energy.estimate(counts, "loihi")
    assert np.isclose(e["energy_j"], 23.6e-12 * 10 * spikes + 81e-12 * spikes
                      + 52e-12 * (2000 - spikes))
    assert energy.estimate(dense, "cpu")["energy_j"] > 100 * e["energy_j"]
    with pytest.raises(ValidationError, match="platform"):
        energy.estimate(counts, "tpu")
    with pytest.raises(ValidationError, match="synops"):
        energy.OperationCounts(synops=-1, neuron_updates=0, active_updates=0, steps=1)


def test_loihi_trial_record_is_reproducible():
    trial = Trial(backend="loihi", n_neurons=120, order=3, neuron_type="spiking-relu",
                  duration=1.5, backend_options=(("target", "sim"),))
    a, b = run_trial(trial), run_trial(trial)
    for key in ("state_error", "delay_nrmse_1", "synops", "energy_loihi_j", "cores"):
        assert a[key] == b[key]
    assert a["cores"] == 1 and a["energy_loihi_j"] < a["energy_cpu_j"]
    with pytest.raises(ValidationError, match="neuron_type"):
        run_trial(Trial(backend="loihi", n_neurons=60, order=3, duration=1.5))


def test_order_12_fits_the_weight_range():
    """d = 12 radii span 1e5 under 1 Hz input; floored, the chip model builds."""
    process = signals.white_signal_process(10.0)
    assert np.ptp(np.log10(signals.state_radii(12, 1.0, process))) > 4
    mem = LoihiLegendreMemory(12, 1.0, 240, radii=process, seed=0)
    assert mem.radii.max() / mem.radii.min() <= loihi.MAX_RADIUS_RATIO * (1 + 1e-12)
    assert mem.quantization["gpfq"]["currents"] < mem.quantization["rounded"]["currents"]


def test_dense_weights_follow_shared_weight_memory():
    """nengo-loihi's split shares one weight entry between axons with equal
    weights; GPFQ reads each axon's weights through its weight index."""
    from nengo_loihi.block import LoihiBlock, Synapse

    block = LoihiBlock(4)
    syn = Synapse(3)
    syn._set_weights_indices([[[0.5, -1.0]], [[2.0]]], [[[0, 3]], [[1]]])
    syn.axon_to_weight_map = np.array([0, 1, 0])
    syn.axon_compartment_bases = np.array([0, 0, 0])
    expected = np.zeros((4, 3))
    expected[[0, 3], 0] = expected[[0, 3], 2] = [0.5, -1.0]
    expected[1, 1] = 2.0
    assert np.array_equal(quantization._dense(syn, block), expected)


def chip_exponents(mem):
    """Per core of ``mem``: the core's weight exponent, and for each synapse
    the exponent its largest weight needs below the core's largest weight
    (nengo-loihi's ``dw_exp``) and whether it is the recurrent synapse."""
    from nengo_loihi.builder.discretize import discretize_block

    from nengo_lmu.hardware.loihi.inputs import chip_input_filter, loihi_model

    model = loihi_model([mem], mem.dt, fast_build=True)
    with warnings.catch_warnings(), chip_input_filter([mem]):
        warnings.simplefilter("ignore")
        model.build(mem, precompute=False, remove_passthrough=True, discretize=False)
    cores = []
    for block in model.objs[mem.ensemble]["out"]:
        rec = quantization._recurrent_synapse(mem, block)
        w = [(s.max_abs_weight(), s is rec) for s in block.synapses]
        w_max = max(x for x, _ in w)
        discretize_block(block)
        need = [(int(np.floor(np.log2(w_max / x))), r) for x, r in w if x > 0]
        cores.append((block.compartment.discretize_info["w_exp"], need))
    return cores


def test_input_pairs_leave_the_grid_to_the_recurrent_weights():
    """A slow order-12 memory's input weights into its high orders are about
    9x its largest recurrent weights with one on/off pair, which then sets
    the grid of those cores; spread over several pairs (the default) the
    recurrent weights set every core's grid, the input they deliver is the
    same, and no synapse needs an exponent below nengo-loihi's floor of -6
    (which it would misscale)."""
    process = signals.white_signal_process(10.0, high=0.3, rms=1.0)
    spec = dict(radii=process, seed=0, quantize=False, add_to_container=False)
    one = LoihiLegendreMemory(12, 1.0, 384, input_pairs=1, **spec)
    many = LoihiLegendreMemory(12, 1.0, 384, **spec)
    assert one.input_copies == 1 and many.input_copies >= 4
    assert len(many.input_connections) == many.input_copies
    np.testing.assert_allclose(many.input_weights, one.input_weights, rtol=1e-12)
    np.testing.assert_array_equal(many.recurrent_weights, one.recurrent_weights)
    below = lambda cores: [dw for _, need in cores for dw, rec in need if rec]  # noqa: E731
    assert max(below(chip_exponents(one))) >= 2  # the input set the grid
    cores = chip_exponents(many)
    assert max(below(cores)) == 0
    for w_exp, need in cores:
        assert all(w_exp - dw >= -6 for dw, _ in need)


def test_input_pairs_by_default_only_from_order_12():
    """Below ``INPUT_PAIRS_MIN_ORDER`` one pair carries a slow memory's input
    unless more are asked for (lower orders measured worse with several);
    from it up (and for fast memories, see below) the memory chooses several."""
    from nengo_lmu.hardware.loihi import (  # noqa: PLC0415
        DEFAULT_INPUT_PAIRS, INPUT_PAIRS_MIN_ORDER)

    process = signals.white_signal_process(10.0, high=1.0, rms=1.0)
    spec = dict(radii=process, seed=0, quantize=False, add_to_container=False)
    assert INPUT_PAIRS_MIN_ORDER == 12
    assert LoihiLegendreMemory(6, 1.0, 192, **spec).input_copies == 1
    assert LoihiLegendreMemory(6, 1.0, 192, input_pairs=32, **spec).input_copies > 1
    high = LoihiLegendreMemory(12, 1.0, 384, **spec)
    assert 1 < high.input_copies <= DEFAULT_INPUT_PAIRS


def test_input_pairs_bad_value_fails_before_building():
    for bad in (0, 2.5, 33):
        with pytest.raises(ValidationError, match=r"input_pairs.*integer in \[1, 32\]"):
            LoihiLegendreMemory(3, 1.0, 30, input_pairs=bad, add_to_container=False)


def fast_memory(m, **kwargs):
    """Order 6 under theta = 0.1 s, radii from a 10 Hz white noise of RMS 1."""
    process = signals.white_signal_process(2.1, high=10.0, rms=1.0)
    kwargs.setdefault("add_to_container", False)
    return LoihiLegendreMemory(6, 0.1, m, radii=process, seed=0, **kwargs)


def test_fast_memory_input_pairs_keep_the_grid_as_it_grows():
    """A fast memory's input weights grow with its speed while its recurrent
    weights per neuron shrink with its size: through one pair the input
    sets its cores' grid and the recurrent weights lose more bits the larger
    the memory (here 1 then 3); several pairs (its default) leave the grid
    to the recurrent weights at every size."""
    below = lambda mem: max(  # noqa: E731
        dw for _, need in chip_exponents(mem) for dw, rec in need if rec)
    one = [below(fast_memory(m, input_pairs=1, quantize=False)) for m in (384, 768)]
    assert 1 <= one[0] < one[1]
    for m in (384, 768):
        mem = fast_memory(m, quantize=False)
        assert mem.input_copies > 1
        assert below(mem) == 0


def test_default_input_pairs_for_fast_memories():
    from nengo_lmu.hardware.loihi.memory import default_input_pairs  # noqa: PLC0415

    assert default_input_pairs(6, 1.0) == 1  # 9 / s: slow
    assert default_input_pairs(3, 0.1) == 1  # 41 / s
    assert default_input_pairs(6, 0.1) == loihi.DEFAULT_INPUT_PAIRS  # 93 / s
    assert default_input_pairs(12, 1.0) == loihi.DEFAULT_INPUT_PAIRS


def test_fast_memory_decodes_the_states_it_holds():
    """A fast memory with radii from its input process decodes each group on
    the states' normal distribution, tails included: its recurrence
    multiplies the gain with which the neurons decode the states they hold,
    which even points in [-1, 1] (a slow memory's default) leave about 4%
    off; with normal points about 2%."""
    normal = fast_memory(384)
    even = fast_memory(384, eval_points=nengo.dists.Uniform(-1, 1))
    process = signals.white_signal_process(2.1, high=1.0, rms=1.0)
    slow = LoihiLegendreMemory(6, 1.0, 384, radii=process, seed=0,
                               add_to_container=False)
    x = np.random.RandomState(1).normal(0, 0.5, size=(4000, 1))  # the states

    def gain_error(mem, i):
        ens, sl = mem.ensemble, mem.group(i)
        act = mem.activities(x, np.asarray(ens.encoders)[sl, i],
                             np.asarray(ens.gain)[sl], np.asarray(ens.bias)[sl])
        decoded = act @ mem.output_decoders[i, sl] / mem.radii_full[i]
        return abs(np.mean(decoded * x[:, 0]) / np.mean(x[:, 0] ** 2) - 1)

    errors = np.array([(gain_error(normal, i), gain_error(even, i)) for i in range(6)])
    assert np.all(errors[:, 0] < errors[:, 1])
    assert errors[:, 0].mean() < 0.6 * errors[:, 1].mean()  # 2.2% against 4.3%
    # a slow memory keeps even points, as before
    assert np.array_equal(slow.output_decoders, LoihiLegendreMemory(
        6, 1.0, 384, seed=0, add_to_container=False, radii=slow.radii,
        eval_points=nengo.dists.Uniform(-1, 1)).output_decoders)
