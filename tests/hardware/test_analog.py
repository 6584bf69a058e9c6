"""The emulated analog backend: substrate, builder, compensations, memory."""

import importlib.metadata

import numpy as np
import nengo
import pytest
import scipy.signal
from nengo.exceptions import BuildError, ValidationError

import nengo_lmu
from nengo_lmu import metrics, signals
from nengo_lmu.analysis.experiment import Trial, run_trial
from nengo_lmu.hardware import analog, describe, memory, split_options
from nengo_lmu.hardware.analog.builder import SubstrateNeurons, with_refractory
from nengo_lmu.hardware.analog.operators import discretize_synapses, quantize_weights
from nengo_lmu.dynamics import lmu_matrices
from nengo_lmu.mapping import double_exponential_coefficients

QUIET = analog.Substrate().without("noise", "drift")


# --- the substrate --------------------------------------------------------


@pytest.mark.parametrize(
    "field, value, match",
    [
        ("seed", -1, "integer >= 0"),
        ("gain_sigma", -0.1, "finite number >= 0"),
        ("tau_cv", float("nan"), "finite number >= 0"),
        ("pulse_width", "1", "finite number >= 0"),
        ("neurons_per_synapse", 0, "integer >= 1"),
        ("weight_bits", 1, r"integer in \[2, 16\]"),
        ("spike_thinning", "yes", "True or False"),
        ("refractory", -0.001, "None or a finite number"),
    ],
)
def test_substrate_validation(field, value, match):
    with pytest.raises(ValidationError, match=match):
        analog.Substrate(**{field: value})


def test_substrate_switches():
    assert analog.Substrate().active() == analog.NON_IDEALITIES
    assert analog.Substrate.ideal().active() == ()
    sub = analog.Substrate(seed=4).without("noise", "weight_bits")
    assert sub.noise == 0 and sub.weight_bits is None and sub.seed == 4
    assert "tau_cv" in sub.active() and "noise" not in sub.active()
    with pytest.raises(ValidationError, match="must name non-idealities"):
        sub.without("temperature")


def test_slots_draws_do_not_depend_on_allocation():
    sub = analog.Substrate(seed=3)
    whole = sub.standard_normal("gain", 0, 3000)
    assert np.array_equal(sub.standard_normal("gain", 1000, 1500), whole[1000:2500])
    assert np.array_equal(sub.standard_normal("gain", 5, 10), whole[5:15])
    other = analog.Substrate(seed=4).standard_normal("gain", 0, 3000)
    assert not np.allclose(whole, other)


def test_time_constants_statistics():
    sub = analog.Substrate(seed=1)
    taus = sub.time_constants(0.018, 0, 40000)
    # lognormal with the requested mean and coefficient of variation
    assert abs(taus.mean() / 0.018 - 1) < 0.01
    assert abs(taus.std() / taus.mean() - 0.3) < 0.01
    # four neurons share one synapse
    assert np.all(taus[0:4] == taus[0]) and taus[4] != taus[3]
    assert np.array_equal(sub.time_constants(0.018, 6, 10), taus[6:16])


def test_neuron_mismatch_statistics():
    gain, threshold = analog.Substrate(seed=2).neuron_mismatch(0, 40000)
    assert abs(np.log(gain).std() - 0.44) < 0.01
    assert abs(np.log(threshold).std() - 0.54) < 0.01


# --- the maths of the chip's synapse --------------------------------------


def test_coefficients_and_general_mapping():
    from nengo_lmu.dynamics import lmu_matrices
    from nengo_lmu.mapping import continuous_lowpass, discrete_lowpass, general_synapse

    c = double_exponential_coefficients(0.02, 0.002, 0.0005)
    assert np.allclose(c, [1, 0.02 + 0.002 + 0.00025,
                           0.02 * 0.002 + 0.0005 * 0.022 / 2 + 0.0005**2 / 12])
    A, B = lmu_matrices(6, theta=1.0)
    # a lowpass is the continuous mapping exactly
    Ap, Bp = general_synapse(A, B, [1.0, 0.1])
    Ac, Bc = continuous_lowpass(A, B, 0.1)
    assert np.allclose(Ap, Ac) and np.allclose(Bp, Bc)
    # with the simulator's hold, the discrete mapping to second order in dt
    tau, dt = 0.018, 0.001
    Ad, Bd = discrete_lowpass(A, B, tau, dt)
    Ah, Bh = general_synapse(A, B, double_exponential_coefficients(tau, hold=dt))
    without = general_synapse(A, B, [1.0, tau])[0]
    assert np.abs(Ah - Ad).max() < 0.1 * np.abs(without - Ad).max()
    with pytest.raises(ValidationError, match="tau1: must be finite and > 0"):
        double_exponential_coefficients(0.0)
    with pytest.raises(ValidationError, match="coefficients: must be a finite 1-D"):
        general_synapse(A, B, [[1.0]])


