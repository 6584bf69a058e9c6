"""Baselines an LMU network is compared with: keras LSTMs with as many weights.

:func:`lstm_units_for` sizes the LSTM to an LMU network's weights and
:func:`train_lstm` trains and scores it like :func:`.training.train` and
:func:`.deployment.evaluate` do the LMU.
"""

import time

import numpy as np

from nengo_lmu.analysis.deployment import score
from nengo_lmu.analysis.training import _loss
from nengo_lmu.dynamics import check_integer


def lstm_units_for(n_parameters, n_inputs=1, n_outputs=1, layers=1):
    """LSTM units whose ``layers`` stacked layers plus dense readout have about
    ``n_parameters`` weights."""
    # 4 u (u + n_inputs + 1) + (layers - 1) 4 u (2 u + 1) + n_outputs (u + 1)
    layers = check_integer(layers, "layers")
    a = 4.0 + 8.0 * (layers - 1)
    b = 4.0 * (n_inputs + 1) + 4.0 * (layers - 1) + n_outputs
    c = n_outputs - n_parameters
    return max(1, int(round((-b + np.sqrt(b * b - 4 * a * c)) / (2 * a))))


def train_lstm(task, units, epochs=10, batch_size=32, learning_rate=1e-3, seed=0,
               n_test=None, layers=1, optimizer=None):
    """An LSTM (keras, same TensorFlow) trained like :func:`nengo_lmu.analysis.training.train` on ``task``.

    ``layers`` stacked ``LSTM(units)`` layers and a dense readout at every
    step, Adam with the same step size, batches and epochs, and the same
    loss; scored on the first ``n_test`` test sequences (default all).

    Parameters
    ----------
    optimizer : tf.keras.optimizers.Optimizer, optional
        Default Adam with ``learning_rate``; e.g. Adam with a learning-rate
        schedule, to train as an LMU given the same one
        (:func:`.parallel.train` takes ``optimizer`` too).

    Returns
    -------
    dict
        ``score`` (test accuracy or NRMSE), ``metric``, ``parameters`` (weights),
        ``units``, ``loss`` per epoch, ``seconds``.
    """
    import tensorflow as tf  # noqa: PLC0415

    tf.random.set_seed(seed)
    inputs = tf.keras.Input((task.n_steps, task.n_inputs))
    hidden = inputs
    for _ in range(check_integer(layers, "layers")):
        hidden = tf.keras.layers.LSTM(units, return_sequences=True)(hidden)
    outputs = tf.keras.layers.Dense(task.n_outputs)(hidden)
    model = tf.keras.Model(inputs, outputs)
    optimizer = optimizer or tf.optimizers.Adam(learning_rate)
    model.compile(optimizer=optimizer, loss=_loss(task))
    n = (len(task.x_train) // batch_size) * batch_size
    y = task.y_train[:n]
    if task.kind == "classification":
        model = tf.keras.Model(inputs, outputs[:, -1:])
        model.compile(optimizer=optimizer, loss=_loss(task))
    start = time.perf_counter()
    history = model.fit(task.x_train[:n], y, epochs=epochs, batch_size=batch_size,
                        verbose=0, shuffle=True)
    seconds = time.perf_counter() - start
    predicted = model.predict(task.x_test[:n_test], verbose=0)
    return {
        "score": score(task, predicted),
        "metric": "accuracy" if task.kind == "classification" else "NRMSE",
        "parameters": int(model.count_params()),
        "units": units,
        "loss": [float(v) for v in history.history["loss"]],
        "seconds": seconds,
    }
