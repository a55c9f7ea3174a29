"""read_nwb on NWB files built with pynwb in tmp_path, with known values."""

from __future__ import annotations

import gc
import pickle
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

import h5py
import numpy as np
import pytest
import xarray as xr

from neurokit.io import _lazy
from neurokit.io.nwb import read_nwb
from neurokit.testing import assert_files_unchanged
from neurokit.validation import validate

pynwb = pytest.importorskip("pynwb")
dask_array = pytest.importorskip("dask.array")

from pynwb import NWBHDF5IO, TimeSeries  # noqa: E402
from pynwb.behavior import Position, SpatialSeries  # noqa: E402
from pynwb.ecephys import ElectricalSeries  # noqa: E402
from pynwb.image import ImageSeries  # noqa: E402
from pynwb.ophys import (  # noqa: E402
    DfOverF,
    Fluorescence,
    ImageSegmentation,
    RoiResponseSeries,
    TwoPhotonSeries,
)
from pynwb.testing.mock.base import mock_TimeSeries  # noqa: E402
from pynwb.testing.mock.file import mock_NWBFile  # noqa: E402
from pynwb.testing.mock.ophys import mock_ImagingPlane  # noqa: E402

RAW = np.array([0, 3, -4, 10, 7, 2, -8, 5], dtype=np.int16)
STAMPS = np.array([0.5, 0.6, 0.75, 1.5, 2.0])
EVENT_TIMES = np.array([1.0, 2.0, 2.0, 1.5, 3.0])  # repeats and goes back: not a time axis
ELECTRODE_IDS = [100, 101, 102, 103]
ES_ROWS = [3, 1]
SPIKES = {0: [0.3, 0.1, 0.2], 1: [0.5], 2: [0.9, 0.4]}  # unsorted on purpose
UNIT_ELECTRODES = [[0], [1, 2], [3]]
IMG_H, IMG_W = 20, 30
N_FRAMES = 12


