"""Bad input, as a new user might give it, through the API, the command line and
files: each case must raise a clear error of the expected type that names the
parameter, before anything is built or simulated.

Each case is ``(id, make, error, match)``: ``make(tmp_path)`` does the bad
thing, ``error`` is the exception type (``SystemExit`` for the command line,
whose one-line message on stderr must match) and ``match`` a regular
expression the message must contain, which names the parameter.
"""

import json
import math
import re

import nengo
import numpy as np
import pytest
from nengo.exceptions import BuildError, ValidationError

import nengo_lmu
from nengo_lmu import cli
from nengo_lmu.analysis import experiment, sweep
from nengo_lmu.analysis.experiment import Trial, run_trial
from nengo_lmu.analysis.store import CorruptRecordError, Store
from nengo_lmu.hardware import memory
from nengo_lmu.networks import LegendreMemory
from nengo_lmu.networks.cell import LMUCell, LMUNetwork, load

pytest.importorskip("nengo_loihi")

CASES = []


def case(id_, error, match):
    """Register the decorated ``make(tmp_path)`` as a bad-input case."""
    def register(make):
        CASES.append(pytest.param(make, error, match, id=id_))
        return make
    return register


def cases(prefix, error, match, calls):
    """Register one case per ``(label, make)`` in ``calls``."""
    for label, make in calls:
        CASES.append(pytest.param(make, error, match, id=f"{prefix}-{label}"))


def trial(**fields):
    return lambda tmp: Trial(**fields)


# --- Trial: each field out of its range or of the wrong type -------------------

TRIAL_FIELDS = {
    "order": [0, -1, 2.5, "six", True, None, math.inf],
    "theta": [0, -1.0, math.nan, math.inf, "1s", True, None],
    "n_neurons": [0, -5, 2.5, "many", True, 3, None],
    "neuron_type": ["lifx", 5, None, "LIF", ""],
    "synapse": [0, -0.1, math.nan, math.inf, "fast"],
    "dt": [0, -0.001, math.nan, 1.0, 2.0],
    "mapping": ["cont", None, 3],
    "state_scaling": ["false", "true", "no", 2, None, [], 0.5],
    "single_ensemble": ["no", "False", 2],
    "input_high": [0, -1.0, math.nan],
    "input_rms": [0, -0.3, math.inf],
    "duration": [0, -1.0, 0.5, 1.0, math.nan],
    "probe_synapse": [-0.01, math.nan, "x"],
    "seed": [-1, 2**32, 1.5, "zero"],
    "input_seed": [-1, 2**40],
    "backend": ["gpu", "Reference", None, 3],
    "delays": [(1.5,), (-0.1,), (), "0.5", ("a",), (math.nan,), 5],
    "backend_options": ["target=sim", (("target",),), ((1, "sim"),), (("dt", 0.01),),
                        (("progress_bar", True),), (("x", [1, 2]),), {"a b": 1}],
    "rate_twin": ["no", "yes", 2],
}
for field, values in TRIAL_FIELDS.items():
    cases(f"Trial.{field}", ValidationError, rf"{field}: ",
          [(repr(v), trial(**{field: v})) for v in values])

cases("Trial.duration", ValidationError, r"duration: must be at least 1 / input_high", [
    ("below the input's period", trial(input_high=0.2, duration=4.0)),
])
cases("Trial.n_neurons", ValidationError, r"n_neurons: must be at least order", [
    ("fewer than dimensions", trial(order=12, n_neurons=6)),
    ("one ensemble, fewer than dimensions", trial(order=12, n_neurons=6, single_ensemble=True)),
])
cases("Trial.rate_twin", ValidationError, r"rate_twin: is only available on the reference", [
    ("loihi", trial(rate_twin=True, backend="loihi")),
    ("analog", trial(rate_twin=True, backend="analog")),
])
cases("Trial.backend_options", ValidationError, r"backend_options: must name options of", [
    ("reference optimise", trial(backend_options={"optimise": False})),
    ("analog chp", trial(backend="analog", backend_options={"chp": 1})),
    ("loihi targt", trial(backend="loihi", neuron_type="spiking-relu",
                          backend_options={"targt": "sim"})),
])
cases("Trial.dt", ValidationError, r"dt: must be smaller than theta", [
    ("theta 0.01", trial(theta=0.01, dt=0.01, duration=2.0)),
])

