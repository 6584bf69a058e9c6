r"""The Loihi stage's hidden layer and readout, trained again on the chip's own memory.

:mod:`.conversion`'s ``"spikes (Loihi emulator)"`` stage deploys weights
trained on the ideal memory with rates. On the chip the memory's state
differs (its neurons reset to zero at a spike and lose some of it; at order
64 the highest dimensions), and so do the hidden units: Loihi's
rectified-linear neurons fire at :math:`1 / (dt \lceil 1 / (J dt) \rceil)`,
a staircase below :math:`J`. :func:`finetune` trains the hidden units'
kernels and bias and the readout again with both in the loop:

1. The stage's network runs on the fast integer emulator on the first
   ``n_examples`` training examples (:func:`record`); each records its
   memory's state as the hidden units receive it (filtered by the
   memory-to-hidden synapse) over the last steps, those the readout reads.
2. A linear map and the residuals take the ideal memory's state to the
   chip's (:class:`ChipStates`, fitted on the first three quarters of those
   examples), so that every training example gets a state the chip would
   give it: the ideal state through the map, plus a recorded residual
   window drawn at random, new each epoch.
3. The hidden kernels, bias and readout are trained on those states with
   the hidden units' staircase rates at the stage's rate (the gradient of
   the plain rectified-linear rate passes through the steps), with the
   readout synapse's filter, from the deployed weights (:func:`train`).
4. The held-out quarter runs on the emulator with the new weights; they are
   kept only where they classify more of it correctly (or as many, with a
   lower cross-entropy) than the deployed ones.

The memory sees only the input, so its state does not depend on the
weights trained here, and a classification network reads its output at the
last step only: a short window of each example's states is all the training
needs. Classification networks of one cell whose memory sees only the input
(``hidden_to_memory``, ``memory_to_memory`` and ``hidden_to_hidden`` False).
"""

import dataclasses
import math

import numpy as np
import nengo
from nengo.exceptions import ValidationError

from nengo_lmu import hardware
from nengo_lmu.analysis import deployment
from nengo_lmu.analysis.training import hold
from nengo_lmu.dynamics import check_integer, check_positive, lmu_discrete

#: The fewest training examples :func:`finetune` records (four held out).
MIN_EXAMPLES = 16

#: Lowpass time constants the readout window covers (:func:`window`).
_WINDOW_TAUS = 8


def check_network(spec, task, attr=None):
    """Raise a ``ValidationError`` unless :func:`finetune` can train ``spec``
    (an ``LMUNetwork.spec``) on ``task``; it names ``attr`` where given."""
    if task.kind != "classification":
        raise ValidationError(
            f"must be used with a classification task, whose output is read at the last "
            f"step "
            f"(got a {task.kind} task)", attr or "task")
    if len(spec["cells"]) != 1:
        raise ValidationError(
            f"must be used with a network of one cell (got {len(spec['cells'])} cells)", attr or "cells")
    for flag in ("hidden_to_memory", "memory_to_memory", "hidden_to_hidden"):
        if spec["cells"][0].get(flag, False):
            raise ValidationError(
                f"must be used with {flag}=False, a memory that sees only the input "
                f"and no recurrent hidden units (got {flag}=True)", attr or flag)


def window(spec, n_steps):
    """Steps before the output that it depends on: ``_WINDOW_TAUS`` readout
    time constants (1 with no readout synapse), at most ``n_steps``."""
    tau = spec.get("readout_synapse")
    steps = 1 if tau is None else int(math.ceil(_WINDOW_TAUS * tau / spec["dt"])) + 1
    return min(steps, n_steps)


def _lowpass(tau, dt, n):
    """Weights of the last ``n`` steps' values in a lowpass ``tau``'s output at
    the last step (nengo's, one step late); a 1 on the last with None."""
    w = np.zeros(n)
    if tau is None:
        w[-1] = 1.0
        return w
    a = np.exp(-dt / tau)
    w[:-1] = ((1 - a) * a ** np.arange(n - 1))[::-1]
    return w