def _image_masks() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Three (y, x) masks with known weighted centres (cx, cy) and pixel counts."""
    masks = np.zeros((3, IMG_H, IMG_W))
    masks[0, 2:5, 10:14] = 1.0  # rows 2..4 -> y 3.0; cols 10..13 -> x 11.5; 12 px
    masks[1, 2, 3] = 1.0  # weight 1 at (y 2, x 3) and 3 at (y 6, x 7): y 5.0, x 6.0
    masks[1, 6, 7] = 3.0
    masks[2, 15:20, 0:3] = 0.5  # y 17.0, x 1.0; 15 px
    return masks, np.array([11.5, 6.0, 1.0]), np.array([3.0, 5.0, 17.0]), np.array([12, 2, 15])


PIXEL_MASKS = [[(4, 1, 1.0), (8, 3, 1.0)], [(0, 0, 2.0), (3, 9, 1.0), (3, 9, 1.0)]]
# weighted means: ROI 0 x (4+8)/2, y (1+3)/2; ROI 1 x (0*2+3+3)/4, y (0*2+9+9)/4
PIXEL_CENTRES = (np.array([6.0, 1.5]), np.array([2.0, 4.5]))


def build_nwb(path: Path, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Write the test file; return the arrays the tests compare against."""
    nwb = mock_NWBFile(
        session_description="synthetic session",
        identifier="nk-test-1",
        session_start_time=datetime(2024, 3, 1, 9, 30, tzinfo=timezone.utc),
        session_id="sess-7",
        experimenter=["Ada Lovelace", "Alan Turing"],
        institution="Nowhere Institute",
        lab="Test lab",
        subject=pynwb.file.Subject(
            subject_id="mouse-3", species="Mus musculus", sex="F", age="P60D"
        ),
    )
    # acquisition: int16 with conversion/offset (rate), timestamps, unordered events
    nwb.add_acquisition(
        TimeSeries(
            name="raw",
            data=RAW,
            unit="V",
            conversion=0.5,
            offset=-1.0,
            rate=10.0,
            starting_time=2.0,
            description="int16 counts",
        )
    )
    stamped = rng.normal(size=(len(STAMPS), 3))
    nwb.add_acquisition(mock_TimeSeries(name="stamped", data=stamped, unit="m", timestamps=STAMPS))
    nwb.add_acquisition(
        mock_TimeSeries(
            name="events", data=np.arange(5, dtype=np.int8), unit="n/a", timestamps=EVENT_TIMES
        )
    )
    nwb.add_acquisition(
        ImageSeries(
            name="movie",
            external_file=["movie.avi"],
            starting_frame=[0],
            format="external",
            timestamps=[0.0, 1.0],
            unit="n/a",
        )
    )
    # ecephys: electrodes with custom ids, a series over rows [3, 1]
    device = nwb.create_device("probe")
    group = nwb.create_electrode_group("shank0", description="d", location="CA1", device=device)
    for i, eid in enumerate(ELECTRODE_IDS):
        nwb.add_electrode(
            id=eid,
            x=float(i),
            y=10.0 * i,
            z=0.0,
            location=f"CA{i % 2 + 1}",
            group=group,
            group_name="shank0",
        )
    es_raw = rng.integers(-500, 500, size=(40, 2)).astype(np.int16)
    nwb.add_acquisition(
        ElectricalSeries(
            name="lfp",
            data=es_raw,
            rate=1000.0,
            conversion=2e-6,
            electrodes=nwb.create_electrode_table_region(ES_ROWS, "two channels"),
            channel_conversion=[1.0, 4.0],
        )
    )
    # ophys: image-mask and pixel-mask segmentations, Fluorescence + DfOverF
    plane = mock_ImagingPlane(nwbfile=nwb)
    masks, *_ = _image_masks()
    seg = ImageSegmentation(name="ImageSegmentation")
    ps = seg.create_plane_segmentation(description="img", imaging_plane=plane, name="Plane")
    ps.add_column("iscell", "is a cell")
    ps.add_column("prob", "cell probability")
    for k, mask in enumerate(masks):
        ps.add_roi(image_mask=mask, iscell=bool(k != 1), prob=0.1 * (k + 1))
    pix = seg.create_plane_segmentation(description="pix", imaging_plane=plane, name="PixPlane")
    for pm in PIXEL_MASKS:
        pix.add_roi(pixel_mask=pm)
    ophys = nwb.create_processing_module("ophys", "optical physiology")
    ophys.add(seg)
    fluo_data = rng.normal(size=(N_FRAMES, 3)).astype(np.float32)
    dff_data = rng.normal(size=(N_FRAMES, 2))
    fluo = Fluorescence(name="Fluorescence")
    dff = DfOverF(name="DfOverF")
    ophys.add(fluo)
    ophys.add(dff)
    fluo.create_roi_response_series(
        name="RoiResponseSeries",
        data=fluo_data,
        unit="a.u.",
        rate=30.0,
        rois=ps.create_roi_table_region("all", region=[0, 1, 2]),
    )
    fluo.add_roi_response_series(
        RoiResponseSeries(
            name="pix",
            data=np.ones((N_FRAMES, 2)),
            unit="a.u.",
            rate=30.0,
            rois=pix.create_roi_table_region("all", region=[0, 1]),
        )
    )
    dff.create_roi_response_series(
        name="RoiResponseSeries",
        data=dff_data,
        unit="dF/F",
        timestamps=np.arange(N_FRAMES) / 7.0,
        rois=ps.create_roi_table_region("two", region=[2, 0]),
    )
    ophys.add(
        pynwb.base.Images(
            name="SummaryImages", images=[pynwb.image.GrayscaleImage(name="mean", data=masks[0])]
        )
    )
    movie = rng.integers(0, 255, size=(N_FRAMES, IMG_H, IMG_W)).astype(np.uint8)
    nwb.add_acquisition(
        TwoPhotonSeries(name="2p", data=movie, imaging_plane=plane, rate=30.0, unit="n.a.")
    )
    # behavior: SpatialSeries in Position, a TimeSeries straight in the module
    behavior = nwb.create_processing_module("behavior", "behaviour")
    xy = rng.normal(size=(N_FRAMES, 2))
    xy[3] = np.nan  # untracked frame: NaN kept
    position = Position(name="Position")
    position.add_spatial_series(
        SpatialSeries(name="xy", data=xy, reference_frame="arena corner", rate=50.0, unit="m")
    )
    behavior.add(position)
    behavior.add(TimeSeries(name="speed", data=np.abs(xy[:, 0]), unit="m/s", rate=50.0))
    # stimulus
    nwb.add_stimulus(TimeSeries(name="tone", data=np.linspace(0, 1, 6), unit="V", rate=6.0))
    # units
    nwb.add_unit_column("location", "brain area")
    nwb.add_unit_column("quality", "sorting quality")
    for uid, times in SPIKES.items():
        nwb.add_unit(
            id=uid,
            spike_times=times,
            electrodes=UNIT_ELECTRODES[uid],
            location=["CA1", "CA3", "DG"][uid],
            quality=["good", "mua", "good"][uid],
            waveform_mean=np.full(5, float(uid)),
            obs_intervals=[[0.0, 1.0]],
        )
    # intervals: trials (+ tags, bool, timeseries reference), epochs, a custom table
    nwb.add_trial_column("stim", "stimulus name")
    nwb.add_trial_column("correct", "was the answer right")
    nwb.add_trial_column("reward", "reward volume")
    for k in range(3):
        nwb.add_trial(
            start_time=float(k),
            stop_time=k + 0.5,
            stim=f"s{k}",
            correct=k != 1,
            reward=0.1 * k,
            tags=[["a"], ["a", "b"], ["a"]][k],
            timeseries=[nwb.acquisition["raw"]],
        )
    nwb.add_epoch(start_time=0.0, stop_time=10.0, tags=["rest"])
    stim_table = pynwb.epoch.TimeIntervals(name="stimuli", description="presentations")
    stim_table.add_column("contrast", "contrast level")
    for k in range(4):
        stim_table.add_row(start_time=k * 2.0, stop_time=k * 2.0 + 1, contrast=0.25 * k)
    nwb.add_time_intervals(stim_table)
    nwb.add_analysis(TimeSeries(name="fit", data=[1.0, 2.0], unit="a.u.", rate=1.0))
    with NWBHDF5IO(path, "w") as io:
        io.write(nwb)
    return {
        "stamped": stamped,
        "lfp": es_raw,
        "fluo": fluo_data,
        "dff": dff_data,
        "xy": xy,
        "movie": movie,
    }


