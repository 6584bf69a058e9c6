r"""Train an :class:`.LMUNetwork` with nengo-dl, then run it with spikes.

The pipeline of the training notebook and ``nengo-lmu train``:

1. :func:`train` trains the rate network on a :class:`~nengo_lmu.tasks.Task`
   with nengo-dl (the ``dl`` extra; TensorFlow is imported here, inside the
   functions, never by ``import nengo_lmu``);
2. :func:`evaluate` runs a network built from the trained parameters on a
   backend, one test example after another, with rates or spikes;
3. :func:`stages` puts the accuracy at each stage in one table.

Time: each item of a sequence is held for ``steps_per_item`` simulator
steps, in training and in deployment alike, so the network that is trained
is the network that runs with spikes, only with rate neurons. The memory's
``theta`` is in seconds, so a sequence lasts ``n_steps * steps_per_item *
dt`` seconds.
"""

import dataclasses
import functools
import json
import os
import time

import numpy as np
import nengo
from nengo.exceptions import ValidationError

from nengo_lmu import hardware
from nengo_lmu.dynamics import check_integer, check_positive
from nengo_lmu.networks.cell import LMUNetwork, load


def train_parallel(net, task, **options):
    """:func:`nengo_lmu.analysis.parallel.train` (Keras, whole sequences at once)."""
    from nengo_lmu.analysis import parallel  # noqa: PLC0415

    return parallel.train(net, task, **options)


def lstm_units_for(n_parameters, n_inputs=1, n_outputs=1, layers=1):
    """:func:`nengo_lmu.analysis.lstm.units_for`."""
    from nengo_lmu.analysis import lstm  # noqa: PLC0415

    return lstm.units_for(n_parameters, n_inputs, n_outputs, layers)


def train_lstm(task, units, **options):
    """:func:`nengo_lmu.analysis.lstm.train` (the LSTM baseline)."""
    from nengo_lmu.analysis import lstm  # noqa: PLC0415

    return lstm.train(task, units, **options)

#: The stages of :func:`stages`: (label, backend, spiking).
STAGES = {
    "rate (nengo-dl)": ("dl", False),
    "rate (reference)": ("reference", False),
    "spiking (reference)": ("reference", True),
    "spiking (Loihi emulator)": ("loihi", True),
    "rate (keras)": ("keras", False),
}


def hold(x, steps_per_item):
    """Each item of ``x`` (examples, items, channels) held for ``steps_per_item`` steps."""
    return np.repeat(x, check_integer(steps_per_item, "steps_per_item"), axis=1)


def memory_radii(task, order, theta, steps_per_item=1, dt=0.001, n_std=3.0):
    """Radii for a memory driven by ``task``'s training inputs (first channel).

    ``n_std`` root-mean-square values of each Legendre state of the ideal
    discrete memory over all training examples and steps, so that the
    memory's neurons span the states the task visits. The RMS is taken about
    zero, the centre of the range the neurons represent: the states of a
    non-negative input such as pixel intensities have a large mean, which a
    standard deviation would leave out (the window mean of a digit's pixels
    then ran beyond its radius).
    """
    from nengo_lmu.dynamics import lmu_discrete  # noqa: PLC0415

    A, B = lmu_discrete(order, theta, dt)
    u = hold(task.x_train[:, :, :1], steps_per_item)
    m = np.zeros((len(u), order))
    total_sq, count = np.zeros(order), 0
    for k in range(u.shape[1]):
        m = m @ A.T + u[:, k] @ B.T
        total_sq += (m**2).sum(axis=0)
        count += len(m)
    rms = np.sqrt(total_sq / count)
    return n_std * np.maximum(rms, 1e-3 * rms.max())


def network_for(task, cells, seed=0, **kwargs):
    """An :class:`.LMUNetwork` sized for ``task`` (its inputs and outputs)."""
    return LMUNetwork(task.n_inputs, task.n_outputs, cells, seed=seed, **kwargs)


@dataclasses.dataclass
class Training:
    """What :func:`train` returns: the parameters and how training went."""

    parameters: dict
    loss: list
    seconds: float
    spec: dict
    history: dict = dataclasses.field(default_factory=dict)

    def network(self, **overrides):
        """The trained network, rebuilt with ``overrides`` (e.g. ``spiking=True``)."""
        spec = dict(self.spec)
        spec.update(overrides)
        net = LMUNetwork(**spec)
        net.set_parameters(self.parameters)
        return net

    def save(self, path):
        """Write the trained network to ``path`` (see :meth:`.LMUNetwork.save`)."""
        self.network().save(path)