def test_synapse_discretisation_is_exact():
    dt, tau2, eps = 0.001, 0.002, 0.0005
    tau1 = np.array([0.018, 0.03])
    Ad, G0, G1 = discretize_synapses(tau1, tau2, eps, dt)
    K = 200
    s, vp, ys = np.zeros((2, 2)), np.zeros(2), []
    for _ in range(K):  # a unit step from t = 0
        v = np.ones(2)
        s = np.array([Ad[0, 0] * s[0] + G0[0] * v + G1[0] * vp,
                      Ad[1, 1] * s[1] + Ad[1, 0] * s[0] + G0[1] * v + G1[1] * vp])
        vp = v
        ys.append(s[1])
    ys = np.array(ys)
    # the continuous synapse driven by the pulse-extended step, finely sampled
    fine = 1e-6
    t = np.arange(0, K * dt + fine / 2, fine)
    for i in range(2):
        sys = scipy.signal.lti([1], [tau1[i] * tau2, tau1[i] + tau2, 1])
        _, yc, _ = scipy.signal.lsim(sys, np.clip(t / eps, 0, 1), t)
        at = np.round(np.arange(1, K + 1) * dt / fine).astype(int)
        assert np.abs(yc[at] - ys[:, i]).max() < 1e-9


def test_synapse_mean_delay_is_c1():
    dt = 0.001
    tau1 = np.array([0.018, 0.05])
    Ad, G0, G1 = discretize_synapses(tau1, 0.002, 0.0005, dt)
    s, vp, ys = np.zeros((2, 2)), np.zeros(2), []
    for k in range(4000):  # an impulse
        v = np.full(2, float(k == 0))
        s = np.array([Ad[0, 0] * s[0] + G0[0] * v + G1[0] * vp,
                      Ad[1, 1] * s[1] + Ad[1, 0] * s[0] + G0[1] * v + G1[1] * vp])
        vp = v
        ys.append(s[1])
    ys = np.array(ys)
    t = np.arange(1, 4001)[:, None] * dt
    assert np.allclose(ys.sum(0), 1.0, atol=1e-9)
    c1 = double_exponential_coefficients(tau1, 0.002, 0.0005, hold=dt)[1]
    assert np.allclose((t * ys).sum(0), c1, rtol=1e-4)


def test_first_order_bank_is_nengo_lowpass():
    Ad, G0, G1 = discretize_synapses([0.05], 0.0, 0.0, 0.001)
    a = np.exp(-0.001 / 0.05)
    assert Ad.shape == (1, 1, 1)
    assert np.allclose([Ad[0, 0, 0], G0[0, 0], G1[0, 0]], [a, 1 - a, 0], atol=1e-15)


def test_quantize_weights():
    rng = np.random.RandomState(0)
    W = rng.randn(4, 50) * np.array([[1.0], [0.3], [1e-2], [1e-5]])
    Wq, unit, t = quantize_weights(W, 8)
    assert np.all(np.abs(Wq) <= 1)
    # integers of at most 127 on each row's grid 2^(6 + t)
    Wint = Wq * 2.0 ** (6 + t)[:, None]
    assert np.allclose(Wint, np.round(Wint)) and np.abs(Wint).max() <= 127
    assert t[0] == 1 and t[1] > t[0] and t[3] == 7
    # 8 bits relative to each row's largest weight, until the exponents run out
    err = np.abs(unit * Wq - W).max(axis=1) / np.abs(W).max(axis=1)
    assert np.all(err[:3] <= 1 / 127)
    assert err[3] > 0.1  # a row 1e5 times smaller than the largest loses precision


