"""An append-only results store on disk: one JSON file per finished trial.

A store is a folder::

    DIR/records/<key>.json   one finished trial's record
    DIR/failed/<key>.json    a trial that raised: its spec, error and traceback

Each file is written to a temporary name, flushed to disk and then hard-linked
to its final name, which the operating system does atomically and refuses if
the name exists. So a reader sees a whole record or none, a process killed at
any point leaves no partial record, and two writers cannot both store the same
trial. Nothing is ever rewritten: a sweep that runs again skips every key that
is already there.
"""

import json
import os
import tempfile

from nengo.exceptions import ValidationError

OK, FAILED = "records", "failed"


class Store:
    """The results store in folder ``path`` (created when missing).

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

    def __init__(self, path):
        self.path = os.fspath(path)
        for sub in (OK, FAILED):
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

    def _write(self, kind, record):
        final = self._file(kind, record["key"])
        text = json.dumps(record, sort_keys=True, allow_nan=True)
        fd, tmp = tempfile.mkstemp(prefix=".", suffix=".tmp", dir=os.path.dirname(final))
        try:
            os.fchmod(fd, 0o644)  # mkstemp's 0600 would hide records from others
            with os.fdopen(fd, "w") as f:
                f.write(text)
                f.flush()
                os.fsync(f.fileno())
            try:
                os.link(tmp, final)
            except FileExistsError:
                return False
        finally:
            os.unlink(tmp)
        return True

    def append(self, record):
        """Store a finished trial's ``record`` (a dict with a ``key``).

        Returns False, and changes nothing, if that key is already stored.
        """
        if "key" not in record:
            raise ValidationError("must have a 'key' field", "record")
        return self._write(OK, record)

    def append_failure(self, record):
        """Store a failed trial (``key``, spec fields, ``error``, ``traceback``).

        A later failure of the same key is not stored again; a later success
        supersedes it (see :meth:`failed_keys`).
        """
        return self._write(FAILED, record)

    def _read(self, kind, keys):
        out = []
        for key in sorted(keys):
            with open(self._file(kind, key)) as f:
                out.append(json.load(f))
        return out

    def records(self):
        """The finished trials' records, sorted by key."""
        return self._read(OK, self.keys())

    def failures(self):
        """The failed trials' records (those not since finished), sorted by key."""
        return self._read(FAILED, self.failed_keys())

    def dataframe(self):
        """The finished records as a pandas DataFrame, one row per trial."""
        import pandas as pd  # noqa: PLC0415

        return pd.DataFrame(self.records())
