import dataclasses
import errno
import json
import os
import signal
import socket
import subprocess
import sys
import time

import pytest
from nengo.exceptions import ValidationError

from nengo_lmu.analysis import sweep
from nengo_lmu.analysis.experiment import TIMING_FIELDS, Trial
from nengo_lmu.analysis.store import CorruptRecordWarning, Store

# small, fast trials: about 0.2 s each with their rate twins
BASE = Trial(order=2, theta=0.5, duration=1.0, n_neurons=100, delays=(1.0,))


def same(a, b):
    """Records equal in every field but the machine's timings."""
    return {k: v for k, v in a.items() if k not in TIMING_FIELDS} == {
        k: v for k, v in b.items() if k not in TIMING_FIELDS}


def by_key(store):
    return {r["key"]: r for r in store.records()}


@pytest.fixture(scope="module")
def serial(tmp_path_factory):
    """A tiny grid run serially: the reference for the other schedulers."""
    trials = sweep.grid(BASE, n_neurons=[100, 200], seed=[0, 1, 2])
    store = Store(tmp_path_factory.mktemp("serial"))
    result = sweep.run_sweep(trials, store, scheduler="serial", progress=False)
    assert (result.ran, result.failed, result.skipped) == (6, 0, 0)
    return trials, by_key(store)


def test_grid_and_parsing():
    trials = sweep.grid({"order": 3}, n_neurons=[10, 20], neuron_type="lif")
    assert [(t.order, t.n_neurons, t.neuron_type) for t in trials] == [
        (3, 10, "lif"), (3, 20, "lif")]
    assert sweep.parse_axis("input_high=1,2.5") == ("input_high", [1.0, 2.5])
    assert sweep.parse_axis("state_scaling=false,true") == ("state_scaling", [False, True])
    assert sweep.parse_axis("delays=0/0.5/1") == ("delays", [(0.0, 0.5, 1.0)])
    assert len(sweep.unique(trials + trials)) == 2
    assert sweep.parse_axis("backend_options=target:sim/max_chips:2") == (
        "backend_options", [(("target", "sim"), ("max_chips", 2))])
    with pytest.raises(ValidationError, match=r"field: must name a Trial field, one of \["):
        sweep.grid(neurons=[1])
    with pytest.raises(ValidationError, match="n_neurons: must be of type int"):
        sweep.parse_axis("n_neurons=many")
    with pytest.raises(ValidationError, match="delays: must be fractions of theta sep"):
        sweep.parse_axis("delays=a/b")
    with pytest.raises(ValidationError, match="grid: must be FIELD=VALUE"):
        sweep.parse_axis("n_neurons")
    with pytest.raises(ValidationError, match="seed: axis 'seed' has no values"):
        sweep.parse_axis("seed=5:0") and sweep.grid(seed=range(5, 0))
    with pytest.raises(ValidationError, match=r"delays: each value of this axis is itself"):
        sweep.grid(delays=[0.5, 1.0])
    # equal trials have equal keys, however their numbers were written
    assert sweep.grid(theta=[1])[0].key == Trial(theta=1.0).key


def test_grid_files(tmp_path):
    toml = tmp_path / "g.toml"
    toml.write_text('[base]\norder = 3\n\n[[grid]]\nn_neurons = [30, 60]\n\n'
                    '[[grid]]\nneuron_type = ["lif"]\nseed = [1, 2]\n')
    yaml = tmp_path / "g.yaml"
    yaml.write_text("base: {order: 3, theta: 1}\ngrid:\n  - {n_neurons: [30, 60]}\n"
                    "  - {neuron_type: [lif], seed: [1, 2]}\n")
    a, b = sweep.load_grids(toml), sweep.load_grids(yaml)
    assert a == b and len(a) == 4 and all(t.order == 3 for t in a)
    assert {t.key for t in a} == {t.key for t in b}
    assert [t.seed for t in a if t.neuron_type == "lif"] == [1, 2]
    with pytest.raises(ValidationError, match=r"path: must end in .toml"):
        sweep.load_grids(tmp_path / "g.json")
    tables = tmp_path / "t.toml"
    tables.write_text('[base]\nbackend = "loihi"\nneuron_type = "spiking-relu"\n'
                      'backend_options = {target = "sim"}\n\n'
                      '[[grid]]\ndelays = [[0.5, 1.0], [1.0]]\n')
    t = sweep.load_grids(tables)
    assert [x.delays for x in t] == [(0.5, 1.0), (1.0,)]
    assert t[0].backend_options == (("target", "sim"),)
    typo = tmp_path / "typo.toml"
    typo.write_text('[[grids]]\nseed = [1, 2]\n')
    with pytest.raises(ValidationError, match=r"path: typo.toml may hold only 'base' and"):
        sweep.load_grids(typo)


