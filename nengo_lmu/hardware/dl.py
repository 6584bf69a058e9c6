"""nengo-dl: train networks with TensorFlow, batched over examples.

Imported only when ``backend="dl"`` is asked for, so that importing
nengo_lmu never imports TensorFlow.
"""

import nengo
from nengo.exceptions import BuildError

from nengo_lmu.compat import HAS_NENGO_DL


def _nengo_dl():
    if not HAS_NENGO_DL:
        raise BuildError(
            "backend: 'dl' needs nengo-dl and TensorFlow; pip install 'nengo-lmu[dl]' "
            "(see `make install-dl` for the order that installs them)"
        )
    import nengo_dl  # noqa: PLC0415

    return nengo_dl


def configure(network, memories, fixed_dynamics=True):
    """Add nengo-dl's settings to ``network`` and freeze the memories' dynamics.

    With ``fixed_dynamics`` (the default), nothing inside the
    :class:`.LegendreMemory` networks ``memories`` is trained: their
    encoders, decoders and recurrent transforms keep the LMU's exact
    dynamics. Simulation is not stateful: every batch starts from rest.
    Probes keep their whole history unless a probe's ``keep_history`` is
    set to False in ``network.config`` afterwards.
    """
    nengo_dl = _nengo_dl()
    try:
        network.config[nengo.Probe].keep_history
    except (AttributeError, nengo.exceptions.ConfigError):
        with network:
            nengo_dl.configure_settings(
                trainable=None, stateful=False, keep_history=True
            )
    for memory in memories:
        with memory:  # the nearest network's setting is the one that counts
            nengo_dl.configure_settings(trainable=not fixed_dynamics)
    return nengo_dl


def simulator(network, memories, dt=0.001, fixed_dynamics=True, **options):
    """A ``nengo_dl.Simulator`` of ``network`` with the memories' dynamics fixed.

    ``options`` go to ``nengo_dl.Simulator`` (``minibatch_size``, ``seed``,
    ``progress_bar``, ``device``, ...).
    """
    nengo_dl = configure(network, memories, fixed_dynamics=fixed_dynamics)
    options.setdefault("progress_bar", False)
    return nengo_dl.Simulator(network, dt=dt, **options)
