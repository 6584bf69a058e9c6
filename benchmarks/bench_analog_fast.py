"""The analog memory on a fast, broadband input: the permuted digits' pixels.

Drives ``AnalogLegendreMemory`` (theta = 0.128 s, each pixel held 2 ms, the
digits network's memory) with test digits one after another, radii from the
training digits (``analysis.training.memory_radii``), and prints its
relative state error (E over the RMS of the ideal discrete memory's state,
both through a 10 ms probe filter, after one theta) and window NRMSE (the
decoded window against the delayed input through the same filter) next to a plain
``LegendreMemory`` of the same size on the reference simulator.

Each variant is ``compensations[/without]``: the memory's compensations
(``auto`` for its defaults, or names joined by ``+``) and the substrate's
non-idealities switched off (joined by ``+``, or ``rates`` for rate
neurons instead of Poisson spikes), for ablations.

``--white THETA_F`` drives it with white noise instead (RMS 1, bandwidth
THETA_F / theta, 2 s or, for long windows, theta plus two periods of the
slowest input, radii from that process), ``--theta`` sets the window.
``--fastest MS ...`` sets the window of each order from the time constant of
its fastest mode instead, ``theta / max |eig(A)|`` in milliseconds
(:func:`nengo_lmu.hardware.analog.fastest_mode`), with white noise of
``theta * f = THETA_F`` (default 1), to measure where the chip stops holding
the memory; every row shows that time constant.

Usage: ``python benchmarks/bench_analog_fast.py [--orders 12 24] [--per-dim 100]
[--digits 10] [--seeds 1] [--variants auto calibrate auto/noise+drift ...]
[--no-reference] [--theta 0.128] [--white 1.0] [--fastest 2 3 5 8]``
"""

import argparse
import time
import warnings

import nengo
import numpy as np

import nengo_lmu
from nengo_lmu import metrics, signals, tasks
from nengo_lmu.analysis.training import hold, memory_radii
from nengo_lmu.hardware import analog

THETA = 0.128
SYNAPSE = None  # the memory's own default
STEPS_PER_ITEM = 2
PROBE_SYNAPSE = 0.01


def run(order, m, u, radii, variant, seed, theta=THETA):
    """The decoded state (probe-filtered) of one memory; variant "reference" is a
    plain LegendreMemory on nengo's simulator."""
    comps, _, off = variant.partition("/")
    off = [o for o in off.split("+") if o]
    neuron_type = nengo.LIFRate() if "rates" in off else None
    off = [o for o in off if o != "rates"]
    with nengo.Network(seed=seed) as net:
        stim = nengo.Node(signals.input_process(u))
        if comps == "reference":
            mem = nengo_lmu.LegendreMemory(order, theta, m, radii=radii,
                                           neuron_type=neuron_type)
            backend, options = "reference", {}
        else:
            sub = analog.Substrate(seed=seed).without(*off)
            chosen = None if comps == "auto" else tuple(c for c in comps.split("+") if c)
            mem = analog.AnalogLegendreMemory(order, theta, m, radii=radii, substrate=sub,
                                              compensations=chosen, neuron_type=neuron_type,
                                              **({} if SYNAPSE is None else
                                                 {"synapse": SYNAPSE}))
            backend, options = "analog", {}
        nengo.Connection(stim, mem.input, synapse=None)
        probe = nengo.Probe(mem.state, synapse=PROBE_SYNAPSE)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with nengo_lmu.simulator(net, backend=backend, progress_bar=False,
                                 **options) as sim:
            sim.run_steps(len(u))
            return np.asarray(sim.data[probe]), getattr(mem, "compensations", ())


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, nargs="+", default=[12, 24])
    parser.add_argument("--per-dim", type=int, default=100, help="neurons per dimension")
    parser.add_argument("--digits", type=int, default=10, help="test digits, back to back")
    parser.add_argument("--seeds", type=int, default=1)
    parser.add_argument("--variants", nargs="+", default=["auto"])
    parser.add_argument("--no-reference", action="store_true")
    parser.add_argument("--theta", type=float, default=THETA)
    parser.add_argument("--white", type=float, default=None, metavar="THETA_F",
                        help="white noise (RMS 1) of bandwidth THETA_F / theta for 2 s "
                        "instead of the digits, radii from its process")
    parser.add_argument("--fastest", type=float, nargs="+", default=None, metavar="MS",
                        help="windows from the fastest mode's time constant (ms) of "
                        "each order, white noise (theta * f from --white, default 1)")
    parser.add_argument("--synapse", type=float, default=None,
                        help="the analog memory's synapse (default its own)")
    args = parser.parse_args()
    if args.synapse is not None:
        global SYNAPSE
        SYNAPSE = args.synapse
    if args.fastest is not None and args.white is None:
        args.white = 1.0
    task = tasks.permuted_digits()
    variants = list(args.variants) + ([] if args.no_reference else ["reference"])
    print(f"{'d':>3} {'theta':>6} {'fastest':>7} {'m':>5} {'variant':<28} "
          f"{'compensations':<24} "
          f"{'rel. E':>7} {'sd':>6} {'window':>7} {'sd':>6}  {'seconds':>7}")
    for order in args.orders:
        if args.fastest is None:
            thetas = [args.theta]
        else:
            thetas = [round(ms * 1e-3 * order_speed(order), 4) for ms in args.fastest]
        for theta in thetas:
            measure(args, task, order, theta, variants)


def order_speed(order):
    """``max |eig(A)|`` of the memory with theta = 1 s: theta over the fastest
    mode's time constant."""
    return 1.0 / analog.fastest_mode(order, 1.0)


def theta_ms(order, theta):
    """The fastest mode's time constant of an order-``order`` memory, in ms."""
    return 1e3 * analog.fastest_mode(order, theta)


def measure(args, task, order, theta, variants):
    """Print one row per variant for one memory (``order``, ``theta``)."""
    if args.white is None:
        u = hold(task.x_test[: args.digits, :, :1], STEPS_PER_ITEM).reshape(-1, 1)
        radii = memory_radii(task, order, theta, steps_per_item=STEPS_PER_ITEM)
    else:
        high = args.white / theta
        # 2 s, or after a warm-up of theta two periods of the slowest input
        duration = max(2.0, round(theta + 2 / high, 3))
        u = signals.white_signal(duration, 0.001, high, 1.0, seed=0).reshape(-1, 1)
        radii = signals.white_signal_process(duration, high, 1.0)
    u_f = metrics.filtered(u, PROBE_SYNAPSE)
    m = args.per_dim * order
    ideal = metrics.after_warmup(
        metrics.filtered(signals.ideal_memory(u, order, theta), PROBE_SYNAPSE), theta)
    scale = np.sqrt(np.mean(np.sum(ideal**2, axis=1)))
    for variant in variants:
        start = time.perf_counter()
        errors, windows = [], []
        for seed in range(args.seeds):
            x, comps = run(order, m, u, radii, variant, seed, theta)
            windows.append(metrics.window_nrmse(x, u_f, theta, warmup=theta))
            x = metrics.after_warmup(x, theta)
            errors.append(metrics.state_error(x, ideal) / scale)
        print(f"{order:>3} {theta:>6.4g} {theta_ms(order, theta):>7.2f} {m:>5} {variant:<28} "
              f"{'+'.join(comps) or '-':<24} "
              f"{np.mean(errors):>7.3f} {np.std(errors):>6.3f} "
              f"{np.mean(windows):>7.3f} {np.std(windows):>6.3f}  "
              f"{time.perf_counter() - start:>7.1f}", flush=True)

if __name__ == "__main__":
    main()
