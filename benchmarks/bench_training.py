"""Parallel training: seconds per epoch against keras-lmu, and Mackey-Glass against LSTMs.

Two measurements, both printed as tables:

1. ``speed``: seconds per epoch of :func:`nengo_lmu.analysis.parallel.build_model`
   against keras-lmu 0.7.0's ``LMU`` layer (its feed-forward path) at equal
   weights (order 64, 100 ReLU units, theta = 784 steps, input to hidden,
   10 outputs: 7,511 weights), on permuted sequential Fashion-MNIST when
   Debian's ``dataset-fashion-mnist`` is installed (random pixels otherwise;
   the time does not depend on the data), in the same process and
   TensorFlow. keras-lmu is not a dependency of this project: install it
   into a separate folder and name it with ``--keras-lmu-site``::

       python -m pip install --no-deps --target klmu-site keras-lmu==0.7.0

   The two models are also given the same weights and their outputs compared.
2. ``mackey-glass``: NRMSE of the paper-setup LMU (4 stacked cells, ideal
   memory, trained in parallel; :data:`nengo_lmu.analysis.pipeline.SETTINGS`)
   against a 4-layer LSTM with as many weights, same epochs, batches and
   Adam (and ``--schedule``), per seed, at ``--units`` (22: ~2k weights;
   74: ~18k). ``--models`` trains one of the two only (the LSTM does not
   depend on the LMU's options). The LMU's initialisation (the cells'
   ``memory_kernel_scale`` and ``bias_init``): ``--memory-kernel-scale``
   multiplies its Glorot-uniform memory kernels, ``--bias-init`` sets its
   hidden biases (ReLU units start active).
   ``--spikes`` then deploys each trained LMU (ReLU) with neurons and spikes
   on nengo's reference simulator (:func:`nengo_lmu.analysis.conversion.convert`
   with ``--time-scale``, ``--rate-scale``, ``--n-neurons``, the synapses
   and ``--compensate``) and prints each stage against the trained rates on
   the same ``--spike-n-test`` test sequences. Before that,
   ``--finetune-epochs`` trains on with each item held ``--time-scale``
   steps, and ``--synapse-epochs`` then with the deployment's synapses in
   the loop (compensated first with ``--compensate``) and the loss at the
   items' ends, the steps that are scored (``parallel.train``'s
   ``item_ends``).
3. ``digits``: test accuracy of a rate network with the ideal memory on the
   permuted 8x8 digits (all test sequences), trained in parallel.

Examples::

    python benchmarks/bench_training.py speed --keras-lmu-site klmu-site
    python benchmarks/bench_training.py mackey-glass --units 22 --seeds 0 1 2 \\
        --epochs 20 --n-steps 1000 --batch-size 4 --learning-rate 1e-2 \\
        --activation relu --memory-kernel-scale 0.3 --bias-init 0.1
    python benchmarks/bench_training.py digits --seeds 0 1 2
"""

