"""Parallel (Keras, whole-sequence) training against the step-by-step nengo network."""

import nengo
import numpy as np
import pytest
from nengo.exceptions import ValidationError

pytest.importorskip("tensorflow", reason="the dl extra (make install-dl) is not installed")

from nengo_lmu import tasks  # noqa: E402
from nengo_lmu.analysis import deployment, parallel, training  # noqa: E402
from nengo_lmu.networks.cell import LMUCell, LMUNetwork, load  # noqa: E402

CELLS = [dict(units=6, order=4, theta=0.02, hidden_synapse=None, input_to_hidden=True),
         dict(units=5, order=3, theta=0.01, hidden_synapse=None, memory_d=2,
              activation="tanh", discretizer="euler")]


def random_network(seed=0, cells=CELLS, readout_synapse=None):
    net = LMUNetwork(2, 3, cells, readout_synapse=readout_synapse, memory="ideal",
                     seed=seed)
    rng = np.random.RandomState(seed)
    net.set_parameters({k: rng.randn(*v.shape) for k, v in net.parameters().items()})
    return net


def step_by_step(net, x):
    """The nengo reference simulator's output, each example from rest."""
    feed = deployment.Feed(x[0], net.spec["dt"])
    net.input.output = feed
    out = []
    with nengo.Simulator(net, progress_bar=False) as sim:
        for example in x:
            sim.reset()
            feed.data = example
            sim.run_steps(len(example))
            out.append(sim.data[net.probe].copy())
    return np.stack(out)


@pytest.mark.parametrize("synapses", [False, True])
def test_parallel_model_equals_the_step_network(synapses):
    """With or without synapses (each cell's its own, and the readout's)."""
    cells, readout = CELLS, None
    if synapses:
        cells = [dict(CELLS[0], hidden_synapse=0.003), dict(CELLS[1], hidden_synapse=0.01)]
        readout = 0.004
    net = random_network(cells=cells, readout_synapse=readout)
    x = np.random.RandomState(1).randn(3, 60, 2)
    model = parallel.build_model(net.spec, 60, dtype="float64")
    parallel.set_parameters(model, net.parameters())
    fast = model.predict(x, verbose=0)
    slow = step_by_step(net, x)
    assert np.abs(slow).max() > 1  # the outputs are not trivially small
    np.testing.assert_allclose(fast, slow, atol=1e-6)
    # the last step only (a classifier's output), the readout's synapse included
    last = parallel.build_model(net.spec, 60, dtype="float64", return_sequences=False)
    parallel.set_parameters(last, net.parameters())
    np.testing.assert_allclose(last.predict(x, verbose=0), slow[:, -1], atol=1e-6)
    # the weights go back unchanged
    for name, value in parallel.parameters(model).items():
        np.testing.assert_allclose(value, net.parameters()[name])
    if synapses:  # the synapses matter: without them the output differs
        bare = random_network()
        assert np.abs(bare_output(bare, x) - slow).max() > 0.1


def bare_output(net, x):
    model = parallel.build_model(net.spec, x.shape[1], dtype="float64")
    parallel.set_parameters(model, net.parameters())
    return model.predict(x, verbose=0)


def test_lowpass_response_is_nengos():
    """The filter the parallel model convolves with is nengo's discrete lowpass, one
    step late as in the simulator (``filt`` has no such step)."""
    u = np.zeros(30)
    u[0] = 1
    expected = nengo.Lowpass(0.004).filt(u, dt=0.001, y0=0)
    response = parallel.lowpass_response(0.004, 30)
    assert response[0] == 0
    np.testing.assert_allclose(response[1:], expected[:-1], atol=1e-12)
    np.testing.assert_array_equal(parallel.lowpass_response(None, 3), [1, 0, 0])


