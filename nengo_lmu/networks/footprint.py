"""The memory a Legendre memory's build takes, estimated from its specification.

Building a :class:`.LegendreMemory` solves decoders for each of its
ensembles; the largest allocation is the activity matrix of one ensemble
(``n_eval_points x n_neurons`` doubles) and the Gram matrix the least-squares
solver forms from it. :func:`build_bytes` computes that peak from the
constructor's arguments alone, so that a network too large for this machine
is refused in a second instead of failing to allocate after a long build
(:func:`check_fits`).
"""

import os

from nengo.exceptions import BuildError
from nengo.utils.builder import default_n_eval_points

from nengo_lmu.networks.memory import MAX_EVAL_POINTS_PER_DIMENSION

#: Bytes of one float64.
FLOAT = 8


def _ensemble_bytes(n, k, n_eval_points):
    """Peak bytes of solving the decoders of ``n`` neurons representing ``k`` dims."""
    e = n_eval_points or min(default_n_eval_points(n, k), MAX_EVAL_POINTS_PER_DIMENSION * k)
    # activities (e x n), their Gram matrix (the smaller side squared), eval
    # points and targets (e x k), encoders, gains, biases and decoders (n x k)
    return FLOAT * (e * n + min(e, n) ** 2 + 2 * e * k + n * (2 * k + 2))


def build_bytes(
    order,
    n_neurons,
    size_in=1,
    single_ensemble=False,
    n_eval_points=None,
    dense_recurrence=False,
):
    """Estimated peak bytes of building a Legendre memory.

    Parameters
    ----------
    order, n_neurons, size_in, single_ensemble, n_eval_points
        As for :class:`.LegendreMemory`.
    dense_recurrence : bool, optional
        The recurrence is a dense ``n_neurons x n_neurons`` weight matrix, as
        on Loihi (:class:`nengo_lmu.hardware.loihi.LoihiLegendreMemory`),
        held as floats and as the chip's integers (default False).

    Returns
    -------
    int
        Bytes; the decoder solve of the largest ensemble, plus the dense
        weights where there are any. Measured builds stay below it (the
        estimate counts every array at once).

    Examples
    --------
    >>> round(build_bytes(order=6, n_neurons=3000) / 2**20)
    5
    >>> round(build_bytes(order=6, n_neurons=10**7) / 2**30, 1)
    9.4
    """
    dims = int(order) * int(size_in)
    if single_ensemble:
        total = _ensemble_bytes(int(n_neurons), dims, n_eval_points)
    else:
        # the even split of LegendreMemory: the largest ensemble decides
        n = -(-int(n_neurons) // dims)
        total = _ensemble_bytes(n, 1, n_eval_points)
    if dense_recurrence:
        total += 3 * FLOAT * int(n_neurons) ** 2
    return int(total)


def machine_bytes():
    """This machine's physical memory in bytes (None where it cannot be read)."""
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, ValueError, OSError):  # pragma: no cover -- not POSIX
        return None


def check_fits(nbytes, attr, got, limit=None):
    """Raise ``BuildError`` naming ``attr`` if ``nbytes`` exceed this machine's memory.

    Parameters
    ----------
    nbytes : int
        The estimate, e.g. from :func:`build_bytes`.
    attr : str
        The parameter that sets the size, named in the message (e.g.
        ``"n_neurons"``).
    got
        Its value, quoted in the message.
    limit : int, optional
        Bytes allowed; default the machine's physical memory.

    Returns
    -------
    int
        ``nbytes``.
    """
    limit = machine_bytes() if limit is None else limit
    if limit is not None and nbytes > limit:
        raise BuildError(
            f"{attr}: the build must fit in this machine's {limit / 2**30:.1f} GiB of "
            f"memory, but needs about {nbytes / 2**30:.1f} GiB (the decoder solve of "
            "the largest ensemble, and any dense weights); use fewer neurons per "
            f"ensemble or a larger machine (got {attr}={got!r})"
        )
    return nbytes
