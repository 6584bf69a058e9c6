"""An append-only, integrity-checked results store on disk: one JSON file per trial.

A store is a folder::

    DIR/records/<key>.json   one finished trial's record
    DIR/failed/<key>.json    a trial that raised: its spec, error and traceback
    DIR/claims/<key>.json    a trial some sweep is running now (its process)
    DIR/corrupt/             records that failed their check, moved aside

Each record file holds the record with the store's schema version and the
SHA-256 of the record's canonical JSON, so a truncated, emptied or edited
file is detected (:meth:`Store.check`), named, and can be moved aside
(:meth:`Store.quarantine`) so that its trial runs again. Files are written to
a temporary name, flushed to disk and then hard-linked to their final name,
which the operating system does atomically and refuses if the name exists:
a reader sees a whole file or none, a process killed at any point leaves no
partial record, and two writers cannot both store the same trial. Nothing is
ever rewritten.

Claims let several sweeps share one store: a sweep claims a trial before
running it (:meth:`Store.claim`) and skips trials that another live process
has claimed; the claim of a process that died is taken over.
"""

import hashlib
import json
import os
import socket
import tempfile
import time

from nengo.exceptions import ValidationError

OK, FAILED, CLAIMS, CORRUPT = "records", "failed", "claims", "corrupt"

#: Version of the record files' layout. Files without one are version 1 (a
#: plain record, written before records carried a checksum): still read.
SCHEMA = 2


class CorruptRecordError(ValidationError):
    """A record file that is empty, truncated, edited or not a record."""

    def __init__(self, path, reason):
        self.path, self.reason = path, reason
        super().__init__(
            f"{path} must be a whole record written by the store, but {reason}; run "
            "the sweep again with --resume (resume=True) to move it aside and run its "
            "trial again, or call Store.quarantine()",
            "record",
        )


class CorruptRecordWarning(UserWarning):
    """A corrupt record was moved aside so that its trial runs again."""


