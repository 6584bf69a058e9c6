import gzip

import numpy as np
import pytest
from nengo.exceptions import ValidationError

from nengo_lmu import tasks


def write_idx(path, array, gz=False):
    """Write ``array`` (uint8) in the IDX format MNIST uses."""
    array = np.asarray(array, dtype=np.uint8)
    header = bytes([0, 0, 0x08, array.ndim]) + b"".join(
        int(n).to_bytes(4, "big") for n in array.shape
    )
    opener = gzip.open if gz else open
    with opener(path, "wb") as f:
        f.write(header + array.tobytes())


def make_mnist(folder, n_train=12, n_test=5, size=6, gz=False, seed=0):
    rng = np.random.RandomState(seed)
    arrays = {
        "x_train": rng.randint(0, 256, size=(n_train, size, size)),
        "y_train": rng.randint(0, 10, size=n_train),
        "x_test": rng.randint(0, 256, size=(n_test, size, size)),
        "y_test": rng.randint(0, 10, size=n_test),
    }
    for key, name in tasks.MNIST_FILES.items():
        write_idx(folder / (name + (".gz" if gz else "")), arrays[key], gz=gz)
    return arrays


@pytest.mark.parametrize("gz", [False, True])
def test_load_psmnist_reads_idx_files(tmp_path, gz):
    arrays = make_mnist(tmp_path, gz=gz)
    task = tasks.load_psmnist(tmp_path, seed=3)
    assert task.x_train.shape == (12, 36, 1) and task.x_test.shape == (5, 36, 1)
    assert task.y_train.shape == (12, 1, 1) and task.n_outputs == 10
    # each sequence is its image's pixels, scaled to [0, 1], in the fixed order
    perm = task.permutation
    assert sorted(perm) == list(range(36)) and not np.array_equal(perm, np.arange(36))
    flat = arrays["x_train"].reshape(12, 36) / 255.0
    np.testing.assert_allclose(task.x_train[:, :, 0], flat[:, perm], rtol=1e-6)
    np.testing.assert_array_equal(task.y_test[:, 0, 0], arrays["y_test"])
    # the same seed gives the same permutation; sMNIST keeps the pixel order
    assert np.array_equal(tasks.load_psmnist(tmp_path, seed=3).permutation, perm)
    plain = tasks.load_psmnist(tmp_path, permute=False)
    np.testing.assert_allclose(plain.x_train[:, :, 0], flat, rtol=1e-6)


def test_load_psmnist_errors(tmp_path):
    with pytest.raises(ValidationError, match="must be an existing folder"):
        tasks.load_psmnist(tmp_path / "missing")
    with pytest.raises(ValidationError, match="train-images-idx3-ubyte"):
        tasks.load_psmnist(tmp_path)
    make_mnist(tmp_path)
    (tmp_path / "t10k-labels-idx1-ubyte").write_bytes(b"\x00\x00\x0d\x01" + bytes(8))
    with pytest.raises(ValidationError, match="IDX file of unsigned bytes"):
        tasks.load_psmnist(tmp_path)
    write_idx(tmp_path / "t10k-labels-idx1-ubyte", np.zeros(4))
    with pytest.raises(ValidationError, match=r"the test files hold \(5, 6, 6\) and \(4,\)"):
        tasks.load_psmnist(tmp_path)
    truncated = (tmp_path / "train-labels-idx1-ubyte").read_bytes()[:-2]
    (tmp_path / "train-labels-idx1-ubyte").write_bytes(truncated)
    with pytest.raises(ValidationError, match="must hold 12 values"):
        tasks.load_psmnist(tmp_path)


def test_permuted_digits():
    task = tasks.permuted_digits(seed=1)
    assert task.x_train.shape == (1438, 64, 1) and task.x_test.shape == (359, 64, 1)
    assert task.x_train.min() == 0 and task.x_train.max() == 1
    assert set(np.unique(task.y_test)) == set(range(10))
    again = tasks.permuted_digits(seed=1)
    np.testing.assert_array_equal(again.x_test, task.x_test)
    other = tasks.permuted_digits(seed=2)
    assert not np.array_equal(other.permutation, task.permutation)
    # unpermuted: the sequence is the image row by row
    from sklearn.datasets import load_digits

    rows = tasks.permuted_digits(seed=1, permute=False)
    images = load_digits().data / 16.0
    match = (images[None] == rows.x_test[0, :, 0][None, None]).all(axis=-1)
    assert match.any()
    small = task.subset(n_train=10, n_test=3)
    assert len(small.x_train) == 10 and len(small.y_test) == 3 and small.n_steps == 64
    with pytest.raises(ValidationError, match=r"test_fraction: must be in \(0, 1\)"):
        tasks.permuted_digits(test_fraction=1.5)


