import json
from pathlib import Path

import pandas as pd
import pytest

import neurokit.datasets
from neurokit.datasets import dataset_info, list_datasets, resolve
from neurokit.datasets.registry import FIELDS, REGISTRY_ENV, registry_path
from neurokit.errors import FileFormatError, MissingDataError, SchemaError

REPO = Path(__file__).resolve().parents[2]
SHARED = [
    "nwb_ecephys_human_mtl_dandi000207",
    "nwb_ecephys_mouse_alm_anm369963",
    "nwb_ecephys_mouse_alm_anm372793",
    "nwb_ophys_fissa_suite2p_derived",
    "suite2p_fissa_example",
]


def _entry(**overrides):
    entry = {
        "name": "x",
        "kind": "shared",
        "modality": "ophys",
        "description": "d",
        "loader": "neurokit.io.read_nwb",
        "citation": "c",
        "location": "files/x.nwb",
    }
    return {**entry, **overrides}


@pytest.fixture
def custom_registry(tmp_path, monkeypatch):
    """Point NEUROKIT_REGISTRY at tmp/data/registry.json and return a writer for it."""
    path = tmp_path / "data" / "registry.json"
    path.parent.mkdir()
    monkeypatch.setenv(REGISTRY_ENV, str(path))

    def write(entries):
        path.write_text(json.dumps(entries) if not isinstance(entries, str) else entries)
        return path

    return write


def test_the_repo_registry_lists_simulators_and_shared_recordings():
    assert registry_path() == REPO / "data" / "registry.json"
    table = list_datasets()
    assert isinstance(table, pd.DataFrame)
    assert table.index.name == "name" and list(table.columns) == list(FIELDS[1:])
    assert set(table.index) == {"sim_ophys_gratings", "sim_ecephys_latents", *SHARED}
    assert set(table["kind"]) == {"simulator", "shared"}
    for name, row in table.iterrows():
        assert all(row.str.len() > 0), name
        if row["kind"] == "shared":
            assert row["location"].startswith("../shared/data/"), name


def test_simulator_entries_name_real_functions():
    for name in ("sim_ophys_gratings", "sim_ecephys_latents"):
        info = dataset_info(name)
        module, _, function = info["location"].rpartition(".")
        assert module == "neurokit.datasets" and callable(getattr(neurokit.datasets, function))
        with pytest.raises(MissingDataError, match=function):
            resolve(name)


def test_dataset_info_returns_a_copy_of_the_entry():
    info = dataset_info("suite2p_fissa_example")
    assert set(info) == set(FIELDS)
    assert info["loader"] == "neurokit.io.read_suite2p"
    info["kind"] = "changed"
    assert dataset_info("suite2p_fissa_example")["kind"] == "shared"


def test_unknown_name_lists_the_known_ones():
    with pytest.raises(MissingDataError, match="sim_ophys_gratings") as err:
        dataset_info("nope")
    assert err.value.field == "nope"


@pytest.mark.shared_data
@pytest.mark.parametrize("name", SHARED)
def test_shared_entries_resolve_inside_the_shared_folder(shared_data, name):
    path = resolve(name).resolve()  # compare real paths: ../shared may be a symlink
    assert path.exists()
    assert path.is_relative_to(shared_data.resolve())
    folder = shared_data / path.relative_to(shared_data.resolve()).parts[0]
    assert (folder / "PROVENANCE.md").is_file()


def test_custom_registry_resolves_relative_to_its_repo_root(custom_registry, tmp_path):
    custom_registry([_entry()])
    (tmp_path / "files").mkdir()
    (tmp_path / "files" / "x.nwb").write_bytes(b"")
    assert resolve("x") == tmp_path / "files" / "x.nwb"
    assert list(list_datasets().index) == ["x"]


def test_missing_local_data_raises(custom_registry):
    custom_registry([_entry()])
    with pytest.raises(MissingDataError, match="not found"):
        resolve("x")


def test_remote_entry_has_no_local_path(custom_registry):
    custom_registry([_entry(kind="remote", location="https://example.invalid/x.nwb")])
    with pytest.raises(MissingDataError, match="example.invalid"):
        resolve("x")


def test_missing_registry_raises(tmp_path, monkeypatch):
    monkeypatch.setenv(REGISTRY_ENV, str(tmp_path / "absent.json"))
    with pytest.raises(MissingDataError, match="absent.json"):
        list_datasets()


@pytest.mark.parametrize(
    ("content", "error", "match"),
    [
        ("{not json", FileFormatError, "JSON"),
        ({"name": "x"}, SchemaError, "JSON list"),
        ([_entry(kind="cloud")], SchemaError, r"\[0\].kind"),
        ([_entry(citation="")], SchemaError, r"\[0\].citation"),
        ([{k: v for k, v in _entry().items() if k != "loader"}], SchemaError, r"\[0\].loader"),
        ([_entry(), _entry()], SchemaError, r"\[1\].name"),
        ([_entry(location="/abs/x.nwb")], SchemaError, "relative"),
        (["x"], SchemaError, "entry"),
    ],
)
def test_malformed_registry_raises(custom_registry, content, error, match):
    path = custom_registry(content)
    with pytest.raises(error, match=match) as err:
        list_datasets()
    assert err.value.path == str(path)
