"""Collection settings for pytest's doctests of the package (``--doctest-modules``).

Modules that need an optional extra are skipped when it is absent, as the
tests that use them skip themselves.
"""

import importlib.util

collect_ignore = []
NIR_EXTRA = ("torch", "snntorch", "nirtorch", "nir")
if not all(importlib.util.find_spec(m) for m in NIR_EXTRA):
    collect_ignore.append("nengo_lmu/export/nir_snntorch.py")
if importlib.util.find_spec("nir") is None:
    collect_ignore += [
        "nengo_lmu/export/nir.py",
        "nengo_lmu/export/nir_numpy.py",
        "nengo_lmu/export/compare.py",
    ]