def test_parallel_training_deploys_as_the_nengo_network(tmp_path):
    task = tasks.mackey_glass_task(n_train=16, n_test=4, n_steps=100, horizon=5)
    net = LMUNetwork(1, 1, [dict(units=10, order=4, theta=0.02, hidden_synapse=None,
                                 input_to_hidden=True)],
                     readout_synapse=None, memory="ideal", seed=0)
    seen = []
    callback = __import__("tensorflow").keras.callbacks.LambdaCallback(
        on_epoch_end=lambda epoch, logs: seen.append(epoch))
    trained = parallel.train(net, task, epochs=15, batch_size=4,
                                      learning_rate=1e-2, validation=True,
                                      callbacks=[callback])
    assert seen == list(range(15))
    assert len(trained.history["val_loss"]) == 15
    assert trained.loss[-1] < 0.5 * trained.loss[0]
    trained.save(tmp_path / "net.npz")
    fast = deployment.evaluate(trained, task, backend="keras", spiking=False)
    slow = deployment.evaluate(str(tmp_path / "net.npz"), task, backend="reference",
                             spiking=False)
    assert fast["score"] < 0.6  # predicting the mean scores 1
    np.testing.assert_allclose(fast["outputs"], slow["outputs"], atol=1e-4)


def test_state_noise_only_in_training():
    """Noise in the loop: Gaussian noise of ``state_noise`` times each state's RMS
    on the memory states in training, none when the model runs."""
    order = 8
    net = LMUNetwork(1, 2, [dict(units=order, order=order, theta=0.05,
                                 hidden_synapse=None)],
                     readout_synapse=None, memory="ideal", seed=0)
    # hidden units that pass the state through: h = m + 10 (the ReLU never cuts)
    net.set_parameters({"cell0.memory_kernel": np.eye(order), "cell0.bias": 10 * np.ones(order)})
    x = np.random.RandomState(0).rand(64, 100, 1)
    noisy = parallel.build_model(net.spec, 100, state_noise=0.5)
    clean = parallel.build_model(net.spec, 100)
    for model in (noisy, clean):
        parallel.set_parameters(model, net.parameters())
    cell = lambda model: model.get_layer("cell0")  # noqa: E731
    m = cell(clean)(x, training=True).numpy() - 10  # no noise asked: none
    np.testing.assert_allclose(cell(noisy)(x, training=False).numpy() - 10, m, atol=1e-5)
    np.testing.assert_allclose(noisy.predict(x, verbose=0), clean.predict(x, verbose=0),
                               atol=1e-5)
    noise = cell(noisy)(x, training=True).numpy() - 10 - m
    rms = np.sqrt((m**2).mean(axis=(0, 1)))
    np.testing.assert_allclose(noise.std(axis=(0, 1)) / rms, 0.5, rtol=0.05)
    task = tasks.permuted_digits().subset(n_train=8, n_test=2)
    with pytest.raises(ValidationError, match=r"state_noise: must be a finite number >= 0 "
                                              r"\(got -0.1\)"):
        parallel.train(net, task, state_noise=-0.1)


def test_parallel_errors():
    task = tasks.permuted_digits().subset(n_train=8, n_test=2)
    loop = LMUNetwork(1, 10, [dict(units=4, order=2, theta=0.1, hidden_synapse=None,
                                    hidden_to_hidden=True)], readout_synapse=None)
    with pytest.raises(ValidationError, match="hidden_to_hidden: must be False in every"):
        parallel.train(loop, task)
    with pytest.raises(ValidationError, match="spiking: must be False on 'keras'"):
        deployment.evaluate("x.npz", task, backend="keras", spiking=True)


def test_keras_lmu_options():
    with nengo.Network():
        with pytest.raises(ValidationError, match=r"dropout: LMUCell takes no keyword"):
            LMUCell(units=3, order=2, theta=0.1, dropout=0.1)
        with pytest.raises(ValidationError, match=r"activation: must be 'relu' for a spiking"):
            LMUCell(units=3, order=2, theta=0.1, activation="tanh", spiking=True)
        with pytest.raises(ValidationError, match=r"activation: must be one of"):
            LMUCell(units=3, order=2, theta=0.1, activation="elu")
        with pytest.raises(ValidationError, match=r"memory: must be None, 'ideal'"):
            LMUCell(units=3, order=2, theta=0.1, memory="neural")
        cell = LMUCell(units=3, order=2, theta=0.1, hidden_synapse=0, use_bias=False)
        assert cell.hidden_synapse is None and "bias" not in cell.trainable
        assert "hidden_kernel" not in cell.trainable  # keras-lmu's default
    with pytest.raises(ValidationError, match=r"stateful: LMUNetwork takes no keyword"):
        LMUNetwork(1, 1, [dict(units=3, order=2, theta=0.1)], stateful=True)