def record(network, task, overrides, steps_per_item=1, n_examples=64, batch_size=32,
           seed=0):
    """The chip's memory state and input over the last steps of training examples.

    ``network`` (a :class:`.Training`, with the stage's knobs) runs on the
    fast integer emulator deployed with ``overrides`` (the stage's network
    arguments) on the first ``n_examples`` training examples of ``task``.

    Returns
    -------
    dict
        ``states`` ``(n_examples, window, dimensions)``: the memory's state
        filtered by the memory-to-hidden synapse, as the hidden units receive
        it; ``inputs`` ``(n_examples, window, size_in)``: the input, filtered
        the same; ``outputs`` ``(n_examples, size_out)``: the network's output
        at the last step; ``labels``; ``rate``, the hidden units' rate for an
        activation of 1 as deployed.
    """
    from nengo_lmu.hardware.loihi.fast import Sequences  # noqa: PLC0415

    n_examples = check_integer(n_examples, "n_examples")
    batch_size = check_integer(batch_size, "batch_size")
    net = deployment.deploy(network, backend="loihi", spiking=True, **overrides)
    cell = net.cells[0]
    with net:
        state = nengo.Probe(cell.memory.state, synapse=cell.hidden_synapse)
        inputs = nengo.Probe(cell.input, synapse=cell.hidden_synapse)
    examples = hold(task.x_train[:n_examples], steps_per_item)
    k = window(net.spec, examples.shape[1])
    out = {"states": [], "inputs": [], "outputs": []}
    net.input.output = Sequences(examples[:batch_size], net.spec["dt"])
    with hardware.simulator(net, backend="loihi", target="fast", seed=seed) as sim:
        for start in range(0, len(examples), batch_size):
            net.input.output.data = examples[start:start + batch_size]
            data = sim.run_batch(examples.shape[1], progress_bar=False)
            out["states"].append(data[state][:, -k:])
            out["inputs"].append(data[inputs][:, -k:])
            out["outputs"].append(data[net.probe][:, -1])
    out = {name: np.concatenate(v) for name, v in out.items()}
    out["labels"] = np.asarray(task.y_train[:n_examples, -1, 0])
    out["rate"] = cell.rate_scale
    return out


def ideal_states(network, x, steps_per_item, n_window):
    """The ideal memory's state and the input, filtered as :func:`record`
    records them, over the last ``n_window`` steps of each example ``x``."""
    spec, values = network.spec, network.parameters
    cell, dt = spec["cells"][0], spec["dt"]
    Ad, Bd = lmu_discrete(cell["order"], cell["theta"], dt,
                          method=cell.get("discretizer", "zoh"))
    eye = np.eye(cell.get("memory_d", 1))
    A, B = np.kron(eye, Ad), np.kron(eye, Bd)
    inputs = hold(np.asarray(x, dtype=float), steps_per_item)
    u = inputs @ values["cell0.input_encoders"].T  # (n, steps, memory_d)
    tau = cell.get("hidden_synapse")
    a = 0.0 if tau is None else np.exp(-dt / tau)
    n, steps, _ = inputs.shape
    m = np.zeros((n, len(A)))
    fm, fx = np.zeros_like(m), np.zeros((n, inputs.shape[2]))
    states = np.zeros((n, n_window, len(A)))
    out_x = np.zeros((n, n_window, inputs.shape[2]))
    for k in range(steps):
        if tau is None:
            fm, fx = m, inputs[:, k]
        if k >= steps - n_window:
            states[:, k - steps + n_window], out_x[:, k - steps + n_window] = fm, fx
        if tau is not None:  # a probe's lowpass at step k holds what came before it
            fm, fx = a * fm + (1 - a) * m, a * fx + (1 - a) * inputs[:, k]
        m = m @ A.T + u[:, k] @ B.T
    return states, out_x


@dataclasses.dataclass
class ChipStates:
    """The chip's memory state as a linear map of the ideal one plus a residual.

    ``coef`` ``(dimensions + 1, dimensions)``: least-squares weights of the
    ideal state (and a constant) that give the chip's; ``residuals``
    ``(examples, window, dimensions)``: what they leave, per recorded window.
    """

    coef: np.ndarray
    residuals: np.ndarray

    @classmethod
    def fit(cls, ideal, chip):
        """Fit on matching ``(examples, window, dimensions)`` arrays."""
        d = ideal.shape[-1]
        X = np.concatenate([ideal.reshape(-1, d), np.ones((ideal[..., 0].size, 1))], 1)
        coef = np.linalg.lstsq(X, chip.reshape(-1, d), rcond=None)[0]
        out = cls(coef, np.zeros(0))
        out.residuals = chip - out.mapped(ideal)
        return out

    def mapped(self, ideal):
        """The map of ``ideal`` states, without residuals."""
        return ideal @ self.coef[:-1] + self.coef[-1]

    def sample(self, ideal, rng):
        """Chip-like states: the map plus a residual window drawn for each example."""
        pick = rng.randint(len(self.residuals), size=len(ideal))
        return self.mapped(ideal) + self.residuals[pick]