def test_refractory():
    assert with_refractory(nengo.LIF(), 0.001).tau_ref == 0.001
    poisson = with_refractory(nengo.PoissonSpiking(nengo.LIFRate()), 0.001)
    assert isinstance(poisson, nengo.PoissonSpiking) and poisson.base_type.tau_ref == 0.001
    relu = nengo.RectifiedLinear()
    assert with_refractory(relu, 0.001) is relu
    assert with_refractory(nengo.LIF(), None).tau_ref == 0.002


# --- the backend ------------------------------------------------------------


def channel(neuron_type=nengo.LIF(), n=200, seed=0, synapse=0.02, function=None):
    with nengo.Network(seed=seed) as net:
        u = nengo.Node(lambda t: np.sin(2 * np.pi * t))
        a = nengo.Ensemble(n, 1, neuron_type=neuron_type)
        b = nengo.Ensemble(n, 1, neuron_type=neuron_type)
        nengo.Connection(u, a, synapse=None)
        nengo.Connection(a, b, synapse=synapse, function=function)
        pu = nengo.Probe(u, synapse=0.03)
        pb = nengo.Probe(b, synapse=0.03)
        pn = nengo.Probe(b.neurons, "output")
    return net, pu, pb, pn


def test_ideal_substrate_is_the_reference_simulator():
    net, _, pb, pn = channel()
    with nengo.Simulator(net, progress_bar=False) as ref:
        ref.run(0.3)
    with analog.Simulator(net, substrate=analog.Substrate.ideal(), progress_bar=False) as sim:
        sim.run(0.3)
    assert np.array_equal(ref.data[pb], sim.data[pb])
    assert np.array_equal(ref.data[pn], sim.data[pn])


def test_entry_point():
    backends = {ep.name: ep.value for ep in importlib.metadata.entry_points(group="nengo.backends")}
    assert backends.get("analog") == "nengo_lmu.hardware.analog:Simulator"


def test_simulator_validation():
    net, *_ = channel(n=10)
    with pytest.raises(ValidationError, match="substrate: must be a nengo_lmu"):
        analog.Simulator(net, substrate="braindrop")
    with pytest.raises(ValidationError, match="pulse_width: must be at most"):
        analog.Simulator(net, dt=0.0002, substrate=analog.Substrate())


def test_neurons_run_their_tuning_curves():
    """The emulated neurons fire at the rates calibration solves with."""
    sub = analog.Substrate(seed=5).without("noise", "drift")
    with nengo.Network(seed=1) as net:
        x = nengo.Node(0.4)
        a = nengo.Ensemble(100, 1, neuron_type=nengo.LIFRate())
        nengo.Connection(x, a, synapse=None)
        p = nengo.Probe(a.neurons, "output")
    with analog.Simulator(net, substrate=sub, progress_bar=False) as sim:
        sim.run(0.01)
        built = sim.model.params[a]
        chip = sim.model.chip[a]
        x = 0.4 * built.encoders[:, 0][None, :]
        nominal = a.neuron_type.rates(x, built.gain, built.bias)
        true = chip.neurons.rates(x, built.gain, built.bias)
    assert np.allclose(sim.data[p][-1], true.ravel())
    assert np.abs(true - nominal).mean() > 20  # Hz: the mismatch is large
    assert sim.model.slots_used == 100 and chip.start == 0


def test_noise_and_chips_are_seeded():
    net, _, pb, _ = channel(neuron_type=nengo.LIFRate(), n=50)
    runs = {}
    for chip in (0, 0, 1):
        sub = analog.Substrate(seed=chip)
        with analog.Simulator(net, substrate=sub, progress_bar=False) as sim:
            sim.run(0.2)
        runs.setdefault(chip, []).append(sim.data[pb])
    assert np.array_equal(runs[0][0], runs[0][1])
    assert not np.allclose(runs[0][0], runs[1][0])