# --- runs refused before building: too large for this machine -------------------

cases("run_trial", BuildError, r"n_neurons: the build must fit", [
    ("1e9 neurons", lambda tmp: run_trial(Trial(n_neurons=10**9))),
    ("1e7 in one ensemble", lambda tmp: run_trial(Trial(n_neurons=10**7, single_ensemble=True))),
    ("loihi 1e6 dense", lambda tmp: run_trial(Trial(
        n_neurons=10**6, backend="loihi", neuron_type="spiking-relu", rate_twin=False))),
    ("analog 1e9", lambda tmp: run_trial(Trial(n_neurons=10**9, backend="analog"))),
])


def _huge_network():
    with nengo.Network() as net:
        LegendreMemory(order=2, theta=1.0, n_neurons=10**8)
    return net


cases("simulator", ValidationError, r"network: must be a nengo.Network", [
    ("str", lambda tmp: nengo_lmu.simulator("not a net")),
    ("None", lambda tmp: nengo_lmu.simulator(None)),
    ("ensemble", lambda tmp: nengo_lmu.simulator(nengo.Ensemble(10, 1, add_to_container=False))),
])
cases("simulator", ValidationError, r"backend: must be one of", [
    ("gpu", lambda tmp: nengo_lmu.simulator(nengo.Network(), backend="gpu")),
    ("None", lambda tmp: nengo_lmu.simulator(nengo.Network(), backend=None)),
])
cases("simulator", BuildError, r"n_neurons: the build must fit", [
    ("1e8 neurons", lambda tmp: nengo_lmu.simulator(_huge_network())),
])

# --- networks -------------------------------------------------------------------

CELL = dict(units=4, order=2, theta=0.5)
for flag in ("spiking", "hidden_to_memory", "memory_to_memory", "input_to_hidden",
             "hidden_to_hidden"):
    cases(f"LMUCell.{flag}", ValidationError, rf"{flag}: must be True or False", [
        (repr(v), lambda tmp, f=flag, v=v: LMUCell(**CELL, **{f: v}))
        for v in ("no", "false", 2)
    ])
for field, value in (("units", 0), ("order", 0), ("theta", -1.0), ("size_in", 0),
                     ("memory_d", 0), ("rate_scale", 0.0), ("hidden_synapse", -0.1)):
    cases(f"LMUCell.{field}", ValidationError, rf"{field}: ", [
        (repr(value), lambda tmp, f=field, v=value: LMUCell(**dict(CELL, **{f: v})))])
cases("LMUNetwork", ValidationError, r"cells: ", [
    ("empty", lambda tmp: LMUNetwork(1, 1, [])),
    ("no units", lambda tmp: LMUNetwork(1, 1, [dict(order=2, theta=0.5)])),
    ("not dicts", lambda tmp: LMUNetwork(1, 1, ["cell"])),
    ("size_in", lambda tmp: LMUNetwork(1, 1, [dict(CELL, size_in=2)])),
])
for field, args in (("size_in", (0, 1)), ("size_out", (1, -1))):
    cases(f"LMUNetwork.{field}", ValidationError, rf"{field}: ", [
        ("bad", lambda tmp, a=args: LMUNetwork(*a, [CELL]))])
cases("LMUNetwork.spiking", ValidationError, r"spiking: must be True or False", [
    ("no", lambda tmp: LMUNetwork(1, 1, [CELL], spiking="no"))])
cases("LMUNetwork.readout_synapse", ValidationError, r"readout_synapse: ", [
    ("-0.01", lambda tmp: LMUNetwork(1, 1, [CELL], readout_synapse=-0.01))])

