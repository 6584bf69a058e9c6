r"""Train an :class:`.LMUNetwork` with nengo-dl: :func:`train` and its :class:`Training`.

The first step of the training notebook and ``nengo-lmu train``:
:func:`train` trains the rate network on a :class:`~nengo_lmu.tasks.Task`
with nengo-dl (the ``dl`` extra; TensorFlow is imported here, inside the
functions, never by ``import nengo_lmu``). :mod:`.parallel` trains the same
networks as a Keras model over whole sequences; :mod:`.deployment` runs the
trained network on a backend with rates or spikes; :mod:`.baselines` trains
the LSTM it is compared with; :mod:`.pipeline` runs all of it, resumably.

Time: each item of a sequence is held for ``steps_per_item`` simulator
steps, in training and in deployment alike, so the network that is trained
is the network that runs with spikes, only with rate neurons. The memory's
``theta`` is in seconds, so a sequence lasts ``n_steps * steps_per_item *
dt`` seconds.
"""

import dataclasses
import time

import numpy as np
import nengo
from nengo.exceptions import ValidationError

from nengo_lmu import hardware
from nengo_lmu.dynamics import check_integer, check_positive
from nengo_lmu.networks.cell import LMUNetwork


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



def n_parameters(net):
    """Trainable weights of an :class:`.LMUNetwork`."""
    return int(sum(v.size for v in net.parameters().values()))



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