def test_noise_and_drift_change_the_current():
    def rates(sub):
        with nengo.Network(seed=1) as net:
            a = nengo.Ensemble(200, 1, neuron_type=nengo.LIFRate())
            p = nengo.Probe(a.neurons, "output")
        with analog.Simulator(net, substrate=sub, progress_bar=False) as sim:
            sim.run(2.0)
        return sim.data[p]

    base = analog.Substrate(seed=0).without("noise", "drift")
    steady = rates(base)
    assert np.array_equal(steady[10], steady[-1])
    noisy = rates(base.replace(noise=0.2))
    assert np.std(noisy[100:, :], axis=0).mean() > 1.0  # Hz
    drifting = rates(base.replace(drift=0.05))
    assert np.array_equal(drifting[0], steady[0])  # no drift before the first interval
    assert np.abs(drifting[-1] - steady[-1]).mean() > 1.0


def test_calibration_repairs_decoding():
    net, pu, pb, _ = channel(neuron_type=nengo.LIFRate(), n=300)
    sub = analog.Substrate(seed=2).without("noise", "drift", "tau_cv", "tau2",
                                           "pulse_width", "spike_thinning")
    errors = {}
    for calibrate in (False, True):
        with analog.Simulator(net, substrate=sub, calibrate=calibrate,
                              progress_bar=False) as sim:
            sim.run(1.0)
        target = metrics.filtered(sim.data[pu], 0.02)  # the connection's synapse
        errors[calibrate] = metrics.nrmse(sim.data[pb][200:], target[200:])
    assert errors[True] < 0.1
    assert errors[False] > 3 * errors[True]


def test_accumulator_spikes_carry_the_decoded_value():
    sub = analog.Substrate.ideal().replace(weight_bits=8, spike_thinning=True)
    unthinned = sub.replace(spike_thinning=False)
    with nengo.Network(seed=0) as net:
        u = nengo.Node(0.5)
        a = nengo.Ensemble(100, 1, neuron_type=nengo.LIFRate())
        out = nengo.Node(size_in=1)
        nengo.Connection(u, a, synapse=None)
        conn = nengo.Connection(a, out, synapse=None)
        p = nengo.Probe(out, synapse=None)
    with analog.Simulator(net, substrate=sub, progress_bar=False) as sim:
        sim.run(1.0)
        unit = sim.model.connections[conn]["unit"]
    y = sim.data[p][:, 0]
    # every output is a whole number of spikes, each worth `unit`
    counts = y * sim.dt / unit
    assert np.allclose(counts, np.round(counts))
    # what left the accumulator is what came in, to within one spike
    with analog.Simulator(net, substrate=unthinned, progress_bar=False) as ref:
        ref.run(1.0)
    gap = np.cumsum(ref.data[p][:, 0] - y) * sim.dt
    assert np.abs(gap).max() < unit
    assert np.abs(np.diff(counts)).max() >= 1  # and it did spike


def test_accumulator_weighs_spikes_whatever_their_amplitude():
    # a hidden layer at 800 Hz per unit spikes with amplitude 1/800; the chip
    # weighs each spike, so the same weights per spike (W a) give the same
    # accumulator and the same output spikes as amplitude 1 (before, the
    # accumulator's range went to the activities and each output spike
    # carried 800 times as much, one per hundreds of input spikes)
    sub = analog.Substrate.ideal().replace(weight_bits=8, spike_thinning=True)
    W = np.random.RandomState(0).uniform(-1, 1, size=(3, 40))
    runs = []
    for amplitude in (1.0, 1.0 / 800):
        with nengo.Network(seed=0) as net:
            a = nengo.Ensemble(40, 1, neuron_type=nengo.SpikingRectifiedLinear(
                amplitude=amplitude), max_rates=nengo.dists.Uniform(200, 400))
            nengo.Connection(nengo.Node(0.3), a, synapse=None)
            out = nengo.Node(size_in=3)
            conn = nengo.Connection(a.neurons, out, transform=W / amplitude, synapse=None)
            p = nengo.Probe(out, synapse=0.02)
        with analog.Simulator(net, substrate=sub, progress_bar=False) as sim:
            sim.run(0.3)
        runs.append((sim.model.connections[conn]["unit"], sim.data[p]))
    assert runs[1][0] == pytest.approx(runs[0][0])
    np.testing.assert_allclose(runs[1][1], runs[0][1], atol=1e-9)


