r"""The resumable pipeline of ``nengo-lmu train``: train, then score every stage.

:func:`run` trains the network of a setting (:data:`SETTINGS`, or the small
:data:`QUICK` ones) with :func:`.training.train` or :func:`.parallel.train`,
then scores it at each stage of :data:`STAGES` with
:func:`.deployment.evaluate`, at each stage of the conversion to neurons and
spikes it names (:data:`.conversion.STAGES`, with the setting's
``conversion`` knobs, :func:`.conversion.convert`), and a regression task's
LSTM baseline (:func:`.baselines.train_lstm`). The trained network and every finished stage
are written to disk as they come (atomically, :func:`.store.write_atomic`),
so an interrupted run continues where it stopped.
"""

import json
import os

from nengo.exceptions import ValidationError

from nengo_lmu.analysis import baselines, conversion, parallel
from nengo_lmu.analysis.deployment import evaluate
from nengo_lmu.analysis.store import write_atomic
from nengo_lmu.analysis.training import memory_radii, n_parameters, network_for, train

#: The stages of :func:`run`: label -> (backend, spiking, memory), where
#: memory ``"ideal"`` is the exact linear memory and None the memory the
#: network was trained with (a backend with memories of its own, Loihi or
#: analog, deploys its own neural memory). The conversion's steps
#: (:mod:`.conversion`) in the pipeline's words.
STAGES = {
    "rate (nengo-dl)": ("dl", False, None),
    "rate (ideal memory)": ("reference", False, "ideal"),
    "rate (reference)": ("reference", False, None),
    "spiking (reference)": ("reference", True, None),
    "spiking (Loihi emulator)": ("loihi", True, None),
    "spiking (analog)": ("analog", True, None),
    "rate (keras)": ("keras", False, None),
}

#: The stage each stage converts from: its row's ``lost`` is the score lost
#: at that step.
AFTER = {
    "rate (reference)": "rate (ideal memory)",
    "spiking (reference)": "rate (reference)",
    "spiking (Loihi emulator)": "spiking (reference)",
    "spiking (analog)": "spiking (reference)",
}


#: Settings of :func:`run`: the task, the network, training and deployment.
#: Besides the network and training, a setting may give ``stages`` (keys of
#: :data:`STAGES` or of :data:`.conversion.STAGES`), ``conversion`` (the
#: knobs of :func:`.conversion.convert` for the latter), ``stage_n_test``
#: (fewer test sequences for some stages, by name) and ``<backend>_n_test``
#: (fewer for every stage on that backend); ``data`` is the folder of a
#: task read from disk (psfmnist: default Debian's).
SETTINGS = {
    "digits": dict(
        task="digits",
        # 61 neurons per dimension: the most an order-64 Loihi memory can have
        # with the hidden layer on the chip too (each of its neurons sends an
        # axon to every core of both, 4,096 per core at most; 4,032 alone)
        cells=[dict(units=100, order=64, n_neurons=3904, hidden_to_hidden=False)],
        steps_per_item=2,
        epochs=40,
        batch_size=64,
        learning_rate=5e-3,
        n_test=None,
        loihi_n_test=100,
        analog_n_test=100,
    ),
    "mackey-glass": dict(
        task="mackey-glass",
        cells=[dict(units=40, order=8, n_neurons=800, theta_items=50)],
        steps_per_item=1,
        epochs=40,
        batch_size=8,
        learning_rate=5e-3,
        n_test=None,
        loihi_n_test=4,
        analog_n_test=4,
    ),
    # the LMU paper's setup: 4 stacked cells of order 4, theta 4 steps, the
    # ideal memory and no synapses on the trained path, trained in parallel,
    # against a 4-layer LSTM of as many weights; the paper's 128 sequences
    # (half train), shortened to 1,000 steps and 20 epochs for both models.
    # ReLU units initialised active and near-linear (memory kernels at 0.3
    # of Glorot's scale, biases 0.1) beat tanh and the default initialisation
    "mackey-glass-paper": dict(
        task="mackey-glass-paper",
        cells=[dict(units=22, order=4, theta_items=4, hidden_synapse=None,
                    input_to_hidden=True, activation="relu", memory_kernel_scale=0.3,
                    bias_init=0.1)] * 4,
        network=dict(memory="ideal", readout_synapse=None),
        trainer="parallel",
        stages=["rate (keras)", "rate (reference)"],
        lstm_layers=4,
        n_steps=1000,
        steps_per_item=1,
        epochs=20,
        batch_size=4,
        learning_rate=1e-2,
        n_test=None,
        loihi_n_test=1,
    ),
    # permuted sequential Fashion-MNIST from Debian's dataset-fashion-mnist,
    # sized to fit one session: 5,000 of the 60,000 training sequences, 2
    # epochs in parallel (13.5 min on 2 busy cores; --n-train 60000 for
    # all), rates scored on all 10,000 test sequences with keras (4 min);
    # then the conversion (digits' knobs, items held 4 steps) on the first
    # 200: ideal memory, neural memory with rates, spikes on the reference
    # simulator (6 min for the three)
    "psfmnist": dict(
        task="psfmnist",
        cells=[dict(units=100, order=64, hidden_synapse=None, input_to_hidden=True)],
        network=dict(memory="ideal", readout_synapse=None),
        trainer="parallel",
        stages=["rate (keras)", "ideal rates", "neural rates", "spikes (reference)"],
        conversion=dict(n_neurons=4032, rate_scale=800.0, time_scale=4,
                        hidden_synapse=0.01, readout_synapse=0.005, compensate=True),
        stage_n_test={"ideal rates": 200, "neural rates": 200, "spikes (reference)": 200},
        n_train=5000,
        steps_per_item=1,
        epochs=2,
        batch_size=50,
        learning_rate=3e-3,
        n_test=None,
        loihi_n_test=1,
    ),
}

