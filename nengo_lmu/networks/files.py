"""Reading the files :meth:`.LMUNetwork.save` writes: :func:`load`."""

import json
import zipfile

import numpy as np
from nengo.exceptions import ValidationError

from nengo_lmu.dynamics import check_bool
from nengo_lmu.networks.ideal import json_hook


def _read(path):
    """The spec and arrays of a file :meth:`LMUNetwork.save` wrote (ValidationError
    naming ``path`` for anything else)."""
    def refuse(reason):
        return ValidationError(
            f"must be an .npz file written by LMUNetwork.save; {reason} (got {path!r})",
            "path",
        )

    try:
        data = np.load(path, allow_pickle=False)
        if not hasattr(data, "files"):
            raise refuse("it holds a single array, not a network")
        with data:
            if "__spec__" not in data.files:
                raise refuse(f"it has no '__spec__' entry (it holds {sorted(data.files)})")
            text = str(data["__spec__"])
            values = {k: data[k] for k in data.files if k != "__spec__"}
    except (FileNotFoundError, ValidationError):
        raise
    except (ValueError, OSError, EOFError, zipfile.BadZipFile, KeyError) as e:
        # np.load says "pickled data" for any file that is neither npy nor npz
        raise refuse(f"it is not a readable npz archive ({type(e).__name__})") from None
    try:
        spec = json.loads(text, object_hook=json_hook)
    except json.JSONDecodeError:
        raise refuse("its '__spec__' is not JSON") from None
    if not isinstance(spec, dict) or not isinstance(spec.get("cells"), list):
        raise refuse("its '__spec__' is not a network specification")
    return spec, values


def read_spec(path):
    """The network specification (``LMUNetwork.spec``) of a saved network."""
    return _read(path)[0]


def _check_size(spec):
    """Refuse a spec whose memories would not fit in this machine (BuildError)."""
    from nengo_lmu.networks import footprint  # noqa: PLC0415

    total = 0
    for cell in spec["cells"]:
        if not isinstance(cell, dict):
            continue  # LMUNetwork names it
        try:
            order, memory_d = int(cell.get("order", 1)), int(cell.get("memory_d", 1))
            n = int(cell.get("n_neurons") or 20 * order * memory_d)
            units = int(cell.get("units", 1))
        except (TypeError, ValueError):
            continue  # LMUNetwork names the field
        if min(order, memory_d, n, units) < 1:
            continue
        total += footprint.build_bytes(order, n, size_in=memory_d)
        total += footprint.FLOAT * units * (units + order * memory_d)  # kernels
        footprint.check_fits(total, "n_neurons", n)


def load(path, **overrides):
    """Rebuild an :class:`LMUNetwork` from :meth:`LMUNetwork.save`'s file.

    Parameters
    ----------
    path : str or os.PathLike
        The ``.npz`` file. It is read with ``allow_pickle=False``, so loading
        never executes code.
    **overrides
        Constructor arguments to change, e.g. ``spiking=True`` to deploy a
        network trained with rates, or ``memory=`` to build its memories for
        another backend.

    Returns
    -------
    LMUNetwork

    Raises
    ------
    ValidationError
        If the file is not one that :meth:`LMUNetwork.save` wrote, if it
        lacks a parameter of the network its spec describes or holds one
        that network does not have, or if a parameter is not finite.
    BuildError
        If the network would not fit in this machine's memory (checked from
        the spec, before anything is built).
    """
    spec, values = _read(path)
    spec.update(overrides)
    _check_size(spec)
    expected = _parameter_names(spec)
    missing, extra = sorted(expected - set(values)), sorted(set(values) - expected)
    if missing or extra:
        raise ValidationError(
            "must hold exactly the parameters of the network its spec describes; "
            f"missing {missing}, unexpected {extra} (got {sorted(values)})",
            "path",
        )
    for name, value in values.items():
        if value.dtype.kind not in "fiu":
            raise ValidationError(f"{name} must hold numbers (got dtype {value.dtype})", "values")
        bad = int(value.size - np.count_nonzero(np.isfinite(value)))
        if bad:
            raise ValidationError(
                f"{name} must hold finite numbers (got {bad} NaN or infinite of "
                f"{value.size})",
                "values",
            )
    from nengo_lmu.networks.cell import LMUNetwork  # noqa: PLC0415

    net = LMUNetwork(**spec)
    net.set_parameters(values)
    return net


def _parameter_names(spec):
    """The names :meth:`LMUNetwork.trainables` will have for ``spec``."""
    defaults = dict(hidden_to_memory=False, memory_to_memory=False, input_to_hidden=False,
                    hidden_to_hidden=False, use_bias=True)
    from nengo_lmu.networks.cell import PARAMETERS  # noqa: PLC0415

    names = {"readout"}
    for i, cell in enumerate(spec["cells"]):
        cell = cell if isinstance(cell, dict) else {}
        for name, flag in PARAMETERS.items():
            if flag is None or check_bool(cell.get(flag, defaults[flag]), flag):
                names.add(f"cell{i}.{name}")
    return names
