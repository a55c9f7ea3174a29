"""simulate_spiking_circuit: the graph, hubs, stimulus drive and behaviour are the ones stated."""

import numpy as np
import pytest

from neurokit.datasets.spiking_circuit import simulate_spiking_circuit
from neurokit.errors import ConfigError
from neurokit.validation import validate


@pytest.fixture(scope="module")
def circuit():
    return simulate_spiking_circuit(n_neurons=12, n_hubs=2, duration_s=40.0, seed=3)


def test_layout_follows_the_conventions(circuit):
    validate(circuit)
    assert circuit["spikes"].dims == ("time", "unit")
    assert circuit["spikes"].shape == (8000, 12)
    assert circuit["stimulus"].dims == ("time", "feature")
    assert circuit["behaviour"].dims == ("time",)
    assert circuit["weights"].dims == ("target_unit", "source_unit")
    assert circuit.attrs["sampling_rate"] == pytest.approx(200.0)
    np.testing.assert_allclose(np.diff(circuit["time"].values), 0.005)
    assert circuit["spikes"].dtype.kind == "i" and int(circuit["spikes"].min()) >= 0


def test_graph_is_sparse_directed_and_hubs_project_widely(circuit):
    w = circuit["weights"].values
    edges = w > 0
    assert not np.diag(edges).any()
    assert not (edges & edges.T).any()  # no reciprocal pairs: every edge has one direction
    hubs = circuit.attrs["hubs"]
    np.testing.assert_array_equal(np.flatnonzero(circuit["is_hub"].values), hubs)
    out_degree = edges.sum(0)
    assert (out_degree[hubs] == 5).all()  # default 0.4 * n_neurons
    assert out_degree[hubs].min() > np.delete(out_degree, hubs).max()
    assert edges.sum() == circuit.attrs["n_edges"] == 2 * 5 + 3  # defaults: 0.4 n and n // 4
    assert (out_degree[~circuit["is_hub"].values] <= 1).all()  # max(1, 5 // 3)


def test_spikes_follow_the_true_rate_and_hub_spikes_excite_targets(circuit):
    spikes, rate = circuit["spikes"].values, circuit["rate"].values
    np.testing.assert_allclose(spikes.mean(0), rate.mean(0), rtol=0.15)
    hub = int(circuit.attrs["hubs"][0])
    targets = np.flatnonzero(circuit["weights"].values[:, hub] > 0)
    after = spikes[1:][spikes[:-1, hub] > 0][:, targets].mean()
    assert after > 2.0 * spikes[:, targets].mean()  # lag-1 excitation of the targets


def test_repeated_stimulus_is_periodic_and_drives_only_non_hubs(circuit):
    stim = circuit["stimulus"].values
    period = circuit.attrs["stimulus_period_bins"]
    np.testing.assert_allclose(stim[period:], stim[:-period])
    gains = circuit["stimulus_gain"].values
    assert (gains[circuit.attrs["hubs"]] == 0).all()
    assert (np.abs(gains).sum(1) > 0).sum() == 5  # half of the 10 non-hubs


def test_behaviour_is_a_readout_of_the_population_log_rates(circuit):
    from scipy.signal import lfilter

    beh = circuit["behaviour"].values
    decay = np.exp(-0.005 / 0.01)  # bin / default behaviour_tau_s
    state = lfilter([1.0], [1.0, -decay], np.log(circuit["rate"].values), axis=0)
    x = np.c_[state, np.ones(len(state))]
    fit = np.linalg.lstsq(x, beh, rcond=None)[0]
    assert 1 - np.var(beh - x @ fit) / np.var(beh) > 0.95  # all but the added noise
    shuffled = np.random.default_rng(0).permutation(beh)  # same values, unrelated to rates
    fit = np.linalg.lstsq(x, shuffled, rcond=None)[0]
    assert 1 - np.var(shuffled - x @ fit) / np.var(shuffled) < 0.1


def test_seeded_and_options():
    a = simulate_spiking_circuit(n_neurons=5, n_hubs=1, duration_s=2.0, seed=7)
    b = simulate_spiking_circuit(n_neurons=5, n_hubs=1, duration_s=2.0, seed=7)
    np.testing.assert_array_equal(a["spikes"].values, b["spikes"].values)
    c = simulate_spiking_circuit(n_neurons=5, n_hubs=1, duration_s=2.0, stimulus=None,
                                 behaviour=False, seed=7)
    assert "stimulus" not in c and "behaviour" not in c


@pytest.mark.parametrize("kwargs, field", [
    ({"n_neurons": 2}, "n_neurons"),
    ({"n_hubs": 20}, "n_hubs"),
    ({"dt": 0.0}, "dt"),
    ({"stimulus": "movie"}, "stimulus"),
    ({"hub_out_degree": 30}, "hub_out_degree"),
])
def test_bad_parameters(kwargs, field):
    with pytest.raises(ConfigError) as err:
        simulate_spiking_circuit(**{"duration_s": 1.0, **kwargs})
    assert err.value.field == field
