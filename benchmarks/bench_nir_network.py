"""NIR export of a trained LMU: the digits network scored in nengo, NumPy and snnTorch.

``train`` trains the digits network with nengo-dl (the ``dl`` extra, so in
the main venv), or with ``--parallel`` over whole sequences with the ideal
memory and no synapses (:mod:`nengo_lmu.analysis.parallel`, TensorFlow), and
saves it; ``score`` (the ``nir`` extra for snnTorch, in
``.venv-nir``) deploys it as it trained (nengo's spiking rectified-linear
neurons, reference simulator) and with the neurons NIR expresses
(:func:`nengo_lmu.export.nir_network.deploy_exportable`), runs the second in
nengo's reference simulator and, exported to NIR (written and read back), in
the NumPy NIR executor and in snnTorch, on the same test examples, and prints
each score and how often each executor's predicted class is nengo's.

``score --export-ready`` first makes the network export-ready
(:func:`nengo_lmu.export.nir_network.export_ready`: slowed down by the time
scale its memories need, synapses added where it has none, radii measured),
and also scores that network deployed with nengo's spiking neurons as the
pipeline deploys them (spiking rectified-linear neurons, nengo's neural
memory, reference simulator): the score its export should match.

Usage::

    python benchmarks/bench_nir_network.py train [--quick] [--parallel] [--units N
        --order D --n-neurons M] [--epochs E] --out PATH.npz
    python benchmarks/bench_nir_network.py score PATH.npz [--quick] [--n-test N]
        [--numpy-only] [--hidden-tau-rc S] [--memory nengo|loihi] [--ablation]
        [--export-ready [--time-scale S]]

``--memory`` picks the memory deployed and exported: ``nengo`` (default,
nengo's own, exported factored through its decoders) or ``loihi`` (a
``LoihiLegendreMemory``, one population with neuron-to-neuron weights).
With ``--export-ready``, ``--ablation`` also scores, in nengo, the
export-ready network with the export's neurons and the other memory.

(``make bench-nir`` trains in parallel an order-12 memory of 1,200 neurons
and 50 units on all training digits, ``--parallel --units 50 --order 12
--n-neurons 1200``, and scores it export-ready on 100 test digits.)
"""

import argparse
import json
import os
import warnings

from nengo_lmu.analysis.pipeline import make_network, make_task, settings


def config_for(args):
    cells = None
    if args.units is not None:
        cells = [dict(units=args.units, order=args.order, n_neurons=args.n_neurons)]
    changes = {} if cells is None else {"cells": cells}
    if getattr(args, "epochs", None) is not None:
        changes["epochs"] = args.epochs
    return settings("digits", quick=args.quick, seed=args.seed, **changes)


def train(args):
    from nengo_lmu.analysis.training import train as fit  # noqa: PLC0415

    config = config_for(args)
    if args.parallel:
        from nengo_lmu.analysis.parallel import train as fit  # noqa: PLC0415

        # the ideal memory and no synapses on the trained path, which
        # export_ready adds (compensated) at deployment
        config["cells"] = [dict(c, hidden_synapse=None, hidden_to_hidden=False)
                           for c in config["cells"]]
        config["network"] = dict(memory="ideal", readout_synapse=None)
    task = make_task(config)
    net = make_network(config, task, seed=args.seed)
    trained = fit(net, task, epochs=config["epochs"], batch_size=config["batch_size"],
                  learning_rate=config["learning_rate"],
                  steps_per_item=config["steps_per_item"], seed=args.seed)
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    trained.save(args.out)
    print(f"trained in {trained.seconds:.0f} s, loss {trained.loss[-1]:.4f}: {args.out}")


