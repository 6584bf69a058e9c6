r"""The ideal Legendre memory (the exact discrete linear system) and neuron-type specs.

:class:`IdealMemory` computes, at every simulator step :math:`t`,

.. math:: m_t = A_d m_{t-1} + B_d u_t

exactly, with :math:`(A_d, B_d)` the LMU discretised at ``dt``
(:func:`nengo_lmu.dynamics.lmu_discrete`): keras-lmu's memory. It has the
attributes of a :class:`.LegendreMemory` that an :class:`.LMUCell` uses
(``input``, ``state``, ``order``, ``theta``, ``dimensions``), so a cell can
be trained with the ideal memory and deployed with a neural one.
"""

import numpy as np
import nengo
from nengo.exceptions import ValidationError

from nengo_lmu import dynamics


class IdealMemory(nengo.Network):
    """The exact discrete LMU memory, from passthrough nodes (no neurons).

    Parameters
    ----------
    order : int
        Legendre dimensions per input channel.
    theta : float
        Window in seconds, larger than ``dt``.
    dt : float, optional
        The simulator's step in seconds (default 0.001).
    size_in : int, optional
        Input channels, each with its own memory (default 1).
    discretizer : {"zoh", "euler"}, optional
        Discretisation of the continuous system (default ``"zoh"``).
    **kwargs
        Passed to ``nengo.Network``; the neural memory's arguments
        (``n_neurons``, ``neuron_type``, ``synapse``, ``radii``, ...) are
        accepted and ignored, so the two memories are interchangeable.

    Attributes
    ----------
    input, state : nengo.Node
        :math:`u` (``size_in`` wide) and :math:`m` (``order * size_in``,
        channel ``c`` in columns ``c * order`` to ``(c + 1) * order - 1``).
    Ad, Bd : ndarray
        The discrete system of one channel.
    """

    IGNORED = ("n_neurons", "neuron_type", "synapse", "radii", "mapping", "solver",
               "single_ensemble", "n_eval_points")

    def __init__(self, order, theta, dt=0.001, size_in=1, discretizer="zoh", **kwargs):
        for name in self.IGNORED:
            kwargs.pop(name, None)
        self.order = dynamics.check_integer(order, "order")
        self.theta = dynamics.check_positive(theta, "theta")
        self.size_in = dynamics.check_integer(size_in, "size_in")
        self.dt = dynamics.check_positive(dt, "dt")
        self.discretizer = dynamics.check_discretizer(discretizer)
        self.Ad, self.Bd = dynamics.lmu_discrete(self.order, self.theta, self.dt,
                                                 method=self.discretizer)
        super().__init__(**kwargs)
        eye = np.eye(self.size_in)
        with self:
            self.input = nengo.Node(size_in=self.size_in, label="input")
            self.state = nengo.Node(size_in=self.dimensions, label="state")
            nengo.Connection(self.input, self.state, transform=np.kron(eye, self.Bd),
                             synapse=None)
            # synapse 0: exactly one step of delay, m_{t-1}
            nengo.Connection(self.state, self.state, transform=np.kron(eye, self.Ad),
                             synapse=0)

    @property
    def dimensions(self):
        """Represented dimensions, ``order * size_in``."""
        return self.order * self.size_in

    def impulse_response(self, n_steps):
        """``(n_steps, order)``: the state ``A_d^k B_d`` after a unit input at step 0."""
        out = np.empty((dynamics.check_integer(n_steps, "n_steps"), self.order))
        m = self.Bd[:, 0]
        for k in range(len(out)):
            out[k] = m
            m = self.Ad @ m
        return out


# --- neuron types as plain data (so a spec with them can be saved as JSON) ----


def neuron_to_json(neuron_type):
    """A nengo neuron type as ``{"neuron_type": class name, "params": {...}}``."""
    cls = type(neuron_type)
    if getattr(nengo.neurons, cls.__name__, None) is not cls:
        raise ValidationError(
            "must be one of nengo.neurons' types to be saved (got "
            f"{cls.__module__}.{cls.__name__})",
            "neuron_type",
        )
    params = {}
    for param in neuron_type._params:
        name = param.name
        value = getattr(neuron_type, name)
        if isinstance(value, nengo.neurons.NeuronType):
            value = neuron_to_json(value)
        elif isinstance(value, (np.ndarray, np.number)):
            value = value.tolist()
        elif not isinstance(value, (int, float, str, bool, type(None))):
            continue  # e.g. a distribution of initial states: its default is kept
        params[name] = value
    return {"neuron_type": cls.__name__, "params": params}


def neuron_from_json(data):
    """The neuron type :func:`neuron_to_json` described (only nengo.neurons' types)."""
    cls = getattr(nengo.neurons, str(data.get("neuron_type")), None)
    if not (isinstance(cls, type) and issubclass(cls, nengo.neurons.NeuronType)):
        raise ValidationError(
            f"must name a type of nengo.neurons (got {data.get('neuron_type')!r})",
            "neuron_type",
        )
    params = {k: neuron_from_json(v) if isinstance(v, dict) else v
              for k, v in dict(data.get("params", {})).items()}
    return cls(**params)


def json_default(obj):
    """``json.dumps``' ``default``: neuron types as :func:`neuron_to_json` writes them."""
    if isinstance(obj, nengo.neurons.NeuronType):
        return neuron_to_json(obj)
    raise TypeError(f"{type(obj).__name__} is not JSON serialisable")


def json_hook(data):
    """``json.loads``' ``object_hook``: neuron types back from :func:`json_default`."""
    if set(data) == {"neuron_type", "params"}:
        return neuron_from_json(data)
    return data