def test_heterogeneous_synapses_filter_per_neuron():
    """With synapses ideal but for a tiny spread, the bank is nengo's lowpass."""
    net, _, pb, _ = channel(neuron_type=nengo.LIFRate(), n=50)
    with nengo.Simulator(net, progress_bar=False) as ref:
        ref.run(0.3)
    sub = analog.Substrate.ideal().replace(tau_cv=1e-9)
    with analog.Simulator(net, substrate=sub, progress_bar=False) as sim:
        sim.run(0.3)
        assert sum(len(c.banks) for c in sim.model.chip.values()) == 1
    assert np.allclose(ref.data[pb], sim.data[pb], atol=1e-6)
    sub = analog.Substrate.ideal().replace(tau_cv=0.3, tau2=0.002, pulse_width=0.0005)
    with analog.Simulator(net, substrate=sub, progress_bar=False) as sim:
        sim.run(0.3)
    assert np.abs(ref.data[pb] - sim.data[pb]).max() > 0.01


# --- the memory and its compensations ----------------------------------------


def run_memory(compensations, chip=0, substrate=None, order=3, n_neurons=384,
               duration=3.0, seed=0, backend="analog", neuron_type=None):
    u = signals.white_signal(duration, 0.001, 1.0, 0.3, seed=seed)
    sub = analog.Substrate(seed=chip) if substrate is None else substrate
    with nengo.Network(seed=seed) as net:
        stim = nengo.Node(signals.input_process(u, 0.001))
        spec = dict(order=order, theta=1.0, n_neurons=n_neurons, synapse=0.018,
                    neuron_type=neuron_type)
        if backend == "analog":
            spec.update(substrate=sub, compensations=compensations)
        mem = memory(backend, **spec)
        nengo.Connection(stim, mem.input, synapse=None)
        p = nengo.Probe(mem.state, synapse=0.05)
    opts = {"substrate": sub} if backend == "analog" else {}
    with nengo_lmu.simulator(net, backend=backend, progress_bar=False, **opts) as sim:
        sim.run_steps(len(u))
        extra = describe(sim)
    ideal = metrics.filtered(signals.ideal_memory(u, order, 1.0), 0.05)
    warm = lambda x: metrics.after_warmup(x, 1.0)  # noqa: E731
    return metrics.state_error(warm(sim.data[p]), warm(ideal)), extra


def test_memory_validation():
    with pytest.raises(ValidationError, match="compensations: Must be a subset"):
        analog.AnalogLegendreMemory(3, 1.0, 30, compensations=("magic",))
    with pytest.raises(ValidationError, match="substrate: Must be a nengo_lmu"):
        analog.AnalogLegendreMemory(3, 1.0, 30, substrate="braindrop")
    with pytest.raises(ValidationError, match="single_ensemble"):
        memory("analog", order=3, theta=1.0, n_neurons=30, single_ensemble=True)
    with nengo.Network() as net:
        nengo_lmu.LegendreMemory(3, 1.0, 30)
    with pytest.raises(BuildError, match="AnalogLegendreMemory"):
        nengo_lmu.simulator(net, backend="analog")


def test_simulator_runs_on_the_chip_the_memory_was_made_for():
    with nengo.Network(seed=0) as net:
        analog.AnalogLegendreMemory(3, 1.0, 30, substrate=QUIET.replace(seed=7))
    with nengo_lmu.simulator(net, backend="analog", progress_bar=False) as sim:
        assert sim.model.substrate == QUIET.replace(seed=7)
    with nengo_lmu.simulator(net, backend="analog", substrate=analog.Substrate(seed=2),
                             cache=False, progress_bar=False) as sim:
        assert sim.model.substrate.seed == 2
        assert isinstance(sim.model.decoder_cache, nengo.cache.NoDecoderCache)


def test_memory_structure():
    mem = analog.AnalogLegendreMemory(3, 1.0, 300, radii=[1.0, 0.5, 0.25])
    assert len(mem.ensembles) == 1 and mem.ensemble.n_neurons == 300
    assert np.bincount(mem.groups).tolist() == [100, 100, 100]
    # x, its derivative and its second derivative; the input's two derivatives
    orders = [getattr(c.transform, "order", 0) for c in mem.recurrent_connections]
    assert orders == [0, 1, 2] and len(mem.input_connections) == 2
    plain = analog.AnalogLegendreMemory(3, 1.0, 300, compensations=())
    assert len(plain.recurrent_connections) == 1 and not plain.calibrate


