"""Loaders of the two real visual benchmarks (Allen natural scenes VISp; Kriegeskorte 92)."""

from __future__ import annotations

import numpy as np
import pytest

from neurokit.datasets.visual_benchmarks import (
    ALLEN_FILES,
    KRIEGESKORTE92_CATEGORIES,
    KRIEGESKORTE92_FILE,
    load_allen_natural_scenes,
    load_kriegeskorte92,
)
from neurokit.errors import (
    FileFormatError,
    InvalidValueError,
    MissingDataError,
    NotAFolderError,
    PathNotFoundError,
    SchemaError,
)

#: documented in PROVENANCE.md of rsa_allen_natural_scenes_visp
TEST_SCENES = [113, 81, 25, 18, 117, 6, 46, 42, 92, 102, 93, 28, 58, 23, 98, 16, 87, 82]


# ------------------------------------------------------------------ real data (../shared)
def test_allen_real_shapes_and_reconstruction(shared_data):
    folder = shared_data / "rsa_allen_natural_scenes_visp"
    ds = load_allen_natural_scenes(folder)
    assert ds["responses"].dims == ("stimulus", "neuroid")
    assert ds["responses"].shape == (118, 211)
    assert ds["images"].shape == (118, 31, 31)
    assert (ds["area"] == "VISp").all()
    assert ds["responses"].attrs["units"] == "percent dF/F"
    assert "running speed" in ds.attrs["caveat"]
    test = ds["stimulus"].values[ds["split"].values == "test"]
    assert sorted(test.tolist()) == sorted(TEST_SCENES)
    # the documented reconstruction: row TEST_SCENES[k] of R is row k of the test outputs
    test_out = np.load(folder / "Allen_test_output.npy")
    train_out = np.load(folder / "Allen_train_output.npy")
    np.testing.assert_array_equal(ds["responses"].values[TEST_SCENES], test_out[:, :211])
    train_rows = ds["stimulus"].values[ds["split"].values == "train"]
    assert {tuple(r) for r in ds["responses"].values[train_rows]} == {
        tuple(r) for r in train_out[:, :211]}
    scenes = np.load(folder / "all_input_scenes_118_961.npy")
    np.testing.assert_array_equal(ds["images"].values.reshape(118, -1), scenes)
    full = load_allen_natural_scenes(folder, drop_last_column=False)
    assert full["responses"].shape == (118, 212)
    np.testing.assert_array_equal(full["responses"].values[TEST_SCENES], test_out)


def test_kriegeskorte92_real(shared_data):
    ds = load_kriegeskorte92(shared_data / "rsa_kriegeskorte92_monkey_it")
    assert ds["images"].shape == (92, 175, 175, 3) and ds["images"].dtype == np.uint8
    counts = {c: int((ds["category"] == c).sum()) for c in KRIEGESKORTE92_CATEGORIES}
    assert counts == KRIEGESKORTE92_CATEGORIES
    assert sorted(counts.values()) == [12, 12, 12, 12, 21, 23]
    assert int(ds["animate"].sum()) == 48 and int(ds["face"].sum()) == 24
    assert int(ds["human"].sum()) == 24
    # the file's category vectors agree with the struct flags
    np.testing.assert_array_equal(ds["category_vectors"].sel(category_label="animate"),
                                  ds["animate"])
    for name, n in (("rdm_monkey_it", ("n_neurons", 674)), ("rdm_human_it", ("n_voxels", 316))):
        rdm = ds[name]
        assert rdm.dims == ("stimulus_i", "stimulus_j") and rdm.shape == (92, 92)
        np.testing.assert_array_equal(rdm.values, rdm.values.T)
        assert (np.diag(rdm.values) == 0).all()
        assert rdm.attrs["metric"] == "correlation" and rdm.attrs[n[0]] == n[1]
        off = rdm.values[np.triu_indices(92, 1)]
        assert 0.4 < off.min() and off.max() < 1.3  # 1 - r, values 0.52-1.22 documented
        np.testing.assert_array_equal(rdm["category_i"].values, ds["category"].values)
        np.testing.assert_array_equal(rdm["category_j"].values, ds["category"].values)
    # within-animate dissimilarity is lower than animate-vs-inanimate in monkey IT
    m = ds["rdm_monkey_it"].values
    anim = ds["animate"].values
    assert m[np.ix_(anim, anim)][np.triu_indices(48, 1)].mean() < m[np.ix_(anim, ~anim)].mean()
    # the folder and the file give the same dataset
    same = load_kriegeskorte92(shared_data / "rsa_kriegeskorte92_monkey_it" / KRIEGESKORTE92_FILE)
    np.testing.assert_array_equal(same["rdm_human_it"], ds["rdm_human_it"])


# ------------------------------------------------------------------ malformed input (tmp)
def _fake_allen(folder, rng):
    folder.mkdir()
    scenes = rng.integers(0, 256, (118, 961)).astype(float)
    responses = rng.normal(size=(118, 212))
    idx = np.random.RandomState(31).permutation(118)
    arrays = {
        "all_input_scenes_118_961.npy": scenes,
        "Allen_train_input.npy": scenes[idx[:100]], "Allen_test_input.npy": scenes[idx[100:]],
        "Allen_train_output.npy": responses[idx[:100]],
        "Allen_test_output.npy": responses[idx[100:]],
    }
    for name, array in arrays.items():
        np.save(folder / name, array)
    return responses


