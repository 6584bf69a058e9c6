r"""Sequence tasks for training LMU networks, all available without downloads.

- :func:`permuted_digits`: scikit-learn's bundled 8x8 digits as 64-step
  sequences in a fixed permuted order (a small psMNIST).
- :func:`mackey_glass` and :func:`mackey_glass_task`: the chaotic time series
  of the LMU paper's prediction task, generated here.
- :func:`load_psmnist`: permuted sequential MNIST from the standard MNIST
  files (IDX format, optionally gzipped) in a local folder the user gives.

Every task returns a :class:`Task`: arrays shaped ``(examples, steps,
channels)`` as nengo-dl takes them, plus what the task is. Nothing here
imports TensorFlow.
"""

import dataclasses
import gzip
import os

import numpy as np
from nengo.exceptions import ValidationError

from nengo_lmu.dynamics import check_integer, check_positive


@dataclasses.dataclass(frozen=True)
class Task:
    """A sequence task: training and test arrays and what they mean.

    Attributes
    ----------
    name : str
    x_train, x_test : ndarray
        Inputs, ``(examples, steps, channels)``.
    y_train, y_test : ndarray
        Targets: class labels ``(examples, 1, 1)`` for a classification
        task (read at the last step), values ``(examples, steps, channels)``
        for a prediction task.
    kind : {"classification", "regression"}
    n_outputs : int
        Classes, or output channels.
    permutation : ndarray or None
        The fixed order in which a permuted task presents each image's pixels.
    """

    name: str
    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    kind: str
    n_outputs: int
    permutation: np.ndarray = None

    @property
    def n_steps(self):
        """Steps per sequence."""
        return self.x_train.shape[1]

    @property
    def n_inputs(self):
        """Input channels."""
        return self.x_train.shape[2]

    def subset(self, n_train=None, n_test=None):
        """The same task with only the first ``n_train`` / ``n_test`` examples."""
        return dataclasses.replace(
            self,
            x_train=self.x_train[:n_train],
            y_train=self.y_train[:n_train],
            x_test=self.x_test[:n_test],
            y_test=self.y_test[:n_test],
        )


def _check_fraction(value, attr):
    value = check_positive(value, attr)
    if value >= 1:
        raise ValidationError(f"must be in (0, 1) (got {value})", attr)
    return value


def _split(n, test_fraction, rng):
    order = rng.permutation(n)
    n_test = int(round(n * test_fraction))
    return order[n_test:], order[:n_test]


def _permuted(images, labels, permutation):
    x = images[:, permutation, None].astype(np.float32)
    y = labels.astype(np.int32).reshape(-1, 1, 1)
    return x, y


def permuted_digits(test_fraction=0.2, seed=0, permute=True):
    """scikit-learn's 8x8 digits as 64-step sequences in a fixed permuted order.

    The 1,797 images ship with scikit-learn (``load_digits``), so nothing is
    downloaded. Pixels (0 to 16) are scaled to [0, 1] and presented one per
    step in the order of a permutation drawn from ``seed``; the same seed
    draws the train/test split.

    Parameters
    ----------
    test_fraction : float
        Fraction of examples held out for testing, in (0, 1) (default 0.2:
        1,437 training and 360 test examples).
    seed : int
        Seed of the permutation and the split (default 0).
    permute : bool
        Present pixels in the permuted order (default) or row by row.

    Returns
    -------
    Task
    """
    from sklearn.datasets import load_digits  # noqa: PLC0415

    test_fraction = _check_fraction(test_fraction, "test_fraction")
    digits = load_digits()
    rng = np.random.RandomState(check_integer(seed, "seed", low=0))
    permutation = rng.permutation(64) if permute else np.arange(64)
    train, test = _split(len(digits.target), test_fraction, rng)
    x, y = _permuted(digits.data / 16.0, digits.target, permutation)
    return Task(
        name="permuted digits" if permute else "sequential digits",
        x_train=x[train],
        y_train=y[train],
        x_test=x[test],
        y_test=y[test],
        kind="classification",
        n_outputs=10,
        permutation=permutation,
    )