def test_memory_on_ideal_substrate_matches_reference():
    """Rate neurons, so that spike noise does not hide the mapping."""
    ideal, rate = analog.Substrate.ideal(), nengo.LIFRate()

    def mean_error(compensations, backend="analog"):
        return np.mean([
            run_memory(compensations, substrate=ideal, neuron_type=rate, seed=seed,
                       backend=backend)[0]
            for seed in range(3)
        ])

    e_ref = mean_error((), backend="reference")
    assert e_ref < 0.2
    # the error differs from seed to seed by 2-4x (0.04-0.2 over ten seeds, for
    # both memories), so three seeds tell them apart only within this margin
    assert mean_error(()) < 1.75 * e_ref
    assert mean_error(analog.COMPENSATIONS) < 1.75 * e_ref


def test_memory_on_ideal_substrate_is_exactly_nengo():
    with nengo.Network(seed=0) as net:
        stim = nengo.Node(lambda t: np.sin(3 * t))
        mem = analog.AnalogLegendreMemory(3, 1.0, 150, substrate=analog.Substrate.ideal())
        nengo.Connection(stim, mem.input, synapse=None)
        p = nengo.Probe(mem.state, synapse=0.05)
    with nengo.Simulator(net, progress_bar=False) as ref:
        ref.run(0.5)
    with nengo_lmu.simulator(net, backend="analog", substrate=analog.Substrate.ideal(),
                             progress_bar=False) as sim:
        assert sim.model.calibrate
        sim.run(0.5)
    assert np.allclose(ref.data[p], sim.data[p], atol=1e-12, rtol=0)


def test_compensations_on_braindrop_substrate():
    """Uncompensated, the memory fails; compensated, it is within 2x of reference."""
    e_ref = np.mean([run_memory((), backend="reference", seed=s)[0] for s in (0, 1)])
    e_all = []
    for chip in (0, 1):
        e_none, _ = run_memory((), chip=chip, seed=chip)
        e, extra = run_memory(analog.COMPENSATIONS, chip=chip, seed=chip)
        assert e_none > 3 * e
        e_all.append(e)
    assert np.mean(e_all) < 2 * e_ref
    assert extra["calibrated"] and extra["neurons"] == 384


def test_describe_counts_equivalent_synops():
    sub = QUIET
    with nengo.Network(seed=0) as net:
        u = nengo.Node(0.5)
        a = nengo.Ensemble(50, 1)
        b = nengo.Ensemble(40, 1)
        out = nengo.Node(size_in=2)
        nengo.Connection(u, a)
        nengo.Connection(a, b)
        nengo.Connection(a, out, transform=[[1], [1]])
        p = nengo.Probe(a.neurons, "output", synapse=None)
    with analog.Simulator(net, substrate=sub, progress_bar=False) as sim:
        sim.run(0.2)
        info = describe(sim)
    spikes_a = sim.data[p].sum() * sim.dt
    # a's spikes reach b's 40 neurons and 2 output dimensions; b's reach nothing
    assert np.isclose(info["synops"], spikes_a * (40 + 2))
    assert info["energy_braindrop_j"] == pytest.approx(info["synops"] * 381e-15)
    # a CPU computes the factored network: decoders (a: 50 x 3 rows), encoders (b: 40 x 1)
    steps = sim.n_steps
    cpu_ops = (50 * 3 + 40 * 1 + 50 * 1) * steps + 90 * steps
    assert info["energy_cpu_j"] == pytest.approx(cpu_ops * 8.6e-9)
    assert info["neurons"] == 90 and info["synapse_banks"] == 2  # into a, into b


def test_trial_on_analog_backend():
    memory_options, sim_options = split_options(
        "analog", {"chip": 2, "without": "noise", "compensations": "calibrate+synapse"}
    )
    assert memory_options["compensations"] == ("calibrate", "synapse")
    assert sim_options["substrate"].seed == 2 and sim_options["substrate"].noise == 0
    with pytest.raises(ValidationError, match="compensations: must be 'all'"):
        split_options("analog", {"compensations": "calibrate,synapse"})
    trial = Trial(order=3, n_neurons=300, synapse=0.018, duration=2.0, backend="analog",
                  backend_options=(("chip", 1),))
    record = run_trial(trial)
    assert record["state_error"] < 0.5
    assert record["chip"] == 1 and record["calibrated"]
    assert record["energy_braindrop_j"] > 0


