"""NIR export of a trained LMU: the digits network scored in nengo, NumPy and snnTorch.

``train`` trains the digits network with nengo-dl (the ``dl`` extra, so in
the main venv) and saves it; ``score`` (the ``nir`` extra for snnTorch, in
``.venv-nir``) deploys it as it trained (nengo's spiking rectified-linear
neurons, reference simulator) and with the neurons NIR expresses
(:func:`nengo_lmu.export.nir_network.deploy_exportable`), runs the second in
nengo's reference simulator and, exported to NIR (written and read back), in
the NumPy NIR executor and in snnTorch, on the same test examples, and prints
each score and how often each executor's predicted class is nengo's.

Usage::

    python benchmarks/bench_nir_network.py train [--quick] [--units N --order D
        --n-neurons M] --out PATH.npz
    python benchmarks/bench_nir_network.py score PATH.npz [--quick] [--n-test N]
        [--numpy-only] [--hidden-tau-rc S] [--ablation]

(``make bench-nir`` runs both on the quick setting with an order-6 memory of
600 neurons, ``--quick --units 50 --order 6 --n-neurons 600``.)
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
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        trained_as = evaluate(args.network, task, backend="reference", spiking=True,
                              steps_per_item=spi, n_test=n_test, progress_bar=False)
    executors = ("numpy",) if args.numpy_only else ("numpy", "snntorch")
    r = compare_network(args.network, task, steps_per_item=spi, n_test=n_test,
                        executors=executors, seed=args.seed,
                        hidden_tau_rc=args.hidden_tau_rc)
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
    for name in ("units", "order", "n_neurons"):
        t.add_argument("--" + name.replace("_", "-"), type=int)
    s = sub.add_parser("score", help="score it in nengo, NumPy and snnTorch")
    s.add_argument("network")
    s.add_argument("--n-test", type=int)
    s.add_argument("--numpy-only", action="store_true")
    s.add_argument("--hidden-tau-rc", type=float)
    s.add_argument("--ablation", action="store_true",
                   help="also score the hidden LIF layer with and without its floor")
    s.add_argument("--out", default="bench-results")
    for p in (t, s):
        p.add_argument("--quick", action="store_true", help="the quick setting")
        p.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    (train if args.command == "train" else score)(args)


if __name__ == "__main__":
    main()