@pytest.fixture(scope="module")
def nwb_file(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, np.ndarray]]:
    path = tmp_path_factory.mktemp("nwb") / "synthetic.nwb"
    truth = build_nwb(path, np.random.default_rng(20261123))
    return path, truth


@pytest.fixture(scope="module")
def tree(nwb_file) -> xr.DataTree:
    path, _ = nwb_file
    with assert_files_unchanged(path):
        return read_nwb(path, lazy=False)


def test_root_attrs(tree, nwb_file):
    attrs = tree.attrs
    assert attrs["identifier"] == "nk-test-1"
    assert attrs["session_start_time"] == "2024-03-01T09:30:00+00:00"
    assert attrs["session_id"] == "sess-7"
    assert attrs["subject_id"] == "mouse-3"
    assert (attrs["species"], attrs["sex"], attrs["age"]) == ("Mus musculus", "F", "P60D")
    assert attrs["experimenter"] == "Ada Lovelace; Alan Turing"
    assert attrs["source_file"] == str(nwb_file[0].resolve())
    assert attrs["nwb_version"].startswith("2.")
    assert "genotype" not in attrs  # None values are left out


def test_conversion_and_offset_applied(tree):
    node = tree["acquisition/raw"]
    np.testing.assert_array_equal(node["data"].values, RAW * 0.5 - 1.0)
    assert node["data"].dtype == np.float64
    assert node["data"].attrs["units"] == "V"
    assert (node.attrs["conversion"], node.attrs["offset"]) == (0.5, -1.0)
    assert node.attrs["neurodata_type"] == "TimeSeries"
    assert node.attrs["nwb_path"] == "/acquisition/raw"
    assert node.attrs["description"] == "int16 counts"


def test_rate_based_time(tree):
    node = tree["acquisition/raw"]
    np.testing.assert_allclose(node["time"].values, 2.0 + np.arange(len(RAW)) / 10.0)
    assert node["time"].dtype == np.float64
    assert node.attrs["sampling_rate"] == 10.0


def test_timestamps_time(tree, nwb_file):
    node = tree["acquisition/stamped"]
    np.testing.assert_array_equal(node["time"].values, STAMPS)
    np.testing.assert_array_equal(node["data"].values, nwb_file[1]["stamped"])
    assert node["data"].dims == ("time", "dim_1")
    assert "sampling_rate" not in node.attrs


def test_unordered_timestamps_go_on_sample_dim(tree):
    node = tree["acquisition/events"]
    assert node["data"].dims == ("sample",)
    np.testing.assert_array_equal(node["time"].values, EVENT_TIMES)
    np.testing.assert_array_equal(node["data"].values, np.arange(5))
    assert "time_layout" in node.attrs


