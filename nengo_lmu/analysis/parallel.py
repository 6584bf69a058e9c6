r"""Parallel training: an :class:`.LMUNetwork` as a Keras model over whole sequences.

Where a cell's memory is linear and nothing feeds back into it
(``hidden_to_memory``, ``memory_to_memory`` and ``hidden_to_hidden`` all
False), its state over a whole sequence is a causal convolution of the
encoded input with the memory's impulse response,

.. math:: m_t = \sum_{k=0}^{t} A_d^k B_d \, u_{t-k},

which the model computes for every step at once with FFTs, as keras-lmu's
feed-forward layer does. The hidden layer is then a pointwise function of
:math:`m_t` and :math:`x_t`, and the readout a matrix. With no synapses on
the trained path (``hidden_synapse=None``, ``readout_synapse=None``) this is
exactly what the step-by-step nengo network with the ideal memory computes
(:class:`.IdealMemory`, rate neurons): output ``k`` of the model is the
network's output at step ``k + 1``. The model's weights are the network's
parameters by name and shape (:func:`parameters` and :func:`set_parameters`),
so a model trained here deploys as the nengo network.

Synapses on the trained path are linear filters of whole sequences too, so
a network that will be deployed with them trains with them, in parallel: a
cell's ``hidden_synapse`` filters its hidden units' input current
:math:`W_m m_t + W_x x_t` and the network's ``readout_synapse`` its output,
each as nengo's discrete lowpass does,

.. math:: y_t = a y_{t-1} + (1 - a) v_{t-1}, \quad a = e^{-dt / \tau},

a convolution with the impulse response :math:`(1 - a) a^{k - 1}`,
:math:`k \geq 1` (one step late), computed with FFTs as the memory's is.

TensorFlow is imported inside the functions only.
"""

import numbers
import time

import numpy as np
from nengo.exceptions import ValidationError

from nengo_lmu.analysis.training import (
    Training, _check_fit, _fit_options, _history, _loss, _targets, hold)
from nengo_lmu.dynamics import check_bool
from nengo_lmu.networks.cell import check_synapse
from nengo_lmu.networks.ideal import IdealMemory


def check_parallel(spec):
    """Raise a ``ValidationError`` unless ``spec`` (an ``LMUNetwork.spec``) can train in
    parallel: no cell may feed anything back into its memory or its hidden
    units (its synapses, if any, are filters the model computes)."""
    for i, cell in enumerate(spec["cells"]):
        for flag in ("hidden_to_memory", "memory_to_memory", "hidden_to_hidden"):
            if cell.get(flag, False):
                raise ValidationError(
                    f"must be False in every cell for parallel training, whose memory "
                    f"sees only the input (cell {i} has {flag}=True)",
                    flag,
                )


def lowpass_response(tau, n_steps, dt=0.001):
    """``(n_steps,)``: nengo's discrete lowpass of ``tau`` seconds after a unit
    input at step 0 (0 at step 0, then :math:`(1 - a) a^{k - 1}`); all zeros
    but a one at step 0 (the identity) when ``tau`` is None."""
    out = np.zeros(int(n_steps))
    if tau is None:
        out[0] = 1.0
        return out
    a = np.exp(-dt / tau)
    out[1:] = (1 - a) * a ** np.arange(int(n_steps) - 1)
    return out


def _check_noise(value):
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not (
        np.isfinite(value) and value >= 0
    ):
        raise ValidationError(f"must be a finite number >= 0 (got {value!r})",
                              "state_noise")
    return float(value)


def _spectrum(tf, responses, n_steps, dtype):
    """The FFT (length ``2 * n_steps``) of each row of ``responses`` (k, n_steps)."""
    padded = np.pad(np.atleast_2d(responses), [(0, 0), (0, n_steps)])
    return tf.signal.rfft(tf.constant(padded, dtype=tf.float64 if dtype == "float64"
                                      else tf.float32))


def _filtered(tf, v, spectrum, n_fft):
    """Each channel of ``v`` (batch, steps, k) convolved along time with the response
    of ``spectrum`` (1, f): causal, from rest."""
    steps = tf.shape(v)[1]
    out = tf.signal.irfft(tf.signal.rfft(tf.transpose(v, [0, 2, 1]), fft_length=[n_fft])
                          * spectrum, fft_length=[n_fft])[..., :steps]
    return tf.transpose(out, [0, 2, 1])


