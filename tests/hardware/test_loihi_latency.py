"""How a fast Loihi memory's input reaches the chip and its state the host."""

import nengo
import numpy as np
import pytest
from nengo.exceptions import ValidationError

import nengo_lmu
from nengo_lmu import metrics, signals

nengo_loihi = pytest.importorskip("nengo_loihi")

from nengo_lmu.hardware import loihi  # noqa: E402
from nengo_lmu.hardware.loihi import LoihiLegendreMemory  # noqa: E402
from nengo_lmu.hardware.loihi.inputs import pair_phase  # noqa: E402

pytestmark = pytest.mark.filterwarnings(
    "ignore:This version of `nengo_loihi`",
    "ignore:invalid value encountered in cast",
    "ignore:Model is precomputable",
)

ORDER, THETA, HIGH, DT = 6, 0.1, 10.0, 0.001  # theta f = 1: every order used


def network(n_neurons=384, seed=0, **options):
    """A fast memory (93/s) fed white noise, its state probed on the host."""
    process = signals.white_signal_process(4.0, high=HIGH, rms=1.0)
    u = signals.white_signal(1.0, DT, HIGH, 1.0, seed=seed)
    with nengo.Network(seed=seed) as net:
        stim = nengo.Node(signals.input_process(u, DT))
        mem = LoihiLegendreMemory(ORDER, THETA, n_neurons, radii=process, seed=seed,
                                  **options)
        nengo.Connection(stim, mem.input, synapse=None)
        probe = nengo.Probe(mem.state, synapse=0.02)
    return net, mem, probe, u


def errors(target, **options):
    """Each dimension's relative error against the ideal memory, at lags of
    -1, 0, 1 and 2 steps of the state (rows) and with none."""
    net, mem, probe, u = network(**options)
    with nengo_lmu.simulator(net, backend="loihi", target=target, progress_bar=False) as sim:
        sim.run_steps(len(u))
        x = sim.data[probe]
    ideal = metrics.filtered(signals.ideal_memory(u, ORDER, THETA, DT), 0.02, DT)
    rows = []
    for lag in (-1, 0, 1, 2):
        xs, xi = x[200 + lag:len(x) - 5 + lag], ideal[200:len(x) - 5]
        rows.append(np.sqrt(np.mean((xs - xi) ** 2, axis=0)) / xi.std(axis=0))
    return np.array(rows), mem


def test_pair_phases_spread_evenly():
    for k in (1, 2, 4, 8, 16):
        phases = sorted(pair_phase(j) for j in range(k))
        assert np.allclose(phases, np.arange(k) / k)
    with pytest.raises(ValueError, match="j must be >= 0"):
        pair_phase(-1)


def test_the_input_pairs_start_at_staggered_phases():
    net, mem, _, _ = network(input_pairs=4)
    assert mem.input_copies == 4
    phases = {}
    for stagger in (True, False):
        net, mem, _, _ = network(input_pairs=4, stagger_input=stagger)
        with nengo_lmu.simulator(net, backend="loihi", target="fast") as sim:
            assert sim.model.node_neurons.stagger is stagger
            ens = [sim.model.connection_decode_neurons[c] for c in mem.input_connections]
        phases[stagger] = sorted(
            float(e.neuron_type.initial_state["voltage"].options[0]) for e in ens)
    assert np.allclose(phases[True], [0, 0.25, 0.5, 0.75])
    assert np.allclose(phases[False], 0)
    # a memory on one pair with inputs within +-1 keeps nengo-loihi's encoder
    narrow = LoihiLegendreMemory(3, 1.0, 60, input_pairs=1, add_to_container=False)
    assert loihi.input_neurons([narrow]) is None


def test_staggered_pairs_carry_a_fast_memorys_high_orders():
    # 8 pairs in lockstep deliver the input no more finely than one; the
    # highest orders, whose input weights are the largest, lose most
    staggered, mem = errors("fast", readout_lead=False)
    lockstep, _ = errors("fast", readout_lead=False, stagger_input=False)
    assert mem.input_copies >= 4
    assert staggered[1, -1] < 0.85 * lockstep[1, -1], (staggered[1], lockstep[1])
    assert np.all(staggered[1, 3:] < lockstep[1, 3:]), (staggered[1], lockstep[1])


def test_the_readout_lead_makes_up_for_the_host_receiving_a_step_late():
    lagged, _ = errors("fast", readout_lead=False)
    led, _ = errors("fast")
    reference, _ = errors("reference")
    # the host reads with the lead what it read a step later without it
    assert np.allclose(led[1], lagged[2], rtol=0.05), (led[1], lagged[2])
    assert np.all(led[1, 1:] < lagged[1, 1:]), (led[1], lagged[1])
    # and as accurately as the same network on the reference simulator
    # (without the lead, the middle orders are up to 1.3x the reference's)
    assert np.all(led[1] < 1.15 * reference[1] + 0.01), (led[1], reference[1])
    assert not np.all(lagged[1] < 1.15 * reference[1] + 0.01), (lagged[1], reference[1])


def test_the_readout_lead_only_where_the_host_alone_reads_the_state():
    net, mem, _, _ = network(n_neurons=60)
    with net:
        out = nengo.Node(size_in=1)
        nengo.Connection(mem.state[0], out)
        nengo.Probe(out)
    assert loihi.HostInputs(net).leads == [mem]
    with net:
        ens = nengo.Ensemble(20, 1)
        nengo.Connection(out, ens)  # through a passthrough node to the chip
    assert loihi.HostInputs(net).leads == []
    net, mem, _, _ = network(n_neurons=60, readout_lead=False)
    assert loihi.HostInputs(net).leads == []


def test_the_readout_lead_leaves_the_network_as_it_was():
    net, mem, _, _ = network(n_neurons=60)
    decoders = mem.output_decoders.copy()
    n_objects = len(net.all_objects)
    inputs = loihi.HostInputs(net)
    with inputs.on_chip():
        Ad, _ = mem.lead_matrices()
        assert np.allclose(mem.output_decoders, Ad @ decoders)
        assert len(net.all_objects) == n_objects + 3
    assert np.array_equal(mem.output_decoders, decoders)
    assert len(net.all_objects) == n_objects


@pytest.mark.parametrize("name", ["stagger_input", "readout_lead"])
def test_bad_flags_fail_before_building(name):
    with pytest.raises(ValidationError, match=f"{name}.*True or False.*got 'yes'"):
        LoihiLegendreMemory(3, 0.1, 30, **{name: "yes"})
