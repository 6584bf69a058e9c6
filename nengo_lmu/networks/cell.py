r"""The full LMU: a Legendre memory coupled to a nonlinear hidden layer of neurons.

One cell of the LMU paper (Voelker, Kajić & Eliasmith 2019, Figure 1) at
step :math:`t`, in continuous time:

.. math::

    u_t &= e_x^T x_t + e_h^T h_{t-1} + e_m^T m_{t-1} \\
    \theta \dot{m} &= \bar{A} m + \bar{B} u \\
    h_t &= f(W_x x_t + W_h h_{t-1} + W_m m_t)

The memory :math:`m` is a :class:`.LegendreMemory` in neurons whose dynamics
are fixed; the encoders :math:`e` and kernels :math:`W` are connection
transforms that nengo-dl trains; :math:`f` is a population of rectified-linear
neurons, rates while training and spikes when deployed. The parameters are
named as keras-lmu names them (``units``, ``order``, ``theta``,
``memory_d``, ``hidden_to_memory``, ``memory_to_memory``,
``input_to_hidden``, ``hidden_to_hidden``, ``use_bias``), with ``theta``
in seconds.

Timing, with no synapses on the trained path (``hidden_synapse=None``, as
keras-lmu): :math:`x_t` reaches :math:`u_t` and :math:`h_t` in the same
step, and only the recurrent connections (:math:`h_{t-1}` and
:math:`m_{t-1}` into :math:`u_t`, :math:`h_{t-1}` into :math:`h_t`) carry the
one step of delay the recurrence needs (``synapse=0``). With the ideal
memory (``memory="ideal"``, :class:`.IdealMemory`) the cell is then exactly
keras-lmu's cell (ReLU hidden units, no hidden-cell dropout).
"""

import json
import numbers

import numpy as np
import nengo
from nengo.exceptions import ValidationError

from nengo_lmu.dynamics import check_bool, check_integer, check_positive
from nengo_lmu.networks.ideal import IdealMemory, json_default
from nengo_lmu.networks.memory import LegendreMemory

#: Names of a cell's trainable parameters (connection transforms and biases)
#: and the flag that adds each (None: always present).
PARAMETERS = {
    "input_encoders": None,  # e_x: x -> u
    "hidden_encoders": "hidden_to_memory",  # e_h: h -> u
    "memory_encoders": "memory_to_memory",  # e_m: m -> u
    "memory_kernel": None,  # W_m: m -> h
    "input_kernel": "input_to_hidden",  # W_x: x -> h
    "hidden_kernel": "hidden_to_hidden",  # W_h: h -> h
    "bias": "use_bias",  # b, in units of the activation
}

#: Hidden activations: ``f`` of the cell.
ACTIVATIONS = ("relu", "tanh")

#: Keywords ``nengo.Network`` takes that a cell or network passes on.
NETWORK_KEYWORDS = ("label", "seed", "add_to_container")


def check_synapse(value, attr):
    """A synapse on the trained path: None (or 0) for none, else seconds > 0."""
    if value is None or (not isinstance(value, bool) and value == 0):
        return None
    return check_positive(value, attr)


