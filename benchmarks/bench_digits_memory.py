"""The digits network's Loihi memory on the integer emulator, against the same network
on nengo's reference simulator and against nengo's own memory.

The memory of the permuted-digits LMU (theta = 0.128 s, each pixel held for
2 ms) is driven by the test digits' pixels, one digit after another, times
an input gain (1, and 2.56, the gain a trained network's encoder gave the
memory's input in one measurement), with radii from the training digits
(``analysis.training.memory_radii``) and ``input_range`` covering the
largest input. For each order and size it prints the state error against
the ideal discrete memory (10 ms probe filter, after one theta) of the fast
emulator (``target="fast"``, nengo-loihi's integers), of the same network
on the reference simulator (``target="reference"``) and of nengo's plain
:class:`~nengo_lmu.LegendreMemory` (its default neurons, the same order,
window, neuron count, radii and seed) on the reference simulator, fed the
same input. Two ratios: the emulator against the Loihi network in floats
(what the chip's integers and input path cost) and the emulator against
nengo's memory (what the whole Loihi mapping costs; the first ratio alone
hides a mapping that loses the state on every backend, as the Loihi
neurons do at order 64). The
order-64 memory has 4,032 neurons, the most a dense Loihi memory of that
order can have (each core takes one input axon per neuron, 4,096 at most).

Usage: ``python benchmarks/bench_digits_memory.py [--digits 20]
[--configs 24:2400,64:4032] [--gains 1,2.56] [--time-scale 1]
[--targets fast,reference,nengo]`` (``make bench-digits-memory``);
``--time-scale 16`` is the slowed-down network of ``bench_conversion.py`` (theta = 2.048 s, pixels
held 32 ms).
"""

import argparse
import time
import warnings

import nengo
import numpy as np

import nengo_lmu
from nengo_lmu import metrics, signals, tasks
from nengo_lmu.analysis.training import hold, memory_radii
from nengo_lmu.hardware.loihi import LoihiLegendreMemory
from nengo_lmu.networks.memory import LegendreMemory

THETA = 0.128
STEPS_PER_ITEM = 2
PROBE_SYNAPSE = 0.01
TARGETS = ("fast", "reference", "nengo")


def run(order, m, u, radii, target, seed=0, theta=THETA):
    """The state, probed, of the Loihi memory on ``target``, or of nengo's
    plain memory on the reference simulator (``target="nengo"``)."""
    with nengo.Network(seed=seed) as net:
        stim = nengo.Node(signals.input_process(u))
        if target == "nengo":
            mem = LegendreMemory(order, theta, m, radii=radii, seed=seed)
        else:
            mem = LoihiLegendreMemory(order, theta, m, radii=radii,
                                      input_range=1.25 * float(np.abs(u).max()), seed=seed)
        nengo.Connection(stim, mem.input, synapse=None)
        probe = nengo.Probe(mem.state, synapse=PROBE_SYNAPSE)
    backend = dict(backend="reference") if target == "nengo" else dict(
        backend="loihi", target=target)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with nengo_lmu.simulator(net, progress_bar=False, **backend) as sim:
            sim.run_steps(len(u))
            return np.asarray(sim.data[probe])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--digits", type=int, default=20, help="test digits, back to back")
    parser.add_argument("--configs", default="24:2400,64:4032", help="d:m,...")
    parser.add_argument("--gains", default="1,2.56", help="input gains")
    parser.add_argument("--time-scale", type=int, default=1,
                        help="slow everything down by this factor: theta and the "
                        "steps each pixel is held are multiplied by it")
    parser.add_argument("--targets", default="fast,reference,nengo",
                        help="what runs, comma-separated: fast (the Loihi memory on the "
                        "integer emulator), reference (it on nengo's simulator), nengo "
                        "(nengo's memory); a ratio needs both of its runs")
    args = parser.parse_args()
    targets = args.targets.split(",")
    if not targets or not set(targets) <= set(TARGETS):
        parser.error(f"--targets: must be among {','.join(TARGETS)} (got {args.targets!r})")
    theta, per_item = THETA * args.time_scale, STEPS_PER_ITEM * args.time_scale
    task = tasks.permuted_digits()
    x = hold(task.x_test[: args.digits, :, :1], per_item)
    print(f"{'d':>3} {'m':>5} {'gain':>5}  {'E emulator':>10} {'E reference':>11} "
          f"{'E nengo':>8} {'rms':>6} {'emu/ref':>7} {'emu/nengo':>9} {'ref/nengo':>9}  "
          f"{'seconds':>7}")
    for item in args.configs.split(","):
        order, m = (int(v) for v in item.split(":"))
        base = memory_radii(task, order, theta, steps_per_item=per_item)
        for gain in (float(g) for g in args.gains.split(",")):
            u = gain * x.reshape(-1, 1)
            start = time.perf_counter()
            ideal = metrics.filtered(signals.ideal_memory(u, order, theta), PROBE_SYNAPSE)
            warm = lambda v: metrics.after_warmup(v, theta)  # noqa: E731
            errors = {
                target: metrics.state_error(
                    warm(run(order, m, u, gain * base, target, theta=theta)), warm(ideal))
                for target in targets
            }
            fast, ref, plain = (errors.get(t, np.nan) for t in TARGETS)
            rms = metrics.state_error(warm(ideal), 0 * warm(ideal))
            print(f"{order:>3} {m:>5} {gain:>5g}  {fast:>10.4f} {ref:>11.4f} {plain:>8.4f} "
                  f"{rms:>6.3f} "
                  f"{fast / ref:>6.2f}x {fast / plain:>8.2f}x {ref / plain:>8.2f}x  "
                  f"{time.perf_counter() - start:>7.0f}", flush=True)
    print(f"{args.digits} test digits of 64 pixels, {per_item} ms each, back to back "
          f"(theta {theta:g} s); "
          "E: state error against the ideal discrete memory (rms: the ideal state's, "
          "E's scale); emulator and reference: "
          "the Loihi memory; nengo: nengo's LegendreMemory on the same input")


if __name__ == "__main__":
    main()
