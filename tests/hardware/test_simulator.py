import nengo
import numpy as np
import pytest
from nengo.exceptions import BuildError, ValidationError

import nengo_lmu
from nengo_lmu.networks import LegendreMemory


def test_reference_backend_runs_and_uses_memory_dt():
    with nengo.Network(seed=1) as net:
        mem = LegendreMemory(3, 0.5, 60, dt=0.002, neuron_type=nengo.LIFRate())
        p = nengo.Probe(mem.state)
    with nengo_lmu.simulator(net, progress_bar=False) as sim:
        assert isinstance(sim, nengo.Simulator)
        assert sim.dt == 0.002
        sim.run(0.1)
    assert sim.data[p].shape == (50, 3)


def test_network_without_memory_defaults_to_1ms():
    with nengo.Network() as net:
        nengo.Node(1.0)
    with nengo_lmu.simulator(net, progress_bar=False) as sim:
        assert sim.dt == 0.001


def test_dt_mismatch_is_a_build_error():
    with nengo.Network() as net:
        LegendreMemory(3, 0.5, 60, dt=0.001)
    with pytest.raises(BuildError, match=r"dt: the simulator's step must equal every LegendreMemory's dt"):
        nengo_lmu.simulator(net, dt=0.002)


def test_unknown_backend():
    with nengo.Network() as net:
        nengo.Node(1.0)
    with pytest.raises(ValidationError, match=r"backend: must be one of \('reference', 'loihi', 'analog', 'dl'\) \(got 'spinnaker'\)"):
        nengo_lmu.simulator(net, backend="spinnaker")


def test_importing_nengo_lmu_imports_no_backend_package():
    import subprocess
    import sys

    code = (
        "import sys, nengo_lmu, nengo_lmu.cli, nengo_lmu.analysis; "
        "bad = [m for m in ('tensorflow', 'nengo_dl', 'nengo_loihi') if m in sys.modules]; "
        "print(bad); sys.exit(bool(bad))"
    )
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0