def mackey_glass(n, tau=17.0, beta=0.2, gamma=0.1, power=10, sample_every=1.0,
                 h=0.1, x0=1.2, washout=500):
    r"""Samples of the Mackey-Glass series, integrated with fourth-order Runge-Kutta.

    .. math:: \dot{x}(t) = \beta \frac{x(t - \tau)}{1 + x(t - \tau)^{n}}
              - \gamma x(t)

    with the constant history ``x(t) = x0`` for ``t <= 0``. With the
    defaults (``tau`` = 17) the series is chaotic.

    Parameters
    ----------
    n : int
        Samples to return, >= 1.
    tau : float
        Delay (default 17; chaotic above about 16.8).
    beta, gamma : float
        Production and decay rates (defaults 0.2 and 0.1).
    power : float
        The exponent :math:`n` (default 10).
    sample_every : float
        Time between returned samples, a multiple of ``h`` (default 1.0).
    h : float
        Integration step; ``tau`` must be a multiple of it (default 0.1).
    x0 : float or array_like
        Initial value and history (default 1.2); an array of ``k`` values
        integrates ``k`` series at once.
    washout : float
        Time integrated and dropped before the first sample (default 500).

    Returns
    -------
    ndarray
        ``n`` samples, ``sample_every`` apart; ``(n, k)`` for ``k`` initial
        values.
    """
    n = check_integer(n, "n")
    h = check_positive(h, "h")
    lag = int(round(check_positive(tau, "tau") / h))
    every = int(round(check_positive(sample_every, "sample_every") / h))
    for attr, value, steps in (("tau", tau, lag), ("sample_every", sample_every, every)):
        if steps < 1 or not np.isclose(steps * h, value):
            raise ValidationError(
                f"must be a positive multiple of h = {h} (got {value})", attr
            )
    skip = int(round(max(float(washout), 0.0) / h))
    total = skip + n * every

    def f(x, delayed):
        return beta * delayed / (1.0 + delayed**power) - gamma * x

    x0 = np.asarray(x0, dtype=float)
    x = np.empty((lag + total + 1,) + x0.shape)
    x[: lag + 1] = x0  # history on [-tau, 0]
    for k in range(lag, lag + total):
        past, past_next = x[k - lag], x[k - lag + 1]
        mid = 0.5 * (past + past_next)  # delayed value at t + h/2
        k1 = f(x[k], past)
        k2 = f(x[k] + 0.5 * h * k1, mid)
        k3 = f(x[k] + 0.5 * h * k2, mid)
        k4 = f(x[k] + h * k3, past_next)
        x[k + 1] = x[k] + h / 6.0 * (k1 + 2 * k2 + 2 * k3 + k4)
    return x[lag + 1 + skip :: every][:n]


def _forecast_task(name, series, n_steps, horizon, n_train):
    """A forecasting task: each row of ``series`` (``n_steps + horizon`` long)
    gives the inputs ``[:n_steps]`` and the targets ``horizon`` steps ahead;
    the first ``n_train`` rows train."""
    inputs, targets = series[:, :n_steps, None], series[:, horizon:, None]
    return Task(
        name=name,
        x_train=inputs[:n_train],
        y_train=targets[:n_train],
        x_test=inputs[n_train:],
        y_test=targets[n_train:],
        kind="regression",
        n_outputs=1,
    )