def test_records_are_the_trials(serial):
    trials, records = serial
    assert set(records) == {t.key for t in trials}
    for t in trials:
        r = records[t.key]
        assert Trial.from_record(r) == t
        assert r["twin_neuron_type"] == "lifrate"
        assert 0 < r["twin_normalised_state_error"] < r["normalised_state_error"]


def test_interrupted_sweep_resumes_without_loss_or_repeats(serial, tmp_path, monkeypatch):
    trials, reference = serial
    store = Store(tmp_path)
    calls = []
    real = sweep.run_trial

    def interrupted(trial):
        calls.append(trial.key)
        if len(calls) == 4:  # Ctrl-C in the middle of the fourth trial
            raise KeyboardInterrupt
        return real(trial)

    monkeypatch.setattr(sweep, "run_trial", interrupted)
    with pytest.raises(KeyboardInterrupt):
        sweep.run_sweep(trials, store, scheduler="serial", progress=False)
    assert store.keys() == set(calls[:3])
    monkeypatch.setattr(sweep, "run_trial", real)
    with pytest.raises(ValidationError, match="resume: .* already holds 3 records and 0 fa"):
        sweep.run_sweep(trials, store, scheduler="serial", progress=False)
    result = sweep.run_sweep(trials, store, scheduler="serial", progress=False, resume=True)
    assert (result.ran, result.skipped) == (3, 3)
    assert sorted(os.listdir(tmp_path / "records")) == sorted(f"{k}.json" for k in reference)
    for key, record in by_key(store).items():
        assert same(record, reference[key]), key
    again = sweep.run_sweep(trials, store, scheduler="serial", progress=False, resume=True)
    assert (again.ran, again.skipped) == (0, 6)