def _targets(task, split, steps_per_item):
    y = getattr(task, f"y_{split}")
    return y if task.kind == "classification" else hold(y, steps_per_item)


def _loss(task):
    import tensorflow as tf  # noqa: PLC0415

    if task.kind == "classification":
        return tf.losses.SparseCategoricalCrossentropy(from_logits=True)
    return tf.losses.MeanSquaredError()


def _fit_options(task, steps_per_item, validation, callbacks):
    """Keras fit's ``validation_data`` (arrays) and ``callbacks`` for :func:`train`."""
    if validation is None:
        return None, list(callbacks or [])
    if validation is True:
        return (hold(task.x_test, steps_per_item), _targets(task, "test", steps_per_item)), \
            list(callbacks or [])
    x, y = validation
    return (hold(np.asarray(x), steps_per_item), np.asarray(y)), list(callbacks or [])


def _freeze_hidden_biases(net):
    """A rate network's bias is a connection in activation units; the ensembles' own
    biases (zero) are not trained."""
    for cell in net.cells:
        net.config[cell.hidden].trainable = False


def _ideal_memories(net):
    from nengo_lmu.networks.ideal import IdealMemory  # noqa: PLC0415

    return [n for n in net.all_networks if isinstance(n, IdealMemory)]


def _check_fit(net, epochs, batch_size, learning_rate):
    """The training arguments, checked; a rate network is required."""
    epochs = check_integer(epochs, "epochs")
    batch_size = check_integer(batch_size, "batch_size")
    learning_rate = check_positive(learning_rate, "learning_rate")
    if net.spiking:
        raise ValidationError(
            "must be a rate network (spiking=False); train with rates, then "
            "deploy with Training.network(spiking=True)",
            "net",
        )
    return epochs, batch_size, learning_rate


