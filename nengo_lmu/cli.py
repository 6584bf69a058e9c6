"""``nengo-lmu`` command line: parses arguments and calls :mod:`nengo_lmu.analysis`."""

import argparse
import dataclasses
import json
import os
import sys
import warnings

from nengo.exceptions import NengoException, ValidationError

from nengo_lmu.analysis.experiment import NEURON_TYPES, Trial, run_trial
from nengo_lmu.analysis.figures import plot_trial
from nengo_lmu.analysis.store import CorruptRecordWarning
from nengo_lmu.analysis.tables import (
    format_fits,
    format_ladder,
    format_stages,
    format_table,
    table_notes,
)
from nengo_lmu.compat import HAS_NENGO_LOIHI, import_nengo_loihi
from nengo_lmu.version import version


#: Warnings the demo filters, each checked to be harmless:
#:
#: - nengo's optimizer merges the PoissonSpiking ensembles' neuron updates and
#:   keeps the first one's random generator for all of them: the spikes are
#:   still independent Poisson draws from a seeded generator, so the run is
#:   the same in distribution and reproducible;
#: - nengo-loihi's emulator fills int32 parameter arrays with NaN placeholders
#:   (``CompartmentState.__init__``) and then sets every element from the
#:   model; the cast of the placeholder is what warns.
DEMO_WARNINGS = (
    ("ignore", "Extra state has been modified when merging", UserWarning),
    ("ignore", "invalid value encountered in cast", RuntimeWarning),
)


def demo(args):
    """The default memory on each backend, as a table and a figure.

    BLAS runs single-threaded, as in sweeps, so the errors are the same on
    every machine with the same BLAS kernel (see the README's tolerance).
    """
    from threadpoolctl import threadpool_limits  # noqa: PLC0415

    with warnings.catch_warnings(), threadpool_limits(limits=1, user_api="blas"):
        for action, message, category in DEMO_WARNINGS:
            warnings.filterwarnings(action, message=message, category=category)
        if args.loihi_neurons and HAS_NENGO_LOIHI:
            import_nengo_loihi(with_nengo_dl=False)  # no TensorFlow: 20 s faster
        return _demo(args)


def _demo(args):
    trial = Trial(order=args.order, theta=args.theta, n_neurons=args.neurons,
                  neuron_type=args.neuron_type, duration=args.duration,
                  seed=args.seed, input_seed=args.seed, input_high=args.high)
    print(f"nengo-lmu demo: LegendreMemory(order={trial.order}, theta={trial.theta} s, "
          f"n_neurons={trial.n_neurons}, {trial.neuron_type}), {trial.input_high:g} Hz "
          f"white noise (rms {trial.input_rms}), {trial.duration:g} s, seed {trial.seed}")
    record, data = run_trial(trial, progress_bar=not args.no_progress, keep_data=True)
    records = [record]
    if args.loihi_neurons and HAS_NENGO_LOIHI:
        chip = dataclasses.replace(
            trial, backend="loihi", n_neurons=args.loihi_neurons,
            neuron_type="spiking-relu", backend_options=(("target", "sim"),))
        print(f"Loihi emulator: LoihiLegendreMemory(n_neurons={chip.n_neurons}, "
              "spiking-relu), same input")
        records.append(run_trial(chip))
    elif args.loihi_neurons:
        print("(no Loihi row: nengo-loihi is not installed; pip install 'nengo-lmu[loihi]')")
    if args.analog_neurons:
        chip = dataclasses.replace(
            trial, backend="analog", n_neurons=args.analog_neurons,
            backend_options=(("chip", args.seed),), rate_twin=False)
        print(f"Analog emulator: AnalogLegendreMemory(n_neurons={chip.n_neurons}, "
              f"{chip.neuron_type}) on a Braindrop-like chip (seed {args.seed}), "
              "default compensations, same input")
        records.append(run_trial(chip))
    print()
    print(format_table(records))
    print("\nE, E_n: state error against the ideal discrete memory; "
          "NRMSE: delay readouts against the true delayed input, 'vs ideal' against "
          "the ideal memory's readout; all after a warm-up of theta, probe filter "
          f"{trial.probe_synapse} s.")
    for note in table_notes(records):
        print(note)
    os.makedirs(args.out, exist_ok=True)
    path = plot_trial(data, trial, os.path.join(args.out, "lmu-demo.png"))
    print(f"figure: {path}")
    return records


