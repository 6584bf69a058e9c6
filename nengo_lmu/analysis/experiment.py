"""One trial: a plain specification in, a plain result record out.

A :class:`Trial` names everything that determines a run (numbers and strings
only, so it can be stored, hashed and sent to other processes);
:func:`run_trial` builds the memory, drives it and the ideal discrete memory
with the same input samples, and measures the metrics of THEORY.md section 4.
"""

import dataclasses
import resource
import time

import numpy as np
import nengo

from nengo_lmu import metrics, signals
from nengo_lmu.dynamics import delay_readout
from nengo_lmu.hardware import describe, memory, simulator
from nengo_lmu.version import version

#: Neuron types by name, so that trials stay plain data.
NEURON_TYPES = {
    "poisson": lambda: nengo.PoissonSpiking(nengo.LIFRate()),
    "lif": nengo.LIF,
    "lifrate": nengo.LIFRate,
    "spiking-relu": nengo.SpikingRectifiedLinear,
    "relu": nengo.RectifiedLinear,
    "regular": lambda: nengo.RegularSpiking(nengo.LIFRate()),
    "direct": nengo.Direct,
}


def neuron_type(name):
    """The nengo neuron type called ``name`` in :data:`NEURON_TYPES`."""
    if name not in NEURON_TYPES:
        raise nengo.exceptions.ValidationError(
            f"must be one of {sorted(NEURON_TYPES)} (got {name!r})", "neuron_type"
        )
    return NEURON_TYPES[name]()


@dataclasses.dataclass(frozen=True)
class Trial:
    """Everything that determines one run of a LegendreMemory.

    Times are in seconds, frequencies in Hz; ``delays`` are fractions of
    ``theta``. ``state_scaling`` chooses radii of two standard deviations of
    each state under the input (THEORY.md section 3); otherwise radius 1.
    ``backend_options`` holds ``(name, value)`` pairs for the backend's
    simulator (e.g. ``(("target", "sim"),)`` for Loihi).
    """

    order: int = 6
    theta: float = 1.0
    n_neurons: int = 3000
    neuron_type: str = "poisson"
    synapse: float = 0.1
    dt: float = 0.001
    mapping: str = "discrete"
    state_scaling: bool = True
    single_ensemble: bool = False
    input_high: float = 1.0
    input_rms: float = 0.3
    duration: float = 10.0
    probe_synapse: float = 0.01
    seed: int = 0
    input_seed: int = 0
    backend: str = "reference"
    delays: tuple = (0.0, 0.5, 1.0)
    backend_options: tuple = ()

    def build(self):
        """The network, probes and input samples for this trial."""
        u = signals.white_signal(
            self.duration, self.dt, self.input_high, self.input_rms, seed=self.input_seed
        )
        radii = 1.0
        if self.state_scaling:
            radii = signals.white_signal_process(
                self.duration, self.input_high, self.input_rms
            )
        with nengo.Network(seed=self.seed, label="trial") as net:
            stim = nengo.Node(signals.input_process(u, self.dt), label="u")
            mem = memory(
                self.backend,
                order=self.order,
                theta=self.theta,
                n_neurons=self.n_neurons,
                neuron_type=neuron_type(self.neuron_type),
                synapse=self.synapse,
                dt=self.dt,
                mapping=self.mapping,
                radii=radii,
                single_ensemble=self.single_ensemble,
            )
            nengo.Connection(stim, mem.input, synapse=None)
            probe = nengo.Probe(mem.state, synapse=self.probe_synapse)
        return net, mem, probe, u


def peak_rss_mb():
    """This process's peak resident memory so far, in MiB (Linux units)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def run_trial(trial, progress_bar=False, keep_data=False):
    """Run ``trial`` and measure it against the ideal discrete memory.

    Returns
    -------
    record : dict
        The trial's fields, then ``state_error`` (E), ``normalised_state_error``
        (E_n), ``delay_nrmse_<f>`` against the true delayed input and
        ``delay_nrmse_ideal_<f>`` against the ideal memory's readout for each
        delay fraction ``f``, ``build_s`` (constructing the network and
        building it), ``run_s``, ``realtime``, ``peak_rss_mb``, ``version``,
        and what :func:`nengo_lmu.hardware.describe` adds for the backend
        (resources and energy on Loihi).
    data : dict, only with ``keep_data``
        ``t``, ``u``, ``ideal`` and ``decoded`` states (probe-filtered),
        ``delays`` (seconds) and the decoded / ideal / true delayed signals.
    """
    t0 = time.perf_counter()
    net, mem, probe, u = trial.build()
    # no decoder cache: build_s is the real cost, not a read of an earlier run's
    with simulator(
        net,
        backend=trial.backend,
        dt=trial.dt,
        cache=False,
        progress_bar=progress_bar,
        **dict(trial.backend_options),
    ) as sim:
        t1 = time.perf_counter()
        sim.run_steps(len(u))
        t2 = time.perf_counter()
        decoded = sim.data[probe]
        t = sim.trange()
        extra = describe(sim)

    ideal = metrics.filtered(
        signals.ideal_memory(u, trial.order, trial.theta, trial.dt), trial.probe_synapse, trial.dt
    )
    u_f = metrics.filtered(u, trial.probe_synapse, trial.dt)
    warm = lambda x: metrics.after_warmup(x, trial.theta, trial.dt)  # noqa: E731
    record = dataclasses.asdict(trial)
    record["delays"] = list(trial.delays)
    record["backend_options"] = dict(trial.backend_options)
    record["state_error"] = metrics.state_error(warm(decoded), warm(ideal))
    record["normalised_state_error"] = metrics.normalised_state_error(
        warm(decoded), warm(ideal), mem.radii_full
    )
    thetas = np.asarray(trial.delays, dtype=float) * trial.theta
    C = delay_readout(trial.order, thetas, trial.theta)
    dec_delay, ideal_delay = decoded @ C.T, ideal @ C.T
    for i, (frac, tp) in enumerate(zip(trial.delays, thetas)):
        record[f"delay_nrmse_{frac:g}"] = metrics.delay_nrmse(
            dec_delay[:, i], u_f[:, 0], tp, trial.dt, warmup=trial.theta
        )
        record[f"delay_nrmse_ideal_{frac:g}"] = metrics.nrmse(
            warm(dec_delay[:, i]), warm(ideal_delay[:, i])
        )
    record.update(
        build_s=t1 - t0,
        run_s=t2 - t1,
        realtime=trial.duration / (t2 - t1),
        peak_rss_mb=peak_rss_mb(),
        version=version,
    )
    record.update(extra)
    if not keep_data:
        return record
    data = dict(
        t=t,
        u=u_f[:, 0],
        ideal=ideal,
        decoded=decoded,
        delays=thetas,
        decoded_delays=dec_delay,
        ideal_delays=ideal_delay,
        true_delays=np.stack([signals.delayed(u_f[:, 0], tp, trial.dt) for tp in thetas], 1),
        radii=mem.radii_full,
    )
    return record, data