def staircase_rates(j, dt):
    """Loihi's rectified-linear rates (Hz) for currents ``j``, in numpy:
    ``nengo_loihi.neurons.loihi_spikingrectifiedlinear_rates`` with gain 1."""
    from nengo_loihi.neurons import (  # noqa: PLC0415
        LoihiSpikingRectifiedLinear, loihi_spikingrectifiedlinear_rates)

    j = np.asarray(j, dtype=float)
    rates = loihi_spikingrectifiedlinear_rates(
        LoihiSpikingRectifiedLinear(), j.reshape(-1, 1), np.ones(1), np.zeros(1), dt,
        amplitude=1)
    return rates.reshape(j.shape)


def _tf_staircase(j, dt):
    """The staircase rates in TensorFlow, with the rectified-linear gradient."""
    import tensorflow as tf  # noqa: PLC0415

    relu = tf.nn.relu(j)
    steps = tf.where(j > 0, (1 / dt) / tf.math.ceil(1 / (tf.maximum(j, 1e-12) * dt)),
                     tf.zeros_like(j))
    return relu + tf.stop_gradient(steps - relu)


def _names(values):
    return [k for k in ("cell0.memory_kernel", "cell0.input_kernel", "cell0.bias",
                        "readout") if k in values]


def outputs(values, states, inputs, rate, readout_synapse, dt):
    """The network's output at the last step for states and inputs of
    :func:`record`'s shapes, with the hidden units' staircase rates at ``rate``."""
    j = states @ values["cell0.memory_kernel"].T
    if "cell0.input_kernel" in values:
        j = j + inputs @ values["cell0.input_kernel"].T
    if "cell0.bias" in values:
        j = j + values["cell0.bias"]
    act = staircase_rates(rate * j, dt) / rate
    w = _lowpass(readout_synapse, dt, states.shape[1])
    return np.einsum("k,nku->nu", w, act) @ values["readout"].T


def train(values, chip, ideal, inputs, labels, rate, readout_synapse, dt, epochs=20,
          batch_size=128, learning_rate=3e-3, seed=0):
    """The hidden kernels, bias and readout trained on chip-like states.

    Each epoch draws every example's state from ``chip`` (a
    :class:`ChipStates`) for its ``ideal`` state window; the loss is the
    cross-entropy of the output at the last step (:func:`outputs`'s model,
    in TensorFlow). Returns the new ``values`` (a copy) and the last loss.
    """
    import tensorflow as tf  # noqa: PLC0415

    names = _names(values)
    tf.random.set_seed(seed)
    rng = np.random.RandomState(seed)
    var = {k: tf.Variable(np.asarray(values[k], dtype=np.float32)) for k in names}
    w = tf.constant(_lowpass(readout_synapse, dt, ideal.shape[1]), tf.float32)
    optimizer = tf.keras.optimizers.Adam(learning_rate)
    loss_fn = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)

    @tf.function
    def step(s, x, y):
        with tf.GradientTape() as tape:
            j = tf.einsum("nkd,ud->nku", s, var["cell0.memory_kernel"])
            if "cell0.input_kernel" in var:
                j += tf.einsum("nkd,ud->nku", x, var["cell0.input_kernel"])
            if "cell0.bias" in var:
                j += var["cell0.bias"]
            act = _tf_staircase(rate * j, dt) / rate
            logits = tf.matmul(tf.einsum("k,nku->nu", w, act), var["readout"],
                               transpose_b=True)
            loss = loss_fn(y, logits)
        grads = tape.gradient(loss, [var[k] for k in names])
        optimizer.apply_gradients(zip(grads, [var[k] for k in names]))
        return loss

    loss = float("nan")
    inputs = inputs.astype(np.float32)
    for _ in range(epochs):
        states = chip.sample(ideal, rng).astype(np.float32)
        order = rng.permutation(len(ideal))
        for start in range(0, len(order), batch_size):
            idx = order[start:start + batch_size]
            loss = float(step(states[idx], inputs[idx], labels[idx]))
    out = dict(values)
    out.update({k: v.numpy().astype(float) for k, v in var.items()})
    return out, loss