def test_killed_sweep_process_resumes(serial, tmp_path):
    """SIGKILL a real sweep process mid-way, then resume it from the command line."""
    trials, reference = serial
    out = tmp_path / "killed"
    cmd = [sys.executable, "-m", "nengo_lmu.cli", "sweep", "--out", str(out),
           "--scheduler", "serial", "--no-progress", "--set", "order=2", "--set", "theta=0.5",
           "--set", "duration=1.0", "--set", "delays=1", "--grid", "n_neurons=100,200",
           "--grid", "seed=0:3"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    records = out / "records"
    deadline = time.time() + 120
    while time.time() < deadline and (
            not records.exists() or len(list(records.glob("*.json"))) < 2):
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    n_before = len(list(records.glob("*.json")))
    assert 2 <= n_before < len(trials), "the sweep was not killed mid-way"
    before = by_key(Store(out))
    # the killed process's claim on the trial it was running is left behind
    left = [n for n in os.listdir(out / "claims") if not n.startswith(".")]
    assert len(left) <= 1 and Store(out).claimed_keys() == set()
    from nengo_lmu import cli

    assert cli.main(cmd[3:] + ["--resume"]) == 0
    # (a temporary file, named .*.tmp, may be left where the kill hit a write)
    assert [n for n in os.listdir(out / "claims") if not n.startswith(".")] == []
    assert len(list(records.glob("*.json"))) == len(trials)
    after = by_key(Store(out))
    assert set(after) == set(reference)
    for key, record in after.items():
        assert same(record, reference[key]), key
        if key in before:
            assert record == before[key]  # finished trials are never rerun


def test_failing_trial_is_recorded_and_the_sweep_goes_on(tmp_path):
    bad = dataclasses.replace(BASE, n_neurons=10**9)  # more than the machine's memory
    good = dataclasses.replace(BASE, seed=7)
    result = sweep.run_sweep([bad, good], tmp_path, scheduler="serial", progress=False)
    store = result.store
    assert (result.ran, result.failed) == (2, 1)
    assert store.keys() == {good.key} and store.failed_keys() == {bad.key}
    failure = store.failures()[0]
    assert failure["error"].startswith("BuildError") and "n_neurons" in failure["error"]
    assert "Traceback" in failure["traceback"] and failure["n_neurons"] == 10**9
    again = sweep.run_sweep([bad, good], tmp_path, scheduler="serial", progress=False,
                            resume=True)
    assert (again.ran, again.skipped) == (0, 2)
    retried = sweep.run_sweep([bad, good], tmp_path, scheduler="serial", progress=False,
                              resume=True, retry_failed=True)
    assert (retried.ran, retried.failed) == (1, 1)


def test_dask_local_cluster_gives_the_serial_records(serial, tmp_path):
    distributed = pytest.importorskip("distributed")
    trials, reference = serial
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=":0") as cluster, \
            distributed.Client(cluster) as client:
        result = sweep.run_sweep(trials, tmp_path, scheduler=client, progress=False)
        assert len(client.scheduler_info()["workers"]) == 2
    assert (result.ran, result.failed) == (6, 0)
    records = by_key(result.store)
    assert set(records) == set(reference)
    for key in records:
        assert same(records[key], reference[key]), key


def test_bad_scheduler(tmp_path):
    with pytest.raises(ValidationError, match="scheduler: must be 'serial', 'local', a sch"):
        sweep.run_sweep([BASE], tmp_path, scheduler="mpi", progress=False)


def test_corrupt_records_are_named_moved_aside_and_run_again(serial, tmp_path, capsys):
    trials, reference = serial
    from nengo_lmu import cli

    store = Store(tmp_path)
    sweep.run_sweep(trials, store, scheduler="serial", progress=False)
    keys = sorted(store.keys())
    files = [tmp_path / "records" / f"{k}.json" for k in keys]
    files[0].write_text(files[0].read_text()[:100])  # truncated
    files[1].write_text("")  # empty
    files[2].write_bytes(b"\x89PNG garbage")  # garbage
    # report names the first bad file, in one line, instead of a JSONDecodeError
    with pytest.raises(SystemExit) as exit_:
        cli.main(["report", str(tmp_path)])
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert f"{files[0]} must be a whole record" in err and "--resume" in err
    assert len(err.strip().splitlines()) == 1
    # a resumed sweep names each, moves it aside and runs its trial again
    with pytest.warns(CorruptRecordWarning) as warned:
        result = sweep.run_sweep(trials, store, scheduler="serial", progress=False,
                                 resume=True)
    assert sorted(str(w.message).split("to run again: record: ")[1].split(" must")[0]
                  for w in warned if w.category is CorruptRecordWarning) == sorted(
        str(f) for f in files[:3])
    assert (result.ran, result.skipped, len(result.corrupt)) == (3, 3, 3)
    assert "3 corrupt records moved aside and run again" in str(result)
    assert len(os.listdir(tmp_path / "corrupt")) == 3
    records = by_key(store)
    assert set(records) == set(reference)
    for key in keys:
        assert same(records[key], reference[key]), key


def test_corrupt_records_from_the_command_line(tmp_path, capsys):
    from nengo_lmu import cli

    args = ["sweep", "--out", str(tmp_path), "--scheduler", "serial", "--no-progress",
            "--set", "order=2", "--set", "theta=0.5", "--set", "duration=1.0",
            "--set", "delays=1", "--grid", "n_neurons=20,40"]
    assert cli.main(args) == 0
    bad = sorted((tmp_path / "records").iterdir())[0]
    bad.write_text(bad.read_text()[:-20])
    assert cli.main(args + ["--resume"]) == 0
    out = capsys.readouterr().out
    assert f"moved aside and ran again: {bad} (it is not valid JSON" in out
    assert "1 trials run (0 failed), 1 already in" in out
    assert Store(tmp_path).check() == [] and len(Store(tmp_path)) == 2