def _digest(record):
    text = json.dumps(record, sort_keys=True, allow_nan=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def _process_start(pid):
    """The start time of process ``pid`` in clock ticks since boot (Linux), so
    that a reused pid is not mistaken for the process that made a claim."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return int(f.read().rsplit(")", 1)[1].split()[19])
    except (OSError, IndexError, ValueError):
        return None


def _alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process
        return True
    return True


def write_atomic(path, text, replace=False):
    """Write ``text`` to file ``path`` so that a reader sees a whole file or none.

    The text goes to a temporary file in the same folder, is flushed to disk
    and then takes the name ``path``: by a hard link, which the operating
    system refuses if the name exists (nothing is written and the result is
    False), or, with ``replace``, by a rename that replaces any file there
    (a reader sees the old file or the new one). A process killed at any
    point leaves no partial file under ``path``.

    Returns
    -------
    bool
        True if ``path`` now holds ``text``.
    """
    path = os.fspath(path)
    fd, tmp = tempfile.mkstemp(prefix=".", suffix=".tmp", dir=os.path.dirname(path) or ".")
    try:
        os.fchmod(fd, 0o644)  # mkstemp's 0600 would hide records from others
        with os.fdopen(fd, "w") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        if replace:
            os.replace(tmp, path)
            return True
        try:
            os.link(tmp, path)
        except FileExistsError:
            return False
    finally:
        if not replace or os.path.exists(tmp):
            os.unlink(tmp)
    return True


def read_record(path, key=None):
    """The record in file ``path``, checked; :class:`CorruptRecordError` if it is not whole."""
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as e:
        raise CorruptRecordError(path, f"it cannot be read ({e.strerror})") from None
    if not data.strip():
        raise CorruptRecordError(path, "it is empty")
    try:
        content = json.loads(data)
    except (ValueError, UnicodeDecodeError):
        raise CorruptRecordError(
            path, f"it is not valid JSON (truncated? {len(data)} bytes)"
        ) from None
    if not isinstance(content, dict):
        raise CorruptRecordError(path, f"it holds a JSON {type(content).__name__}")
    if "schema" not in content:  # version 1: the plain record
        record = content
    else:
        if content["schema"] != SCHEMA:
            raise CorruptRecordError(
                path, f"its schema is {content['schema']!r}, this store reads {SCHEMA}"
            )
        record = content.get("record")
        if not isinstance(record, dict) or content.get("sha256") != _digest(record):
            raise CorruptRecordError(path, "its checksum does not match its contents")
    if not isinstance(record.get("key"), str):
        raise CorruptRecordError(path, "it has no 'key'")
    if key is not None and record["key"] != key:
        raise CorruptRecordError(path, f"it holds key {record['key']!r}, not its name's")
    return record


class Store:
    """The results store in folder ``path``.

    Parameters
    ----------
    path : str or os.PathLike
        The folder.
    create : bool, optional
        Create the folder when missing (default True); False raises a
        ``ValidationError`` for a folder that is not a store, e.g. a typo.

    Examples
    --------
    >>> import tempfile
    >>> store = Store(tempfile.mkdtemp())
    >>> store.append({"key": "a1", "state_error": 0.1})
    True
    >>> store.append({"key": "a1", "state_error": 0.2})  # already stored
    False
    >>> [r["state_error"] for r in store.records()]
    [0.1]
    """

    def __init__(self, path, create=True):
        self.path = os.fspath(path)
        if not create and not os.path.isdir(os.path.join(self.path, OK)):
            what = "does not exist" if not os.path.exists(self.path) else "holds no records/"
            raise ValidationError(
                f"must be a results store written by a sweep, but {self.path} {what} "
                f"(got {self.path!r})",
                "store",
            )
        if create:
            for sub in (OK, FAILED, CLAIMS):
                os.makedirs(os.path.join(self.path, sub), exist_ok=True)

    def __repr__(self):
        return f"Store({self.path!r}: {len(self)} records, {len(self.failed_keys())} failed)"

    def __len__(self):
        return len(self.keys())

    def __contains__(self, key):
        return os.path.exists(self._file(OK, key))

    def _file(self, kind, key):
        if not isinstance(key, str) or not key or os.sep in key or key.startswith("."):
            raise ValidationError(f"must be a plain file name (got {key!r})", "key")
        return os.path.join(self.path, kind, f"{key}.json")

    def _keys(self, kind):
        folder = os.path.join(self.path, kind)
        if not os.path.isdir(folder):  # a store opened with create=False
            return set()
        return {
            name[: -len(".json")]
            for name in os.listdir(folder)
            if name.endswith(".json") and not name.startswith(".")
        }

    def keys(self):
        """Keys of the finished trials."""
        return self._keys(OK)

    def failed_keys(self):
        """Keys of trials that failed and have not since finished."""
        return self._keys(FAILED) - self.keys()

    def _link(self, final, text):
        """Write ``text`` to ``final`` atomically; False if ``final`` exists."""
        return write_atomic(final, text)

    def _write(self, kind, record):
        final = self._file(kind, record["key"])
        envelope = {"schema": SCHEMA, "sha256": _digest(record), "record": record}
        return self._link(final, json.dumps(envelope, sort_keys=True, allow_nan=True))

    def append(self, record):
        """Store a finished trial's ``record`` (a dict with a ``key``).

        Returns False, and changes nothing, if that key is already stored.
        An ``OSError`` (e.g. a full disk) leaves no file behind.
        """
        if not isinstance(record, dict) or "key" not in record:
            raise ValidationError("must have a 'key' field", "record")
        return self._write(OK, record)

    def append_failure(self, record):
        """Store a failed trial (``key``, spec fields, ``error``, ``traceback``).

        A later failure of the same key is not stored again; a later success
        supersedes it (see :meth:`failed_keys`).
        """
        return self._write(FAILED, record)

    def _read(self, kind, keys):
        return [read_record(self._file(kind, key), key) for key in sorted(keys)]

    def records(self):
        """The finished trials' records, sorted by key.

        Raises :class:`CorruptRecordError`, naming the file, for a record
        that is not whole (see :meth:`quarantine`).
        """
        return self._read(OK, self.keys())

    def failures(self):
        """The failed trials' records (those not since finished), sorted by key."""
        return self._read(FAILED, self.failed_keys())

    def dataframe(self):
        """The finished records as a pandas DataFrame, one row per trial."""
        import pandas as pd  # noqa: PLC0415

        return pd.DataFrame(self.records())

    # --- integrity ------------------------------------------------------------

    def check(self):
        """Every record and failure file that is not whole, as CorruptRecordErrors."""
        problems = []
        for kind in (OK, FAILED):
            for key in sorted(self._keys(kind)):
                try:
                    read_record(self._file(kind, key), key)
                except CorruptRecordError as e:
                    problems.append(e)
        return problems

    def quarantine(self):
        """Move every file that fails :meth:`check` to ``DIR/corrupt/``.

        Their trials then count as not run, so a resumed sweep runs them
        again. Returns the problems found, each naming its file and why.
        """
        problems = self.check()
        if problems:
            folder = os.path.join(self.path, CORRUPT)
            os.makedirs(folder, exist_ok=True)
        for problem in problems:
            kind = os.path.basename(os.path.dirname(problem.path))
            stamp = time.strftime("%Y%m%dT%H%M%S")
            name = f"{kind}-{os.path.basename(problem.path)[:-5]}-{stamp}-{os.getpid()}.json"
            try:
                os.replace(problem.path, os.path.join(folder, name))
            except FileNotFoundError:  # another sweep moved it first
                pass
        return problems

    # --- claims ---------------------------------------------------------------

    def _holder(self):
        return {
            "host": socket.gethostname(),
            "pid": os.getpid(),
            "start": _process_start(os.getpid()),
            "time": time.time(),
        }

    def _live(self, holder):
        """Whether the process of a claim still runs (other hosts: assumed so)."""
        if not isinstance(holder, dict) or holder.get("host") != socket.gethostname():
            return isinstance(holder, dict)
        pid = holder.get("pid")
        if not isinstance(pid, int) or pid == os.getpid() or not _alive(pid):
            return False
        start = holder.get("start")
        return start is None or start == _process_start(pid)

    def _claim_holder(self, key):
        try:
            with open(self._file(CLAIMS, key)) as f:
                return json.load(f)
        except FileNotFoundError:
            raise
        except (OSError, ValueError):
            return None  # a claim cut short: its writer died

    def claim(self, key):
        """Claim trial ``key`` for this process: True if it is now ours.

        False if another live process holds it. The claim of a process that
        has died (or of this process, left over) is taken over.
        """
        final = self._file(CLAIMS, key)
        os.makedirs(os.path.dirname(final), exist_ok=True)
        text = json.dumps(self._holder())
        for _ in range(3):
            if self._link(final, text):
                return True
            try:
                holder = self._claim_holder(key)
            except FileNotFoundError:
                continue  # released meanwhile: try again
            if self._live(holder):
                return False
            # stale: move it away (only one taker's rename succeeds), then retry
            try:
                os.replace(final, f"{final}.stale-{os.getpid()}")
                os.unlink(f"{final}.stale-{os.getpid()}")
            except FileNotFoundError:
                pass
        return False

    def release(self, key):
        """Give up this process's claim of ``key`` (nothing if it holds none)."""
        final = self._file(CLAIMS, key)
        try:
            holder = self._claim_holder(key)
        except FileNotFoundError:
            return
        if isinstance(holder, dict) and holder.get("pid") == os.getpid() and (
            holder.get("host") == socket.gethostname()
        ):
            try:
                os.unlink(final)
            except FileNotFoundError:
                pass

    def claimed_keys(self):
        """Keys of trials that other live processes are running now."""
        live = set()
        for key in self._keys(CLAIMS):
            try:
                if self._live(self._claim_holder(key)):
                    live.add(key)
            except FileNotFoundError:
                pass
        return live