def _set_fields(pairs):
    """The Trial fields of ``--set FIELD=VALUE`` pairs, as a dict."""
    from nengo_lmu.analysis.sweep import parse_axis  # noqa: PLC0415

    fields = {}
    for text in pairs or ():
        name, values = parse_axis(text)
        if len(values) != 1:
            raise ValidationError(f"--set takes one value (got {text!r}); use --grid", name)
        fields[name] = values[0]
    return fields


def run(args):
    """One trial from ``--set`` flags: print its table row (or JSON record)."""
    record = run_trial(Trial(**_set_fields(args.set)), progress_bar=not args.no_progress)
    print(json.dumps(record, indent=1, sort_keys=True) if args.json else format_table([record]))
    return record


def sweep(args):
    """Run a study, a grid file and/or ``--grid`` axes into a store."""
    from nengo_lmu.analysis import study, sweep as sweeps  # noqa: PLC0415

    if not (args.study or args.config or args.grid):
        raise ValidationError("nothing to run: give --study, --config or --grid", "sweep")
    fixed = _set_fields(args.set)
    trials = []
    if args.study:
        trials += study.study(args.study, seeds=args.seeds)
    if args.config:
        trials += sweeps.load_grids(args.config)
    if args.grid:
        trials += sweeps.grid(Trial(), **dict(sweeps.parse_axis(g) for g in args.grid))
    # --set fixes a field in every trial, whichever way they were listed
    trials = sweeps.unique(dataclasses.replace(t, **fixed) for t in trials)
    scheduler = args.scheduler
    print(f"nengo-lmu sweep: {len(trials)} trials into {args.out} ({scheduler} scheduler)")
    with warnings.catch_warnings():  # printed below, one line each
        warnings.simplefilter("ignore", CorruptRecordWarning)
        result = sweeps.run_sweep(trials, args.out, scheduler=scheduler,
                                  n_workers=args.workers, resume=args.resume,
                                  retry_failed=args.retry_failed,
                                  progress=not args.no_progress)
    for problem in result.corrupt:
        print(f"moved aside and ran again: {problem.path} ({problem.reason})")
    print(result)
    failed = {t.key for t in trials} & result.store.failed_keys()
    for record in result.store.failures():
        if record["key"] in failed:
            print(f"failed {record['key']}: {record['error']}")
    if args.report:
        report(argparse.Namespace(store=args.out, out=None, resamples=2000))
    return 1 if failed else 0


def report(args):
    """Fitted exponents of a store, printed, and its figures saved."""
    from nengo_lmu.analysis import study  # noqa: PLC0415
    from nengo_lmu.analysis.store import Store  # noqa: PLC0415

    store = Store(args.store, create=False)
    table, paths = study.report(store, out=args.out, n_resamples=args.resamples)
    print(f"{store}\n")
    print(format_fits(table))
    print("\nalpha: slope of log error against log m (or d) over all seeds, least squares;"
          "\n95% CI: stratified bootstrap over seeds; floor E_n: the rate twin's E_n at the"
          "\nlargest m (or d); E_n>floor: E_n with the floor removed in quadrature.")
    print("files: " + ", ".join(paths))
    return table


def analog(args):
    """The memory on the analog substrate, one compensation at a time, into a store."""
    from nengo_lmu.analysis import analog as ladder  # noqa: PLC0415
    from nengo_lmu.analysis import sweep as sweeps  # noqa: PLC0415

    setting = "quick" if args.quick else "default"
    trials = ladder.ladder(setting, chips=args.chips, neuron_type=args.neuron_type)
    print(f"nengo-lmu analog: {len(trials)} trials into {args.out} ({args.scheduler} "
          "scheduler; a rerun resumes)")
    result = sweeps.run_sweep(trials, args.out, scheduler=args.scheduler,
                              n_workers=args.workers, resume=True,
                              progress=not args.no_progress)
    print(result)
    keys = {t.key for t in trials}
    df = result.store.dataframe()
    df = df[df.key.isin(keys)]
    table = ladder.table(df)
    print(format_ladder(table))
    return table