def check_finite(value, attr):
    """A finite real number, as a float."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not np.isfinite(
            value):
        raise ValidationError(f"must be a finite number (got {value!r})", attr)
    return float(value)


def check_keywords(kwargs, where):
    """Refuse keywords that neither the class nor ``nengo.Network`` takes."""
    unknown = sorted(set(kwargs) - set(NETWORK_KEYWORDS))
    if unknown:
        raise ValidationError(
            f"{where} takes no keyword(s) {unknown}; besides its own it takes only "
            f"{list(NETWORK_KEYWORDS)} (got {unknown})",
            unknown[0],
        )


def _glorot(rng, shape, scale=1.0):
    limit = scale * np.sqrt(6.0 / sum(shape))
    return rng.uniform(-limit, limit, size=shape)


def neuron_types(spiking, rate_scale, activation="relu"):
    """The hidden and memory neuron types of a cell: rates or spikes.

    Rectified-linear neurons in both cases, so that the rates a network is
    trained with are exactly the spikes' mean rates. The hidden neurons'
    ``amplitude`` of ``1 / rate_scale`` makes their output the activation
    itself while they fire ``rate_scale`` Hz per unit of it. A ``"tanh"``
    activation (rates only) is ``nengo.Tanh`` with ``tau_ref = 1``, so that
    its output is :math:`\tanh` of its input.
    """
    if activation == "tanh":
        if spiking:
            raise ValidationError(
                "must be 'relu' for a spiking network; nengo has no spiking tanh "
                "(got 'tanh')",
                "activation",
            )
        return nengo.Tanh(tau_ref=1.0), nengo.RectifiedLinear()
    if spiking:
        return (
            nengo.SpikingRectifiedLinear(amplitude=1.0 / rate_scale),
            nengo.SpikingRectifiedLinear(),
        )
    return nengo.RectifiedLinear(amplitude=1.0 / rate_scale), nengo.RectifiedLinear()


class LMUCell(nengo.Network):
    r"""One LMU cell: a Legendre memory and a hidden layer of ``units`` neurons.

    Parameters
    ----------
    units : int
        Hidden neurons, one per hidden unit :math:`h` (keras-lmu's ``units``).
    order : int
        Legendre dimensions per memory (:math:`d`).
    theta : float
        Length of the memory's window in seconds.
    size_in : int, optional
        Input channels :math:`x` (default 1).
    memory_d : int, optional
        Memories, each of ``order`` dimensions, fed by ``memory_d`` encoded
        inputs :math:`u` (default 1).
    n_neurons : int, optional
        Neurons holding the memory, in total (default ``20 * order *
        memory_d``).
    spiking : bool, optional
        Spiking neurons (deployment) instead of rates (training); default
        False. The two networks are otherwise the same.
    rate_scale : float, optional
        Hidden neurons' firing rate in Hz for an activation of 1 (default 200).
    hidden_neurons, memory_neurons : nengo.neurons.NeuronType, optional
        Override the neuron types that ``spiking`` picks (see
        :func:`neuron_types`).
    synapse : float, optional
        The memory's synapse in seconds (default 0.1).
    hidden_synapse : float or None, optional
        Synapse in seconds of every connection into the hidden layer and of
        ``hidden_to_memory`` (default 0.005); None or 0 for none (keras-lmu's
        cell), where only the recurrent connections keep one step of delay.
    hidden_to_memory, memory_to_memory : bool, optional
        Feed :math:`h` or :math:`m` back into :math:`u` (default False).
    input_to_hidden : bool, optional
        Connect :math:`x` to the hidden layer (default False).
    hidden_to_hidden : bool, optional
        Recurrent :math:`W_h` (default False, as keras-lmu).
    use_bias : bool, optional
        A trainable bias :math:`b` on the hidden units (default True), in
        units of the activation (so that an optimiser sees it at the scale of
        the kernels, not behind the neurons' gain).
    activation : {"relu", "tanh"}, optional
        The hidden units' :math:`f` (default ``"relu"``; ``"tanh"`` for rate
        networks only).
    memory_kernel_scale : float, optional
        Multiplies the initial memory kernel :math:`W_m` (default 1:
        Glorot-uniform), > 0. Initialisation only, like ``bias_init``.
    bias_init : float, optional
        The initial bias :math:`b` of every hidden unit, in units of the
        activation (default 0). Small memory kernels and a small positive
        bias start ReLU units active and near-linear (on Mackey-Glass, 0.3
        and 0.1 train to a lower error than the defaults).
    discretizer : {"zoh", "euler"}, optional
        Passed to the memory (default ``"zoh"``).
    dt : float, optional
        The simulator's step in seconds (default 0.001).
    radii : float or array_like, optional
        The memory's radii (see :class:`.LegendreMemory`; default 1).
    memory_reg : float, optional
        Regularisation of the memory's decoders, ``nengo.solvers.LstsqL2``'s
        ``reg`` (default None: the memory's own solver). nengo's default of
        0.1 shrinks every decoded state a little, and the recurrence
        compounds it: at order 64 with 63 neurons per dimension (theta
        2.048 s, the permuted digits held 32 steps per item) the state of a
        rate memory then errs by 38% of its RMS, against 7% at 0.01.
    memory : callable or "ideal", optional
        Makes the memory from ``LegendreMemory``'s arguments (default
        :class:`.LegendreMemory`); e.g. ``functools.partial(
        nengo_lmu.hardware.memory, "loihi")`` for a Loihi memory, or
        ``"ideal"`` for the exact linear system (:class:`.IdealMemory`).
    **kwargs
        Passed to ``nengo.Network`` (``label``, ``seed``,
        ``add_to_container``); any other keyword is a ``ValidationError``.

    Attributes
    ----------
    input, output : nengo.Node
        :math:`x` and :math:`h` (the hidden neurons' output, unfiltered).
    u : nengo.Node
        The memory's encoded input.
    memory : LegendreMemory
    hidden : nengo.Ensemble
        ``units`` neurons with gain ``rate_scale`` (1 for tanh). In a rate
        network the bias :math:`b` comes from a constant node through a
        trainable connection (``trainable["bias"]``, which the neurons' gain
        multiplies, like every connection into them); in a spiking network it
        is folded into the ensemble's ``bias``, to the same effect.
    trainable : dict
        The trainable connections by parameter name (:data:`PARAMETERS`).

    Examples
    --------
    >>> import nengo
    >>> with nengo.Network(seed=0) as net:
    ...     cell = LMUCell(units=20, order=4, theta=0.5, seed=0)
    >>> sorted(cell.trainable), cell.hidden.n_neurons
    (['bias', 'input_encoders', 'memory_kernel'], 20)
    """

    def __init__(
        self,
        units,
        order,
        theta,
        size_in=1,
        memory_d=1,
        n_neurons=None,
        spiking=False,
        rate_scale=200.0,
        hidden_neurons=None,
        memory_neurons=None,
        synapse=0.1,
        hidden_synapse=0.005,
        hidden_to_memory=False,
        memory_to_memory=False,
        input_to_hidden=False,
        hidden_to_hidden=False,
        use_bias=True,
        activation="relu",
        memory_kernel_scale=1.0,
        bias_init=0.0,
        discretizer="zoh",
        dt=0.001,
        radii=1.0,
        memory_reg=None,
        memory=None,
        **kwargs,
    ):
        check_keywords(kwargs, "LMUCell")
        solver = {}
        if memory_reg is not None:
            solver["solver"] = nengo.solvers.LstsqL2(
                reg=check_positive(memory_reg, "memory_reg"))
        self.units = check_integer(units, "units")
        self.order = check_integer(order, "order")
        self.theta = check_positive(theta, "theta")
        self.size_in = check_integer(size_in, "size_in")
        self.memory_d = check_integer(memory_d, "memory_d")
        if n_neurons is None:
            n_neurons = 20 * self.order * self.memory_d
        self.rate_scale = check_positive(rate_scale, "rate_scale")
        self.hidden_synapse = check_synapse(hidden_synapse, "hidden_synapse")
        if activation not in ACTIVATIONS:
            raise ValidationError(
                f"must be one of {ACTIVATIONS} (got {activation!r})", "activation"
            )
        self.activation = activation
        memory_kernel_scale = check_positive(memory_kernel_scale, "memory_kernel_scale")
        bias_init = check_finite(bias_init, "bias_init")
        self.flags = {
            "hidden_to_memory": check_bool(hidden_to_memory, "hidden_to_memory"),
            "memory_to_memory": check_bool(memory_to_memory, "memory_to_memory"),
            "input_to_hidden": check_bool(input_to_hidden, "input_to_hidden"),
            "hidden_to_hidden": check_bool(hidden_to_hidden, "hidden_to_hidden"),
            "use_bias": check_bool(use_bias, "use_bias"),
        }
        self.spiking = check_bool(spiking, "spiking")
        default_hidden, default_memory = neuron_types(self.spiking, self.rate_scale,
                                                      activation)
        self.hidden_neurons = default_hidden if hidden_neurons is None else hidden_neurons
        memory_neurons = default_memory if memory_neurons is None else memory_neurons
        self.gain = 1.0 if activation == "tanh" else self.rate_scale
        if memory == "ideal":
            make_memory = IdealMemory
        elif memory is None:
            make_memory = LegendreMemory
        elif callable(memory):
            make_memory = memory
        else:
            raise ValidationError(
                f"must be None, 'ideal' or a callable that makes a memory (got {memory!r})",
                "memory",
            )
        super().__init__(**kwargs)
        rng = np.random.RandomState(self.seed)
        shapes = self.parameter_shapes()
        init = {
            "input_encoders": np.ones(shapes["input_encoders"]),
            "hidden_encoders": np.zeros(shapes["hidden_encoders"]),
            "memory_encoders": np.zeros(shapes["memory_encoders"]),
            "memory_kernel": _glorot(rng, shapes["memory_kernel"], memory_kernel_scale),
            "input_kernel": _glorot(rng, shapes["input_kernel"]),
            "hidden_kernel": _glorot(rng, shapes["hidden_kernel"], scale=0.5),
            "bias": np.full(shapes["bias"], bias_init),
        }
        with self:
            self.input = nengo.Node(size_in=self.size_in, label="x")
            self.u = nengo.Node(size_in=self.memory_d, label="u")
            self.memory = make_memory(
                order=self.order,
                theta=self.theta,
                n_neurons=n_neurons,
                neuron_type=memory_neurons,
                synapse=synapse,
                dt=dt,
                radii=radii,
                size_in=self.memory_d,
                discretizer=discretizer,
                label="memory",
                **solver,
            )
            nengo.Connection(self.u, self.memory.input, synapse=None)
            self.hidden = nengo.Ensemble(
                self.units,
                1,
                neuron_type=self.hidden_neurons,
                gain=nengo.dists.Choice([self.gain]),
                # a spiking cell's bias b (a rate cell's comes through a connection)
                bias=nengo.dists.Choice([bias_init * self.gain if self.spiking
                                         else 0.0]),
                label="h",
            )
            self.output = nengo.Node(size_in=self.units, label="h")
            nengo.Connection(self.hidden.neurons, self.output, synapse=None)
            syn = self.hidden_synapse
            delay = 0 if syn is None else syn  # a recurrence needs one step
            ends = {
                "input_encoders": (self.input, self.u, None),
                "hidden_encoders": (self.hidden.neurons, self.u, delay),
                "memory_encoders": (self.memory.state, self.u, 0),
                "memory_kernel": (self.memory.state, self.hidden.neurons, syn),
                "input_kernel": (self.input, self.hidden.neurons, syn),
                "hidden_kernel": (self.hidden.neurons, self.hidden.neurons, delay),
            }
            self.bias_source = None
            if self.flags["use_bias"] and not self.spiking:
                self.bias_source = nengo.Node(np.ones(1), label="one")
                ends["bias"] = (self.bias_source, self.hidden.neurons, None)
            self.trainable = {}
            for name, flag in PARAMETERS.items():
                if flag is None or self.flags[flag]:
                    if name not in ends:
                        continue  # a spiking cell's bias: the ensemble's
                    pre, post, syn = ends[name]
                    self.trainable[name] = nengo.Connection(
                        pre, post, transform=init[name], synapse=syn, label=name
                    )

    def parameter_shapes(self):
        """Shapes of the cell's transforms, by name (including absent ones)."""
        dims = self.order * self.memory_d
        return {
            "input_encoders": (self.memory_d, self.size_in),
            "hidden_encoders": (self.memory_d, self.units),
            "memory_encoders": (self.memory_d, dims),
            "memory_kernel": (self.units, dims),
            "input_kernel": (self.units, self.size_in),
            "hidden_kernel": (self.units, self.units),
            "bias": (self.units, 1),
        }


class LMUNetwork(nengo.Network):
    """Stacked :class:`LMUCell` networks with a linear readout.

    Input ``x`` (``size_in`` channels) feeds the first cell, each cell's
    hidden output feeds the next, and the last one's is read out by a
    trainable dense transform through ``readout_synapse`` into ``output``
    (``size_out`` channels), which ``probe`` records.

    Parameters
    ----------
    size_in, size_out : int
        Input and output channels.
    cells : list of dict
        Each cell's :class:`LMUCell` arguments (``units``, ``order``,
        ``theta`` and any other); ``size_in`` is set by the stack.
    spiking : bool, optional
        Spiking neurons instead of rates everywhere (default False).
    readout_synapse : float or None, optional
        Synapse of the readout in seconds (default 0.01); None or 0 for none.
    dt : float, optional
        The simulator's step in seconds (default 0.001).
    memory : callable or "ideal", optional
        Makes every cell's memory (see :class:`LMUCell`); ``"ideal"`` is
        kept in ``spec`` (and so in saved files), a callable is not.
    **kwargs
        Passed to ``nengo.Network`` (``label``, ``seed``,
        ``add_to_container``); any other keyword is a ``ValidationError``.

    Attributes
    ----------
    spec : dict
        The constructor's plain-data arguments (JSON), which :func:`load`
        rebuilds the network from.
    """

    def __init__(
        self,
        size_in,
        size_out,
        cells,
        spiking=False,
        readout_synapse=0.01,
        dt=0.001,
        memory=None,
        **kwargs,
    ):
        check_keywords(kwargs, "LMUNetwork")
        size_in = check_integer(size_in, "size_in")
        size_out = check_integer(size_out, "size_out")
        if not cells or not all(isinstance(c, dict) for c in cells):
            raise ValidationError(
                f"must be a non-empty list of LMUCell argument dicts (got {cells!r})",
                "cells",
            )
        for i, cell in enumerate(cells):
            for required in ("units", "order", "theta"):
                if required not in cell:
                    raise ValidationError(
                        f"cell {i} must give {required!r} (got {sorted(cell)})", "cells"
                    )
            if "size_in" in cell:
                raise ValidationError(
                    f"cell {i}: size_in is set by the stack, not given", "cells"
                )
        readout_synapse = check_synapse(readout_synapse, "readout_synapse")
        spiking = check_bool(spiking, "spiking")
        dt = check_positive(dt, "dt")
        super().__init__(**kwargs)
        self.spec = dict(
            size_in=size_in,
            size_out=size_out,
            cells=[dict(c) for c in cells],
            readout_synapse=readout_synapse,
            dt=dt,
            seed=self.seed,
        )
        if isinstance(memory, str):
            self.spec["memory"] = memory
        self.spiking = spiking
        rng = np.random.RandomState(self.seed)
        with self:
            # an input node (size_in 0) that nengo-dl feeds with data and a
            # deployment sets to a process or function
            self.input = nengo.Node(np.zeros(size_in), label="x")
            self.cells = []
            pre, width = self.input, size_in
            for i, spec in enumerate(cells):
                cell = LMUCell(
                    size_in=width,
                    spiking=spiking,
                    dt=dt,
                    memory=memory,
                    label=f"cell{i}",
                    seed=rng.randint(2**31 - 1),
                    **spec,
                )
                nengo.Connection(pre, cell.input, synapse=None)
                self.cells.append(cell)
                pre, width = cell.output, cell.units
            last = self.cells[-1]
            self.output = nengo.Node(size_in=size_out, label="output")
            self.readout = nengo.Connection(
                last.hidden.neurons,
                self.output,
                transform=_glorot(rng, (size_out, last.units)),
                synapse=readout_synapse,
                label="readout",
            )
            self.probe = nengo.Probe(self.output, label="output")

    def trainables(self):
        """The trainable objects by parameter name: ``cell{i}.{name}``, ``readout``.

        Connections (their ``transform``); ``cell{i}.bias`` is a connection
        from a constant node in a rate network and the hidden ensemble (its
        ``bias``) in a spiking one.
        """
        objs = {}
        for i, cell in enumerate(self.cells):
            for name, conn in cell.trainable.items():
                objs[f"cell{i}.{name}"] = conn
            if cell.flags["use_bias"] and cell.spiking:
                objs[f"cell{i}.bias"] = cell.hidden
        objs["readout"] = self.readout
        return objs

    def _gain(self, name):
        return self.cells[int(name.split(".")[0][4:])].gain

    def parameters(self):
        """Current parameter values by name, as float arrays.

        A bias is in units of the activation, ``(units,)``, whichever object
        holds it.
        """
        values = {}
        for name, obj in self.trainables().items():
            if isinstance(obj, nengo.Ensemble):
                bias = obj.bias  # Choice([0]) until parameters are set
                if isinstance(bias, nengo.dists.Distribution):
                    bias = bias.sample(obj.n_neurons)
                values[name] = np.asarray(bias, dtype=float) / self._gain(name)
            else:
                values[name] = np.array(obj.transform.init, dtype=float)
                if name.endswith(".bias"):
                    values[name] = values[name].reshape(-1)
        return values

    def set_parameters(self, values):
        """Set parameters by name (see :meth:`trainables`), before building.

        Every name must be one of this network's and every shape must match;
        otherwise a ``ValidationError`` names the parameter.
        """
        objs = self.trainables()
        current = self.parameters()
        for name, value in values.items():
            if name not in objs:
                raise ValidationError(
                    f"must name one of this network's parameters {sorted(objs)} "
                    f"(got {name!r})",
                    "values",
                )
            value = np.asarray(value, dtype=float)
            if value.shape != current[name].shape:
                raise ValidationError(
                    f"{name} must have shape {current[name].shape} (got {value.shape})",
                    "values",
                )
            if isinstance(objs[name], nengo.Ensemble):
                objs[name].bias = value * self._gain(name)
            elif name.endswith(".bias"):
                objs[name].transform = value.reshape(-1, 1)
            else:
                objs[name].transform = value

    def save(self, path):
        """Write ``spec`` and the parameters to an ``.npz`` file (no pickle)."""
        values = self.parameters()
        values["__spec__"] = np.array(json.dumps(self.spec, default=json_default))
        np.savez(path, **values)


# saving and loading live in nengo_lmu.networks.files; load is re-exported here
from nengo_lmu.networks.files import load  # noqa: E402
