import numpy as np
import pytest
import xarray as xr

from neurokit import plotting
from neurokit.errors import MissingDataError, SchemaError
from neurokit.plotting._figure import save_figure


@pytest.fixture
def trials(rng):
    data = rng.poisson(2.0, size=(6, 20, 3)).astype(float)
    data[::2, 10:, :] += 5.0  # condition 0 responds after the event
    return xr.DataArray(
        data,
        dims=("trial", "time", "unit"),
        coords={
            "trial": np.arange(6),
            "time": np.linspace(-0.5, 0.45, 20),
            "unit": [4, 5, 6],
            "condition": ("trial", [0, 1] * 3),
        },
        attrs={"units": "count"},
    )


def test_trial_average_draws_one_line_per_condition_with_the_means(trials):
    fig = plotting.plot_trial_average(trials, by="condition")
    lines = [ln for ln in fig.axes[0].get_lines() if len(ln.get_xdata()) == 20]
    assert len(lines) == 2
    expected = trials.mean("unit").groupby("condition").mean("trial")
    np.testing.assert_allclose(lines[0].get_ydata(), expected.sel(condition=0).values)
    np.testing.assert_allclose(lines[1].get_ydata(), expected.sel(condition=1).values)


def test_trial_average_errors(trials):
    with pytest.raises(MissingDataError, match="stimulus_id"):
        plotting.plot_trial_average(trials, by="stimulus_id")
    with pytest.raises(SchemaError, match="trial"):
        plotting.plot_trial_average(trials.transpose("time", "trial", "unit"))


def test_traces_and_raster_draw_every_element(rng, tmp_path):
    da = xr.DataArray(
        rng.normal(size=(50, 4)),
        dims=("time", "roi"),
        coords={"time": np.arange(50) / 10.0, "roi": list("abcd")},
        attrs={"units": "dF/F"},
    )
    fig = plotting.plot_traces(da, elements=["b", "d"])
    assert len(fig.axes[0].get_lines()) == 2
    np.testing.assert_allclose(fig.axes[0].get_lines()[0].get_ydata(), da.sel(roi="b").values)
    units = xr.Dataset(
        {"spike_times": ("spike", [0.1, 0.2, 0.3, 0.9], {"units": "s"})},
        coords={
            "spike_unit": ("spike", [7, 7, 9, 9]),
            "unit": [7, 9],
            "location": ("unit", ["CA1", "VISp"]),
        },
    )
    fig = plotting.plot_raster(units, color_by="location")
    offsets = fig.axes[0].collections[0].get_offsets()
    np.testing.assert_allclose(offsets[:, 0], [0.1, 0.2, 0.3, 0.9])
    np.testing.assert_allclose(offsets[:, 1], [0, 0, 1, 1])
    out = save_figure(fig, tmp_path / "figs" / "raster.png")
    assert out.read_bytes()[:4] == b"\x89PNG"
    assert [p.name for p in out.parent.iterdir()] == ["raster.png"]  # no temp file left
