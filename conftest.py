"""Collection settings for pytest's doctest run over the package (``--doctest-modules``).

Modules that need an optional extra are skipped when it is absent, as the
tests that use them skip themselves.
"""

import importlib.util

collect_ignore = []
if not all(importlib.util.find_spec(m) for m in ("torch", "snntorch", "nirtorch", "nir")):
    collect_ignore.append("nengo_lmu/export/nir_snntorch.py")
if importlib.util.find_spec("nir") is None:
    collect_ignore += [
        "nengo_lmu/export/nir.py",
        "nengo_lmu/export/nir_numpy.py",
        "nengo_lmu/export/compare.py",
    ]
