"""The plugin that runs nengo-loihi's own suite on the fast emulator skips the
tests its ini file lists, wherever nengo-loihi is installed."""

import pathlib
import types

from nengo_lmu import loihi_suite

INI = pathlib.Path(__file__).resolve().parents[1] / "nengo-loihi-tests.ini"


class Item:
    def __init__(self, nodeid):
        self.nodeid = nodeid
        self.fixturenames = ("Simulator",)
        self.markers = []

    def get_closest_marker(self, name):
        return None

    def add_marker(self, marker):
        self.markers.append(marker)


def config_from_ini():
    import configparser

    parser = configparser.ConfigParser(interpolation=None)
    parser.read(INI)
    lines = [line for line in parser["pytest"]["loihi_test_unsupported"].splitlines() if line]
    return types.SimpleNamespace(
        getini=lambda name: lines,
        hook=types.SimpleNamespace(pytest_deselected=lambda items: None),
    )


def test_listed_tests_are_skipped_with_their_reason():
    prefixes = (".venv/lib/python3.11/site-packages/", "/usr/lib/python3/dist-packages/", "")
    for prefix in prefixes:
        listed = Item(f"{prefix}nengo_loihi/tests/test_learning.py::test_pes_overflow")
        other = Item(f"{prefix}nengo_loihi/tests/test_learning.py::test_pes_overflowed"
                     .replace("test_learning", "test_simulator"))
        loihi_suite.pytest_collection_modifyitems(None, config_from_ini(), [listed, other])
        assert [m.kwargs["reason"] for m in listed.markers] and "PES" in (
            listed.markers[0].kwargs["reason"])
        assert not other.markers
