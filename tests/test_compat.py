import subprocess
import sys

import pytest


def test_nengo_loihi_imports_without_tensorflow():
    """The demo's import of nengo-loihi: no TensorFlow, no nengo-dl, no warnings,
    and both stay importable afterwards (nothing is left blocked)."""
    pytest.importorskip("nengo_loihi")
    code = (
        "import sys, warnings\n"
        "warnings.simplefilter('error')\n"
        "from nengo_lmu.compat import import_nengo_loihi\n"
        "nengo_loihi = import_nengo_loihi(with_nengo_dl=False)\n"
        "assert nengo_loihi.compat.HAS_DL is False, 'nengo-dl was imported'\n"
        "assert 'tensorflow' not in sys.modules and 'nengo_dl' not in sys.modules\n"
        "assert import_nengo_loihi() is nengo_loihi\n"
        "print('ok')\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout == "ok\n" and done.stderr == ""
