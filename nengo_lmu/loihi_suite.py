"""A pytest plugin: nengo-loihi 1.1's own test suite on the fast emulator.

``nengo-loihi-tests.ini`` loads it (``make test-loihi-fast``)::

    pytest -c nengo-loihi-tests.ini --pyargs nengo_loihi

It runs the nengo-loihi tests that take the ``Simulator`` fixture (the
others test nengo-loihi's builder, its emulator classes or the hardware
interface directly, not a simulator target) with
:class:`nengo_lmu.hardware.loihi.fast.Simulator`. nengo-loihi's repository
configures its suite in a ``conftest.py`` that the installed package does
not ship; this plugin gives the suite what it reads from there: the
``--target`` option and its markers. Tests listed in the ini file's
``loihi_test_unsupported`` (a test-id pattern, then its reason in quotes)
are skipped with that reason; tests that ask the fixture for a target other
than the integer emulator (``"simreal"``, ``"loihi"``) skip themselves,
naming it.
"""

import shlex
from fnmatch import fnmatch

import pytest

#: Targets the fast emulator stands in for: nengo-loihi's integer emulator.
FAST_TARGETS = (None, "sim", "fast")

#: Test modules of nengo-loihi 1.1 that cannot be imported here, and why.
NOT_IMPORTABLE = {
    "test_conv.py": "imports nengo._vendor.npconv2d, which nengo 4.1 no longer has",
}


def make_test_sim(request):
    """The ``Simulator`` the suite's tests get (``nengo_simloader``).

    With ``--emulator nengo-loihi``, nengo-loihi's own (``target="sim"``):
    the same tests, selection and seeds on the emulator the fast one
    reproduces, to tell its failures from nengo-loihi's.
    """
    import nengo_loihi  # noqa: PLC0415

    from nengo_lmu.hardware.loihi.fast import Simulator  # noqa: PLC0415

    baseline = request.config.getoption("--emulator") == "nengo-loihi"

    def TestSimulator(network, *args, target=None, **kwargs):
        if target not in FAST_TARGETS:
            pytest.skip(f"asks for target={target!r}, not the integer emulator")
        if baseline:
            return nengo_loihi.Simulator(network, *args, target="sim", **kwargs)
        return Simulator(network, *args, target="fast", **kwargs)

    return TestSimulator


def pytest_addoption(parser):
    parser.addoption(
        "--target", default="sim",
        help="What nengo-loihi's tests read as their target (the fast emulator "
        "stands in for 'sim')",
    )
    parser.addoption(
        "--emulator", default="fast", choices=("fast", "nengo-loihi"),
        help="Run the tests on the fast emulator (default) or on nengo-loihi's",
    )
    parser.addini(
        "loihi_test_unsupported", type="linelist", default=[],
        help="nengo-loihi tests the fast emulator does not run, each with a reason",
    )


def pytest_ignore_collect(collection_path, config):
    parts = collection_path.parts
    if collection_path.parent.name == "tests" and "nengo_loihi" in parts:
        return collection_path.name in NOT_IMPORTABLE or None
    return None


def pytest_configure(config):
    for marker in ("target_sim", "target_loihi", "requires_multichip_snips", "hang"):
        config.addinivalue_line("markers", f"{marker}: nengo-loihi's marker")


def _unsupported(config):
    words = shlex.split(" ".join(config.getini("loihi_test_unsupported")))
    return list(zip(words[::2], words[1::2]))


def pytest_collection_modifyitems(session, config, items):
    keep, drop = [], []
    for item in items:
        uses_sim = "Simulator" in getattr(item, "fixturenames", ())
        (keep if uses_sim else drop).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep
    for item in items:
        if item.get_closest_marker("target_loihi"):
            item.add_marker(pytest.mark.skip(reason="needs a Loihi board"))
        # patterns are relative to the nengo_loihi package, wherever it is installed
        within = item.nodeid.split("nengo_loihi/", 1)[-1]
        for pattern, reason in _unsupported(config):
            if fnmatch(within, pattern):
                item.add_marker(pytest.mark.skip(reason=reason))