#: Smaller settings for tests and the notebook in CI.
QUICK = {
    "digits": dict(n_train=256, epochs=10, batch_size=16, learning_rate=1e-2,
                   n_test=60, loihi_n_test=4, analog_n_test=20,
                   cells=[dict(units=50, order=24, n_neurons=1200,
                               hidden_to_hidden=False)]),
    "mackey-glass": dict(n_train=32, n_test=8, epochs=12, learning_rate=1e-2,
                         loihi_n_test=2, analog_n_test=2),
    "mackey-glass-paper": dict(n_train=16, n_test=4, n_steps=400, epochs=10,
                               batch_size=4, learning_rate=1e-2,
                               cells=[dict(units=8, order=4, theta_items=4,
                                           hidden_synapse=None, input_to_hidden=True,
                                           memory_kernel_scale=0.3, bias_init=0.1)] * 2),
    "psfmnist": dict(n_train=512, n_test=100, epochs=2, learning_rate=5e-3,
                     stage_n_test={"ideal rates": 10, "neural rates": 10,
                                   "spikes (reference)": 10}),
}


def settings(name, quick=False, **changes):
    """The settings of task ``name`` (a key of :data:`SETTINGS`)."""
    if name not in SETTINGS:
        raise ValidationError(f"must be one of {sorted(SETTINGS)} (got {name!r})", "task")
    out = dict(dict(n_train=None), **SETTINGS[name])
    if quick:
        out.update(QUICK[name])
    out.update(changes)
    return out


def make_task(config):
    """The :class:`~nengo_lmu.tasks.Task` of ``config`` (see :func:`settings`)."""
    from nengo_lmu import tasks  # noqa: PLC0415

    if config["task"] == "digits":
        task = tasks.permuted_digits()
    elif config["task"] == "mackey-glass-paper":
        task = tasks.mackey_glass_paper_task(n_steps=config["n_steps"],
                                             seed=config.get("seed", 0))
    elif config["task"] == "psfmnist":
        task = tasks.load_psfmnist(config.get("data") or tasks.FASHION_MNIST_PATH)
    else:
        task = tasks.mackey_glass_task()
    return task.subset(n_train=config["n_train"], n_test=config.get("n_test"))


def make_network(config, task, dt=0.001, seed=0):
    """The rate network of ``config``: theta is the whole sequence unless given."""
    network = dict(config.get("network", {}))
    cells = []
    steps = config["steps_per_item"]
    width = task.n_inputs
    for spec in config["cells"]:
        spec = dict(spec)
        items = spec.pop("theta_items", task.n_steps)
        spec.setdefault("theta", items * steps * dt)
        if width == 1 and "radii" not in spec and network.get("memory") != "ideal":
            spec["radii"] = memory_radii(task, spec["order"], spec["theta"], steps,
                                         dt).tolist()
        cells.append(spec)
        width = spec["units"]
    return network_for(task, cells, seed=seed, dt=dt, **network)



def _lost(row, rows):
    """The score lost at ``row``'s step (:data:`AFTER`, or the conversion
    stage's ``after``), or None."""
    after = AFTER.get(row["stage"])
    if row["stage"] in conversion.STAGES:
        after = conversion.STAGES[row["stage"]].after
    before = [r for r in rows if r["stage"] == after]
    if not before:
        return None
    sign = 1 if row["metric"] == "accuracy" else -1
    return sign * (before[0]["score"] - row["score"])


