"""Grids of trials, run serially or on a Dask cluster, into a resumable store.

A sweep is a list of :class:`.Trial` (usually from :func:`grid`) and a
:class:`.Store`. :func:`run_sweep` runs every trial whose key the store does
not hold yet and writes each record the moment it finishes, so a sweep that
is stopped, killed or crashes loses only the trials in flight and a rerun
picks up where it stopped. A trial that raises is stored as a failure with its
error and the sweep goes on.

Each trial is claimed in the store just before it runs (:meth:`.Store.claim`),
so several sweeps on one store (``--resume``) share the trials instead of each
running all of them; a resumed sweep first moves corrupt records aside
(:meth:`.Store.quarantine`) and runs their trials again. If a record cannot
be written (a full disk), the sweep stops with :class:`StoreWriteError`; every
record stored before is intact and a rerun with ``resume`` continues.

Schedulers: ``"serial"`` (this process), ``"local"`` (a Dask ``LocalCluster``
of one single-threaded worker process per core; the default), a scheduler
address such as ``"tcp://host:8786"``, or a ``distributed.Client``.
"""

import dataclasses
import itertools
import os
import pathlib
import traceback
import typing
import warnings

from nengo.exceptions import ValidationError
from tqdm.auto import tqdm

from nengo_lmu.analysis.experiment import Trial, run_trial
from nengo_lmu.analysis.store import CorruptRecordWarning, Store

FIELDS = {f.name: f for f in dataclasses.fields(Trial)}
#: Trial fields whose one value is a sequence or a table.
TUPLE_FIELDS = ("delays", "backend_options")


def _check_field(name):
    if name not in FIELDS:
        raise ValidationError(
            f"must name a Trial field, one of {sorted(FIELDS)} (got {name!r})", "field"
        )


def grid(base=None, **axes):
    """Every combination of ``axes`` (field -> list of values) over ``base``.

    ``base`` is a :class:`.Trial` or a dict of Trial fields (default
    ``Trial()``). Trials come out in the order of ``itertools.product`` with
    the last axis varying fastest.

    Examples
    --------
    >>> trials = grid({"order": 4}, n_neurons=[100, 400], seed=range(3))
    >>> len(trials), trials[0].order, [t.seed for t in trials[:3]]
    (6, 4, [0, 1, 2])
    """
    if base is None:
        base = Trial()
    elif isinstance(base, dict):
        for name in base:
            _check_field(name)
        base = Trial(**base)
    for name, values in axes.items():
        _check_field(name)
        if isinstance(values, (str, bytes, dict)) or not isinstance(values, typing.Iterable):
            values = [values]
        values = list(values)
        if not values:
            raise ValidationError(f"axis {name!r} has no values", name)
        if name in TUPLE_FIELDS and not all(
            isinstance(v, (list, tuple, dict)) for v in values
        ):
            raise ValidationError(
                f"each value of this axis is itself a list (or table), e.g. "
                f"{name} = [[0.5, 1.0], [1.0]] (got {values!r})",
                name,
            )
        axes[name] = values
    names = list(axes)
    return [
        dataclasses.replace(base, **dict(zip(names, combo)))
        for combo in itertools.product(*(axes[n] for n in names))
    ]


def _scalar(text):
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text


def parse_value(name, text):
    """``text`` as the type of Trial field ``name`` (for the command line).

    ``delays`` are fractions separated by ``/`` (``0/0.5/1``);
    ``backend_options`` are ``name:value`` pairs separated by ``/``
    (``target:sim/max_chips:2``).
    """
    _check_field(name)
    kind = FIELDS[name].type
    kind = kind if isinstance(kind, str) else kind.__name__
    try:
        if kind == "int":
            return int(text)
        if kind == "float":
            return float(text)
        if kind == "bool":
            if text.lower() not in ("true", "false", "1", "0", "yes", "no"):
                raise ValueError(text)
            return text.lower() in ("true", "1", "yes")
        if name == "backend_options":
            pairs = [item.split(":", 1) for item in text.split("/") if item]
            if any(len(p) != 2 for p in pairs):
                raise ValueError(text)
            return tuple((k, _scalar(v)) for k, v in pairs)
        if kind == "tuple":
            return tuple(float(v) for v in text.split("/"))
    except ValueError:
        form = {
            "delays": "fractions of theta separated by '/', e.g. 0/0.5/1",
            "backend_options": "name:value pairs separated by '/', e.g. target:sim",
        }.get(name, f"of type {kind}")
        raise ValidationError(f"must be {form} (got {text!r})", name) from None
    return text