MEM = dict(order=4, theta=1.0, n_neurons=100)
for field, value in (("order", 0), ("theta", 0.0), ("n_neurons", 3), ("dt", 1.0),
                     ("mapping", "cont"), ("synapse", -1.0), ("discretizer", "rk4"),
                     ("size_in", 0), ("single_ensemble", "no"), ("n_eval_points", 0),
                     ("eval_points", "gauss"), ("solver", "lstsq"), ("neuron_type", nengo.neurons.NeuronType())):
    cases(f"LegendreMemory.{field}", ValidationError, rf"{field}: ", [
        (repr(value), lambda tmp, f=field, v=value: LegendreMemory(**dict(MEM, **{f: v})))])
cases("memory.backend", ValidationError, r"backend: must be one of", [
    ("gpu", lambda tmp: memory("gpu", **MEM))])
cases("memory.mapping", ValidationError, r"mapping: must be 'discrete' on Loihi", [
    ("loihi", lambda tmp: memory("loihi", mapping="continuous", **MEM))])
cases("memory.single_ensemble", ValidationError, r"single_ensemble: is not available", [
    ("loihi", lambda tmp: memory("loihi", single_ensemble=True, **MEM)),
    ("analog", lambda tmp: memory("analog", single_ensemble=True, **MEM)),
])


def _loihi_memory(**kwargs):
    from nengo_lmu.hardware.loihi import LoihiLegendreMemory  # noqa: PLC0415

    return LoihiLegendreMemory(**dict(MEM, **kwargs))


for field, value in (("mapping", "continuous"), ("neurons_per_core", 0),
                     ("max_rates", (200.0, 2000.0)), ("intercepts", (-2.0, 0.5)),
                     ("neuron_type", nengo.LIFRate()),
                     ("eval_points", "even")):
    cases(f"LoihiLegendreMemory.{field}", ValidationError, rf"{field}: ", [
        (repr(value), lambda tmp, f=field, v=value: _loihi_memory(**{f: v}))])

# --- grids, axes and grid files -------------------------------------------------

cases("grid", ValidationError, r"field: must name a Trial field", [
    ("unknown axis", lambda tmp: sweep.grid(foo=[1])),
    ("unknown base", lambda tmp: sweep.grid({"bar": 1})),
    ("parse_axis", lambda tmp: sweep.parse_axis("nope=1")),
    ("parse_value", lambda tmp: sweep.parse_value("nope", "1")),
])
cases("grid", ValidationError, r"order: ", [
    ("empty axis", lambda tmp: sweep.grid(order=[])),
    ("bad value", lambda tmp: sweep.grid(order=[2, 0])),
    ("parse int", lambda tmp: sweep.parse_value("order", "x")),
    ("parse range", lambda tmp: sweep.parse_axis("order=a:b")),
])
cases("grid", ValidationError, r"delays: each value of this axis is itself a list", [
    ("flat", lambda tmp: sweep.grid(delays=[0.5, 1.0]))])
cases("grid", ValidationError, r"grid: must be FIELD=VALUE", [
    ("no =", lambda tmp: sweep.parse_axis("order"))])
cases("parse_value", ValidationError, r"state_scaling: must be of type bool", [
    ("maybe", lambda tmp: sweep.parse_value("state_scaling", "maybe"))])
cases("parse_value", ValidationError, r"delays: must be fractions of theta", [
    ("a/b", lambda tmp: sweep.parse_value("delays", "a/b"))])
cases("parse_value", ValidationError, r"backend_options: must be name:value pairs", [
    ("no colon", lambda tmp: sweep.parse_value("backend_options", "target"))])


def grid_file(name, text):
    def make(tmp):
        path = tmp / name
        path.write_text(text)
        return sweep.load_grids(path)
    return make