import argparse
import os
import sys
import time

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def speed(args):
    import tensorflow as tf

    from nengo_lmu import tasks
    from nengo_lmu.analysis import parallel
    from nengo_lmu.networks.cell import LMUNetwork

    if args.keras_lmu_site:
        sys.path.append(os.path.abspath(args.keras_lmu_site))
    import keras_lmu

    n, steps, order, units = args.n_train, 784, 64, 100
    try:
        task = tasks.load_psfmnist().subset(n_train=n)
        x, y, data = task.x_train, task.y_train[:, -1], "psFashion-MNIST"
    except Exception:  # noqa: BLE001 - any failure to read means: random pixels
        rng = np.random.RandomState(0)
        x, y, data = rng.rand(n, steps, 1), rng.randint(10, size=(n, 1)), "random pixels"
    cell = dict(units=units, order=order, theta=steps * 0.001, hidden_synapse=None,
                input_to_hidden=True)
    net = LMUNetwork(1, 10, [cell], readout_synapse=None, memory="ideal", seed=0)
    ours = parallel.build_model(net.spec, steps, return_sequences=False)
    parallel.set_parameters(ours, net.parameters())
    inputs = tf.keras.Input((steps, 1))
    lmu = keras_lmu.LMU(memory_d=1, order=order, theta=steps,
                        hidden_cell=tf.keras.layers.Dense(units, activation="relu"),
                        input_to_hidden=True)
    theirs = tf.keras.Model(inputs, tf.keras.layers.Dense(10, use_bias=False)(lmu(inputs)))
    # equal weights: our parameters in keras-lmu's layout
    p = net.parameters()
    by_shape = {tuple(w.shape): w for w in theirs.weights}
    by_shape[(1, 1)].assign(p["cell0.input_encoders"].T)
    by_shape[(order + 1, units)].assign(np.concatenate(
        [p["cell0.memory_kernel"].T, p["cell0.input_kernel"].T]))
    by_shape[(units,)].assign(p["cell0.bias"])
    by_shape[(units, 10)].assign(p["readout"].T)
    probe = x[:8].astype(np.float32)
    difference = np.abs(ours.predict(probe, verbose=0) - theirs.predict(probe, verbose=0))
    rows = []
    for name, model in (("nengo-lmu parallel", ours), ("keras-lmu 0.7.0", theirs)):
        model.compile(optimizer=tf.optimizers.Adam(1e-3),
                      loss=tf.losses.SparseCategoricalCrossentropy(from_logits=True))
        model.fit(x[:args.batch_size], y[:args.batch_size], batch_size=args.batch_size,
                  epochs=1, verbose=0)  # builds and traces
    times = {"nengo-lmu parallel": [], "keras-lmu 0.7.0": []}
    for _ in range(args.repeats):
        for name, model in (("nengo-lmu parallel", ours), ("keras-lmu 0.7.0", theirs)):
            start = time.perf_counter()
            model.fit(x, y, batch_size=args.batch_size, epochs=1, verbose=0)
            times[name].append(time.perf_counter() - start)
    for name, model in (("nengo-lmu parallel", ours), ("keras-lmu 0.7.0", theirs)):
        rows.append((name, model.count_params(), min(times[name])))
    print(f"one epoch of {n} sequences x {steps} steps ({data}), batch {args.batch_size}, "
          f"best of {args.repeats}; outputs at equal weights differ by at most "
          f"{difference.max():.2e}")
    print(f"{'model':<20} {'weights':>8} {'s/epoch':>9}")
    for name, weights, seconds in rows:
        print(f"{name:<20} {weights:>8} {seconds:9.2f}")
    print(f"ratio nengo-lmu / keras-lmu: {rows[0][2] / rows[1][2]:.2f}")