def test_electrical_series_channels(tree, nwb_file):
    node = tree["acquisition/lfp"]
    assert node["data"].dims == ("time", "channel")
    assert list(node["channel"].values) == [ELECTRODE_IDS[r] for r in ES_ROWS]
    np.testing.assert_array_equal(node["x"].values, [3.0, 1.0])
    assert list(node["location"].values) == ["CA2", "CA2"]
    assert list(node["group"].values) == ["shank0", "shank0"]
    expected = nwb_file[1]["lfp"] * 2e-6 * np.array([1.0, 4.0])
    np.testing.assert_allclose(node["data"].values, expected)
    np.testing.assert_array_equal(node.attrs["channel_conversion"], [1.0, 4.0])


def test_roi_coords_from_image_masks(tree, nwb_file):
    _, cx, cy, npix = _image_masks()
    node = tree["processing/ophys/Fluorescence/RoiResponseSeries"]
    assert node["data"].dims == ("time", "roi")
    np.testing.assert_array_equal(node["data"].values, nwb_file[1]["fluo"])
    np.testing.assert_allclose(node["centroid_x"].values, cx)
    np.testing.assert_allclose(node["centroid_y"].values, cy)
    np.testing.assert_array_equal(node["npix"].values, npix)
    assert node["iscell"].dtype == np.int8
    np.testing.assert_array_equal(node["iscell"].values, [1, 0, 1])
    np.testing.assert_allclose(node["prob"].values, [0.1, 0.2, 0.3])


def test_roi_subset_follows_region_order(tree, nwb_file):
    _, cx, _, _ = _image_masks()
    node = tree["processing/ophys/DfOverF/RoiResponseSeries"]
    np.testing.assert_array_equal(node["roi"].values, [2, 0])
    np.testing.assert_allclose(node["centroid_x"].values, cx[[2, 0]])
    np.testing.assert_array_equal(node["data"].values, nwb_file[1]["dff"])
    np.testing.assert_allclose(node["time"].values, np.arange(N_FRAMES) / 7.0)
    assert node["data"].attrs["units"] == "dF/F"


def test_roi_coords_from_pixel_masks(tree):
    node = tree["processing/ophys/Fluorescence/pix"]
    np.testing.assert_allclose(node["centroid_x"].values, PIXEL_CENTRES[0])
    np.testing.assert_allclose(node["centroid_y"].values, PIXEL_CENTRES[1])
    np.testing.assert_array_equal(node["npix"].values, [2, 3])


def test_image_stack_dims(tree, nwb_file):
    node = tree["acquisition/2p"]
    assert node["data"].dims == ("time", "y", "x")
    np.testing.assert_array_equal(node["data"].values, nwb_file[1]["movie"])
    assert node["data"].dtype == np.uint8  # no scaling to apply: raw dtype kept


def test_spatial_series_in_position(tree, nwb_file):
    node = tree["processing/behavior/Position/xy"]
    assert node["data"].dims == ("time", "axis")
    assert list(node["axis"].values) == ["x", "y"]
    np.testing.assert_array_equal(node["data"].values, nwb_file[1]["xy"])  # NaN kept
    assert node.attrs["reference_frame"] == "arena corner"
    assert tree["processing/behavior/Position"].attrs["neurodata_type"] == "Position"
    assert tree["processing/behavior/speed"]["data"].attrs["units"] == "m/s"


def test_stimulus(tree):
    np.testing.assert_allclose(tree["stimulus/tone"]["data"].values, np.linspace(0, 1, 6))


def test_units_flat_spike_layout(tree):
    units = tree["units"].to_dataset()
    expected = np.concatenate([np.sort(SPIKES[u]) for u in sorted(SPIKES)])
    np.testing.assert_array_equal(units["spike_times"].values, expected)
    np.testing.assert_array_equal(units["spike_unit"].values, [0, 0, 0, 1, 2, 2])
    np.testing.assert_array_equal(units["n_spikes"].values, [3, 1, 2])
    assert units["spike_times"].attrs["units"] == "s"
    assert units["n_spikes"].attrs["units"] == "count"
    assert list(units["location"].values) == ["CA1", "CA3", "DG"]
    assert list(units["quality"].values) == ["good", "mua", "good"]
    assert list(units["electrodes"].values) == ["100", "101;102", "103"]  # electrode ids
    assert units["waveform_mean"].dims == ("unit", "waveform_mean_dim_1")
    np.testing.assert_array_equal(units["waveform_mean"].values[:, 0], [0.0, 1.0, 2.0])
    assert units["waveform_mean"].attrs["units"] == "volts"
    assert "units/obs_intervals (ragged column of arrays)" in tree.attrs["skipped"]


