"""Dataset: HDF5 round trip readable with plain h5py, atomic writes, clear errors."""

import h5py
import numpy as np
import pytest

from physml.data import Dataset, provenance
from physml.errors import DataError, OutputExistsError, ParameterError


def _dataset(n=10):
    rng = np.random.default_rng(0)
    spins = rng.choice(np.array([-1, 1], np.int8), size=(n, 4, 4))
    return Dataset({"spins": spins, "temperature": np.linspace(1, 3, n)}, {"temperature": "J/k_B"},
                   provenance("ising", {"L": 4}, 7))


def test_round_trip_and_plain_h5py(tmp_path):
    ds = _dataset()
    path = ds.save(tmp_path / "d.h5")
    back = Dataset.load(path)
    assert np.array_equal(back["spins"], ds["spins"]) and back["spins"].dtype == np.int8
    assert back.units["temperature"] == "J/k_B" and back.parameters == {"L": 4}
    with h5py.File(path, "r") as f:  # readable without physml
        assert f["spins"].shape == (10, 4, 4)
        assert f.attrs["simulator"] == "ising" and f["temperature"].attrs["unit"] == "J/k_B"
        assert "physml_version" in f.attrs and "created" in f.attrs


def test_no_overwrite_without_force(tmp_path):
    ds = _dataset()
    path = ds.save(tmp_path / "d.h5")
    before = path.read_bytes()
    with pytest.raises(OutputExistsError, match="--force"):
        _dataset(5).save(path)
    assert path.read_bytes() == before
    _dataset(5).save(path, force=True)
    assert len(Dataset.load(path)) == 5


def test_failed_write_leaves_nothing(tmp_path):
    bad = Dataset({"x": np.array([object(), object()], dtype=object)})  # h5py cannot store objects
    with pytest.raises(TypeError):
        bad.save(tmp_path / "bad.h5")
    assert list(tmp_path.iterdir()) == []


def test_missing_truncated_and_foreign_files(tmp_path):
    with pytest.raises(DataError, match="does not exist"):
        Dataset.load(tmp_path / "nope.h5")
    path = _dataset().save(tmp_path / "d.h5")
    truncated = tmp_path / "t.h5"
    truncated.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    with pytest.raises(DataError, match="truncated"):
        Dataset.load(truncated)
    with h5py.File(tmp_path / "foreign.h5", "w") as f:
        f["a"] = [1, 2]
    with pytest.raises(DataError, match="not a physml dataset"):
        Dataset.load(tmp_path / "foreign.h5")


def test_unequal_lengths_rejected():
    with pytest.raises(ParameterError, match="arrays"):
        Dataset({"a": np.zeros(3), "b": np.zeros(4)})


def test_split_is_a_partition():
    ds = _dataset(20)
    train, test = ds.split(0.25, seed=1)
    assert len(train) == 15 and len(test) == 5
    both = np.sort(np.concatenate([train["temperature"], test["temperature"]]))
    assert np.array_equal(both, ds["temperature"])