GRID_FILES = [
    ("toml state_scaling 'false'", "g.toml", '[base]\nstate_scaling = "false"\n',
     r"state_scaling: must be True or False"),
    ("toml rate_twin 'no'", "g.toml", '[base]\nrate_twin = "no"\n', r"rate_twin: must be"),
    ("yaml rate_twin 'no'", "g.yaml", 'base:\n  rate_twin: "no"\n', r"rate_twin: must be"),
    ("yaml state_scaling 'False'", "g.yml", "grid:\n  state_scaling: ['False']\n",
     r"state_scaling: must be"),
    ("yaml single_ensemble 'yes'", "g.yaml", "base:\n  single_ensemble: 'yes'\n",
     r"single_ensemble: must be"),
    ("toml unknown table", "g.toml", "[axes]\norder = [1]\n", r"path: .* may hold only"),
    ("toml unknown base field", "g.toml", "[base]\nordre = 2\n", r"field: must name a Trial"),
    ("toml unknown grid field", "g.toml", "[[grid]]\nneurons = [1]\n",
     r"field: must name a Trial"),
    ("json suffix", "g.json", "{}", r"path: must end in .toml"),
    ("toml order 'six'", "g.toml", '[base]\norder = "six"\n', r"order: must be of type int"),
    ("toml delays 1.5", "g.toml", "[base]\ndelays = [1.5]\n", r"delays: must be fractions"),
    ("toml duration 0.5", "g.toml", "[base]\nduration = 0.5\n", r"duration: must be longer"),
    ("toml seed -1", "g.toml", "[[grid]]\nseed = [0, -1]\n", r"seed: must be an integer in"),
    ("yaml backend gpu", "g.yaml", "grid:\n  backend: [gpu]\n", r"backend: must be one of"),
    ("toml empty axis", "g.toml", "[[grid]]\norder = []\n", r"order: axis 'order' has no"),
    ("toml syntax", "g.toml", "[base\norder = 2\n", r"path: must be a valid TOML file"),
    ("yaml syntax", "g.yaml", "base: [order: 2\n", r"path: must be a valid YAML file"),
    ("yaml list", "g.yaml", "- order: 2\n", r"path: .* must hold 'base' and 'grid'"),
    ("yaml base list", "g.yaml", "base: [1, 2]\n", r"path: .* 'base' must be a table"),
]
for label, name, text, match in GRID_FILES:
    cases("grid file", ValidationError, match, [(label, grid_file(name, text))])


@case("grid file-not utf-8", ValidationError, r"path: must be a valid TOML file")
def _(tmp):
    (tmp / "g.toml").write_bytes(b"\xff\xfe[base]\n")
    return sweep.load_grids(tmp / "g.toml")


# --- run_sweep ------------------------------------------------------------------

SMALL = Trial(order=2, theta=0.5, duration=1.0, n_neurons=20)
cases("run_sweep.n_workers", ValidationError, r"n_workers: must be an integer >= 1", [
    (repr(v), lambda tmp, v=v: sweep.run_sweep([SMALL], tmp, n_workers=v, progress=False))
    for v in (0, -1, 1.5, True, "4")
])
cases("run_sweep.scheduler", ValidationError, r"scheduler: must be 'serial'", [
    ("mpi", lambda tmp: sweep.run_sweep([SMALL], tmp, scheduler="mpi", progress=False))])
cases("run_sweep.trials", ValidationError, r"trials: must be a list of Trial", [
    ("dicts", lambda tmp: sweep.run_sweep([{"order": 2}], tmp, progress=False))])


@case("run_sweep.resume-non-empty store", ValidationError, r"resume: .* already holds 1 rec")
def _(tmp):
    Store(tmp).append({"key": "other"})
    return sweep.run_sweep([SMALL], tmp, scheduler="serial", progress=False)


# --- load(): files that are not a saved network ---------------------------------