def parse_axis(text):
    """``"field=v1,v2,..."`` -> ``(field, [values])``; ``"seed=0:5"`` is a range.

    Examples
    --------
    >>> parse_axis("n_neurons=100,400")
    ('n_neurons', [100, 400])
    >>> parse_axis("seed=0:3")
    ('seed', [0, 1, 2])
    """
    if "=" not in text:
        raise ValidationError(f"must be FIELD=VALUE[,VALUE...] (got {text!r})", "grid")
    name, values = (s.strip() for s in text.split("=", 1))
    _check_field(name)
    if FIELDS[name].type in (int, "int") and ":" in values:
        lo, hi = values.split(":", 1)
        return name, list(range(parse_value(name, lo), parse_value(name, hi)))
    return name, [parse_value(name, v.strip()) for v in values.split(",") if v.strip()]


def load_grids(path):
    """Trials described by a TOML or YAML file.

    The file has an optional ``base`` table of Trial fields and either one
    ``grid`` table (field -> list of values) or a list of them, each combined
    with ``base``::

        [base]
        order = 4
        duration = 3.0

        [[grid]]
        n_neurons = [100, 400, 1600]
        seed = [0, 1, 2, 3, 4]
    """
    path = pathlib.Path(path)
    if path.suffix == ".toml":
        try:
            import tomllib  # noqa: PLC0415
        except ImportError:  # Python < 3.11
            import tomli as tomllib  # noqa: PLC0415

        errors = (tomllib.TOMLDecodeError, UnicodeDecodeError)
        parse = tomllib.loads
    elif path.suffix in (".yaml", ".yml"):
        import yaml  # noqa: PLC0415

        errors = (yaml.YAMLError, UnicodeDecodeError)
        parse = lambda text: yaml.safe_load(text) or {}  # noqa: E731
    else:
        raise ValidationError(f"must end in .toml, .yaml or .yml (got {path.name!r})", "path")
    try:
        spec = parse(path.read_text())
    except errors as e:
        first = " ".join(str(e).split())[:200]
        raise ValidationError(
            f"must be a valid {path.suffix[1:].upper()} file ({first}) (got {str(path)!r})",
            "path",
        ) from None
    if not isinstance(spec, dict):
        raise ValidationError(
            f"{path.name} must hold 'base' and 'grid' tables (got a {type(spec).__name__})",
            "path",
        )
    unknown = set(spec) - {"base", "grid"}
    if unknown:
        raise ValidationError(
            f"{path.name} may hold only 'base' and 'grid' tables (got {sorted(unknown)})",
            "path",
        )
    base = spec.get("base", {})
    grids = spec.get("grid", [{}])
    grids = [grids] if isinstance(grids, dict) else grids
    if not isinstance(base, dict) or not isinstance(grids, list) or not all(
        isinstance(g, dict) for g in grids
    ):
        raise ValidationError(
            f"{path.name}: 'base' must be a table of Trial fields and 'grid' a table or "
            f"a list of tables (got base={base!r:.60}, grid={grids!r:.60})",
            "path",
        )
    return [t for g in grids for t in grid(base, **g)]


def unique(trials):
    """``trials`` without repeats (same key), in their first order."""
    seen = {}
    for trial in trials:
        seen.setdefault(trial.key, trial)
    return list(seen.values())