def _cross_entropy(outputs, labels):
    z = outputs - outputs.max(axis=1, keepdims=True)
    logp = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    return float(-np.mean(logp[np.arange(len(labels)), labels]))


def better(tuned, deployed, labels):
    """Whether outputs ``tuned`` beat ``deployed`` on ``labels``: more correct, or as
    many with a lower cross-entropy."""
    right = [int(np.sum(np.argmax(o, axis=1) == labels)) for o in (tuned, deployed)]
    if right[0] != right[1]:
        return right[0] > right[1]
    return _cross_entropy(tuned, labels) < _cross_entropy(deployed, labels)


def finetune(network, task, overrides, steps_per_item=1, n_examples=64, epochs=20,
             batch_size=128, learning_rate=3e-3, seed=0):
    """The stage's ``network`` with its hidden layer and readout trained on the chip.

    Parameters
    ----------
    network : Training
        As the Loihi stage deploys it (the knobs applied, see
        :func:`.conversion.converted`); one cell whose memory sees only the input.
    task : nengo_lmu.tasks.Task
        A classification task; all its training examples are trained on,
        with chip-like states (see the module), but the held-out last
        quarter of the first ``n_examples``.
    overrides : dict
        The stage's network arguments (:func:`.conversion.stage_overrides`).
    steps_per_item : int
        Steps each item is held for (the stage's).
    n_examples : int
        Training examples run on the emulator, at least :data:`MIN_EXAMPLES`
        and at most the task's; the last quarter decides whether the new
        weights are kept.
    epochs, batch_size, learning_rate, seed
        The training's (Adam), and the emulator's seed.

    Returns
    -------
    network : Training
        ``network`` with the new weights where they were kept, else itself.
    info : dict
        ``kept`` (bool), ``held_out`` (examples), ``accuracy`` (held-out,
        ``{"deployed": ..., "tuned": ...}``), ``loss`` (the training's last).
    """
    check_network(network.spec, task)
    n_examples = check_integer(n_examples, "n_examples", low=MIN_EXAMPLES)
    if n_examples > len(task.x_train):
        raise ValidationError(
            f"must be at most the task's {len(task.x_train)} training examples "
            f"(got {n_examples})", "n_examples")
    epochs = check_integer(epochs, "epochs")
    learning_rate = check_positive(learning_rate, "learning_rate")
    steps_per_item = check_integer(steps_per_item, "steps_per_item")
    recorded = record(network, task, overrides, steps_per_item, n_examples, seed=seed)
    n_fit = n_examples - n_examples // 4
    k = recorded["states"].shape[1]
    ideal, _ = ideal_states(network, task.x_train[:n_examples], steps_per_item, k)
    chip = ChipStates.fit(ideal[:n_fit], recorded["states"][:n_fit])
    rest = np.r_[0:n_fit, n_examples:len(task.x_train)]
    all_ideal, all_inputs = ideal_states(network, task.x_train[rest], steps_per_item, k)
    rate, spec = recorded["rate"], network.spec
    values, loss = train(network.parameters, chip, all_ideal, all_inputs,
                         np.asarray(task.y_train[rest, -1, 0]), rate,
                         spec.get("readout_synapse"), spec["dt"], epochs=epochs,
                         batch_size=batch_size, learning_rate=learning_rate, seed=seed)
    tuned = dataclasses.replace(network, parameters=values)
    held = dataclasses.replace(task, x_test=task.x_train[n_fit:n_examples],
                               y_test=task.y_train[n_fit:n_examples])
    result = deployment.evaluate(tuned, held, backend="loihi", spiking=True,
                                 steps_per_item=steps_per_item, seed=seed,
                                 progress_bar=False, overrides=overrides)
    labels = recorded["labels"][n_fit:]
    deployed_out = recorded["outputs"][n_fit:]
    kept = better(result["outputs"][:, -1], deployed_out, labels)
    info = {
        "kept": bool(kept), "held_out": len(labels), "loss": loss,
        "accuracy": {"deployed": float(np.mean(deployed_out.argmax(1) == labels)),
                     "tuned": float(result["score"])},
    }
    return (tuned if kept else network), info


def describe(info):
    """:func:`finetune`'s ``info`` as one line."""
    acc = info["accuracy"]
    return (f"Loihi fine-tuning: held-out training examples ({info['held_out']}) "
            f"{acc['deployed']:.4f} deployed, {acc['tuned']:.4f} tuned: "
            f"{'kept' if info['kept'] else 'not kept'}")
