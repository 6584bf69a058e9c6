import errno
import json
import os
import socket
import subprocess
import sys
import threading

import pytest
from nengo.exceptions import ValidationError

from nengo_lmu.analysis import store as store_module
from nengo_lmu.analysis.store import SCHEMA, CorruptRecordError, Store


def test_append_is_exclusive_and_readable(tmp_path):
    store = Store(tmp_path / "s")
    assert store.append({"key": "b", "x": 2.0}) and store.append({"key": "a", "x": float("nan")})
    assert not store.append({"key": "a", "x": 3.0})
    assert store.keys() == {"a", "b"} and len(store) == 2 and "a" in store
    records = store.records()
    assert [r["key"] for r in records] == ["a", "b"] and records[1]["x"] == 2.0
    df = store.dataframe()
    assert list(df["key"]) == ["a", "b"] and df["x"].isna().iloc[0]
    # a fresh Store on the same folder sees the same records
    assert Store(tmp_path / "s").keys() == {"a", "b"}


def test_concurrent_writers_store_a_key_once(tmp_path):
    store = Store(tmp_path)
    results = []
    threads = [threading.Thread(target=lambda i=i: results.append(
        store.append({"key": "same", "writer": i}))) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [False] * 7 + [True]
    assert len(store.records()) == 1


def test_partial_writes_are_invisible(tmp_path):
    store = Store(tmp_path)
    store.append({"key": "done", "x": 1})
    # what a process killed while writing leaves behind: a temporary file
    (tmp_path / "records" / ".tmpabc.tmp").write_text('{"key": "half')
    assert store.keys() == {"done"}
    assert [r["key"] for r in store.records()] == ["done"]
    # and no temporary files are left by a normal write
    assert sorted(p.name for p in (tmp_path / "records").iterdir()) == [
        ".tmpabc.tmp", "done.json"]


def test_failures_are_superseded_by_success(tmp_path):
    store = Store(tmp_path)
    store.append_failure({"key": "k", "error": "ValueError: boom"})
    assert store.failed_keys() == {"k"} and store.failures()[0]["error"] == "ValueError: boom"
    assert not store.append_failure({"key": "k", "error": "again"})
    store.append({"key": "k", "x": 1})
    assert store.failed_keys() == set() and store.keys() == {"k"}
    assert json.loads((tmp_path / "failed" / "k.json").read_text())["record"]["error"] == (
        "ValueError: boom")


@pytest.mark.parametrize("record, match", [
    ({"x": 1}, "record: must have a 'key'"),
    ({"key": "../evil"}, "key: must be a plain file name"),
    ({"key": ".hidden"}, "key: must be a plain file name"),
])
def test_bad_records(tmp_path, record, match):
    with pytest.raises(ValidationError, match=match):
        Store(tmp_path).append(record)


def test_records_carry_a_checksum_and_corruption_is_named(tmp_path):
    store = Store(tmp_path)
    store.append({"key": "a", "x": 1.5, "y": float("nan")})
    content = json.loads((tmp_path / "records" / "a.json").read_text())
    assert content["schema"] == SCHEMA and len(content["sha256"]) == 64
    assert store.check() == []
    # a record edited by hand no longer matches its checksum
    edited = dict(content, record=dict(content["record"], x=2.5))
    (tmp_path / "records" / "a.json").write_text(json.dumps(edited))
    with pytest.raises(CorruptRecordError, match=r"a\.json must be a whole .* checksum"):
        store.records()
    [problem] = store.check()
    assert problem.path.endswith("a.json") and "checksum" in problem.reason


def test_version_1_records_are_still_read(tmp_path):
    """Stores written before records carried a checksum (a plain record per file)."""
    store = Store(tmp_path)
    (tmp_path / "records" / "old.json").write_text(json.dumps({"key": "old", "x": 1}))
    assert store.records() == [{"key": "old", "x": 1}] and store.check() == []


def test_quarantine_moves_corrupt_files_aside(tmp_path):
    store = Store(tmp_path)
    store.append({"key": "good", "x": 1})
    store.append_failure({"key": "f", "error": "E"})
    (tmp_path / "records" / "empty.json").write_text("")
    (tmp_path / "records" / "cut.json").write_text('{"schema": 2, "sha256": "ab", "rec')
    (tmp_path / "failed" / "junk.json").write_bytes(b"\x00\x01")
    problems = store.quarantine()
    assert sorted(os.path.basename(p.path) for p in problems) == [
        "cut.json", "empty.json", "junk.json"]
    assert {p.reason.split(" (")[0] for p in problems} == {
        "it is empty", "it is not valid JSON"}
    assert store.keys() == {"good"} and store.failed_keys() == {"f"}
    moved = sorted(os.listdir(tmp_path / "corrupt"))
    assert [m.split("-")[0] for m in moved] == ["failed", "records", "records"]
    assert store.check() == [] and store.quarantine() == []


def test_a_failed_write_leaves_nothing(tmp_path, monkeypatch):
    """A full disk while writing: no record, no temporary file, the store intact."""
    store = Store(tmp_path)
    store.append({"key": "kept", "x": 1})

    def full(fd):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr("nengo_lmu.analysis.store.os.fsync", full)
    with pytest.raises(OSError, match="No space left"):
        store.append({"key": "lost", "x": 2})
    monkeypatch.undo()
    assert os.listdir(tmp_path / "records") == ["kept.json"]
    assert store.check() == [] and store.keys() == {"kept"}


def test_claims_are_exclusive_and_stale_ones_are_taken_over(tmp_path):
    store = Store(tmp_path)
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        # another live process holds "busy"
        holder = {"host": socket.gethostname(), "pid": sleeper.pid,
                  "start": store_module._process_start(sleeper.pid), "time": 0}
        (tmp_path / "claims" / "busy.json").write_text(json.dumps(holder))
        assert not store.claim("busy") and store.claimed_keys() == {"busy"}
        # the same pid, started at another time: a reused pid, so stale
        holder["start"] -= 1
        (tmp_path / "claims" / "reused.json").write_text(json.dumps(holder))
        assert store.claim("reused")
    finally:
        sleeper.kill()
        sleeper.wait()
    assert store.claimed_keys() == set()  # the holder died: its claim is stale
    assert store.claim("busy")
    assert json.loads((tmp_path / "claims" / "busy.json").read_text())["pid"] == os.getpid()
    (tmp_path / "claims" / "cut.json").write_text('{"host": "x", "p')  # writer died
    assert store.claim("cut")
    for key in ("busy", "reused", "cut"):
        store.release(key)
    assert os.listdir(tmp_path / "claims") == []


def test_an_existing_store_opens_read_only(tmp_path):
    """create=False writes nothing: a store made before claims existed, read-only."""
    (tmp_path / "records").mkdir()
    (tmp_path / "records" / "a.json").write_text(json.dumps({"key": "a"}))
    tmp_path.chmod(0o555)
    try:
        store = Store(tmp_path, create=False)
        assert store.keys() == {"a"} and store.failed_keys() == set()
        assert store.claimed_keys() == set() and store.records() == [{"key": "a"}]
    finally:
        tmp_path.chmod(0o755)
    assert sorted(os.listdir(tmp_path)) == ["records"]


def test_write_atomic_links_or_replaces_and_leaves_no_temporary_file(tmp_path):
    write_atomic = store_module.write_atomic
    path = tmp_path / "results.json"
    assert write_atomic(path, "one")
    assert not write_atomic(path, "two")  # a link never overwrites
    assert path.read_text() == "one"
    assert write_atomic(path, "three", replace=True)
    assert path.read_text() == "three"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["results.json"]
    assert (path.stat().st_mode & 0o777) == 0o644