def mackey_glass_task(n_train=64, n_test=16, n_steps=200, horizon=15, seed=0,
                      **series):
    """Predict the Mackey-Glass series ``horizon`` samples ahead, at every step.

    One long series (:func:`mackey_glass`, normalised to zero mean and unit
    variance over the training part) is cut into ``n_train + n_test``
    consecutive, non-overlapping windows of ``n_steps`` samples; the test
    windows come after every training window, so they are unseen parts of the
    attractor. The target at step ``k`` is the input ``horizon`` samples later.

    Parameters
    ----------
    n_train, n_test : int
        Training and test sequences (defaults 64 and 16).
    n_steps : int
        Steps per sequence (default 200).
    horizon : int
        How far ahead to predict, in samples (default 15, as in the LMU paper).
    seed : int
        Seed of the initial value (uniform in [0.5, 1.5]).
    **series
        Passed to :func:`mackey_glass` (``tau``, ``sample_every``, ...).

    Returns
    -------
    Task
        Regression; ``y`` has the shape of ``x``.
    """
    n_train = check_integer(n_train, "n_train")
    n_test = check_integer(n_test, "n_test")
    n_steps = check_integer(n_steps, "n_steps", low=2)
    horizon = check_integer(horizon, "horizon")
    rng = np.random.RandomState(check_integer(seed, "seed", low=0))
    series.setdefault("x0", rng.uniform(0.5, 1.5))
    n = n_train + n_test
    x = mackey_glass(n * n_steps + horizon, **series)
    mean, std = x[: n_train * n_steps].mean(), x[: n_train * n_steps].std()
    x = ((x - mean) / std).astype(np.float32)
    windows = np.stack([x[i * n_steps : (i + 1) * n_steps + horizon] for i in range(n)])
    return _forecast_task("Mackey-Glass", windows, n_steps, horizon, n_train)


def mackey_glass_paper_task(n_sequences=128, n_steps=5000, horizon=15, train_fraction=0.5,
                            seed=0, **series):
    """The LMU paper's Mackey-Glass setup: many long, independent, squashed sequences.

    ``n_sequences`` series of :func:`mackey_glass` (``tau`` = 17, one sample
    per time unit), each from its own initial value (uniform in [0.5, 1.5]),
    squashed as the paper's data are, :math:`\tanh(x - 1)`, then centred on
    the training sequences' mean. The target at step ``k`` is the input
    ``horizon`` samples later. The first ``train_fraction`` of the sequences
    train, the rest test.

    Parameters
    ----------
    n_sequences : int
        Sequences (default 128, as in the paper).
    n_steps : int
        Steps per sequence (default 5000, as in the paper).
    horizon : int
        Samples ahead to predict (default 15).
    train_fraction : float
        Share of the sequences that train, in (0, 1) (default 0.5).
    seed : int
        Seed of the initial values.
    **series
        Passed to :func:`mackey_glass`.

    Returns
    -------
    Task
        Regression; ``y`` has the shape of ``x``.
    """
    n_sequences = check_integer(n_sequences, "n_sequences", low=2)
    n_steps = check_integer(n_steps, "n_steps", low=2)
    horizon = check_integer(horizon, "horizon")
    _check_fraction(train_fraction, "train_fraction")
    n_train = min(max(int(round(train_fraction * n_sequences)), 1), n_sequences - 1)
    rng = np.random.RandomState(check_integer(seed, "seed", low=0))
    x0 = rng.uniform(0.5, 1.5, size=n_sequences)
    x = np.tanh(mackey_glass(n_steps + horizon, x0=x0, **series).T - 1.0)
    x = (x - x[:n_train, :n_steps].mean()).astype(np.float32)
    return _forecast_task("Mackey-Glass (paper)", x, n_steps, horizon, n_train)


# --- MNIST from local files ---------------------------------------------------

#: The standard MNIST file names (each also accepted with ``.gz``).
MNIST_FILES = {
    "x_train": "train-images-idx3-ubyte",
    "y_train": "train-labels-idx1-ubyte",
    "x_test": "t10k-images-idx3-ubyte",
    "y_test": "t10k-labels-idx1-ubyte",
}