def saved(tmp, **change):
    """Save a small network, then rewrite its arrays with ``change`` (None removes)."""
    net = LMUNetwork(1, 2, [dict(CELL)], seed=0)
    net.save(tmp / "net.npz")
    with np.load(tmp / "net.npz") as data:
        arrays = dict(data)
    for name, value in change.items():
        if value is None:
            arrays.pop(name)
        else:
            arrays[name] = value
    np.savez(tmp / "bad.npz", **arrays)
    return tmp / "bad.npz"


def spec(**change):
    text = json.dumps({**dict(size_in=1, size_out=2, cells=[dict(CELL)], readout_synapse=0.01,
                              dt=0.001, seed=0), **change})
    return np.array(text)


cases("load", ValidationError, r"path: must hold exactly the parameters", [
    ("missing readout", lambda tmp: load(saved(tmp, readout=None))),
    ("missing bias", lambda tmp: load(saved(tmp, **{"cell0.bias": None}))),
    ("extra array", lambda tmp: load(saved(tmp, extra=np.zeros(3)))),
    ("flag turned on", lambda tmp: load(saved(tmp, __spec__=spec(
        cells=[dict(CELL, hidden_to_memory=True)])))),
])
cases("load", ValidationError, r"values: readout must hold finite numbers", [
    ("nan", lambda tmp: load(saved(tmp, readout=np.full((2, 4), np.nan)))),
    ("inf", lambda tmp: load(saved(tmp, readout=np.full((2, 4), np.inf)))),
])
cases("load", ValidationError, r"values: readout must hold numbers", [
    ("strings", lambda tmp: load(saved(tmp, readout=np.array(["a", "b"]))))])
cases("load", ValidationError, r"values: readout must have shape", [
    ("shape", lambda tmp: load(saved(tmp, readout=np.zeros((3, 3)))))])
cases("load", BuildError, r"n_neurons: the build must fit", [
    ("1e9 neurons", lambda tmp: load(saved(tmp, __spec__=spec(
        cells=[dict(CELL, n_neurons=10**9)]))))])
cases("load", ValidationError, r"path: must be an .npz file written by LMUNetwork.save", [
    ("garbage", lambda tmp: (tmp / "g.npz").write_bytes(b"garbage" * 50) and load(tmp / "g.npz")),
    ("empty", lambda tmp: (tmp / "e.npz").write_bytes(b"") or load(tmp / "e.npz")),
    ("npy", lambda tmp: np.save(tmp / "a.npy", np.zeros(3)) or load(tmp / "a.npy")),
    ("no spec", lambda tmp: load(saved(tmp, __spec__=None))),
    ("spec not json", lambda tmp: load(saved(tmp, __spec__=np.array("{not json")))),
    ("spec a list", lambda tmp: load(saved(tmp, __spec__=np.array("[1, 2]")))),
    ("truncated", lambda tmp: (tmp / "t.npz").write_bytes(
        saved(tmp).read_bytes()[:200]) and load(tmp / "t.npz")),
])
cases("load", ValidationError, r"spiking: must be True or False", [
    ("spiking 'no'", lambda tmp: load(saved(tmp), spiking="no"))])

# --- the store ------------------------------------------------------------------


def stored(tmp, text):
    """A store holding one good record and the record file ``bad`` with ``text``."""
    store = Store(tmp / "s")
    store.append({"key": "good", "x": 1.0})
    path = tmp / "s" / "records" / "bad.json"
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    return store