def run_one(trial):
    """Run ``trial``: ``("ok", record)``, or ``("failed", record)`` if it raised.

    BLAS runs single-threaded, as in a Dask worker, so that a trial gives the
    bit-identical record serially and on any cluster (with more threads, sums
    are split differently and results differ by about 1e-13).
    """
    from threadpoolctl import threadpool_limits  # noqa: PLC0415

    try:
        with threadpool_limits(limits=1, user_api="blas"):
            return "ok", run_trial(trial)
    except Exception as e:  # noqa: BLE001 -- a failing trial must not stop a sweep
        return "failed", _failure(trial, e, traceback.format_exc())


def _failure(trial, error, tb=""):
    record = trial.spec()
    record.update(key=trial.key, error=f"{type(error).__name__}: {error}", traceback=tb)
    return record


@dataclasses.dataclass
class SweepResult:
    """What one call of :func:`run_sweep` did.

    ``elsewhere`` counts the trials left to other sweeps that had claimed
    them; ``corrupt`` lists the record files found corrupt, moved aside and
    run again (each a :class:`.CorruptRecordError` naming its file).
    """

    store: Store
    ran: int
    failed: int
    skipped: int
    elsewhere: int = 0
    corrupt: list = dataclasses.field(default_factory=list)

    def __str__(self):
        text = (
            f"{self.ran} trials run ({self.failed} failed), {self.skipped} already "
            f"in {self.store.path}"
        )
        if self.elsewhere:
            text += f", {self.elsewhere} being run by another sweep"
        if self.corrupt:
            text += f"; {len(self.corrupt)} corrupt records moved aside and run again"
        return text


class StoreWriteError(OSError):
    """Writing a finished trial's record failed (e.g. the disk is full)."""


def _client(scheduler, n_workers):
    """A ``distributed.Client`` for ``scheduler`` and whether we own it."""
    import distributed  # noqa: PLC0415 -- a core dependency, imported when used

    if isinstance(scheduler, distributed.Client):
        return scheduler, False
    if scheduler in ("local", None):
        # one single-threaded process per core; distributed sets
        # OMP/MKL/OPENBLAS_NUM_THREADS=1 in its workers, so they do not compete
        cluster = distributed.LocalCluster(
            n_workers=n_workers or os.cpu_count(),
            threads_per_worker=1,
            processes=True,
            dashboard_address=":0",
        )
        return distributed.Client(cluster), True
    if isinstance(scheduler, str) and "://" in scheduler:
        return distributed.Client(scheduler), True
    raise ValidationError(
        "must be 'serial', 'local', a scheduler address like 'tcp://host:8786' "
        f"or a distributed.Client (got {scheduler!r})",
        "scheduler",
    )