def _layer_classes():
    import tensorflow as tf  # noqa: PLC0415

    class ParallelLMUCell(tf.keras.layers.Layer):
        """One LMU cell over whole sequences: ``(batch, steps, size_in)`` ->
        ``(batch, steps, units)``."""

        def __init__(self, cell, size_in, n_steps, dt, index, state_noise=0.0, **kwargs):
            super().__init__(name=f"cell{index}", **kwargs)
            self.state_noise = float(state_noise)
            self.units = int(cell["units"])
            self.order = int(cell["order"])
            self.memory_d = int(cell.get("memory_d", 1))
            self.size_in = int(size_in)
            self.activation = cell.get("activation", "relu")
            self.use_bias = bool(cell.get("use_bias", True))
            self.input_to_hidden = bool(cell.get("input_to_hidden", False))
            memory = IdealMemory(self.order, cell["theta"], dt=dt,
                                 discretizer=cell.get("discretizer", "zoh"),
                                 add_to_container=False)
            self.n_steps = int(n_steps)
            self.n_fft = 2 * self.n_steps
            response = memory.impulse_response(self.n_steps)  # (steps, order)
            self.response_fft = _spectrum(tf, response.T, self.n_steps, self.dtype)
            self.synapse = check_synapse(cell.get("hidden_synapse", 0.005),
                                         "hidden_synapse")  # LMUCell's default
            if self.synapse is not None:
                self.synapse_fft = _spectrum(
                    tf, lowpass_response(self.synapse, self.n_steps, dt), self.n_steps,
                    self.dtype)

        def build(self, input_shape):
            def weight(name, shape):
                return self.add_weight(name=name, shape=shape, trainable=True,
                                       initializer="zeros", dtype=self.dtype)

            dims = self.order * self.memory_d
            self.input_encoders = weight("input_encoders", (self.memory_d, self.size_in))
            self.memory_kernel = weight("memory_kernel", (self.units, dims))
            if self.input_to_hidden:
                self.input_kernel = weight("input_kernel", (self.units, self.size_in))
            if self.use_bias:
                self.bias = weight("bias", (self.units,))
            super().build(input_shape)

        def call(self, x, training=None):
            u = tf.einsum("bti,ci->bct", x, self.input_encoders)  # (b, memory_d, t)
            spectrum = tf.signal.rfft(u, fft_length=[self.n_fft])  # (b, c, f)
            m = tf.signal.irfft(spectrum[:, :, None, :] * self.response_fft[None, None],
                                fft_length=[self.n_fft])[..., : tf.shape(x)[1]]
            m = tf.transpose(m, [0, 3, 1, 2])  # (b, t, c, order)
            m = tf.reshape(m, [tf.shape(x)[0], tf.shape(x)[1], -1])  # c * order + i
            if training and self.state_noise > 0:
                # each state's RMS over the batch: noise at the scale of that state
                rms = tf.stop_gradient(tf.sqrt(tf.reduce_mean(m**2, axis=[0, 1])))
                m += tf.random.normal(tf.shape(m), dtype=m.dtype) * (self.state_noise * rms)
            pre = tf.einsum("btj,hj->bth", m, self.memory_kernel)
            if self.input_to_hidden:
                pre += tf.einsum("bti,hi->bth", x, self.input_kernel)
            if self.synapse is not None:  # the hidden units' input current, filtered
                pre = _filtered(tf, pre, self.synapse_fft, self.n_fft)
            if self.use_bias:
                pre += self.bias
            return tf.tanh(pre) if self.activation == "tanh" else tf.nn.relu(pre)

    class ParallelLowpass(tf.keras.layers.Layer):
        """Nengo's discrete lowpass of ``tau`` seconds over whole sequences."""

        def __init__(self, tau, n_steps, dt, **kwargs):
            super().__init__(**kwargs)
            self.n_fft = 2 * int(n_steps)
            self.spectrum = _spectrum(tf, lowpass_response(tau, n_steps, dt),
                                      int(n_steps), self.dtype)

        def call(self, v):
            return _filtered(tf, v, self.spectrum, self.n_fft)

    return ParallelLMUCell, ParallelLowpass


def build_model(spec, n_steps, return_sequences=True, dtype="float32", state_noise=0.0):
    """The Keras model of an ``LMUNetwork.spec`` over sequences of ``n_steps`` steps.

    Parameters
    ----------
    spec : dict
        ``LMUNetwork.spec`` (see :func:`check_parallel` for what it must hold).
    n_steps : int
        Simulator steps per sequence (the FFT length is twice this).
    return_sequences : bool
        Output at every step (default) or at the last step only.
    dtype : {"float32", "float64"}
        The model's arithmetic.
    state_noise : float, optional
        In training only, Gaussian noise added to every memory state at every
        step, its standard deviation this fraction of that state's RMS over
        the minibatch (default 0: none). See :func:`train`.

    Returns
    -------
    tf.keras.Model
        Input ``(batch, n_steps, size_in)``, output ``(batch, n_steps,
        size_out)`` or ``(batch, size_out)``; its weights are set from the
        network with :func:`set_parameters`.
    """
    import tensorflow as tf  # noqa: PLC0415

    check_parallel(spec)
    layer, lowpass = _layer_classes()
    inputs = tf.keras.Input((n_steps, spec["size_in"]), dtype=dtype)
    h, width = inputs, spec["size_in"]
    for i, cell in enumerate(spec["cells"]):
        h = layer(cell, width, n_steps, spec["dt"], i, state_noise=state_noise,
                  dtype=dtype)(h)
        width = cell["units"]
    synapse = check_synapse(spec.get("readout_synapse"), "readout_synapse")
    if not return_sequences and synapse is None:
        h = h[:, -1]
    outputs = tf.keras.layers.Dense(spec["size_out"], use_bias=False, name="readout",
                                    dtype=dtype)(h)
    if synapse is not None:
        outputs = lowpass(synapse, n_steps, spec["dt"], name="readout_synapse",
                          dtype=dtype)(outputs)
        if not return_sequences:
            outputs = outputs[:, -1]
    return tf.keras.Model(inputs, outputs)