def test_synapse_compensations_only_where_their_second_order_term_is_small():
    # order 3 over 1 s: ||c2 A^2|| is 0.01 of ||c1 A||; order 24 over 0.25 s: 3.4x it
    slow = analog.AnalogLegendreMemory(3, 1.0, 60)
    assert slow.compensations == analog.COMPENSATIONS
    fast = analog.AnalogLegendreMemory(24, 0.25, 240)
    assert fast.compensations == ("calibrate",) and not fast.synapse_shaped
    A, _ = lmu_matrices(24, 0.25)
    assert analog.second_order_ratio(A, fast.coefficients) == pytest.approx(3.40, abs=0.01)
    with pytest.warns(analog.UnstableMappingWarning,
                      match=r"compensations: .*<= 1 \(got 3\.40 for order 24"):
        analog.AnalogLegendreMemory(24, 0.25, 240, compensations=analog.COMPENSATIONS)
    memory_options, _ = split_options("analog", {"chip": 1})
    assert memory_options["compensations"] is None  # "auto": the memory's default


def test_radii_are_floored_where_the_recurrence_outspans_the_accumulator():
    process = signals.white_signal_process(3.0, high=1.2, rms=1.0)
    mem = analog.AnalogLegendreMemory(12, 0.25, 120, radii=process)
    wanted = signals.state_radii(12, 0.25, process)
    assert wanted.max() / wanted.min() > 1e4  # a slow input's high coefficients are tiny
    assert analog.row_spread(mem.mapped_A, wanted) > 1e5
    assert mem.radii.max() == pytest.approx(wanted.max())
    assert mem.radii.max() / mem.radii.min() == pytest.approx(analog.MAX_RADIUS_RATIO)
    assert np.all(mem.radii >= wanted)
    # order 6 over 1 s of 1 Hz noise: radii span 13.5, the rows 24: kept
    process = signals.white_signal_process(10.0, high=1.0, rms=0.3)
    mem = analog.AnalogLegendreMemory(6, 1.0, 60, radii=process)
    assert np.array_equal(mem.radii, signals.state_radii(6, 1.0, process))
    assert mem.radii.max() / mem.radii.min() > 13
    assert analog.row_spread(mem.mapped_A, mem.radii) < analog.MAX_ROW_SPREAD


def fast_window_nrmse(order, compensations=None, theta=0.25, high=4.0, duration=1.5):
    """Window NRMSE of a memory of 64 neurons per dimension under white noise
    of ``high`` Hz on the Braindrop-like chip, radii from the input process."""
    u = signals.white_signal(duration, 0.001, high, 1.0, seed=0)
    with nengo.Network(seed=0) as net:
        stim = nengo.Node(signals.input_process(u, 0.001))
        mem = analog.AnalogLegendreMemory(
            order, theta, 64 * order, compensations=compensations,
            radii=signals.white_signal_process(duration, high, 1.0))
        nengo.Connection(stim, mem.input, synapse=None)
        p = nengo.Probe(mem.state, synapse=0.02)
    with nengo_lmu.simulator(net, backend="analog", progress_bar=False) as sim:
        assert sim.model.calibrate and sim.model.substrate == analog.Substrate()
        sim.run_steps(len(u))
    u_f = metrics.filtered(u, 0.02, 0.001)
    return metrics.window_nrmse(sim.data[p], u_f, theta, 0.001, warmup=theta)


def test_fast_high_order_memory_holds_on_the_chip():
    # order 12 over 0.25 s: 1.3-2.1 over three seeds without the radius floor
    # (diverged); 0.27-0.35 with it
    assert fast_window_nrmse(12) < 0.6


def test_synapse_compensations_diverge_beyond_their_limit():
    # order 24 over 0.25 s (second-order ratio 3.4): by default (calibrated,
    # lowpass mapping) 0.45 and 0.29 on seeds 0 and 1; with the synapse
    # compensations 1.9 and 2.9
    default = fast_window_nrmse(24)
    assert default < 0.7
    with pytest.warns(analog.UnstableMappingWarning):
        assert fast_window_nrmse(24, compensations=analog.COMPENSATIONS) > 2 * default