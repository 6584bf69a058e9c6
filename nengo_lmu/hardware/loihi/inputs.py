"""Host-to-chip input: nengo-loihi's on/off encoder widened, and the on-chip input filter."""

import contextlib

import nengo
import nengo_loihi
from nengo_loihi.builder.inputs import ChipReceiveNode
from nengo_loihi.decode_neurons import OnOffDecodeNeurons

class WideInputNeurons(OnOffDecodeNeurons):
    """nengo-loihi's host-to-chip on/off encoder for values up to ``input_range``.

    nengo-loihi sends each value from the host to the chip as the spikes of
    an on/off pair of neurons (``OnOffDecodeNeurons``), which is linear only
    for values in [-1, 1]: beyond that the "off" neuron is silent and the
    "on" neuron cannot fire more than once per step, so larger values are
    compressed and clipped. This encoder divides the value by
    ``input_range`` on the host (the encoding ensemble's radius) and
    multiplies it back on the chip: through the target ensemble's encoders,
    as nengo-loihi does with its own ``scale``, and, for connections into
    ``Neurons``, whose weights nengo-loihi takes as they are, in the
    weights themselves (:class:`_InputWeights`).
    """

    def __init__(self, input_range, dt=0.001):
        super().__init__(dt=dt, is_input=True)
        self.input_range = float(input_range)

    def __str__(self):
        return f"{type(self).__name__}(input_range={self.input_range:g}, dt={self.dt:g})"

    def get_ensemble(self, dim, add_to_container=True):
        ens = super().get_ensemble(dim, add_to_container=add_to_container)
        ens.radius = self.input_range
        return ens

    def get_post_encoders(self, encoders):
        return super().get_post_encoders(encoders * self.input_range)


def input_neurons(memories, dt=0.001):
    """The host-to-chip encoder for a network with these memories.

    A :class:`WideInputNeurons` for the largest ``input_range`` of the
    memories, or None (nengo-loihi's own, linear in [-1, 1]) when that is
    at most 1.
    """
    largest = max([m.input_range for m in memories], default=1.0)
    return WideInputNeurons(largest, dt=dt) if largest > 1.0 else None


def loihi_model(memories, dt=0.001, fast_build=False):
    """The nengo-loihi ``Model`` that :func:`simulator` builds these memories into.

    Its on-chip input filter (``decode_tau``) is the memories' synapse, and
    its host-to-chip encoder carries their ``input_range``
    (:func:`input_neurons`). With ``fast_build`` it builds with
    :class:`nengo_lmu.hardware.loihi.build.Builder` (the same model, made
    faster for large populations).
    """
    builder = None
    if fast_build:
        from nengo_lmu.hardware.loihi.build import Builder  # noqa: PLC0415

        builder = Builder()
    model = nengo_loihi.builder.Model(dt=dt, builder=builder)
    taus = {mem.synapse.tau for mem in memories}
    if taus:
        model.decode_tau = taus.pop()
    node_neurons = input_neurons(memories, dt)
    if node_neurons is not None:
        model.node_neurons = node_neurons
        model.build_callback = _InputWeights(model)
    return model


class _InputWeights:
    """Build callback: multiply host-to-``Neurons`` weights by the input range.

    Applied once to each connection from a host input into ``Neurons`` right
    after nengo-loihi builds it, before it splits and discretises the
    model (see :class:`WideInputNeurons`).
    """

    def __init__(self, model):
        self.model = model
        self.done = set()

    def __call__(self, obj):
        model = self.model
        if not (
            isinstance(obj, nengo.Connection)
            and obj in model.connection_decode_neurons
            and isinstance(obj.post_obj, nengo.ensemble.Neurons)
        ):
            return
        scale = model.node_neurons.input_range
        for conn, parts in list(model.objs.items()):
            if (
                isinstance(conn, nengo.Connection)
                and conn not in self.done
                and type(conn.pre_obj) is ChipReceiveNode
                and isinstance(conn.post_obj, nengo.ensemble.Neurons)
                and "weights" in parts
            ):
                self.done.add(conn)
                for w in parts["weights"].weights:
                    w *= scale


@contextlib.contextmanager
def chip_input_filter(memories):
    """While nengo-loihi builds, move each memory's input lowpass onto the chip.

    A Loihi compartment filters all its inputs with one time constant, so
    host-to-chip spikes into the memory must arrive unfiltered and be filtered
    there (nengo-loihi's ``Model.decode_tau``, which the caller sets to the
    memories' synapse). The input connections get their synapse back on exit.
    """
    conns = [mem._input_conn for mem in memories]
    synapses = [conn.synapse for conn in conns]
    try:
        for conn in conns:
            conn.synapse = None
        yield
    finally:
        for conn, syn in zip(conns, synapses):
            conn.synapse = syn