def test_units_one_electrode_each_is_int(tmp_path):
    nwb = mock_NWBFile()
    group = nwb.create_electrode_group(
        "g", description="d", location="CA1", device=nwb.create_device("p")
    )
    for eid in (5, 6):
        nwb.add_electrode(id=eid, location="CA1", group=group, group_name="g")
    nwb.add_unit(spike_times=[0.1], electrodes=[1])
    nwb.add_unit(spike_times=[0.2, 0.3], electrodes=[0])
    path = tmp_path / "units.nwb"
    with NWBHDF5IO(path, "w") as io:
        io.write(nwb)
    units = read_nwb(path, modules=["units"])["units"]
    assert units["electrodes"].dtype.kind == "i"
    np.testing.assert_array_equal(units["electrodes"].values, [6, 5])


def test_trials_table(tree):
    trials = tree["intervals/trials"].to_dataset()
    assert trials["start_time"].dims == ("trial",)
    np.testing.assert_array_equal(trials["trial"].values, [0, 1, 2])
    np.testing.assert_array_equal(trials["start_time"].values, [0.0, 1.0, 2.0])
    np.testing.assert_array_equal(trials["stop_time"].values, [0.5, 1.5, 2.5])
    assert trials["start_time"].attrs["units"] == "s"
    assert list(trials["stim"].values) == ["s0", "s1", "s2"]
    assert trials["correct"].dtype == np.int8
    np.testing.assert_array_equal(trials["correct"].values, [1, 0, 1])
    assert trials["reward"].attrs["units"] == "a.u."
    assert list(trials["tags"].values) == ["a", "a;b", "a"]
    assert "timeseries" not in trials
    assert "intervals/trials/timeseries (references to TimeSeries)" in tree.attrs["skipped"]


def test_other_interval_tables(tree):
    stimuli = tree["intervals/stimuli"].to_dataset()
    assert stimuli["contrast"].dims == ("interval",)
    np.testing.assert_allclose(stimuli["contrast"].values, [0.0, 0.25, 0.5, 0.75])
    np.testing.assert_array_equal(stimuli["interval"].values, [0, 1, 2, 3])
    epochs = tree["intervals/epochs"].to_dataset()
    assert list(epochs["tags"].values) == ["rest"]


def test_general_electrodes(tree):
    electrodes = tree["general/electrodes"].to_dataset()
    np.testing.assert_array_equal(electrodes["channel"].values, ELECTRODE_IDS)
    np.testing.assert_array_equal(electrodes["y"].values, [0.0, 10.0, 20.0, 30.0])


def test_unreadable_objects_are_listed(tree):
    skipped = tree.attrs["skipped"]
    assert "acquisition/movie (ImageSeries: data in external file(s))" in skipped
    assert any(s.startswith("processing/ophys/SummaryImages ") for s in skipped)
    assert any(s.startswith("analysis/fit ") for s in skipped)
    assert "movie" not in tree["acquisition"].children


def test_tree_validates(tree, nwb_file):
    validate(tree, source=str(nwb_file[0]))


def test_modules_selects_parts(nwb_file):
    path, _ = nwb_file
    only = read_nwb(path, modules=["ophys"])
    assert set(only.children) == {"processing"}
    assert set(only["processing"].children) == {"ophys"}
    tables = read_nwb(path, modules=["units", "intervals"])
    assert set(tables.children) == {"units", "intervals"}


def test_lazy_true_gives_dask_equal_to_eager(nwb_file, tree):
    path, _ = nwb_file
    with assert_files_unchanged(path):
        lazy = read_nwb(path, lazy=True)
        for node in tree.subtree:
            if "data" in node.data_vars:
                lazy_data = lazy[node.path]["data"]
                assert isinstance(lazy_data.data, dask_array.Array), node.path
                xr.testing.assert_identical(lazy_data.compute(), node["data"])
    assert isinstance(lazy["units"]["spike_times"].data, np.ndarray)  # tables stay eager


