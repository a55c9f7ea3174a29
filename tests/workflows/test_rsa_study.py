"""The main job's RSA step recovers which layer each simulated area reads out."""

from neurokit.workflows.rsa_study import AREAS, rsa_layer_region_study


def test_each_area_best_matches_its_source_layer():
    summary, figures = rsa_layer_region_study(seed=1, n_boot=30)
    assert summary["all_recovered"]
    for area in AREAS:
        row = summary["areas"][area]
        low, high = row["ci95"]
        assert low <= row["rsa_spearman"] <= high
        assert 0 < row["noise_ceiling"] <= 1
    assert set(figures) == {"rsa_layer_by_area", "rsa_rdms"}
