"""Where a LegendreMemory's decoders are fit: its default against the alternatives.

With radii from an input process, a fast memory (recurrent gain above
``nengo_lmu.networks.memory.FAST_RECURRENCE``) fits each ensemble's decoders
on the states' own normal distribution, a slow one on points spread evenly
in [-1, 1] (nengo's default). This runs both choices, and the default, on a fast and a
slow memory, on nengo's reference simulator, and prints the window NRMSE
(the decoded window at 100 delays against the true delayed input) and the
state error E against the ideal discrete memory, means over seeds:

- ``fast``: the delay network of Voelker's thesis (2019, Table 7.1): d = 3,
  theta = 0.1 s, 384 LIF neurons, 3 Hz white noise of RMS 1, 10 s, 20 ms
  readout filter (recurrent gain 4.0);
- ``slow``: d = 3, theta = 1 s, 300 Poisson LIF-rate neurons, 1 Hz white noise
  of RMS 0.3, 2 s (recurrent gain 0.41).

Usage: ``python benchmarks/bench_eval_points.py [--seeds 5]`` (about a minute).
"""

import argparse
import warnings

import nengo
import numpy as np

from nengo_lmu import LegendreMemory, metrics, signals
from nengo_lmu.networks.memory import STATE_SCALE

DT = 0.001
CONFIGS = {
    "fast": dict(order=3, theta=0.1, n_neurons=384, neuron_type=nengo.LIF(), high=3.0,
                 rms=1.0, duration=10.0, probe=0.02),
    "slow": dict(order=3, theta=1.0, n_neurons=300,
                 neuron_type=nengo.PoissonSpiking(nengo.LIFRate()), high=1.0, rms=0.3,
                 duration=2.0, probe=0.01),
}
CHOICES = {
    "default": None,
    "even": nengo.Ensemble.eval_points.default,  # nengo's: scattered in the ball
    "normal": nengo.dists.Gaussian(0.0, 1.0 / STATE_SCALE),
}


def run(config, eval_points, seed):
    """Window NRMSE and state error of one memory on one input."""
    c = CONFIGS[config]
    u = signals.white_signal(c["duration"], DT, high=c["high"], rms=c["rms"], seed=seed)
    process = signals.white_signal_process(c["duration"], high=c["high"], rms=c["rms"])
    with nengo.Network(seed=seed) as net:
        stim = nengo.Node(signals.input_process(u, DT))
        mem = LegendreMemory(c["order"], c["theta"], c["n_neurons"],
                             neuron_type=c["neuron_type"], radii=process,
                             eval_points=eval_points)
        nengo.Connection(stim, mem.input, synapse=None)
        probe = nengo.Probe(mem.state, synapse=c["probe"])
    with nengo.Simulator(net, progress_bar=False) as sim:
        sim.run_steps(len(u))
    ideal = metrics.filtered(signals.ideal_memory(u, c["order"], c["theta"], DT), c["probe"])
    decoded = sim.data[probe]
    warmup = c["theta"]
    window = metrics.window_nrmse(decoded, metrics.filtered(u, c["probe"]), c["theta"], DT,
                                  warmup=warmup)
    state = metrics.state_error(metrics.after_warmup(decoded, warmup, DT),
                                metrics.after_warmup(ideal, warmup, DT))
    return window, state, mem.recurrent_gain


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", type=int, default=5)
    args = parser.parse_args(argv)
    warnings.filterwarnings("ignore")
    print(f"means over seeds 0-{args.seeds - 1}: window NRMSE, state error E")
    for config in CONFIGS:
        for name, dist in CHOICES.items():
            rows = np.array([run(config, dist, s) for s in range(args.seeds)])
            print(f"  {config} (gain {rows[0, 2]:.2f})  {name:8s} window NRMSE "
                  f"{rows[:, 0].mean():.4f}  E {rows[:, 1].mean():.4f}", flush=True)


if __name__ == "__main__":
    main()