def train(net, task, epochs=10, batch_size=32, learning_rate=1e-3, steps_per_item=1,
          seed=0, verbose=0, unroll=1, validation=None, callbacks=None):
    """Train ``net``'s encoders, kernels, biases and readout on ``task`` with nengo-dl.

    The memories' dynamics stay fixed. A classification task is trained with
    softmax cross-entropy on the output at the last step; a regression task
    with the mean squared error at every step. Training examples beyond a
    whole number of batches are left out.

    Parameters
    ----------
    net : LMUNetwork
        A rate network (``spiking=False``).
    task : nengo_lmu.tasks.Task
    epochs, batch_size : int
    learning_rate : float
        Adam's step size.
    steps_per_item : int
        Simulator steps each item of a sequence is held for.
    seed : int
        Seed of the simulator and of TensorFlow.
    verbose : int
        Keras' verbosity.
    validation : True or (x, y), optional
        Data scored after every epoch (``val_loss`` in ``Training.history``):
        True for the task's test set, or arrays shaped like the task's.
    callbacks : list of tf.keras.callbacks.Callback, optional
        Passed to Keras' ``fit`` (e.g. early stopping).

    Returns
    -------
    Training
    """
    import tensorflow as tf  # noqa: PLC0415

    from nengo_lmu.hardware import dl  # noqa: PLC0415

    epochs, batch_size, learning_rate = _check_fit(net, epochs, batch_size, learning_rate)
    n = (len(task.x_train) // batch_size) * batch_size
    if n == 0:
        raise ValidationError(
            f"must be at most the {len(task.x_train)} training examples "
            f"(got {batch_size})",
            "batch_size",
        )
    x = hold(task.x_train[:n], steps_per_item)
    y = _targets(task, "train", steps_per_item)[:n]
    tf.random.set_seed(seed)
    start = time.perf_counter()
    dl.configure(net, hardware.memories(net) + _ideal_memories(net))
    _freeze_hidden_biases(net)
    if task.kind == "classification":
        net.config[net.probe].keep_history = False  # train on the last step
    validation_data, callbacks = _fit_options(task, steps_per_item, validation, callbacks)
    if validation_data is not None:
        validation_data = ({net.input: validation_data[0]},
                           {net.probe: validation_data[1]})
    with hardware.simulator(
        net, backend="dl", minibatch_size=batch_size, seed=seed, unroll_simulation=unroll
    ) as sim:
        sim.compile(
            optimizer=tf.optimizers.Adam(learning_rate), loss={net.probe: _loss(task)}
        )
        history = sim.fit(
            {net.input: x}, {net.probe: y}, epochs=epochs, verbose=verbose, shuffle=True,
            validation_data=validation_data, callbacks=callbacks,
        )
        trained = _trained(sim, net)
    return Training(
        parameters=trained,
        loss=[float(v) for v in history.history["loss"]],
        seconds=time.perf_counter() - start,
        spec=dict(net.spec),
        history=_history(history),
    )


def _history(history):
    return {k.split("_probe")[0] if k.startswith("val_") else k: [float(v) for v in vals]
            for k, vals in history.history.items()}


def _trained(sim, net):
    objs = net.trainables()
    names = list(objs)
    values = sim.get_nengo_params([objs[k] for k in names])
    shapes = {name: value.shape for name, value in net.parameters().items()}
    out = {}
    for name, value in zip(names, values):
        key = "bias" if isinstance(objs[name], nengo.Ensemble) else "transform"
        out[name] = np.asarray(value[key], dtype=float).reshape(shapes[name])
    return out


# --- deployment ---------------------------------------------------------------


def deploy(trained, backend="reference", spiking=True, **overrides):
    """The trained network built for ``backend``, with rates or spikes.

    ``trained`` is a :class:`Training` or the path of a saved network. On
    ``"loihi"`` every memory is a
    :class:`~nengo_lmu.hardware.loihi.LoihiLegendreMemory`.
    """
    if backend == "loihi":
        overrides.setdefault("memory", functools.partial(hardware.memory, "loihi"))
    if isinstance(trained, Training):
        return trained.network(spiking=spiking, **overrides)
    return load(trained, spiking=spiking, **overrides)


def _score(task, outputs, split="test"):
    """Accuracy (classification) or NRMSE (regression) of ``outputs``."""
    from nengo_lmu.metrics import nrmse  # noqa: PLC0415

    y = getattr(task, f"y_{split}")[: len(outputs)]
    if task.kind == "classification":
        return float(np.mean(np.argmax(outputs[:, -1], axis=-1) == y[:, -1, 0]))
    return nrmse(outputs.reshape(-1, y.shape[-1]), y.reshape(-1, y.shape[-1]))


def _item_ends(n_items, steps_per_item):
    return np.arange(1, n_items + 1) * steps_per_item - 1


def evaluate(trained, task, backend="reference", spiking=True, steps_per_item=1,
             dt=None, n_test=None, gap=None, seed=0, batch_size=None,
             progress_bar=True, **options):
    """Run the trained network on ``task``'s test set and score it.

    The output is read at the last step of each item. Each example starts
    from rest: on the reference simulator after ``sim.reset``; on Loihi all
    examples run as one batch on the fast emulator (``target="fast"``, the
    default: the integers of nengo-loihi's emulator, see
    :mod:`nengo_lmu.hardware.loihi.fast`), in pieces of ``batch_size``, with
    a progress bar. nengo-loihi's own emulator (``target="sim"``) cannot
    reset, so there examples run back to back, each after ``gap`` seconds of
    zero input (default: the longest memory's ``theta``) that let the
    memories empty. On ``"dl"`` examples run in minibatches of
    ``batch_size``; on ``"keras"`` (rates and the ideal memory only, a
    network :func:`train_parallel` can train) all steps of a minibatch run
    at once.

    Parameters
    ----------
    trained : Training or str
        Trained parameters, or the path of a saved network.
    task : nengo_lmu.tasks.Task
    backend : {"reference", "loihi", "dl", "keras"}
    spiking : bool
        Spiking neurons (default) or rates.
    steps_per_item : int
        Steps each item is held for.
    dt : float, optional
        The simulator's step in seconds (default the step it was trained
        with). Training at ``dt = steps_per_item * 0.001`` with one step per
        item and deploying at 0.001 with ``steps_per_item`` steps runs the
        same continuous-time network, ``steps_per_item`` times faster to train.
    n_test : int, optional
        Test examples to run (default all).
    gap : float, optional
        Seconds of zero input before each example on ``"loihi"`` with
        ``target="sim"``.
    seed : int
        The simulator's seed.
    batch_size : int, optional
        Examples per minibatch on ``"dl"`` and ``"keras"`` (default 32), or
        that the fast Loihi emulator runs at once (default all).
    progress_bar : bool
        Show the fast Loihi emulator's progress (default True).
    **options
        Passed to the simulator (e.g. ``target`` on Loihi).

    Returns
    -------
    dict
        ``score`` (accuracy or NRMSE), ``metric``, ``outputs`` (examples,
        items, outputs), ``n_test``, ``seconds``.
    """
    if backend not in ("reference", "loihi", "dl", "keras"):
        raise ValidationError(
            f"must be 'reference', 'loihi', 'dl' or 'keras' (got {backend!r})", "backend"
        )
    if batch_size is not None:
        batch_size = check_integer(batch_size, "batch_size")
    elif backend in ("dl", "keras"):
        batch_size = 32
    if backend == "keras" and spiking:
        raise ValidationError(
            "must be False on 'keras', which computes rates (got True)", "spiking"
        )
    steps_per_item = check_integer(steps_per_item, "steps_per_item")
    x = task.x_test if n_test is None else task.x_test[: check_integer(n_test, "n_test")]
    inputs = hold(x, steps_per_item)
    net = deploy(trained, backend=backend, spiking=spiking,
                 **({} if dt is None else {"dt": dt}))
    start = time.perf_counter()
    if backend == "dl":
        data = _run_dl(net, inputs, batch_size, seed)
    elif backend == "keras":
        from nengo_lmu.analysis import parallel  # noqa: PLC0415

        model = parallel.build_model(net.spec, inputs.shape[1])
        parallel.set_parameters(model, net.parameters())
        data = model.predict(inputs, batch_size=batch_size, verbose=0)
    elif backend == "reference":
        data = _run_reset(net, inputs, seed, options)
    elif options.get("target", "fast") == "fast":
        data = _run_batched(net, inputs, seed, batch_size, progress_bar, options)
    else:
        if gap is None:
            gap = max(cell.theta for cell in net.cells)
        data = _run_back_to_back(net, inputs, gap, seed, options)
    outputs = data[:, _item_ends(x.shape[1], steps_per_item)]
    return {
        "score": _score(task, outputs),
        "metric": "accuracy" if task.kind == "classification" else "NRMSE",
        "outputs": outputs,
        "n_test": len(x),
        "seconds": time.perf_counter() - start,
    }


def _run_dl(net, inputs, batch_size, seed):
    """nengo-dl's outputs in minibatches (the last one padded with zeros)."""
    size = min(batch_size, len(inputs))
    n = -(-len(inputs) // size) * size
    padded = np.zeros((n,) + inputs.shape[1:])
    padded[: len(inputs)] = inputs
    with hardware.simulator(net, backend="dl", minibatch_size=size, seed=seed) as sim:
        data = sim.predict({net.input: padded}, verbose=0)[net.probe]
    return data[: len(inputs)]


class Feed:
    """A node output that plays row ``k`` of ``data`` at step ``k + 1`` (zeros after)."""

    def __init__(self, data, dt):
        self.data = data
        self.dt = dt

    def __call__(self, t):
        k = int(round(t / self.dt)) - 1
        if 0 <= k < len(self.data):
            return self.data[k]
        return np.zeros(self.data.shape[1])


def _run_reset(net, inputs, seed, options):
    feed = Feed(inputs[0], net.spec["dt"])
    net.input.output = feed
    out = []
    with hardware.simulator(net, backend="reference", seed=seed, progress_bar=False,
                            **options) as sim:
        for example in inputs:
            sim.reset(seed=seed)
            feed.data = example
            sim.run_steps(len(example))
            out.append(sim.data[net.probe].copy())
    return np.stack(out)


def _run_batched(net, inputs, seed, batch_size, progress_bar, options):
    from nengo_lmu.hardware.loihi.fast import Sequences  # noqa: PLC0415

    net.input.output = Sequences(inputs, net.spec["dt"])
    options["target"] = "fast"
    with hardware.simulator(net, backend="loihi", seed=seed, **options) as sim:
        data = sim.run_batch(inputs.shape[1], batch_size=batch_size,
                             progress_bar=progress_bar)
    return data[net.probe]


def _run_back_to_back(net, inputs, gap, seed, options):
    dt = net.spec["dt"]
    rest = int(round(check_positive(gap, "gap") / dt))
    n, steps, channels = inputs.shape
    period = rest + steps
    stream = np.zeros((n * period, channels))
    for i, example in enumerate(inputs):
        stream[i * period + rest : (i + 1) * period] = example
    net.input.output = Feed(stream, dt)
    options.setdefault("target", "sim")
    with hardware.simulator(net, backend="loihi", seed=seed, progress_bar=False,
                            **options) as sim:
        sim.run_steps(len(stream))
        data = np.asarray(sim.data[net.probe])
    return data.reshape(n, period, -1)[:, rest:]


# --- the pipeline: train, then every stage ------------------------------------

#: Settings of :func:`run`: the task, the network, training and deployment.
SETTINGS = {
    "digits": dict(
        task="digits",
        cells=[dict(units=100, order=64, n_neurons=6400, hidden_to_hidden=False)],
        steps_per_item=2,
        epochs=40,
        batch_size=64,
        learning_rate=5e-3,
        n_test=None,
        loihi_n_test=4,  # nengo-loihi's builder takes hours on 6,400 neurons
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
    ),
    # the LMU paper's setup: 4 stacked cells of order 4, theta 4 steps, the
    # ideal memory and no synapses on the trained path, trained in parallel;
    # 128 sequences of 5,000 steps (half train), against a 4-layer LSTM
    "mackey-glass-paper": dict(
        task="mackey-glass-paper",
        cells=[dict(units=22, order=4, theta_items=4, hidden_synapse=None,
                    input_to_hidden=True)] * 4,
        network=dict(memory="ideal", readout_synapse=None),
        trainer="parallel",
        stages=["rate (keras)", "rate (reference)"],
        lstm_layers=4,
        n_steps=5000,
        steps_per_item=1,
        epochs=40,
        batch_size=8,
        learning_rate=5e-3,
        n_test=None,
        loihi_n_test=1,
    ),
    # permuted sequential Fashion-MNIST from Debian's dataset-fashion-mnist
    "psfmnist": dict(
        task="psfmnist",
        cells=[dict(units=100, order=64, hidden_synapse=None, input_to_hidden=True)],
        network=dict(memory="ideal", readout_synapse=None),
        trainer="parallel",
        stages=["rate (keras)"],
        steps_per_item=1,
        epochs=1,
        batch_size=100,
        learning_rate=1e-3,
        n_test=None,
        loihi_n_test=1,
    ),
}

#: Smaller settings for tests and the notebook in CI.
QUICK = {
    "digits": dict(n_train=256, epochs=10, batch_size=16, learning_rate=1e-2,
                   n_test=60, loihi_n_test=4,
                   cells=[dict(units=50, order=24, n_neurons=1200,
                               hidden_to_hidden=False)]),
    "mackey-glass": dict(n_train=32, n_test=8, epochs=12, learning_rate=1e-2,
                         loihi_n_test=2),
    "mackey-glass-paper": dict(n_train=16, n_test=4, n_steps=400, epochs=10,
                               batch_size=4, learning_rate=1e-2,
                               cells=[dict(units=8, order=4, theta_items=4,
                                           hidden_synapse=None, input_to_hidden=True)] * 2),
    "psfmnist": dict(n_train=512, n_test=100, epochs=2, learning_rate=5e-3),
}


def settings(name, quick=False, **changes):
    """The settings of task ``name`` (a key of :data:`SETTINGS`)."""
    if name not in SETTINGS:
        raise ValidationError(f"must be one of {sorted(SETTINGS)} (got {name!r})", "task")
    out = dict(SETTINGS[name], n_train=None)
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
        task = tasks.load_psfmnist()
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


def _write_json(path, data):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(data, f, indent=1)
    os.replace(tmp, path)


def n_parameters(net):
    """Trainable weights of an :class:`.LMUNetwork`."""
    return int(sum(v.size for v in net.parameters().values()))


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
        Keys of :data:`STAGES` to run (default: the setting's ``stages``, else
        all but ``"rate (keras)"``).
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
        and ``seconds``.
    """
    if stages is not None:
        for stage in stages:
            if stage not in STAGES and stage != "LSTM (keras)":
                raise ValidationError(
                    f"must be among {list(STAGES)} (got {stage!r})", "stages"
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
        trainer = train_parallel if config.get("trainer") == "parallel" else train
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
        _write_json(results_path, results)
        log(f"trained in {trained.seconds:.0f} s; loss {trained.loss[-1]:.4f}")
    done = {row["stage"] for row in results["rows"]}
    if task.kind == "regression" and "LSTM (keras)" not in stages:
        stages.append("LSTM (keras)")
    for stage in stages:
        if stage in done:
            continue
        if stage == "LSTM (keras)":
            layers = config.get("lstm_layers", 1)
            units = lstm_units_for(results["training"]["parameters"], task.n_inputs,
                                   task.n_outputs, layers=layers)
            row = train_lstm(task, units, epochs=config["epochs"],
                             batch_size=config["batch_size"],
                             learning_rate=config["learning_rate"], seed=seed,
                             n_test=config["n_test"], layers=layers)
            row.pop("loss")
            row["n_test"] = len(task.x_test[: config["n_test"]])
        else:
            backend, spiking = STAGES[stage]
            n_test = config["loihi_n_test" if backend == "loihi" else "n_test"]
            row = evaluate(net_path, task, backend=backend, spiking=spiking,
                           steps_per_item=config["steps_per_item"], n_test=n_test,
                           seed=seed)
            row.pop("outputs")
        row["stage"] = stage
        results["rows"].append(row)
        _write_json(results_path, results)
        log(f"{stage}: {row['metric']} {row['score']:.4f} "
            f"({row['n_test']} test sequences, {row['seconds']:.0f} s)")
    return results
