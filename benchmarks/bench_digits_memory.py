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

``--variants`` asks instead why the Loihi memory loses a high order: it
runs the Loihi network on the reference simulator with its neurons changed
one way at a time and prints each one's state error (see
:data:`VARIANTS`): the neurons as built (``spikes``), their voltages
started at random instead of all at zero (``random-start``), a uniform
voltage noise of ``+-A`` of the threshold added every step, which
decorrelates neurons that would fire in lockstep (``dither:A``; on the chip,
a compartment's membrane noise), the neurons' Loihi rates with no spikes at
all (``rates``), and smooth rectified-linear rates with decoders solved for
them (``relu-rates``: the mapping with ideal neurons). ``--neuron-type``,
``--max-rates``, ``--intercepts``, ``--reg``, ``--radii-scale`` and
``--no-quantize`` change the Loihi memory, for ``--targets`` and ``--variants`` alike.

Usage: ``python benchmarks/bench_digits_memory.py [--digits 20]
[--configs 24:2400,64:4032] [--gains 1,2.56] [--time-scale 1]
[--targets fast,reference,nengo] [--variants spikes,random-start,dither:0.1,rates]
[--neuron-type LIF|SpikingRectifiedLinear] [--max-rates 200,300]
[--intercepts -0.5,0.5] [--no-quantize]
[--reg 0.1] [--radii-scale 1]`` (``make bench-digits-memory``);
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
from nengo_lmu.hardware.loihi import LoihiLegendreMemory, default_neuron_type
from nengo_loihi.neurons import loihi_rates
from nengo_lmu.networks.memory import LegendreMemory

THETA = 0.128
STEPS_PER_ITEM = 2
PROBE_SYNAPSE = 0.01
TARGETS = ("fast", "reference", "nengo")
#: What ``--variants`` changes in the Loihi memory's neurons (on the reference simulator).
VARIANTS = ("spikes", "random-start", "dither:A", "rates", "relu-rates")


class LoihiRates(nengo.neurons.NeuronType):
    """A Loihi neuron model's rates (nengo-loihi's ``loihi_rates``: the
    staircase ``1 / ceil(...)``), with no spikes: what the memory's decoders
    were solved for."""

    state = {}
    negative = False

    def __init__(self, base):
        super().__init__()
        self.base = base

    def gain_bias(self, max_rates, intercepts):
        return self.base.gain_bias(max_rates, intercepts)

    def max_rates_intercepts(self, gain, bias):
        return self.base.max_rates_intercepts(gain, bias)

    def step(self, dt, J, output):
        n = J.shape[-1]
        out = loihi_rates(self.base, J.reshape(-1, n), np.ones(n), np.zeros(n), dt)
        output[...] = out.reshape(J.shape)


class ReluRatesMemory(LoihiLegendreMemory):
    """The Loihi memory with smooth rectified-linear rates in place of Loihi's
    neurons (``relu-rates``): its decoders solved for nengo's
    ``RectifiedLinear`` rates with the same gains and biases, which it then
    runs; what the mapping does with ideal neurons."""

    def activities(self, x, encoders, gain, bias):
        return nengo.RectifiedLinear().rates(x @ encoders[None, :], gain, bias)


def change_neurons(ensemble, variant, dt):
    """Change the Loihi memory's ``ensemble`` as ``variant`` says (:data:`VARIANTS`)."""
    nt = ensemble.neuron_type
    args = dict(tau_rc=nt.tau_rc, tau_ref=nt.tau_ref) if isinstance(nt, nengo.LIF) else {}
    if variant == "random-start":
        state = {"voltage": nengo.dists.Uniform(0, 1)}
        if isinstance(nt, nengo.LIF):
            state["refractory_time"] = nengo.dists.Choice([0])
        ensemble.neuron_type = type(nt)(initial_state=state, **args)
    elif variant.startswith("dither:"):
        size = float(variant.split(":", 1)[1])
        # a current that adds +-size to the voltage in one step
        per_step = -1 / np.expm1(-dt / nt.tau_rc) if isinstance(nt, nengo.LIF) else 1 / dt
        ensemble.noise = nengo.processes.WhiteNoise(
            nengo.dists.Uniform(-size * per_step, size * per_step), scale=False)
    elif variant == "rates":
        ensemble.neuron_type = LoihiRates(nt)
    elif variant == "relu-rates":
        ensemble.neuron_type = nengo.RectifiedLinear()
    elif variant != "spikes":
        raise ValueError(f"variant: must be one of {VARIANTS} (got {variant!r})")


def run(order, m, u, radii, target, seed=0, theta=THETA, variant="spikes", reg=None,
        **options):
    """The state, probed, of the Loihi memory on ``target``, or of nengo's
    plain memory on the reference simulator (``target="nengo"``); the Loihi
    memory's neurons changed as ``variant`` says (:func:`change_neurons`),
    its decoders solved with regularisation ``reg`` where given, and
    ``options`` passed to it (its own defaults otherwise)."""
    if reg is not None:
        options["solver"] = nengo.solvers.LstsqL2(reg=reg)
    with nengo.Network(seed=seed) as net:
        stim = nengo.Node(signals.input_process(u))
        if target == "nengo":
            mem = LegendreMemory(order, theta, m, radii=radii, seed=seed)
        else:
            cls = LoihiLegendreMemory
            if variant == "relu-rates":  # gains and biases of rectified-linear neurons
                cls = ReluRatesMemory
                options["neuron_type"] = nengo.SpikingRectifiedLinear()
            mem = cls(order, theta, m, radii=radii,
                      input_range=1.25 * float(np.abs(u).max()), seed=seed, **options)
            change_neurons(mem.ensemble, variant, mem.dt)
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
    parser.add_argument("--variants", default=None,
                        help="instead of the targets: the Loihi memory on the reference "
                        f"simulator with its neurons changed, comma-separated among {VARIANTS} "
                        "(dither:A, A a fraction of the threshold, e.g. dither:0.1)")
    parser.add_argument("--neuron-type", default=None, choices=["LIF", "SpikingRectifiedLinear"],
                        help="the Loihi memory's neuron type (default: the memory's own)")
    parser.add_argument("--max-rates", default=None,
                        help="the Loihi memory's max_rates range in Hz (default its own)")
    parser.add_argument("--intercepts", default=None,
                        help="the Loihi memory's intercepts range (default its own)")
    parser.add_argument("--no-quantize", action="store_true",
                        help="the Loihi memory with float recurrent weights (no GPFQ)")
    parser.add_argument("--reg", type=float, default=None,
                        help="the Loihi memory's decoder regularisation (LstsqL2; default "
                        "nengo's 0.1)")
    parser.add_argument("--radii-scale", type=float, default=1.0,
                        help="multiply the Loihi memory's radii from the training digits "
                        "by this")
    args = parser.parse_args()
    if args.variants is not None:
        for variant in args.variants.split(","):
            if variant not in VARIANTS[:2] + VARIANTS[3:] and not variant.startswith("dither:"):
                parser.error(f"--variants: each must be one of {VARIANTS} (got {variant!r})")
        return compare_variants(args)
    targets = args.targets.split(",")
    if not targets or not set(targets) <= set(TARGETS):
        parser.error(f"--targets: must be among {','.join(TARGETS)} (got {args.targets!r})")
    theta, per_item = THETA * args.time_scale, STEPS_PER_ITEM * args.time_scale
    print(f"{'d':>3} {'m':>5} {'gain':>5}  {'E emulator':>10} {'E reference':>11} "
          f"{'E nengo':>8} {'rms':>6} {'emu/ref':>7} {'emu/nengo':>9} {'ref/nengo':>9}  "
          f"{'seconds':>7}")
    for order, m, gain, base, u in cases(args, theta, per_item):
        start = time.perf_counter()
        ideal = metrics.filtered(signals.ideal_memory(u, order, theta), PROBE_SYNAPSE)
        warm = lambda v: metrics.after_warmup(v, theta)  # noqa: E731
        errors = {
            target: metrics.state_error(warm(run(
                order, m, u, gain * base * (1 if target == "nengo" else args.radii_scale),
                target, theta=theta,
                **({} if target == "nengo" else memory_options(args)))), warm(ideal))
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


def cases(args, theta, per_item):
    """Each ``(order, m, gain, radii, u)`` of ``--configs`` and ``--gains``: the
    memory's order and neurons, the input's gain, the radii from the training
    digits, and the held test digits' first pixels times the gain."""
    task = tasks.permuted_digits()
    x = hold(task.x_test[: args.digits, :, :1], per_item)
    for item in args.configs.split(","):
        order, m = (int(v) for v in item.split(":"))
        base = memory_radii(task, order, theta, steps_per_item=per_item)
        for gain in (float(g) for g in args.gains.split(",")):
            yield order, m, gain, base, gain * x.reshape(-1, 1)


def memory_options(args):
    """The Loihi memory's options that the command line gives (``reg`` for
    :func:`run`); those it leaves out keep the memory's defaults."""
    options = dict(reg=args.reg)
    if args.neuron_type:
        options["neuron_type"] = getattr(nengo, args.neuron_type)()
    for name in ("max_rates", "intercepts"):
        if getattr(args, name) is not None:
            options[name] = tuple(float(r) for r in getattr(args, name).split(","))
    if args.no_quantize:
        options["quantize"] = False
    return options


def compare_variants(args):
    """Print the Loihi memory's state error with its neurons changed (``--variants``)."""
    theta, per_item = THETA * args.time_scale, STEPS_PER_ITEM * args.time_scale
    neuron_type = memory_options(args).get("neuron_type")
    print(f"{'d':>3} {'m':>5} {'gain':>5}  {'neurons':<27} {'variant':<13} "
          f"{'E':>8} {'rms':>6} {'E/rms':>6}  {'seconds':>7}")
    for order, m, gain, base, u in cases(args, theta, per_item):
        ideal = metrics.after_warmup(
            metrics.filtered(signals.ideal_memory(u, order, theta), PROBE_SYNAPSE), theta)
        rms = metrics.state_error(ideal, 0 * ideal)
        for variant in args.variants.split(","):
            start = time.perf_counter()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # the ResetToZeroWarning above order 24
                probed = run(order, m, u, gain * base * args.radii_scale, "reference",
                             theta=theta, variant=variant, **memory_options(args))
            e = metrics.state_error(metrics.after_warmup(probed, theta), ideal)
            name = type(neuron_type or default_neuron_type(order, theta)).__name__
            name = "RectifiedLinear" if variant == "relu-rates" else name
            print(f"{order:>3} {m:>5} {gain:>5g}  {name:<27} {variant:<13} {e:>8.4f} "
                  f"{rms:>6.3f} {e / rms:>6.3f}  {time.perf_counter() - start:>7.0f}",
                  flush=True)
    print(f"{args.digits} test digits of {per_item} ms per pixel (theta {theta:g} s); the Loihi "
          "memory on nengo's reference simulator, its neurons changed as the variant says; "
          "E: state error against the ideal discrete memory (rms: the ideal state's)")


if __name__ == "__main__":
    main()