def test_save_with_any_neuron_type(tmp_path):
    cells = [dict(units=3, order=2, theta=0.1, memory_neurons=nengo.Direct(),
                  hidden_neurons=nengo.LIFRate(tau_rc=0.05, amplitude=0.01)),
             dict(units=2, order=2, theta=0.1,
                  memory_neurons=nengo.PoissonSpiking(nengo.LIFRate(tau_ref=0.003)))]
    net = LMUNetwork(1, 1, cells, memory="ideal", seed=2)
    net.save(tmp_path / "net.npz")
    again = load(tmp_path / "net.npz")
    hidden = again.cells[0].hidden.neuron_type
    assert isinstance(hidden, nengo.LIFRate) and hidden.tau_rc == 0.05
    assert hidden.amplitude == 0.01
    memory_neurons = again.spec["cells"][1]["memory_neurons"]
    assert memory_neurons.base_type.tau_ref == 0.003
    assert again.spec["memory"] == "ideal"
    neural = load(tmp_path / "net.npz", memory=None, cells=[
        {k: v for k, v in c.items() if k != "memory_neurons"} for c in again.spec["cells"]])
    assert len(neural.cells[0].memory.ensembles) > 0  # a neural memory, same weights
    for name, value in neural.parameters().items():
        np.testing.assert_array_equal(value, net.parameters()[name])


def test_nengo_dl_runs_the_same_network_in_minibatches():
    """nengo-dl's step-by-step network (ideal memory, no synapses) equals the parallel
    model, evaluated in minibatches (5 examples in batches of 2), and trains with
    validation data."""
    pytest.importorskip("nengo_dl")
    task = tasks.mackey_glass_task(n_train=8, n_test=5, n_steps=40, horizon=5)
    net = LMUNetwork(1, 1, [dict(units=6, order=3, theta=0.01, hidden_synapse=None,
                                 input_to_hidden=True)],
                     readout_synapse=None, memory="ideal", seed=0)
    rng = np.random.RandomState(0)
    net.set_parameters({k: 0.5 * rng.randn(*v.shape) for k, v in net.parameters().items()})
    trained = training.Training(parameters=net.parameters(), loss=[], seconds=0.0,
                                spec=dict(net.spec))
    dl = deployment.evaluate(trained, task, backend="dl", spiking=False, batch_size=2)
    fast = deployment.evaluate(trained, task, backend="keras", spiking=False)
    assert dl["outputs"].shape == (5, 40, 1) and np.abs(fast["outputs"]).max() > 0.5
    np.testing.assert_allclose(dl["outputs"], fast["outputs"], atol=1e-5)
    result = training.train(net, task, epochs=2, batch_size=4, validation=True)
    assert len(result.history["val_loss"]) == 2 and len(result.loss) == 2


def test_loss_at_item_ends_only():
    """``item_ends=True``: a regression task's loss at the last step of each held
    item only (the steps deployment scores), with a synapse in the loop."""
    task = tasks.mackey_glass_task(n_train=4, n_test=2, n_steps=30, horizon=3)
    net = LMUNetwork(1, 1, [dict(units=5, order=3, theta=0.03, hidden_synapse=0.004,
                                 input_to_hidden=True, bias_init=0.1)],
                     readout_synapse=0.003, memory="ideal", seed=0)
    steps = 3
    model = parallel.build_model(net.spec, 30 * steps)
    parallel.set_parameters(model, net.parameters())
    error = (model.predict(training.hold(task.x_train, steps), verbose=0)
             - training.hold(task.y_train, steps)) ** 2
    ends, everywhere = error[:, steps - 1::steps].mean(), error.mean()
    assert abs(ends - everywhere) > 1e-3 * everywhere  # 10x the tolerance below
    for item_ends, expected in ((True, ends), (False, everywhere)):
        trained = parallel.train(net, task, epochs=1, batch_size=4, learning_rate=1e-12,
                                 steps_per_item=steps, item_ends=item_ends)
        assert trained.loss[0] == pytest.approx(expected, rel=1e-4)
    with pytest.raises(ValidationError, match=r"item_ends: must be True or False "
                                              r"\(got 'yes'\)"):
        parallel.train(net, task, item_ends="yes")