def run(name="digits", out="train-results", quick=False, stages=None, seed=0,
        log=print, **changes):
    """Train the network of task ``name`` and score it at every stage.

    Results survive interruption: the trained network is written to
    ``out/network.npz`` as soon as it exists and every finished stage to
    ``out/results.json``; running again with the same settings skips both.
    For a regression task an LSTM with as many weights, trained the same
    way, is scored too.

    Parameters
    ----------
    name : {"digits", "mackey-glass", "mackey-glass-paper", "psfmnist"}
    out : str
        Folder for the network and the results.
    quick : bool
        The small setting (:data:`QUICK`).
    stages : list of str, optional
        Keys of :data:`STAGES` or :data:`.conversion.STAGES` to run (default:
        the setting's ``stages``, else all of :data:`STAGES` but ``"rate
        (keras)"``). A conversion stage deploys the trained network with the
        setting's ``conversion`` knobs (:func:`.conversion.convert`).
    seed : int
        Seed of the network, training and simulators.
    log : callable
        Called with a line of progress.
    **changes
        Settings to change (see :data:`SETTINGS`).

    Returns
    -------
    dict
        ``config``, ``training`` (seconds, loss, parameters) and ``rows``:
        one per stage, with ``stage``, ``metric``, ``score``, ``n_test``
        and ``seconds``, and ``lost``: the score lost at the step from the
        stage it converts from (:data:`AFTER`; accuracy points, or NRMSE
        gained), None when that stage was not run.
    """
    if stages is not None:
        for stage in stages:
            if stage not in STAGES and stage not in conversion.STAGES and (
                    stage != "LSTM (keras)"):
                raise ValidationError(
                    f"must be among {list(STAGES) + list(conversion.STAGES)} "
                    f"(got {stage!r})", "stages"
                )
    config = settings(name, quick, seed=seed, **changes)
    if stages is None:
        stages = config.get("stages", [s for s in STAGES if s != "rate (keras)"])
    stages = list(stages)
    os.makedirs(out, exist_ok=True)
    net_path = os.path.join(out, "network.npz")
    results_path = os.path.join(out, "results.json")
    results = None
    if os.path.exists(results_path) and os.path.exists(net_path):
        with open(results_path) as f:
            results = json.load(f)
        if results.get("config") != json.loads(json.dumps(config)):
            log(f"settings changed: training again into {out}")
            results = None
    task = make_task(config)
    if results is None:
        net = make_network(config, task, seed=seed)
        log(f"training on {len(task.x_train)} {task.name} sequences "
            f"({n_parameters(net)} weights) ...")
        trainer = parallel.train if config.get("trainer") == "parallel" else train
        trained = trainer(net, task, epochs=config["epochs"],
                          batch_size=config["batch_size"],
                          learning_rate=config["learning_rate"],
                          steps_per_item=config["steps_per_item"], seed=seed)
        trained.save(net_path)
        results = {
            "config": config,
            "training": {"seconds": trained.seconds, "loss": trained.loss,
                         "parameters": n_parameters(net)},
            "rows": [],
        }
        write_atomic(results_path, json.dumps(results, indent=1), replace=True)
        log(f"trained in {trained.seconds:.0f} s; loss {trained.loss[-1]:.4f}")
    done = {row["stage"] for row in results["rows"]}
    measured = {}  # the conversion's memory radii, measured once
    if task.kind == "regression" and "LSTM (keras)" not in stages:
        stages.append("LSTM (keras)")
    for stage in stages:
        if stage in done:
            continue
        if stage == "LSTM (keras)":
            layers = config.get("lstm_layers", 1)
            units = baselines.lstm_units_for(results["training"]["parameters"],
                                             task.n_inputs, task.n_outputs, layers=layers)
            row = baselines.train_lstm(task, units, epochs=config["epochs"],
                                       batch_size=config["batch_size"],
                                       learning_rate=config["learning_rate"], seed=seed,
                                       n_test=config["n_test"], layers=layers)
            row.pop("loss")
            row["n_test"] = len(task.x_test[: config["n_test"]])
        elif stage in conversion.STAGES:
            row = _convert(stage, net_path, task, config, seed, measured)
        else:
            backend, spiking, memory = STAGES[stage]
            # a backend may score fewer examples (e.g. "loihi_n_test")
            n_test = config.get(f"{backend}_n_test", config["n_test"])
            row = evaluate(net_path, task, backend=backend, spiking=spiking,
                           steps_per_item=config["steps_per_item"], n_test=n_test,
                           seed=seed,
                           overrides=None if memory is None else {"memory": memory})
            row.pop("outputs")
        row["stage"] = stage
        row["lost"] = _lost(row, results["rows"])
        results["rows"].append(row)
        write_atomic(results_path, json.dumps(results, indent=1), replace=True)
        log(f"{stage}: {row['metric']} {row['score']:.4f} "
            f"({row['n_test']} test sequences, {row['seconds']:.0f} s)")
    return results


def _convert(stage, net_path, task, config, seed, measured):
    """Score conversion stage ``stage`` with the setting's knobs; ``measured``
    keeps the memory radii and Loihi input range between stages."""
    spec = conversion.STAGES[stage]
    steps = config["steps_per_item"]
    if spec.memory == "neural" and "radii" not in measured:
        measured["radii"] = conversion.state_radii(net_path, task, steps, seed=seed)
    if spec.input_range and "input_range" not in measured:
        measured["input_range"] = conversion.input_range(net_path, task, steps, seed=seed)
    n_test = config.get("stage_n_test", {}).get(stage, config["n_test"])
    (row,) = conversion.convert(
        net_path, task, stages=[stage], steps_per_item=steps, n_test=n_test, seed=seed,
        radii=measured.get("radii"), loihi_input_range=measured.get("input_range"),
        **config.get("conversion", {}),
    )
    return row