def score(args):
    from nengo_lmu.analysis.deployment import evaluate  # noqa: PLC0415
    from nengo_lmu.export.compare import compare_network  # noqa: PLC0415

    config = settings("digits", quick=args.quick, seed=args.seed)
    task = make_task(config)
    n_test = args.n_test or config["n_test"]
    spi = config["steps_per_item"]
    if args.export_ready:
        return score_export_ready(args, task, n_test, spi)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        trained_as = evaluate(args.network, task, backend="reference", spiking=True,
                              steps_per_item=spi, n_test=n_test, progress_bar=False)
    executors = ("numpy",) if args.numpy_only else ("numpy", "snntorch")
    r = compare_network(args.network, task, steps_per_item=spi, n_test=n_test,
                        executors=executors, seed=args.seed,
                        hidden_tau_rc=args.hidden_tau_rc, memory=args.memory)
    r.pop("graph")
    r["score_trained_neurons"] = trained_as["score"]
    print(f"digits, {r['n_test']} test sequences, accuracy:")
    print(f"  nengo, neurons it was deployed with (spiking ReLU): "
          f"{trained_as['score']:.4f}")
    print(f"  nengo, NIR-expressible neurons:                     {r['score_nengo']:.4f}")
    for e in executors:
        print(f"  {e + ', exported to NIR:':<51}{r['score_' + e]:.4f}  "
              f"(class as nengo's on {r['agree_' + e]:.1%}; "
              f"{r['score_' + e] - r['score_nengo']:+.4f} points)")
    if args.ablation:
        ablation(args, task, spi, n_test, r)
    worst = max(abs(r[f"score_{e}"] - r["score_nengo"]) for e in executors)
    print(f"target (each within 0.02 of nengo's NIR-expressible score) met: {worst <= 0.02}")
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "bench_nir_network.json"), "w") as f:
        json.dump(r, f, indent=1)


def score_export_ready(args, task, n_test, spi):
    from nengo_lmu.export.compare import compare_network  # noqa: PLC0415
    from nengo_lmu.export.nir_network import export_ready  # noqa: PLC0415

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ready, steps = export_ready(args.network, task, steps_per_item=spi,
                                    time_scale=args.time_scale, seed=args.seed)
    executors = ("numpy",) if args.numpy_only else ("numpy", "snntorch")
    r = compare_network(ready, task, steps_per_item=steps, n_test=n_test,
                        executors=executors, seed=args.seed,
                        hidden_tau_rc=args.hidden_tau_rc, spiking=True,
                        memory=args.memory)
    r.pop("graph")
    cell = ready.spec["cells"][0]
    r.update(time_scale=steps // spi, steps_per_item=steps, theta=cell["theta"],
             order=cell["order"], n_neurons=cell["n_neurons"], memory=args.memory)
    print(f"digits, {r['n_test']} test sequences, export-ready: order {cell['order']}, "
          f"{cell['n_neurons']} memory neurons, theta {cell['theta']:g} s "
          f"(time scale {steps // spi}, {steps} steps per item), {args.memory} memory "
          "exported; accuracy:")
    print(f"  {'nengo, spiking neurons as the pipeline deploys them:':<55}"
          f"{r['score_spiking']:.4f}")
    print(f"  {'nengo, NIR-expressible neurons:':<55}{r['score_nengo']:.4f}  "
          f"({100 * (r['score_nengo'] - r['score_spiking']):+.1f} points)")
    for e in executors:
        print(f"  {e + ', exported to NIR:':<55}{r['score_' + e]:.4f}  "
              f"({100 * (r['score_' + e] - r['score_spiking']):+.1f} points; class as nengo's "
              f"NIR-expressible on {r['agree_' + e]:.1%})")
    if args.ablation:
        other = "loihi" if args.memory == "nengo" else "nengo"
        value = memory_score(ready, task, steps, n_test, args.seed, other)
        r[f"score_nengo_{other}_memory"] = value
        print(f"  {f'nengo, NIR-expressible neurons, {other} memory:':<55}"
              f"{value:.4f}  ({100 * (value - r['score_spiking']):+.1f} points)")
    last = executors[-1]
    gap = abs(r[f"score_{last}"] - r["score_spiking"])
    print(f"target ({last} within 2 points of nengo's spiking score) met: {gap <= 0.02}")
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "bench_nir_network_export_ready.json"), "w") as f:
        json.dump(r, f, indent=1)