def train(args):
    """Train an LMU network with nengo-dl, then score it with rates and spikes."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # before TensorFlow loads
    from nengo_lmu.analysis import pipeline  # noqa: PLC0415

    stages = args.stage or None
    changes = {k: v for k, v in (("epochs", args.epochs), ("n_train", args.n_train),
                                 ("n_test", args.n_test), ("data", args.data))
               if v is not None}
    results = pipeline.run(args.task, out=args.out, quick=args.quick, stages=stages,
                           seed=args.seed, **changes)
    print(format_stages(results))
    return results


def convert(args):
    """Score a trained network (``nengo-lmu train``'s) at each conversion stage."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # before TensorFlow loads
    from nengo_lmu.analysis import conversion, pipeline  # noqa: PLC0415

    net_path = os.path.join(args.out, "network.npz")
    results_path = os.path.join(args.out, "results.json")
    for path in (net_path, results_path):
        if not os.path.exists(path):
            raise ValidationError(
                f"must hold network.npz and results.json of `nengo-lmu train` "
                f"(no {path})", "out"
            )
    with open(results_path) as f:
        config = json.load(f)["config"]
    if args.n_test is not None:
        config["n_test"] = args.n_test
    task = pipeline.make_task(config)
    stages = conversion.check_stages(args.stage)
    # the setting's knobs (its "conversion"), changed by the command line's
    knobs = dict(config.get("conversion", {}))
    knobs.update({k: getattr(args, k)
                  for k in ("n_neurons", "rate_scale", "time_scale", "memory_reg")
                  if getattr(args, k) is not None})
    for name in ("hidden_synapse", "readout_synapse"):
        value = getattr(args, name)
        if value is not None:
            knobs[name] = None if value == 0 else value
    if args.compensate is not None:
        knobs["compensate"] = args.compensate
    if args.loihi_finetune is not None:
        knobs["loihi_finetune"] = args.loihi_finetune
    # a stage may score fewer examples (the setting's "stage_n_test", or its
    # backend's, e.g. "loihi_n_test")
    n_test = config.get("n_test") or len(task.x_test)
    fewer = {}
    for stage in stages:
        n = config.get("stage_n_test", {}).get(stage) if args.n_test is None else None
        if n is None:
            n = config.get(f"{conversion.STAGES[stage].backend}_n_test")
        if n is not None:
            fewer[stage] = min(n, n_test)
    rows = conversion.convert(
        net_path, task, stages=stages, steps_per_item=config["steps_per_item"],
        n_test=n_test, seed=args.seed, stage_n_test=fewer, **knobs,
    )
    from nengo_lmu.analysis.store import write_atomic  # noqa: PLC0415

    write_atomic(os.path.join(args.out, "conversion.json"),
                 json.dumps({"knobs": knobs, "rows": rows}, indent=1), replace=True)
    print(conversion.format_table(rows, title=f"{config['task']}: conversion of "
                                  f"{net_path}"))
    return rows


def _count(low):
    """An argparse type: an integer >= ``low``."""
    def parse(text):
        try:
            value = int(text)
        except ValueError:
            value = None
        if value is None or value < low:
            raise argparse.ArgumentTypeError(f"must be an integer >= {low} (got {text!r})")
        return value

    parse.__name__ = f"integer >= {low}"
    return parse


def _seconds(text):
    """An argparse type: a finite number of seconds >= 0."""
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not (value >= 0 and value != float("inf")):
        raise argparse.ArgumentTypeError(f"must be a finite number >= 0 (got {text!r})")
    return value


def _positive(text):
    """An argparse type: a finite number > 0."""
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not (value > 0 and value != float("inf")):
        raise argparse.ArgumentTypeError(f"must be a finite number > 0 (got {text!r})")
    return value


def main(argv=None):
    """Run the ``nengo-lmu`` command; returns its exit status.

    Bad input (a ``nengo.exceptions.NengoException`` such as ``ValidationError``
    or ``BuildError``, a corrupt store, a missing file) is printed as one line
    on stderr and exits with status 2, as argparse does for bad arguments;
    ``--traceback`` shows the whole traceback instead.
    """
    parser = argparse.ArgumentParser(prog="nengo-lmu", description=__doc__.split(":")[0])
    parser.add_argument("--version", action="version", version=f"%(prog)s {version}")
    parser.add_argument("--traceback", action="store_true",
                        help="show the full traceback of an error, not one line")
    sub = parser.add_subparsers(dest="command", required=True)
    d = sub.add_parser("demo", help="run the default spiking memory and report its error")
    defaults = Trial()
    d.add_argument("--order", type=_count(1), default=defaults.order, help="d (default 6)")
    d.add_argument("--theta", type=_positive, default=defaults.theta, help="window [s]")
    d.add_argument("--neurons", type=_count(1), default=defaults.n_neurons, help="total m")
    d.add_argument("--neuron-type", default=defaults.neuron_type,
                   choices=sorted(NEURON_TYPES))
    d.add_argument("--duration", type=_positive, default=defaults.duration, help="[s]")
    d.add_argument("--high", type=_positive, default=defaults.input_high,
                   help="input bandwidth [Hz]")
    d.add_argument("--seed", type=_count(0), default=0)
    d.add_argument("--out", default="lmu-demo", help="folder for the figure")
    d.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    d.add_argument("--loihi-neurons", type=_count(0), default=600,
                   help="neurons of the Loihi row (default 600; 0 leaves it out)")
    d.add_argument("--analog-neurons", type=_count(0), default=768,
                   help="neurons of the analog row (default 768; 0 leaves it out)")

    r = sub.add_parser("run", help="run one trial (fields from --set) and print its errors")
    r.add_argument("--set", action="append", metavar="FIELD=VALUE",
                   help="a Trial field, e.g. --set n_neurons=1000 (repeatable); delays "
                        "as 0/0.5/1, backend_options as target:sim")
    r.add_argument("--json", action="store_true", help="print the whole record as JSON")
    r.add_argument("--no-progress", action="store_true", help="hide the progress bar")

    s = sub.add_parser("sweep", help="run a grid of trials into a resumable store")
    s.add_argument("--out", required=True, help="the results store's folder")
    s.add_argument("--study", choices=("default", "quick"),
                   help="the error-scaling study (quick: under a minute)")
    s.add_argument("--seeds", type=_count(1), help="network seeds per point of --study")
    s.add_argument("--config", help="a TOML or YAML file with [base] and [[grid]] tables")
    s.add_argument("--grid", action="append", metavar="FIELD=V1,V2",
                   help="an axis of the grid, e.g. n_neurons=100,400 or seed=0:5 (repeatable)")
    s.add_argument("--set", action="append", metavar="FIELD=VALUE",
                   help="fix a Trial field in every trial (repeatable); delays as "
                        "0/0.5/1, backend_options as target:sim/max_chips:2")
    s.add_argument("--scheduler", default="local",
                   help="serial, local (Dask LocalCluster, default) or tcp://host:port")
    s.add_argument("--workers", type=_count(1), help="local workers (default: one per core)")
    s.add_argument("--resume", action="store_true",
                   help="continue a store that holds records: skip finished trials")
    s.add_argument("--retry-failed", action="store_true", help="run failed trials again")
    s.add_argument("--report", action="store_true", help="report the store afterwards")
    s.add_argument("--no-progress", action="store_true", help="hide the progress bar")

    a = sub.add_parser("analog", help="the memory on the analog substrate, one "
                       "compensation at a time, against the reference simulator")
    a.add_argument("--out", default="analog-results", help="the results store's folder")
    a.add_argument("--quick", action="store_true", help="d = 3, m = 384, 2 chips, 2 s")
    a.add_argument("--chips", type=_count(1), help="substrate seeds per point (default 5)")
    a.add_argument("--neuron-type", default="poisson", choices=sorted(NEURON_TYPES),
                   help="neurons of every trial (default poisson)")
    a.add_argument("--scheduler", default="local",
                   help="serial, local (Dask LocalCluster, default) or tcp://host:port")
    a.add_argument("--workers", type=_count(1), help="local workers (default: one per core)")
    a.add_argument("--no-progress", action="store_true", help="hide the progress bar")

    t = sub.add_parser("train", help="train an LMU network with nengo-dl (the dl extra) "
                       "and score it with rates, spikes and on the Loihi emulator")
    t.add_argument("--task", default="digits",
                   choices=("digits", "mackey-glass", "mackey-glass-paper", "psfmnist"),
                   help="mackey-glass-paper: the LMU paper's setup; psfmnist: permuted "
                   "sequential Fashion-MNIST from Debian's dataset-fashion-mnist "
                   "(make fashion-mnist), sized to fit one session: 5,000 training "
                   "sequences, 2 epochs (about 15 min on 2 busy cores; --n-train "
                   "60000 for all), rates on all 10,000 test sequences, the "
                   "conversion to spikes on the first 200")
    t.add_argument("--epochs", type=_count(1), help="change the setting's epochs")
    t.add_argument("--n-train", type=_count(1), help="train on this many sequences")
    t.add_argument("--n-test", type=_count(1), help="score this many test sequences")
    t.add_argument("--data", help="folder of the task's files (psfmnist: the four "
                   "IDX files; default Debian's /usr/share/datasets/fashion-mnist)")
    t.add_argument("--out", default="train-results",
                   help="folder for network.npz and results.json (a rerun resumes)")
    t.add_argument("--quick", action="store_true", help="the small setting of the tests")
    t.add_argument("--stage", action="append",
                   help="run only this stage (repeatable; default all)")
    t.add_argument("--seed", type=_count(0), default=0)

    c = sub.add_parser("convert", help="score a network that `nengo-lmu train` trained "
                       "at each step of its conversion to neurons and spikes (knobs "
                       "not given are the setting's, e.g. psfmnist's, else as trained)")
    c.add_argument("--out", default="train-results",
                   help="the folder of `nengo-lmu train` (network.npz, results.json); "
                   "conversion.json is written there")
    c.add_argument("--stage", action="append",
                   help="run only this stage (repeatable; default all)")
    c.add_argument("--n-test", type=_count(1), help="score this many test sequences")
    c.add_argument("--n-neurons", type=_count(1), help="neurons of every memory")
    c.add_argument("--rate-scale", type=_positive,
                   help="hidden units' rate in Hz for an activation of 1")
    c.add_argument("--time-scale", type=_count(1),
                   help="hold each item this many times as many steps (theta times "
                   "this, the synapses as they are; default the setting's, else 1)")
    c.add_argument("--hidden-synapse", type=_seconds,
                   help="seconds of the memory-to-hidden synapse, 0 for none "
                   "(default as trained)")
    c.add_argument("--readout-synapse", type=_seconds,
                   help="seconds of the readout synapse, 0 for none (default as trained)")
    c.add_argument("--compensate", action=argparse.BooleanOptionalAction,
                   help="compensate the memory-to-hidden synapse (the hidden units see "
                   "the state they were trained on); --no-compensate turns off a "
                   "setting's (default the setting's)")
    c.add_argument("--memory-reg", type=_positive,
                   help="regularisation of the memories' decoders (default the "
                   "memory's, 0.1)")
    c.add_argument("--loihi-finetune", type=_count(0),
                   help="train the Loihi stage's hidden layer and readout again on its "
                   "memory's states on this many training sequences (the last quarter "
                   "held out decides whether to keep them; default 0, off)")
    c.add_argument("--seed", type=_count(0), default=0)

    p = sub.add_parser("report", help="fit exponents and plot a store's results")
    p.add_argument("store", help="the results store's folder")
    p.add_argument("--out", help="folder for fits.csv and the figures (default STORE/report)")
    p.add_argument("--resamples", type=_count(1), default=2000, help="bootstrap resamples")

    args = parser.parse_args(argv)
    commands = dict(demo=demo, run=run, sweep=sweep, report=report, analog=analog,
                    train=train, convert=convert)
    try:
        status = commands[args.command](args)
    except USER_ERRORS as e:
        if args.traceback:
            raise
        parser.exit(2, f"{parser.prog} {args.command}: error: {_one_line(e)}\n")
    return status if args.command == "sweep" else 0


#: Errors that mean bad input, not a bug: printed as one line (exit status 2).
USER_ERRORS = (NengoException, OSError)


def _one_line(error):
    return " ".join(str(error).split())


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