def _optimizer(args, n_train):
    """Adam at ``--learning-rate``, constant or decaying to 0 along a cosine over all
    updates (``--schedule cosine``): the same for the LMU and the LSTM."""
    import tensorflow as tf

    rate = args.learning_rate
    if args.schedule == "cosine":
        updates = args.epochs * (n_train // args.batch_size)
        rate = tf.keras.optimizers.schedules.CosineDecay(rate, updates)
    return tf.optimizers.Adam(rate)


def mackey_glass(args):
    from nengo_lmu.analysis import baselines, conversion, deployment, parallel, pipeline
    from nengo_lmu.analysis import training

    print(f"Mackey-Glass (paper setup): {args.n_steps} steps per sequence, "
          f"{args.epochs} epochs, batch {args.batch_size}, Adam {args.learning_rate} "
          f"({args.schedule}), {args.activation} hidden units, theta {args.theta_items} "
          f"samples, memory kernel initialised x{args.memory_kernel_scale}, "
          f"biases at {args.bias_init}")
    print(f"{'seed':>4} {'LMU weights':>11} {'LMU NRMSE':>9} {'LSTM weights':>12} "
          f"{'LSTM NRMSE':>10} {'LMU s':>6} {'LSTM s':>7}")
    scores, spikes = [], []
    nan = float("nan")
    for seed in args.seeds:
        cells = [dict(units=args.units, order=4, theta_items=args.theta_items,
                      hidden_synapse=None, input_to_hidden=True,
                      activation=args.activation,
                      memory_kernel_scale=args.memory_kernel_scale,
                      bias_init=args.bias_init)] * 4
        config = pipeline.settings("mackey-glass-paper", n_steps=args.n_steps,
                                   epochs=args.epochs, batch_size=args.batch_size,
                                   cells=cells, seed=seed, n_train=args.n_train,
                                   learning_rate=args.learning_rate)
        task = pipeline.make_task(config)
        net = pipeline.make_network(config, task, seed=seed)
        weights = training.n_parameters(net)
        lmu = lstm = nan
        lmu_s = lstm_s = 0.0
        lstm_weights = 0
        if "lmu" in args.models:
            trained = parallel.train(net, task, epochs=args.epochs,
                                     batch_size=args.batch_size,
                                     learning_rate=args.learning_rate, seed=seed,
                                     optimizer=_optimizer(args, len(task.x_train)))
            lmu = deployment.evaluate(trained, task, backend="keras", spiking=False)["score"]
            lmu_s = trained.seconds
        if "lstm" in args.models:
            units = baselines.lstm_units_for(weights, layers=4)
            result = baselines.train_lstm(task, units, epochs=args.epochs,
                                          batch_size=args.batch_size,
                                          learning_rate=args.learning_rate, seed=seed,
                                          layers=4,
                                          optimizer=_optimizer(args, len(task.x_train)))
            lstm, lstm_s, lstm_weights = result["score"], result["seconds"], \
                result["parameters"]
        scores.append((lmu, lstm))
        print(f"{seed:>4} {weights:>11} {lmu:9.4f} {lstm_weights:>12} "
              f"{lstm:10.4f} {lmu_s:6.0f} {lstm_s:7.0f}", flush=True)
        if args.spikes and "lmu" in args.models:
            deployed, time_scale, steps = trained, args.time_scale, 1
            knobs = dict(hidden_synapse=args.hidden_synapse,
                         readout_synapse=args.readout_synapse, compensate=args.compensate)
            if args.finetune_epochs:
                # train on: each item held for time_scale steps, as deployed (theta
                # scaled with it), in parallel (no synapses), at a tenth the rate
                net = conversion.converted(trained, memory="ideal",
                                           time_scale=time_scale).network()
                deployed = parallel.train(net, task, epochs=args.finetune_epochs,
                                          batch_size=args.batch_size,
                                          learning_rate=args.learning_rate / 10,
                                          steps_per_item=time_scale, seed=seed)
                time_scale, steps = 1, args.time_scale
            if args.synapse_epochs:
                # then with the deployment's synapses (compensated with
                # --compensate) in the loop and the loss at the item ends, as
                # scored; deployed as trained
                net = conversion.converted(deployed, memory="ideal", time_scale=time_scale,
                                           **knobs).network()
                deployed = parallel.train(net, task, epochs=args.synapse_epochs,
                                          batch_size=args.batch_size,
                                          learning_rate=args.synapse_learning_rate,
                                          steps_per_item=args.time_scale, seed=seed,
                                          item_ends=True)
                time_scale, steps, knobs = 1, args.time_scale, {}
            rows = conversion.convert(
                deployed, task, stages=["ideal rates", "neural rates", "spikes (reference)"],
                steps_per_item=steps,
                n_test=args.spike_n_test, seed=seed, n_neurons=args.n_neurons,
                rate_scale=args.rate_scale, time_scale=time_scale, **knobs)
            rates = deployment.evaluate(trained, task, backend="keras", spiking=False,
                                        n_test=args.spike_n_test)["score"]
            print(conversion.format_table(
                rows, title=f"seed {seed} deployed (as trained, rates: NRMSE {rates:.4f} "
                            f"on these {rows[0]['n_test']} test sequences)"), flush=True)
            spikes.append([rates] + [row["score"] for row in rows])
    lmu, lstm = np.mean(scores, axis=0)
    print(f"mean NRMSE: LMU {lmu:.4f}, LSTM {lstm:.4f}")
    if spikes:
        rates, ideal, neural, spiking = np.mean(spikes, axis=0)
        print(f"mean NRMSE deployed: as trained {rates:.4f}; with the conversion's "
              f"settings ideal rates {ideal:.4f}, neural rates {neural:.4f}, spikes "
              f"{spiking:.4f} ({spiking / rates:.2f}x as trained)")


def digits(args):
    from nengo_lmu.analysis import deployment, parallel, pipeline, training

    print(f"permuted digits, ideal memory, rates, trained in parallel: {args.epochs} epochs, "
          f"batch {args.batch_size}, units {args.units}, order {args.order}, state noise "
          f"{args.state_noise:g}")
    print(f"{'seed':>4} {'weights':>7} {'accuracy':>8} {'test':>5} {'s':>5}")
    scores = []
    for seed in args.seeds:
        cells = [dict(units=args.units, order=args.order, hidden_synapse=None,
                      input_to_hidden=True)]
        config = pipeline.settings("digits", cells=cells, seed=seed,
                                   network=dict(memory="ideal", readout_synapse=None))
        task = pipeline.make_task(config)
        net = pipeline.make_network(config, task, seed=seed)
        # trained and scored with the items held as long as the network's theta
        # assumes (the whole sequence: 64 items of 2 steps), as it deploys
        steps = config["steps_per_item"]
        trained = parallel.train(net, task, epochs=args.epochs,
                                 batch_size=args.batch_size,
                                 learning_rate=args.learning_rate, steps_per_item=steps,
                                 seed=seed, state_noise=args.state_noise)
        row = deployment.evaluate(trained, task, backend="keras", spiking=False,
                                  steps_per_item=steps)
        scores.append(row["score"])
        print(f"{seed:>4} {training.n_parameters(net):>7} {row['score']:8.4f} "
              f"{row['n_test']:>5} {trained.seconds:5.0f}", flush=True)
    print(f"mean accuracy {np.mean(scores):.4f} over {len(scores)} seed(s)")


def _synapse(text):
    """A synapse argument: seconds, "none", or "trained" (the trained network's)."""
    if text.lower() in ("none", "trained"):
        return None if text.lower() == "none" else "trained"
    return float(text)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="what", required=True)
    s = sub.add_parser("speed")
    s.add_argument("--keras-lmu-site", help="folder keras-lmu was installed into")
    s.add_argument("--n-train", type=int, default=2000)
    s.add_argument("--batch-size", type=int, default=100)
    s.add_argument("--repeats", type=int, default=2)
    m = sub.add_parser("mackey-glass")
    m.add_argument("--units", type=int, default=22)
    m.add_argument("--seeds", type=int, nargs="+", default=[0])
    m.add_argument("--epochs", type=int, default=40)
    m.add_argument("--n-steps", type=int, default=5000)
    m.add_argument("--n-train", type=int, default=None)
    m.add_argument("--batch-size", type=int, default=8)
    m.add_argument("--learning-rate", type=float, default=5e-3)
    m.add_argument("--activation", default="relu", choices=("relu", "tanh"))
    m.add_argument("--models", nargs="+", default=["lmu", "lstm"], choices=("lmu", "lstm"))
    m.add_argument("--schedule", default="constant", choices=("constant", "cosine"))
    m.add_argument("--theta-items", type=int, default=4)
    m.add_argument("--memory-kernel-scale", type=float, default=1.0,
                   help="multiplies the LMU's initial memory kernels (Glorot uniform)")
    m.add_argument("--bias-init", type=float, default=0.0,
                   help="the LMU's initial hidden biases (in units of the activation)")
    m.add_argument("--spikes", action="store_true",
                   help="deploy each trained LMU (ReLU) with neurons and spikes on "
                        "nengo's reference simulator")
    m.add_argument("--spike-n-test", type=int, default=None)
    m.add_argument("--n-neurons", type=int, default=None)
    m.add_argument("--rate-scale", type=float, default=None)
    m.add_argument("--time-scale", type=int, default=1)
    m.add_argument("--hidden-synapse", type=_synapse, default="trained")
    m.add_argument("--readout-synapse", type=_synapse, default="trained")
    m.add_argument("--compensate", action="store_true")
    m.add_argument("--finetune-epochs", type=int, default=0,
                   help="before deploying, train on with each item held for "
                        "--time-scale steps (in parallel, a tenth the learning rate)")
    m.add_argument("--synapse-epochs", type=int, default=0,
                   help="then train on with the deployment's synapses in the loop "
                        "(compensated first with --compensate), the loss at the items' "
                        "ends, in parallel; deployed as trained")
    m.add_argument("--synapse-learning-rate", type=float, default=1e-4)
    d = sub.add_parser("digits")
    d.add_argument("--units", type=int, default=100)
    d.add_argument("--order", type=int, default=64)
    d.add_argument("--seeds", type=int, nargs="+", default=[0])
    d.add_argument("--epochs", type=int, default=40)
    d.add_argument("--batch-size", type=int, default=64)
    d.add_argument("--learning-rate", type=float, default=5e-3)
    d.add_argument("--state-noise", type=float, default=0.3,
                   help="noise on the memory states in training, a fraction of each "
                   "state's RMS (parallel.train's state_noise; 0 for none)")
    args = parser.parse_args(argv)
    {"speed": speed, "mackey-glass": mackey_glass, "digits": digits}[args.what](args)


if __name__ == "__main__":
    main()
