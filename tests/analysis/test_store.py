import json
import threading

import pytest
from nengo.exceptions import ValidationError

from nengo_lmu.analysis.store import Store


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
