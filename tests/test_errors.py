import pickle

import pytest

from neurokit import errors as E


@pytest.mark.parametrize(
    ("cls", "builtin"),
    [
        (E.PathNotFoundError, FileNotFoundError),
        (E.NotAFileError, IsADirectoryError),
        (E.NotAFolderError, NotADirectoryError),
        (E.FileFormatError, ValueError),
        (E.UnsafeFileError, E.FileFormatError),
        (E.SchemaError, ValueError),
        (E.MissingDataError, LookupError),
        (E.InvalidValueError, ValueError),
        (E.OptionalDependencyError, ImportError),
        (E.ConfigError, ValueError),
        (E.CheckpointError, ValueError),
        (E.TrainingError, RuntimeError),
    ],
)
def test_each_error_is_also_the_matching_builtin(cls, builtin):
    err = cls("went wrong", path="/data/a.nwb", field="units", expected="a table")
    assert isinstance(err, E.NeurokitError)
    assert isinstance(err, builtin)
    with pytest.raises(builtin):
        raise err


def test_message_names_path_field_and_expectation():
    err = E.SchemaError(
        "shape mismatch", path="p/Fneu.npy", field="Fneu", expected="(3, 2)", found="(3, 1)"
    )
    assert str(err) == "p/Fneu.npy: field 'Fneu': shape mismatch; expected (3, 2), found (3, 1)"
    assert (err.path, err.field, err.expected, err.found) == (
        "p/Fneu.npy",
        "Fneu",
        "(3, 2)",
        "(3, 1)",
    )


def test_errors_survive_pickling():
    err = E.PathNotFoundError("no such file", path="/x.nwb", expected="an NWB file")
    back = pickle.loads(pickle.dumps(err))
    assert type(back) is E.PathNotFoundError and str(back) == str(err)


def test_soft_import_names_the_extra():
    from neurokit._optional import soft_import

    with pytest.raises(E.OptionalDependencyError, match=r"neurokit\[viz\]"):
        soft_import("matplotlib.not_a_module_xyz", "plotting")