def test_allen_fake_folder_round_trip(tmp_path, rng):
    responses = _fake_allen(tmp_path / "allen", rng)
    ds = load_allen_natural_scenes(tmp_path / "allen")
    np.testing.assert_array_equal(ds["responses"].values, responses[:, :211])
    assert (ds["split"].values == "test").sum() == 18


@pytest.mark.parametrize("problem", ["missing", "shape", "permutation", "pickle", "nan"])
def test_allen_malformed(tmp_path, rng, problem):
    folder = tmp_path / "allen"
    _fake_allen(folder, rng)
    target = folder / "Allen_test_input.npy"
    if problem == "missing":
        target.unlink()
        err, match = PathNotFoundError, "Allen_test_input.npy.*file missing"
    elif problem == "shape":
        np.save(target, np.zeros((17, 961)))
        err, match = SchemaError, r"Allen_test_input.npy.*wrong shape.*\(18, 961\)"
    elif problem == "permutation":
        np.save(target, np.load(target)[::-1])
        err, match = SchemaError, "Allen_test_input.npy.*permutation"
    elif problem == "pickle":
        np.save(target, np.array([{"a": 1}] * 18, dtype=object), allow_pickle=True)
        err, match = FileFormatError, "Allen_test_input.npy"
    else:
        out = folder / "Allen_train_output.npy"
        values = np.load(out)
        values[3, 4] = np.nan
        np.save(out, values)
        err, match = InvalidValueError, "responses.*NaN"
    with pytest.raises(err, match=match):
        load_allen_natural_scenes(folder)


def test_allen_bad_folder(tmp_path):
    with pytest.raises(PathNotFoundError):
        load_allen_natural_scenes(tmp_path / "nope")
    (tmp_path / "file.npy").write_bytes(b"x")
    with pytest.raises(NotAFolderError):
        load_allen_natural_scenes(tmp_path / "file.npy")
    assert set(ALLEN_FILES) >= {"Allen_train_output.npy"}


def _fake_k92(rng) -> dict:
    categories = [c for c, n in KRIEGESKORTE92_CATEGORIES.items() for _ in range(n)]
    image = np.full((175, 175, 3), 128, dtype=np.uint8)
    stimuli = np.empty(92, dtype=object)
    for i, c in enumerate(categories):
        stimuli[i] = {"category": c, "human": int("human" in c), "face": int("face" in c),
                      "animal": int("inanimate" not in c), "natural": 1, "image": image}
    labels = np.array(["animate", "inanim"], dtype=object)
    vectors = np.array([[int("inanimate" not in c), int("inanimate" in c)] for c in categories],
                       dtype=np.uint8)
    rdms = np.empty(2, dtype=object)
    rdms[0] = {"name": "mIT_674neurons", "RDM": rng.random(4186) + 0.5}
    rdms[1] = {"name": "hITvisStim_316vx", "RDM": rng.random(4186) + 0.5}
    return {"stimuli_92objs": stimuli, "categoryVectors": vectors, "categoryLabels": labels,
            "RDMs_mIT_hIT_fig1": rdms}


def _save(path, content):
    from scipy.io import savemat

    savemat(path, content)
    return path


def test_kriegeskorte92_fake_file_round_trip(tmp_path, rng):
    from scipy.spatial.distance import squareform

    content = _fake_k92(rng)
    ds = load_kriegeskorte92(_save(tmp_path / "k.mat", content))
    np.testing.assert_allclose(ds["rdm_monkey_it"].values,
                               squareform(content["RDMs_mIT_hIT_fig1"][0]["RDM"]))
    assert ds["rdm_human_it"].attrs["n_voxels"] == 316
    assert int(ds["animate"].sum()) == 48


@pytest.mark.parametrize("problem", ["variable", "field", "rdm_length", "rdm_name", "count",
                                     "image"])
def test_kriegeskorte92_malformed(tmp_path, rng, problem):
    content = _fake_k92(rng)
    if problem == "variable":
        del content["categoryVectors"]
        err, match = MissingDataError, "categoryVectors"
    elif problem == "field":
        for s in content["stimuli_92objs"]:
            del s["category"]
        err, match = MissingDataError, r"stimuli_92objs\.category"
    elif problem == "rdm_length":
        content["RDMs_mIT_hIT_fig1"][1]["RDM"] = np.ones(4000)
        err, match = SchemaError, r"hITvisStim_316vx.*wrong RDM size.*4186"
    elif problem == "rdm_name":
        content["RDMs_mIT_hIT_fig1"][0]["name"] = "other"
        err, match = MissingDataError, "no mIT RDM"
    elif problem == "count":
        content["stimuli_92objs"] = content["stimuli_92objs"][:91]
        err, match = SchemaError, "wrong number of stimuli"
    else:
        content["stimuli_92objs"][5]["image"] = np.zeros((10, 10, 3), np.uint8)
        err, match = SchemaError, "wrong image shape"
    with pytest.raises(err, match=match):
        load_kriegeskorte92(_save(tmp_path / "k.mat", content))


def test_kriegeskorte92_not_a_mat_file(tmp_path):
    with pytest.raises(PathNotFoundError, match=KRIEGESKORTE92_FILE):
        load_kriegeskorte92(tmp_path)
    bad = tmp_path / "bad.mat"
    bad.write_bytes(b"this is not MATLAB")
    with pytest.raises(FileFormatError, match="bad.mat"):
        load_kriegeskorte92(bad)
