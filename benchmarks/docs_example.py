"""The LMU of nengo-loihi's former documentation, the baseline the Loihi memory is
compared with (benchmarks/bench_loihi.py, the Loihi notebook and its test).

Import it with the ``benchmarks`` folder on the path
(``sys.path.insert(0, "benchmarks")`` from the repository root).
"""

import nengo

from nengo_lmu.dynamics import lmu_matrices
from nengo_lmu.mapping import continuous_lowpass


def docs_example(order=6, theta=1.0, n_per_dimension=100, tau=0.1, label="docs LMU"):
    """The former nengo-loihi documentation's LMU, as a baseline.

    An ``EnsembleArray`` of ``order x n_per_dimension`` SpikingRectifiedLinear
    neurons at 100-120 Hz with intercepts in [-1, 0.5] (what
    ``nengo_loihi.set_defaults()`` sets, configured here on the ensembles so
    that nengo's global defaults stay untouched), decoded recurrent and input
    connections with the continuous Principle 3 on a ``tau`` lowpass, radius
    1 in every dimension. Returns a network with ``input`` and ``state``
    (the decoded Legendre state) attributes.
    """

    A, B = lmu_matrices(order, theta)
    Ap, Bp = continuous_lowpass(A, B, tau)
    with nengo.Network(label=label) as net:
        net.input = nengo.Node(size_in=1, label="input")
        net.array = nengo.networks.EnsembleArray(
            n_per_dimension,
            order,
            neuron_type=nengo.SpikingRectifiedLinear(),
            max_rates=nengo.dists.Uniform(100, 120),
            intercepts=nengo.dists.Uniform(-1, 0.5),
        )
        nengo.Connection(net.input, net.array.input, transform=Bp, synapse=tau)
        nengo.Connection(net.array.output, net.array.input, transform=Ap, synapse=tau)
        net.state = net.array.output
    return net

