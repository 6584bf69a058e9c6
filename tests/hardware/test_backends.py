"""The backend registry: built-ins found lazily, a new backend plugs in everywhere."""

import importlib.metadata
import subprocess
import sys

import nengo
import numpy as np
import pytest
from nengo.exceptions import BuildError, ValidationError

import nengo_lmu
from nengo_lmu.analysis.experiment import Trial, run_trial
from nengo_lmu.hardware import backends, describe
from nengo_lmu.hardware.builtin import ReferenceBackend


class CountingBackend(ReferenceBackend):
    """nengo's simulator, counting the simulators it makes and describing them."""

    name = "counting"
    columns = ("built",)
    rate_twin = False

    def __init__(self):
        self.built = 0

    def simulator(self, network, dt, cache=True, **options):
        self.built += 1
        return super().simulator(network, dt, cache=cache, **options)

    def describe(self, sim):
        return {"built": self.built}

    def owns(self, sim):
        return False  # only simulators made through the registry are its own


@pytest.fixture
def counting():
    backend = backends.register(CountingBackend())
    yield backend
    backends._registry.pop(backend.name)


def test_builtins_are_listed_and_found():
    assert backends.names()[:4] == ("reference", "loihi", "analog", "dl")
    assert nengo_lmu.BACKENDS == ("reference", "loihi", "analog", "dl")
    for name in backends.BUILTIN:
        assert backends.get(name).name == name
    with pytest.raises(ValidationError, match=r"backend: must be one of \('reference', "
                                              r"'loihi', 'analog', 'dl'\) \(got 'loihy'\)"):
        backends.get("loihy")


def test_a_registered_backend_runs_trials_and_describes_them(counting):
    assert "counting" in backends.names()
    record = run_trial(Trial(order=2, theta=0.1, n_neurons=40, duration=1.0,
                             backend="counting"))
    assert counting.built == 1 and record["built"] == 1
    assert record["backend"] == "counting" and np.isfinite(record["state_error"])
    # the same network on the reference backend gives the same numbers
    ref = run_trial(Trial(order=2, theta=0.1, n_neurons=40, duration=1.0, rate_twin=False))
    assert ref["state_error"] == record["state_error"]


def test_simulators_carry_their_backend(counting):
    with nengo.Network() as net:
        nengo.Ensemble(10, 1)
    with nengo_lmu.simulator(net, backend="counting", progress_bar=False) as sim:
        assert backends.for_simulator(sim) is counting
        assert describe(sim) == {"built": 1}
    with nengo.Simulator(net, progress_bar=False) as sim:  # not through the registry
        assert backends.for_simulator(sim).name == "reference"
        assert describe(sim) == {}


def test_registering_checks_the_backend(counting):
    with pytest.raises(ValidationError, match="registered already"):
        backends.register(CountingBackend())
    backends.register(CountingBackend(), replace=True)
    with pytest.raises(ValidationError, match="must be a nengo_lmu.hardware.backends.Backend"):
        backends.register(ReferenceBackend)
    nameless = ReferenceBackend()
    nameless.name = ""
    with pytest.raises(ValidationError, match="Backend.name: must be a non-empty string"):
        backends.register(nameless)


def test_entry_points_register_third_party_backends(monkeypatch):
    ep = importlib.metadata.EntryPoint(
        name="counting", value=f"{__name__}:CountingBackend", group=backends.ENTRY_POINT_GROUP
    )
    bad = importlib.metadata.EntryPoint(
        name="notabackend", value="nengo_lmu.hardware.builtin:BuildError",
        group=backends.ENTRY_POINT_GROUP,
    )
    monkeypatch.setattr(importlib.metadata, "entry_points",
                        lambda group: [ep, bad] if group == backends.ENTRY_POINT_GROUP else [])
    monkeypatch.setattr(backends, "_entry_points_loaded", False)
    monkeypatch.setattr(backends, "_registry", {})
    assert backends.names() == ("reference", "loihi", "analog", "dl", "counting", "notabackend")
    assert isinstance(backends.get("counting"), CountingBackend)
    with pytest.raises(BuildError, match="'notabackend' is registered as .* not a Backend"):
        backends.get("notabackend")


def test_missing_packages_are_named(monkeypatch):
    from nengo_lmu.hardware import builtin

    monkeypatch.setattr(builtin, "HAS_NENGO_LOIHI", False)
    with nengo.Network() as net:
        nengo.Ensemble(10, 1)
    with pytest.raises(BuildError, match=r"backend: 'loihi' needs nengo-loihi; "
                                         r"pip install 'nengo-lmu\[loihi\]'"):
        nengo_lmu.simulator(net, backend="loihi")
    plain = CountingBackend()
    plain.packages, plain.extra = ("no_such_package_here",), "nothing"
    with pytest.raises(BuildError, match=r"'counting' needs no_such_package_here; "
                                         r"pip install 'nengo-lmu\[nothing\]'"):
        plain.check_available()


def test_the_reference_backend_imports_no_backend_package():
    code = (
        "import sys, nengo, nengo_lmu\n"
        "from nengo_lmu.hardware import backends\n"
        "with nengo.Network() as net:\n"
        "    mem = nengo_lmu.hardware.memory('reference', order=2, theta=0.1, n_neurons=20)\n"
        "with nengo_lmu.simulator(net, progress_bar=False) as sim:\n"
        "    sim.run_steps(5)\n"
        "print(nengo_lmu.hardware.describe(sim), backends.names())\n"
        "assert not {'nengo_loihi', 'nengo_dl', 'tensorflow'} & set(sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=False)
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("{}")


def test_nothing_outside_the_registry_branches_on_a_backend_name():
    """Backend-specific behaviour lives in the Backend objects: no comparison
    with a backend's name anywhere else in the package."""
    import pathlib
    import re

    root = pathlib.Path(nengo_lmu.__file__).parent
    names = "|".join(backends.BUILTIN)
    literal = rf"""["']({names})["']"""
    pattern = re.compile(rf"backend\S*\s*(==|!=|\bin\b)\s*\(?\s*{literal}|{literal}\s*(==|!=)\s*\S*backend")
    allowed = {root / "hardware" / "backends.py", root / "hardware" / "builtin.py"}
    found = [
        f"{path.relative_to(root)}:{i}: {line.strip()}"
        for path in sorted(root.rglob("*.py")) if path not in allowed
        for i, line in enumerate(path.read_text().splitlines(), 1)
        if pattern.search(line)
    ]
    assert not found, "\n".join(found)
