"""Run nengo's own test suite on nengo-lmu's backends.

nengo's pytest plugin asks ``nengo_simloader`` for the ``Simulator`` that
its tests use; ``nengo-tests.ini`` points it here (``make test-nengo``).
"""

from nengo_lmu.hardware.analog import IdealSimulator


def make_test_sim(request):
    """The analog backend with every non-ideality off (``Substrate.ideal()``).

    nengo's tests check nengo's semantics, which a mismatched, noisy chip
    does not keep; with the substrate ideal, they check that building onto
    the substrate (slot allocation, the builder's dispatch, calibrated
    decoders, spike counters) leaves those semantics intact.
    """
    return IdealSimulator