GOOD = json.dumps({"schema": 2, "sha256": "0" * 64, "record": {"key": "bad"}})
cases("store.records", CorruptRecordError, r"record: .*bad.json must be a whole record", [
    ("empty", lambda tmp: stored(tmp, "").records()),
    ("whitespace", lambda tmp: stored(tmp, "\n  ").records()),
    ("truncated", lambda tmp: stored(tmp, GOOD[:40]).records()),
    ("garbage", lambda tmp: stored(tmp, b"\x00\xff garbage").records()),
    ("checksum", lambda tmp: stored(tmp, GOOD).records()),
    ("schema", lambda tmp: stored(tmp, GOOD.replace('"schema": 2', '"schema": 9')).records()),
    ("a list", lambda tmp: stored(tmp, "[1, 2]").records()),
    ("no key", lambda tmp: stored(tmp, '{"x": 1}').records()),
    ("other key", lambda tmp: stored(tmp, '{"key": "good"}').records()),
    ("dataframe", lambda tmp: stored(tmp, "").dataframe()),
])
cases("Store", ValidationError, r"store: must be a results store", [
    ("missing", lambda tmp: Store(tmp / "typo", create=False)),
    ("a file", lambda tmp: (tmp / "f").write_text("x") and Store(tmp / "f", create=False)),
    ("empty folder", lambda tmp: Store(tmp, create=False)),
])
cases("Store.append", ValidationError, r"record: must have a 'key'", [
    ("no key", lambda tmp: Store(tmp).append({"x": 1})),
    ("not a dict", lambda tmp: Store(tmp).append(["key"])),
])
cases("Store.append", ValidationError, r"key: must be a plain file name", [
    ("path", lambda tmp: Store(tmp).append({"key": "../evil"})),
    ("hidden", lambda tmp: Store(tmp).append({"key": ".x"})),
    ("number", lambda tmp: Store(tmp).append({"key": 5})),
])

# --- the command line: one line on stderr, exit status 2 ------------------------

CLI = [
    ("demo --neurons 0", r"argument --neurons: must be an integer >= 1"),
    ("demo --neurons -5", r"argument --neurons: must be an integer >= 1"),
    ("demo --neurons many", r"argument --neurons: must be an integer"),
    ("demo --order 0", r"argument --order: must be an integer >= 1"),
    ("demo --theta 0", r"argument --theta: must be a finite number > 0"),
    ("demo --theta -1", r"argument --theta: must be a finite number > 0"),
    ("demo --theta nan", r"argument --theta: must be a finite number > 0"),
    ("demo --duration 0.5", r"duration: must be longer than theta"),
    ("demo --duration inf", r"argument --duration: must be a finite number > 0"),
    ("demo --high 0", r"argument --high: must be a finite number > 0"),
    ("demo --seed -1", r"argument --seed: must be an integer >= 0"),
    ("demo --seed 4294967296", r"seed: must be an integer in \[0, 2\*\*32 - 1\]"),
    ("demo --loihi-neurons -1", r"argument --loihi-neurons: must be an integer >= 0"),
    ("demo --analog-neurons -3", r"argument --analog-neurons: must be an integer >= 0"),
    ("demo --neuron-type foo", r"argument --neuron-type: invalid choice"),
    ("demo --neurons 3 --order 6", r"n_neurons: must be at least order"),
    ("run --set order=0", r"order: must be an integer >= 1"),
    ("run --set foo=1", r"field: must name a Trial field"),
    ("run --set state_scaling=maybe", r"state_scaling: must be of type bool"),
    ("run --set delays=2", r"delays: must be fractions of theta in \[0, 1\]"),
    ("run --set backend=gpu", r"backend: must be one of"),
    ("run --set seed=-1", r"seed: must be an integer in"),
    ("run --set n_neurons=1000000000", r"n_neurons: the build must fit"),
    ("run --set order", r"grid: must be FIELD=VALUE"),
    ("run --set order=1,2", r"order: --set takes one value"),
    ("run --set rate_twin=nope", r"rate_twin: must be of type bool"),
    ("run --set backend_options=target", r"backend_options: must be name:value pairs"),
    ("run --set backend_options=dt:0.1", r"backend_options: must not set 'dt'"),
    ("run --set duration=0.5", r"duration: must be longer than theta"),
    ("run --set mapping=exact", r"mapping: must be one of"),
    ("sweep --out {tmp}/s --grid order=2 --workers -1", r"argument --workers: must be an"),
    ("sweep --out {tmp}/s --grid order=2 --workers 0", r"argument --workers: must be an"),
    ("sweep --out {tmp}/s --grid order=2 --workers x", r"argument --workers: must be an"),
    ("sweep --out {tmp}/s --study quick --seeds 0", r"argument --seeds: must be an integer"),
    ("sweep --out {tmp}/s --study huge", r"argument --study: invalid choice"),
    ("sweep --out {tmp}/s", r"sweep: nothing to run"),
    ("sweep --out {tmp}/s --grid foo=1", r"field: must name a Trial field"),
    ("sweep --out {tmp}/s --grid order=", r"order: axis 'order' has no values"),
    ("sweep --out {tmp}/s --grid delays=2", r"delays: must be fractions of theta"),
    ("sweep --out {tmp}/s --config {tmp}/missing.toml", r"No such file or directory: .*missing"),
    ("sweep --out {tmp}/s --config {tmp}/g.json", r"path: must end in .toml"),
    ("sweep --out {tmp}/s --grid order=2 --scheduler mpi", r"scheduler: must be 'serial'"),
    ("sweep --grid order=2", r"the following arguments are required: --out"),
    ("report {tmp}/typo", r"store: must be a results store written by a sweep, but .* does n"),
    ("report {tmp}", r"store: must be a results store written by a sweep, but .* holds no"),
    ("report {tmp}/s --resamples 0", r"argument --resamples: must be an integer >= 1"),
    ("analog --chips 0", r"argument --chips: must be an integer >= 1"),
    ("analog --workers 0", r"argument --workers: must be an integer >= 1"),
    ("analog --neuron-type foo", r"argument --neuron-type: invalid choice"),
    ("train --seed -1", r"argument --seed: must be an integer >= 0"),
    ("train --task foo", r"argument --task: invalid choice"),
    ("", r"the following arguments are required: command"),
    ("fly", r"argument command: invalid choice: 'fly'"),
    ("--bogus demo", r"unrecognized arguments: --bogus"),
]