def test_auto_laziness_follows_threshold(nwb_file):
    path, _ = nwb_file
    small = read_nwb(path)  # every dataset is far below 64 MB
    assert isinstance(small["acquisition/2p"]["data"].data, np.ndarray)
    big = read_nwb(path, lazy="auto", lazy_threshold_mb=0.005)  # the 7.2 kB movie is above
    assert isinstance(big["acquisition/2p"]["data"].data, dask_array.Array)
    assert isinstance(big["acquisition/raw"]["data"].data, np.ndarray)


def test_no_file_left_open(nwb_file):
    path, _ = nwb_file
    lazy = read_nwb(path, lazy=True)
    assert len(h5py.h5f.get_obj_ids(types=h5py.h5f.OBJ_FILE)) == 0
    lazy["acquisition/lfp"]["data"].values  # noqa: B018 - a read reopens and closes the file
    assert len(h5py.h5f.get_obj_ids(types=h5py.h5f.OBJ_FILE)) == 0


def test_lazy_reads_many_chunks_in_threads(nwb_file, monkeypatch):
    path, truth = nwb_file
    monkeypatch.setattr(_lazy, "CHUNK_BYTES", 1024)  # the 7.2 kB movie -> 8 chunks of 1 frame
    movie = read_nwb(path, lazy=True)["acquisition/2p"]["data"]
    assert movie.data.numblocks == (N_FRAMES, 1, 1)
    np.testing.assert_array_equal(movie.compute(scheduler="threads").values, truth["movie"])
    window = movie.isel(time=slice(3, 9), x=5).values
    np.testing.assert_array_equal(window, truth["movie"][3:9, :, 5])


def test_time_chunks_follow_hdf5_chunks():
    assert _lazy.time_chunks((10**8, 8), np.dtype("float64"), (30, 8))[0] % 30 == 0
    assert _lazy.time_chunks((10, 3), np.dtype("int16"), None) == (10, 3)
    rows = _lazy.time_chunks((10**9, 64), np.dtype("float32"), None)[0]
    assert rows * 64 * 8 == _lazy.CHUNK_BYTES  # sized as the float64 values after conversion


def test_lazy_tree_survives_gc_and_pickle(nwb_file, tree):
    path, truth = nwb_file
    lazy = read_nwb(path, lazy=True)
    data = lazy["processing/ophys/Fluorescence/RoiResponseSeries"]["data"]
    del lazy
    gc.collect()
    np.testing.assert_array_equal(data.values, truth["fluo"])
    back = pickle.loads(pickle.dumps(read_nwb(path, lazy=True)))
    raw = back["acquisition/raw"]["data"]
    assert isinstance(raw.data, dask_array.Array)
    np.testing.assert_array_equal(raw.values, RAW * 0.5 - 1.0)


def _assert_same_tree(back: xr.DataTree, tree: xr.DataTree) -> None:
    for node in tree.subtree:
        xr.testing.assert_equal(back[node.path].to_dataset(), node.to_dataset())
        assert back[node.path].attrs.keys() == node.attrs.keys()


# zarr 3 warns that fixed-width str arrays have no v3 spec yet; the round trip itself is checked
@pytest.mark.filterwarnings("ignore::zarr.errors.UnstableSpecificationWarning")
@pytest.mark.filterwarnings("ignore:Consolidated metadata:UserWarning")
def test_roundtrip_netcdf_and_zarr(tree, tmp_path):
    nc = tmp_path / "tree.nc"
    tree.to_netcdf(nc, engine="h5netcdf")
    with xr.open_datatree(nc, engine="h5netcdf") as back:
        _assert_same_tree(back.load(), tree)
    store = tmp_path / "tree.zarr"
    tree.to_zarr(store)
    with xr.open_datatree(store, engine="zarr") as back:
        _assert_same_tree(back.load(), tree)
        assert list(back.attrs["skipped"]) == list(tree.attrs["skipped"])


def test_lazy_tree_writes_netcdf(nwb_file, tree, tmp_path):
    nc = tmp_path / "lazy.nc"
    read_nwb(nwb_file[0], lazy=True).to_netcdf(nc, engine="h5netcdf")
    with xr.open_datatree(nc, engine="h5netcdf") as back:
        _assert_same_tree(back.load(), tree)


def test_importing_the_module_stays_light():
    code = (
        "import sys, neurokit.io.nwb;"
        "print(','.join(m for m in ('pynwb', 'hdmf', 'dask') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
