"""Optional dependencies: flags that say what is installed, imported lazily.

Only the flags are computed at import time (``importlib.util.find_spec``),
so importing nengo_lmu never imports nengo-loihi, nengo-dl or TensorFlow.
"""

from importlib.util import find_spec

HAS_NENGO_LOIHI = find_spec("nengo_loihi") is not None
HAS_NENGO_DL = find_spec("nengo_dl") is not None