def test_a_full_disk_stops_the_sweep_and_loses_no_record(serial, tmp_path, monkeypatch,
                                                         capsys):
    trials, reference = serial
    real = Store.append
    writes = []

    def disk_full_on_third(self, record):
        writes.append(record["key"])
        if len(writes) == 3:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(self, record)

    monkeypatch.setattr(Store, "append", disk_full_on_third)
    with pytest.raises(sweep.StoreWriteError, match=(
            r"could not store the record of trial \w+ in .* \(No space left on device\); "
            r"the 2 records stored before it are intact")):
        sweep.run_sweep(trials, tmp_path, scheduler="serial", progress=False)
    monkeypatch.undo()
    store = Store(tmp_path)
    assert store.keys() == set(writes[:2]) and store.check() == []
    assert os.listdir(tmp_path / "claims") == []  # nothing left claimed
    result = sweep.run_sweep(trials, store, scheduler="serial", progress=False, resume=True)
    assert (result.ran, result.skipped) == (4, 2)
    assert len(os.listdir(tmp_path / "records")) == 6
    for key, record in by_key(store).items():
        assert same(record, reference[key])
    # from the command line: one readable line, exit status 2
    from nengo_lmu import cli

    def full(self, record):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(Store, "append", full)
    with pytest.raises(SystemExit) as exit_:
        cli.main(["sweep", "--out", str(tmp_path / "cli"), "--scheduler", "serial",
                  "--no-progress", "--set", "order=2", "--set", "theta=0.5",
                  "--set", "duration=1.0", "--grid", "n_neurons=20"])
    assert exit_.value.code == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("nengo-lmu sweep: error: [Errno 28] could not store the record")
    assert len(err.splitlines()) == 1


def test_trials_claimed_by_a_live_sweep_are_left_to_it(tmp_path):
    trials = sweep.grid(BASE, seed=[0, 1])
    store = Store(tmp_path)
    other = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        holder = {"host": socket.gethostname(), "pid": other.pid, "start": None, "time": 0}
        (tmp_path / "claims" / f"{trials[0].key}.json").write_text(json.dumps(holder))
        with pytest.raises(ValidationError, match=r"resume: .* \(1 trials in progress\)"):
            sweep.run_sweep(trials, store, scheduler="serial", progress=False)
        result = sweep.run_sweep(trials, store, scheduler="serial", progress=False,
                                 resume=True)
        assert (result.ran, result.elsewhere) == (1, 1)
        assert "1 being run by another sweep" in str(result)
        assert store.keys() == {trials[1].key}
    finally:
        other.kill()
        other.wait()
    result = sweep.run_sweep(trials, store, scheduler="serial", progress=False, resume=True)
    assert (result.ran, result.skipped, result.elsewhere) == (1, 1, 0)


def test_two_concurrent_sweeps_share_the_trials(tmp_path):
    """Two sweep processes on one store: every trial runs exactly once."""
    out = tmp_path / "shared"
    cmd = [sys.executable, "-m", "nengo_lmu", "sweep", "--out", str(out), "--resume",
           "--scheduler", "serial", "--no-progress", "--set", "order=2",
           "--set", "theta=0.5", "--set", "duration=1.0", "--set", "delays=1",
           "--grid", "n_neurons=100,200", "--grid", "seed=0:4"]
    procs = [subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(2)]
    outputs = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outputs
    ran = []
    for stdout, _ in outputs:
        line = next(x for x in stdout.splitlines() if "trials run" in x)
        ran.append(int(line.split()[0]))
    assert sum(ran) == 8, outputs  # none run twice, none left out
    store = Store(out)
    assert len(store) == 8 and store.check() == [] and os.listdir(out / "claims") == []
