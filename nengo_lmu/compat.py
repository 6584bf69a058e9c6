"""Optional dependencies: flags that say what is installed, imported lazily.

Only the flags are computed at import time (``importlib.util.find_spec``),
so importing nengo_lmu never imports nengo-loihi, nengo-dl or TensorFlow.
"""

from importlib.util import find_spec

HAS_NENGO_LOIHI = find_spec("nengo_loihi") is not None
HAS_NENGO_DL = find_spec("nengo_dl") is not None


def import_nengo_loihi(with_nengo_dl=True):
    """Import nengo-loihi, optionally without TensorFlow and nengo-dl.

    nengo-loihi imports TensorFlow and nengo-dl whenever they are installed
    (``nengo_loihi.compat`` tries ``import tensorflow``), only to register
    its neuron types with nengo-dl. A process that will not train (the
    ``nengo-lmu demo``) passes ``with_nengo_dl=False``: the two imports are
    then made to fail for that one import (``sys.modules[name] = None`` is
    Python's documented way to make an import fail), which saves about 20 s
    and TensorFlow's log lines; nengo-loihi then runs as without the dl
    extra. Both stay importable afterwards, but nengo-loihi's neurons are not
    registered with nengo-dl in that process. If nengo-loihi, TensorFlow or
    nengo-dl is already imported, this is a plain import.

    Also silences nengo-loihi's warning that it "has not been tested with"
    the installed nengo: constraints.txt pins the versions, and the test
    suite checks the Loihi mapping's results with exactly those.
    """
    import sys  # noqa: PLC0415
    import warnings  # noqa: PLC0415

    blocked = []
    if not with_nengo_dl and "nengo_loihi" not in sys.modules:
        blocked = [name for name in ("tensorflow", "nengo_dl") if name not in sys.modules]
    for name in blocked:
        sys.modules[name] = None
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings(
                "ignore", message="This version of `nengo_loihi` has not been tested"
            )
            import nengo_loihi  # noqa: PLC0415
    finally:
        for name in blocked:
            del sys.modules[name]
    return nengo_loihi