def read_idx(path):
    """An IDX file (the MNIST format, optionally gzipped) as a numpy array.

    Only the unsigned-byte type (0x08) that MNIST uses is read; anything else
    raises a ``ValidationError`` naming the file.
    """
    opener = gzip.open if str(path).endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    if len(data) < 4 or data[0] != 0 or data[1] != 0 or data[2] != 0x08:
        raise ValidationError(
            f"must be an IDX file of unsigned bytes (magic 0x0000080N); {path} is not",
            "path",
        )
    ndim = data[3]
    shape = tuple(
        int.from_bytes(data[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim)
    )
    body = np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim)
    if body.size != int(np.prod(shape)):
        raise ValidationError(
            f"must hold {int(np.prod(shape))} values for shape {shape}; "
            f"{path} holds {body.size}",
            "path",
        )
    return body.reshape(shape)


def _find(path, name):
    for candidate in (name, name + ".gz"):
        full = os.path.join(path, candidate)
        if os.path.exists(full):
            return full
    raise ValidationError(
        f"must be a folder with the MNIST file {name} (or {name}.gz); "
        f"not found in {path!r}",
        "path",
    )


#: Where Debian's ``dataset-fashion-mnist`` package puts its IDX files.
FASHION_MNIST_PATH = "/usr/share/datasets/fashion-mnist"


def load_psfmnist(path=FASHION_MNIST_PATH, seed=0, permute=True):
    """Permuted sequential Fashion-MNIST from its IDX files (Debian's
    ``dataset-fashion-mnist`` package by default; ``make fashion-mnist``
    installs it).

    Fashion-MNIST's files have MNIST's names and format, so this is
    :func:`load_psmnist` on them, with the task named for them.
    """
    if not os.path.isdir(os.fspath(path)):
        raise ValidationError(
            "must be a folder with Fashion-MNIST's IDX files; install Debian's "
            f"dataset-fashion-mnist (make fashion-mnist) or give the folder (got {path!r})",
            "path",
        )
    task = load_psmnist(path, seed=seed, permute=permute)
    return dataclasses.replace(task, name="psFashion-MNIST" if permute else "sFashion-MNIST")


def load_psmnist(path, seed=0, permute=True):
    """Permuted sequential MNIST from the standard MNIST files in ``path``.

    Reads the four IDX files of :data:`MNIST_FILES` (raw or ``.gz``) and
    presents each 28x28 image as 784 steps of one pixel in [0, 1], in the
    order of a fixed permutation drawn from ``seed``, as in the LMU paper.
    Nothing is downloaded: the files must already be on disk.

    Parameters
    ----------
    path : str or os.PathLike
        Folder holding the four files.
    seed : int
        Seed of the pixel permutation (default 0).
    permute : bool
        Permute the pixels (default) or present them row by row (sMNIST).

    Returns
    -------
    Task
    """
    path = os.fspath(path)
    if not os.path.isdir(path):
        raise ValidationError(f"must be an existing folder (got {path!r})", "path")
    arrays = {key: read_idx(_find(path, name)) for key, name in MNIST_FILES.items()}
    for split in ("train", "test"):
        images, labels = arrays[f"x_{split}"], arrays[f"y_{split}"]
        if images.ndim != 3 or labels.ndim != 1 or len(images) != len(labels):
            raise ValidationError(
                f"must hold images (n, rows, cols) and n labels; the {split} files "
                f"hold {images.shape} and {labels.shape}",
                "path",
            )
    n_pixels = arrays["x_train"][0].size
    rng = np.random.RandomState(check_integer(seed, "seed", low=0))
    permutation = rng.permutation(n_pixels) if permute else np.arange(n_pixels)
    x_train, y_train = _permuted(
        arrays["x_train"].reshape(-1, n_pixels) / 255.0, arrays["y_train"], permutation
    )
    x_test, y_test = _permuted(
        arrays["x_test"].reshape(-1, n_pixels) / 255.0, arrays["y_test"], permutation
    )
    return Task(
        name="psMNIST" if permute else "sMNIST",
        x_train=x_train,
        y_train=y_train,
        x_test=x_test,
        y_test=y_test,
        kind="classification",
        n_outputs=10,
        permutation=permutation,
    )