def command(line):
    def make(tmp):
        return cli.main(line.format(tmp=tmp).split())
    return make


for line, match in CLI:
    cases("cli", SystemExit, match, [(line or "(nothing)", command(line))])


@pytest.fixture
def builds(monkeypatch):
    """How many nengo models, simulators and trial simulations were started."""
    count = {"n": 0}

    def counting(original):
        def wrapper(*args, **kwargs):
            count["n"] += 1
            return original(*args, **kwargs)
        return wrapper

    monkeypatch.setattr(nengo.Simulator, "__init__", counting(nengo.Simulator.__init__))
    monkeypatch.setattr(nengo.builder.Model, "__init__",
                        counting(nengo.builder.Model.__init__))
    monkeypatch.setattr(experiment, "_simulate", counting(experiment._simulate))
    monkeypatch.setattr(sweep, "run_trial", counting(sweep.run_trial))
    return count


def test_there_are_enough_cases():
    assert len(CASES) >= 150


@pytest.mark.parametrize("make, error, match", CASES)
def test_bad_input_is_refused_before_any_build(make, error, match, tmp_path, builds,
                                               capsys):
    with pytest.raises(error) as info:
        make(tmp_path)
    if error is SystemExit:
        assert info.value.code == 2
        err = capsys.readouterr().err.strip().splitlines()
        message = err[-1]  # argparse prints its usage first; ours is one line
        assert message.startswith("nengo-lmu"), err
        assert "Traceback" not in "\n".join(err)
    else:
        message = str(info.value)
    assert re.search(match, message), message
    assert builds["n"] == 0, "something was built or simulated before the error"


def test_the_build_counter_sees_builds(builds, capsys):
    """The fixture the table relies on does count a build and a simulation."""
    run_trial(SMALL)
    assert builds["n"] >= 3  # a trial, its model and its simulator (and the twin's)
    before = builds["n"]
    assert cli.main(["run", "--set", "order=2", "--set", "theta=0.5", "--set", "duration=1",
                     "--set", "n_neurons=20", "--no-progress"]) == 0
    assert builds["n"] > before