def run_sweep(
    trials,
    out,
    scheduler="local",
    n_workers=None,
    resume=False,
    retry_failed=False,
    progress=True,
):
    """Run the ``trials`` that store ``out`` does not hold yet, storing each.

    Parameters
    ----------
    trials : list of Trial
        Repeats (same key) run once.
    out : str, path or Store
        The results store's folder.
    scheduler : str or distributed.Client, optional
        ``"serial"``, ``"local"`` (default: a Dask LocalCluster with
        ``n_workers`` processes, default one per core), a scheduler address
        (``"tcp://host:8786"``) or a Client.
    resume : bool, optional
        Allow a store that already holds records (or trials another sweep is
        running): its finished trials are skipped, those another live sweep
        has claimed are left to it, and corrupt records are moved aside and
        run again (default False, which refuses a non-empty store so that two
        studies are not mixed by accident).
    retry_failed : bool, optional
        Run trials stored as failed again (default False: skip them too, as
        a failure is usually a property of the trial, e.g. invalid fields).
        The first failure's record is kept; a success supersedes it.
    progress : bool, optional
        Show a progress bar with trials done, failures and an ETA.

    Returns
    -------
    SweepResult

    Raises
    ------
    StoreWriteError
        A record could not be written (e.g. the disk is full); the records
        stored before it are intact.
    """
    if isinstance(scheduler, str) and scheduler not in ("serial", "local") and (
        "://" not in scheduler
    ):
        _client(scheduler, n_workers)  # raises the ValidationError
    if n_workers is not None and (
        isinstance(n_workers, bool) or not isinstance(n_workers, int) or n_workers < 1
    ):
        raise ValidationError(
            f"must be an integer >= 1, or None for one per core (got {n_workers!r})",
            "n_workers",
        )
    trials = list(trials)
    bad = [t for t in trials if not isinstance(t, Trial)]
    if bad:
        raise ValidationError(f"must be a list of Trial (got {bad[0]!r})", "trials")
    store = out if isinstance(out, Store) else Store(out)
    trials = unique(trials)
    in_progress = store.claimed_keys()
    if (len(store) or store.failed_keys() or in_progress) and not resume:
        raise ValidationError(
            f"{store.path} already holds {len(store)} records and "
            f"{len(store.failed_keys())} failures ({len(in_progress)} trials in progress); "
            "pass resume=True (--resume) to continue that sweep, or choose another folder",
            "resume",
        )
    corrupt = store.quarantine()
    for problem in corrupt:
        warnings.warn(f"moved aside, to run again: {problem}", CorruptRecordWarning, 2)
    done = store.keys() if retry_failed else store.keys() | store.failed_keys()
    pending = [t for t in trials if t.key not in done]
    result = SweepResult(
        store, ran=0, failed=0, skipped=len(trials) - len(pending), corrupt=corrupt
    )
    bar = tqdm(
        total=len(trials),
        initial=result.skipped,
        desc="trials",
        unit="trial",
        disable=not progress,
        dynamic_ncols=True,
    )

    held = set()

    def claim(trial):
        if not store.claim(trial.key):
            result.elsewhere += 1
            bar.update()
            return False
        # another sweep may have finished it since the pending list was made
        if trial.key in store or (not retry_failed and trial.key in store.failed_keys()):
            store.release(trial.key)
            result.skipped += 1
            bar.update()
            return False
        held.add(trial.key)
        return True

    def finished(status, record):
        try:
            (store.append if status == "ok" else store.append_failure)(record)
        except OSError as e:
            raise StoreWriteError(
                e.errno,
                f"could not store the record of trial {record['key']} in "
                f"{store.path} ({e.strerror or e}); the {len(store)} records stored "
                "before it are intact: make room and run the sweep again with --resume",
            ) from e
        store.release(record["key"])
        held.discard(record["key"])
        result.ran += 1
        result.failed += status != "ok"
        bar.update()
        bar.set_postfix(failed=result.failed, refresh=True)

    try:
        if scheduler == "serial":
            for trial in pending:
                if claim(trial):
                    finished(*run_one(trial))
        elif pending:
            _run_dask(pending, scheduler, n_workers, claim, finished)
    finally:
        bar.close()
        for key in held:  # unfinished: let the next sweep run them
            store.release(key)
    return result


def _run_dask(pending, scheduler, n_workers, claim, finished):
    import distributed  # noqa: PLC0415

    client, owned = _client(scheduler, n_workers)
    try:
        # largest first, so that the longest trials do not start last; each
        # claimed just before it is submitted, a few per worker thread at a
        # time, so that another sweep on the same store can share the rest
        queue = iter(sorted(pending, key=lambda t: -t.n_neurons * t.duration))
        futures = {}
        running = distributed.as_completed()

        def top_up():
            # two trials per worker thread (asked each time: clusters grow)
            slots = 2 * max(1, sum(client.nthreads().values()))
            while len(futures) < slots:
                t = next((t for t in queue if claim(t)), None)
                if t is None:
                    return
                future = client.submit(run_one, t, key=f"trial-{t.key}", pure=False)
                futures[future] = t
                running.add(future)

        top_up()
        for future in running:
            trial = futures.pop(future)
            if future.status == "finished":
                finished(*future.result())
            else:  # the worker died (e.g. out of memory) or it was cancelled
                error = future.exception() if future.status == "error" else None
                if error is None:
                    error = RuntimeError(f"the trial's future was {future.status}")
                finished("failed", _failure(trial, error))
            future.release()
            top_up()
    finally:
        for future in futures:
            future.cancel()
        if owned:
            cluster = client.cluster
            client.close()
            if cluster is not None:
                cluster.close()

