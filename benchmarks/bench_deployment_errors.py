"""Where a converted LMU loses accuracy on the chips: its memory state and hidden layer.

The conversion table's network (``bench_conversion.py``: permuted digits,
d = 24, 50 hidden units, trained with the ideal memory; deployed with a
compensated 10 ms memory-to-hidden synapse, a 5 ms readout, items held 16x
as long, 2,400 memory neurons, hidden rate 800 Hz) runs on the first
``--digits`` test digits in several deployments. Each prints its memory
state's and hidden layer's error against the same network with the ideal
memory and rates (relative RMS, both through a 20 ms probe filter) and its
accuracy:

- ``reference``: spikes, nengo's neural memory, nengo's reference simulator;
- ``loihi-ref-relu`` / ``loihi-ref-lif``: the Loihi memory with Loihi's
  rectified-linear (reset to zero) or LIF neurons, run by nengo's reference
  simulator (the neuron models without quantisation or host-chip I/O);
- ``loihi-ref-lif-hidden``: the latter with Loihi's rectified-linear
  neurons (reset to zero) in the hidden layer too, as the chip runs it;
- ``loihi-fast-lif``: the Loihi memory with LIF neurons on the fast integer
  emulator (quantisation and host-chip I/O added);
- ``analog-decoders`` / ``analog``: the analog memory on the Braindrop-like
  substrate, calibrated decoders with untrimmed neurons
  (``calibrate="decoders"``) or fully calibrated (neuron trims too);
  ``analog-matched``: no gain or threshold mismatch.

Usage: ``python benchmarks/bench_deployment_errors.py [--digits 4] [--variants ...]``
(needs ``bench-results/conversion/base-d24.npz``, which
``bench_conversion.py`` trains).
"""

import argparse
import functools
import os
import warnings

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import nengo  # noqa: E402
import numpy as np  # noqa: E402

VARIANTS = ("reference", "loihi-ref-relu", "loihi-ref-lif", "loihi-ref-lif-hidden",
            "loihi-fast-lif",
            "analog-decoders", "analog", "analog-matched")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--digits", type=int, default=4)
    parser.add_argument("--variants", default=",".join(VARIANTS))
    parser.add_argument("--network", default="bench-results/conversion/base-d24.npz")
    args = parser.parse_args()
    from nengo_lmu import hardware
    from nengo_lmu.analysis import conversion, deployment, pipeline
    from nengo_lmu.analysis.training import hold
    from nengo_lmu.hardware import split_options

    cells = [dict(units=50, order=24, hidden_synapse=None, n_neurons=1200,
                  hidden_to_hidden=False)]
    config = pipeline.settings("digits", cells=cells, seed=0,
                               network=dict(memory="ideal", readout_synapse=None))
    task = pipeline.make_task(config)
    radii = conversion.state_radii(args.network, task, 2)
    u_range = conversion.input_range(args.network, task, 2)
    knobs = dict(n_neurons=2400, rate_scale=800, time_scale=16, hidden_synapse=0.01,
                 readout_synapse=0.005, compensate=True, radii=radii)
    inputs = hold(task.x_test[: args.digits], 32)
    labels = task.y_test[: args.digits, -1, 0]

    def network(memory, backend, spiking=True, memory_neurons=None, hidden_neurons=None,
                **options):
        trained = conversion.converted(args.network, memory, **knobs)
        over = {}
        if backend == "loihi":
            over["memory"] = functools.partial(hardware.memory, "loihi",
                                               input_range=u_range)
        cell = {"memory_neurons": memory_neurons, "hidden_neurons": hidden_neurons}
        cell = {k: v for k, v in cell.items() if v is not None}
        if cell:
            over["cell_overrides"] = cell
        net = deployment.deploy(trained, backend=backend, spiking=spiking,
                                memory_options=options or None, **over)
        with net:
            hidden = nengo.Probe(net.cells[0].hidden.neurons, synapse=0.02)
            state = nengo.Probe(net.cells[0].memory.state, synapse=0.02)
        return net, hidden, state

    def run(built, backend, **options):
        net, hidden, state = built
        if backend == "loihi" and options.get("target") == "fast":
            from nengo_lmu.hardware.loihi.fast import Sequences  # noqa: PLC0415

            net.input.output = Sequences(inputs, net.spec["dt"])
            with hardware.simulator(net, backend="loihi", seed=0, **options) as sim:
                data = sim.run_batch(inputs.shape[1], progress_bar=False)
            return (np.asarray(data[hidden]), np.asarray(data[state]),
                    np.asarray(data[net.probe])[:, -1])
        feed = deployment.Feed(inputs[0], net.spec["dt"])
        net.input.output = feed
        out = ([], [], [])
        with hardware.simulator(net, backend=backend, seed=0, progress_bar=False,
                                **options) as sim:
            for example in inputs:
                sim.reset(seed=0)
                feed.data = example
                sim.run_steps(len(example))
                for acc, probe in zip(out, (hidden, state, net.probe)):
                    acc.append(np.array(sim.data[probe]))
        return np.array(out[0]), np.array(out[1]), np.array(out[2])[:, -1]

    def err(a, b):
        return float(np.sqrt(np.mean((a - b) ** 2) / np.mean(b**2)))

    ideal_h, ideal_m, ideal_o = run(network("ideal", "reference", spiking=False),
                                    "reference")
    print(f"{args.digits} test digits; ideal rates accuracy "
          f"{np.mean(ideal_o.argmax(-1) == labels):.3f}")
    print(f"{'deployment':<18} {'memory err':>10} {'hidden err':>10} {'accuracy':>8}")
    from nengo_loihi.neurons import LoihiSpikingRectifiedLinear  # noqa: PLC0415

    analog_opts = split_options("analog", {})
    matched_opts = split_options("analog", {"without": "gain_sigma+threshold_sigma"})
    runs = {
        "reference": lambda: run(network("neural", "reference"), "reference"),
        "loihi-ref-relu": lambda: run(network(
            "neural", "loihi", memory_neurons=LoihiSpikingRectifiedLinear()),
            "loihi", target="reference"),
        "loihi-ref-lif": lambda: run(network("neural", "loihi",
                                             memory_neurons=nengo.LIF()),
                                     "loihi", target="reference"),
        "loihi-ref-lif-hidden": lambda: run(network(
            "neural", "loihi", memory_neurons=nengo.LIF(),
            hidden_neurons=LoihiSpikingRectifiedLinear(amplitude=1 / 800)),
            "loihi", target="reference"),
        "loihi-fast-lif": lambda: run(network("neural", "loihi",
                                              memory_neurons=nengo.LIF()),
                                      "loihi", target="fast"),
        "analog-decoders": lambda: run(network("neural", "analog", **analog_opts[0]),
                                       "analog", **dict(analog_opts[1], calibrate="decoders")),
        "analog": lambda: run(network("neural", "analog", **analog_opts[0]), "analog",
                              **analog_opts[1]),
        "analog-matched": lambda: run(network("neural", "analog", **matched_opts[0]),
                                      "analog", **matched_opts[1]),
    }
    for name in args.variants.split(","):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            h, m, o = runs[name]()
        print(f"{name:<18} {err(m, ideal_m):>10.3f} {err(h, ideal_h):>10.3f} "
              f"{np.mean(o.argmax(-1) == labels):>8.3f}", flush=True)


if __name__ == "__main__":
    main()