def test_mackey_glass_solves_the_delay_equation():
    h = 0.1
    x = tasks.mackey_glass(400, sample_every=h, h=h, washout=0, x0=1.2)
    # the series satisfies dx/dt = 0.2 x(t-17) / (1 + x(t-17)^10) - 0.1 x(t)
    t = np.arange(171, 399)
    dx = (x[t + 1] - x[t - 1]) / (2 * h)
    past = x[t - 170]
    rhs = 0.2 * past / (1 + past**10) - 0.1 * x[t]
    np.testing.assert_allclose(dx, rhs, atol=2e-4)
    # chaotic at tau = 17: two close starts drift apart; bounded and positive
    a = tasks.mackey_glass(2000, x0=1.2)
    b = tasks.mackey_glass(2000, x0=1.2 + 1e-6)
    assert np.abs(a[:50] - b[:50]).max() < 1e-3 < np.abs(a - b).max()
    assert 0.2 < a.min() and a.max() < 1.5
    with pytest.raises(ValidationError, match="tau: must be a positive multiple of h"):
        tasks.mackey_glass(10, tau=17.05)


def test_mackey_glass_task():
    task = tasks.mackey_glass_task(n_train=4, n_test=2, n_steps=50, horizon=15)
    assert task.x_train.shape == task.y_train.shape == (4, 50, 1)
    assert task.kind == "regression" and task.n_outputs == 1
    # the target is the input 15 steps later, windows are consecutive
    np.testing.assert_array_equal(task.y_train[0, :-15], task.x_train[0, 15:])
    np.testing.assert_array_equal(task.y_train[0, -15:], task.x_train[1, :15])
    np.testing.assert_array_equal(task.y_train[-1, -15:], task.x_test[0, :15])
    assert abs(task.x_train.mean()) < 1e-5 and abs(task.x_train.std() - 1) < 1e-3


def test_mackey_glass_integrates_many_series_at_once():
    x0 = [0.7, 1.1, 1.3]
    many = tasks.mackey_glass(300, x0=x0)
    assert many.shape == (300, 3)
    for i, start in enumerate(x0):
        np.testing.assert_allclose(many[:, i], tasks.mackey_glass(300, x0=start),
                                   rtol=0, atol=1e-12)


def test_mackey_glass_paper_task():
    task = tasks.mackey_glass_paper_task(n_sequences=6, n_steps=300, horizon=15, seed=1)
    assert task.x_train.shape == task.y_train.shape == (3, 300, 1)
    assert task.x_test.shape == (3, 300, 1) and task.kind == "regression"
    np.testing.assert_array_equal(task.y_train[:, :-15], task.x_train[:, 15:])
    # squashed (tanh of x - 1, then centred): inside (-2, 2), centred on training
    assert abs(task.x_train.mean()) < 1e-6
    assert np.abs(task.x_train).max() < 2
    # independent sequences: each from its own start
    assert not np.allclose(task.x_train[0], task.x_train[1], atol=1e-2)
    with pytest.raises(ValidationError, match="train_fraction: "):
        tasks.mackey_glass_paper_task(n_sequences=4, train_fraction=1.5)


def test_load_psfmnist(tmp_path):
    arrays = make_mnist(tmp_path, gz=True)
    task = tasks.load_psfmnist(tmp_path, seed=3)
    assert task.name == "psFashion-MNIST" and task.x_train.shape == (12, 36, 1)
    np.testing.assert_array_equal(task.y_test[:, 0, 0], arrays["y_test"])
    with pytest.raises(ValidationError, match="path: must be a folder with Fashion-MNIST"):
        tasks.load_psfmnist(tmp_path / "missing")