def memory_score(ready, task, steps, n_test, seed, memory):
    """The export-ready network deployed for export (deploy_exportable's
    neurons) with ``memory``, scored in nengo's reference simulator."""
    import numpy as np  # noqa: PLC0415

    from nengo_lmu.analysis.deployment import run_reset, score  # noqa: PLC0415
    from nengo_lmu.analysis.training import hold  # noqa: PLC0415
    from nengo_lmu.export.nir_network import deploy_exportable  # noqa: PLC0415

    inputs = hold(task.x_test[:n_test], steps)
    ends = np.arange(1, task.x_test.shape[1] + 1) * steps - 1
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        net = deploy_exportable(ready, memory=memory)
        return score(task, run_reset(net, inputs, "reference", seed, {})[:, ends])


def ablation(args, task, spi, n_test, record):
    """What the voltage floor is worth in the hidden layer (the memory as
    trained): LIF neurons with a 1 s membrane (near rectified-linear) with and
    without nengo-loihi's floor, and the export's hidden neurons (short
    membrane, bias raised by the threshold) without it."""
    import numpy as np  # noqa: PLC0415
    from nengo_loihi.neurons import LoihiLIF  # noqa: PLC0415

    from nengo_lmu.analysis.deployment import deploy, run_reset, score  # noqa: PLC0415
    from nengo_lmu.analysis.training import hold  # noqa: PLC0415
    from nengo_lmu.export.nir_network import (  # noqa: PLC0415
        HIDDEN_BIAS_OFFSET, HIDDEN_TAU_RC, _values)

    inputs = hold(task.x_test[:n_test], spi)
    ends = np.arange(1, task.x_test.shape[1] + 1) * spi - 1
    tau = args.hidden_tau_rc or HIDDEN_TAU_RC
    print("  ablation, the memory as trained, hidden layer as:")
    for label, tau_rc, offset, floor in [
        ("LIF, 1 s membrane, with the floor", 1.0, 0.0, 0.0),
        ("LIF, 1 s membrane, without it", 1.0, 0.0, -np.inf),
        (f"the export's ({tau} s, bias + 1, no floor)", tau, HIDDEN_BIAS_OFFSET, -np.inf),
    ]:
        def neurons(cell, tau_rc=tau_rc, floor=floor):
            rate_scale = cell.get("rate_scale", 200.0)
            return dict(rate_scale=rate_scale * tau_rc, hidden_neurons=LoihiLIF(
                tau_rc=tau_rc, tau_ref=0, amplitude=1 / rate_scale, min_voltage=floor))

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            net = deploy(args.network, backend="reference", spiking=True,
                         cell_overrides=neurons)
            for cell in net.cells:
                cell.hidden.bias = _values(cell.hidden.bias, cell.units) + offset
            value = score(task, run_reset(net, inputs, "reference", args.seed, {})[:, ends])
        record[f"score_hidden {label}"] = value
        print(f"    {label + ':':<49}{value:.4f}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    t = sub.add_parser("train", help="train and save the digits network (dl extra)")
    t.add_argument("--out", required=True)
    t.add_argument("--epochs", type=int)
    t.add_argument("--parallel", action="store_true",
                   help="train in parallel with the ideal memory and no synapses")
    for name in ("units", "order", "n_neurons"):
        t.add_argument("--" + name.replace("_", "-"), type=int)
    s = sub.add_parser("score", help="score it in nengo, NumPy and snnTorch")
    s.add_argument("network")
    s.add_argument("--n-test", type=int)
    s.add_argument("--numpy-only", action="store_true")
    s.add_argument("--hidden-tau-rc", type=float)
    s.add_argument("--memory", choices=("nengo", "loihi"), default="nengo",
                   help="the memory deployed and exported (default nengo's own)")
    s.add_argument("--ablation", action="store_true",
                   help="also score the hidden LIF layer with and without its floor")
    s.add_argument("--export-ready", action="store_true",
                   help="score the network as export_ready deploys it, against nengo's "
                   "spiking neurons")
    s.add_argument("--time-scale", type=int,
                   help="with --export-ready (default: the memories' own, time_scale_for)")
    s.add_argument("--out", default="bench-results")
    for p in (t, s):
        p.add_argument("--quick", action="store_true", help="the quick setting")
        p.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    (train if args.command == "train" else score)(args)


if __name__ == "__main__":
    main()
