import doctest
import importlib

import pytest

MODULES = ["spikes", "calcium", "trials", "normalize", "resample", "split"]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_run(name):
    module = importlib.import_module(f"neurokit.preprocess.{name}")
    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0
    assert result.failed == 0