def _weights(model):
    out = {}
    for w in model.weights:
        layer, name = w.name.split("/")[:2]
        name = name.split(":")[0]
        out["readout" if layer == "readout" else f"{layer}.{name}"] = w
    return out


def parameters(model):
    """The model's weights as ``LMUNetwork.parameters()`` names and shapes."""
    out = {}
    for name, w in _weights(model).items():
        value = np.asarray(w.numpy(), dtype=float)
        out[name] = value.T if name == "readout" else value
    return out


def set_parameters(model, values):
    """Set the model's weights from ``LMUNetwork.parameters()``-style ``values``."""
    weights = _weights(model)
    for name, value in values.items():
        if name not in weights:
            raise ValidationError(
                f"must name one of the model's weights {sorted(weights)} (got {name!r})",
                "values",
            )
        value = np.asarray(value, dtype=float)
        weights[name].assign(value.T if name == "readout" else value)


def train(net, task, epochs=10, batch_size=32, learning_rate=1e-3,
                   steps_per_item=1, seed=0, verbose=0, validation=None, callbacks=None,
                   optimizer=None, state_noise=0.0, item_ends=False):
    """Train ``net`` on ``task`` as a Keras model over whole sequences (fast).

    The model (:func:`build_model`) computes the network with its ideal
    memory and rate neurons, every step at once, its synapses included (a
    network trained with the synapses it will be deployed with expects
    their lag); it must have no connections back into its memories or
    hidden units (see :func:`check_parallel`). Losses, batches and arguments are those
    of :func:`nengo_lmu.analysis.training.train`; the result deploys the
    same way (``Training.network``), with the ideal memory or, given
    ``memory=None``, a neural one.

    Parameters
    ----------
    optimizer : tf.keras.optimizers.Optimizer, optional
        Default Adam with ``learning_rate``. Pass the same optimiser again
        to continue training with its state.
    state_noise : float, optional
        Noise in the loop for a network that will run with a neural memory:
        Gaussian noise on every memory state the hidden units see in
        training, with a standard deviation of this fraction of each state's
        RMS (default 0). A neural memory's states err by a fraction of their
        RMS (measured at order 64 with 63 neurons per dimension: 7% with
        rates, 16% with spikes, with ``memory_reg=0.01``), and a network
        trained without noise leans on differences smaller than that.

    item_ends : bool, optional
        A regression task's loss at the last step of each held item only,
        the steps :func:`.deployment.evaluate` scores (default False: at
        every step). With items held for many steps and synapses in the
        loop, the loss at every step asks the output to jump at each new
        item, which the synapses cannot, at the cost of the item ends.

    Returns
    -------
    Training
        ``history`` holds ``loss`` and, with ``validation``, ``val_loss``
        per epoch.
    """
    import tensorflow as tf  # noqa: PLC0415

    epochs, batch_size, learning_rate = _check_fit(net, epochs, batch_size, learning_rate)
    check_parallel(net.spec)
    tf.random.set_seed(seed)
    x = hold(task.x_train, steps_per_item)
    y = _targets(task, "train", steps_per_item)
    weights = None
    if task.kind == "classification":
        y = y[:, -1]
    elif check_bool(item_ends, "item_ends"):
        steps = int(steps_per_item)
        weights = np.zeros(y.shape[:2], dtype=np.float32)
        weights[:, steps - 1::steps] = steps  # the mean loss at the item ends
    state_noise = _check_noise(state_noise)
    model = build_model(net.spec, x.shape[1],
                        return_sequences=task.kind != "classification",
                        state_noise=state_noise)
    set_parameters(model, net.parameters())
    model.compile(optimizer=optimizer or tf.optimizers.Adam(learning_rate),
                  loss=_loss(task))
    validation_data, callbacks = _fit_options(task, steps_per_item, validation, callbacks)
    if validation_data is not None and task.kind == "classification":
        validation_data = (validation_data[0], validation_data[1][:, -1])
    start = time.perf_counter()
    history = model.fit(x, y, epochs=epochs, batch_size=batch_size, verbose=verbose,
                        shuffle=True, sample_weight=weights,
                        validation_data=validation_data,
                        callbacks=callbacks)
    return Training(
        parameters=parameters(model),
        loss=[float(v) for v in history.history["loss"]],
        seconds=time.perf_counter() - start,
        spec=dict(net.spec),
        history=_history(history),
    )
