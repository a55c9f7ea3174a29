r"""Read-only loaders for two real visual-cortex benchmarks used in representational similarity.

* :func:`load_allen_natural_scenes` — mouse VISp (Allen Brain Observatory, two-photon GCaMP6f):
  mean responses of 212 columns ("cells") to the 118 natural scenes, in percent dF/F, with the
  scenes downsampled to 31x31 grey images. Folder ``rsa_allen_natural_scenes_visp``.
* :func:`load_kriegeskorte92` — the "92 objects" benchmark (Kriegeskorte et al. 2008; monkey data
  of Kiani et al. 2007): the 92 RGB images with their categories, and the macaque IT (674
  neurons) and human IT (fMRI, 316 voxels) representational dissimilarity matrices.
  File ``Kriegeskorte_Neuron2008_supplementalData.mat``.

Both return an :class:`xarray.Dataset` in the conventions of :mod:`neurokit.similarity`
(``stimulus`` dim, ``(stimulus, neuroid)`` responses with ``area`` on ``neuroid``, RDMs with dims
``(stimulus_i, stimulus_j)`` and the stimulus coordinates suffixed ``_i``/``_j``, like
``compute_rdm``). Files are only read (``numpy.load`` without pickles; ``scipy.io.loadmat``).
Missing files or fields raise :class:`~neurokit.errors.PathNotFoundError` /
:class:`~neurokit.errors.MissingDataError`, wrong shapes :class:`~neurokit.errors.SchemaError`,
each naming the file and the field. The provenance of the files is in the ``PROVENANCE.md``
beside them (``../shared/data/<folder>/``).
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from neurokit.errors import (
    FileFormatError,
    InvalidValueError,
    MissingDataError,
    NotAFileError,
    NotAFolderError,
    PathNotFoundError,
    SchemaError,
)

__all__ = [
    "load_allen_natural_scenes",
    "load_kriegeskorte92",
    "ALLEN_FILES",
    "ALLEN_SPLIT_SEED",
    "KRIEGESKORTE92_FILE",
    "KRIEGESKORTE92_CATEGORIES",
]

#: file name -> expected shape (rows, columns) of the Allen natural-scenes folder
ALLEN_FILES: dict[str, tuple[int, int]] = {
    "all_input_scenes_118_961.npy": (118, 961),
    "Allen_train_input.npy": (100, 961),
    "Allen_train_output.npy": (100, 212),
    "Allen_test_input.npy": (18, 961),
    "Allen_test_output.npy": (18, 212),
}
#: the author's split: ``np.random.seed(31); idx = np.random.permutation(118)``,
#: train = ``idx[:100]``, test = ``idx[100:]``
ALLEN_SPLIT_SEED = 31
_ALLEN_N_SCENES, _ALLEN_SIDE, _ALLEN_N_COLUMNS, _ALLEN_N_TRAIN = 118, 31, 212, 100

_ALLEN_CAVEAT = (
    "Cell specimen IDs are not in the files. The author's script took response[1:119, 1:213, 0] "
    "of allensdk's NaturalScenes.get_response(), whose first row is the blank and whose last "
    "column is running speed (dx): the column -> cell mapping may be shifted by one (cell 0 "
    "dropped, last column = running speed). No column behaves like running speed, so this is "
    "unverified; drop_last_column=True (the default) drops the last column for strict analyses."
)
_ALLEN_PROVENANCE = (
    "Allen Brain Observatory - Visual Coding, experiment container 511510667 "
    "(Cux2-CreERT2;Camk2a-tTA;Ai93(GCaMP6f), VISp, 275 um), session three_session_B, ophys "
    "experiment 501498760; reduced by psailamul/Allen_Brain_Observatory (Allen_data_170513). "
    "Mean of allensdk mean_sweep_response over ~50 presentations per scene. Cite de Vries et al. "
    "2020, Nat Neurosci 23:138; Allen Institute Terms of Use."
)

#: the .mat file of the 92-image benchmark
KRIEGESKORTE92_FILE = "Kriegeskorte_Neuron2008_supplementalData.mat"
#: category name -> number of images in it
KRIEGESKORTE92_CATEGORIES: dict[str, int] = {
    "human bodypart": 12,
    "human face": 12,
    "nonhuman bodypart": 12,
    "nonhuman face": 12,
    "natural inanimate": 23,
    "artificial inanimate": 21,
}
_K92_N, _K92_SIDE = 92, 175
#: which RDM of ``RDMs_mIT_hIT_fig1``: dataset variable -> (name prefix, species, count attr)
_K92_RDMS = {
    "rdm_monkey_it": ("mIT", "macaque (Macaca mulatta)", "n_neurons", 674,
                      "monkey IT, single-unit responses (Kiani et al. 2007)"),
    "rdm_human_it": ("hIT", "human", "n_voxels", 316,
                     "human IT, fMRI response patterns (Kriegeskorte et al. 2008)"),
}
_K92_PROVENANCE = (
    "Supplementary data of Kriegeskorte et al. 2008 (Neuron 60:1126), monkey data from Kiani et "
    "al. 2007 (J Neurophysiol 97:4296); file from rsagroup/rsatoolbox "
    "demos/92imageData (MIT-licensed repository). Cite both papers."
)


# --------------------------------------------------------------------------------------------
# Allen natural scenes (mouse VISp)
# --------------------------------------------------------------------------------------------

def load_allen_natural_scenes(
    folder: str | os.PathLike, *, drop_last_column: bool = True
) -> xr.Dataset:
    r"""Mouse VISp responses to the 118 Allen natural scenes, with the 31x31 scenes.

    The folder holds the author's train/test split (100 + 18 scenes). The full matrix in scene
    order is rebuilt with the documented permutation
    (``np.random.seed(31); idx = np.random.permutation(118)``):

    .. math:: R[\mathrm{idx}_{k}] = \mathrm{train}_k \ (k < 100), \qquad
              R[\mathrm{idx}_{100+k}] = \mathrm{test}_k,

    and the permutation is checked: every row of ``Allen_train_input.npy`` /
    ``Allen_test_input.npy`` must equal row ``idx[k]`` of ``all_input_scenes_118_961.npy``.

    Parameters
    ----------
    folder : str or os.PathLike
        The ``rsa_allen_natural_scenes_visp`` folder (the five ``.npy`` files of
        :data:`ALLEN_FILES`).
    drop_last_column : bool, default True
        Drop the last of the 212 columns: it may be allensdk's running-speed column rather than
        a cell (see ``attrs["caveat"]``). ``False`` keeps all 212.

    Returns
    -------
    xarray.Dataset
        * ``responses`` ``(stimulus, neuroid)`` float64, percent dF/F (mean over ~50
          presentations of the per-presentation mean response relative to the pre-stimulus
          baseline); 211 neuroids (212 with ``drop_last_column=False``);
        * ``images`` ``(stimulus, y, x)`` float64 grey levels 0-255, 31x31, in scene order.

        Coordinates: ``stimulus`` = Allen scene index 0-117 (frame id in the stimulus table),
        ``split`` ("train"/"test", the author's split) on ``stimulus``; ``neuroid`` = column index
        in the files, ``area`` = "VISp" on ``neuroid``. Attrs: ``units``, ``provenance``,
        ``caveat``, ``source_folder``, ``drop_last_column``, ``n_presentations`` (about 50),
        ``split_seed``.

    Raises
    ------
    PathNotFoundError
        The folder or one of its files is absent.
    NotAFolderError
        ``folder`` is a file.
    FileFormatError
        A file is not a readable ``.npy`` array (pickled objects are refused).
    SchemaError
        A file has the wrong shape, or the inputs do not follow the documented permutation.
    InvalidValueError
        NaN/inf in the responses or images.

    Examples
    --------
    With the shared data folder beside the repository:

    >>> ds = load_allen_natural_scenes(shared / "rsa_allen_natural_scenes_visp")  # doctest: +SKIP
    >>> ds["responses"].shape, ds["images"].shape                                 # doctest: +SKIP
    ((118, 211), (118, 31, 31))

    A wrong folder is named in the error:

    >>> load_allen_natural_scenes("no/such/folder")
    Traceback (most recent call last):
    ...
    neurokit.errors.PathNotFoundError: no/such/folder: no such folder; expected the ...
    """
    root = Path(folder)
    if not root.exists():
        raise PathNotFoundError("no such folder", path=root,
                                expected="the rsa_allen_natural_scenes_visp folder")
    if not root.is_dir():
        raise NotAFolderError("not a folder", path=root,
                              expected="the folder holding " + ", ".join(ALLEN_FILES))
    arrays = {name: _load_npy(root / name, shape) for name, shape in ALLEN_FILES.items()}
    scenes = arrays["all_input_scenes_118_961.npy"]
    idx = np.random.RandomState(ALLEN_SPLIT_SEED).permutation(_ALLEN_N_SCENES)
    train, test = idx[:_ALLEN_N_TRAIN], idx[_ALLEN_N_TRAIN:]
    for name, rows in (("Allen_train_input.npy", train), ("Allen_test_input.npy", test)):
        bad = np.flatnonzero(~np.all(arrays[name] == scenes[rows], axis=1))
        if bad.size:
            raise SchemaError(
                "inputs do not follow the documented train/test permutation", path=root / name,
                field="rows", expected=f"row k == all_input_scenes row idx[k] "
                f"(np.random.seed({ALLEN_SPLIT_SEED}); permutation(118))",
                found=f"{bad.size} rows differ, first k={int(bad[0])}")
    responses = np.empty((_ALLEN_N_SCENES, _ALLEN_N_COLUMNS))
    responses[train] = arrays["Allen_train_output.npy"]
    responses[test] = arrays["Allen_test_output.npy"]
    n_keep = _ALLEN_N_COLUMNS - 1 if drop_last_column else _ALLEN_N_COLUMNS
    responses = responses[:, :n_keep]
    split = np.where(np.isin(np.arange(_ALLEN_N_SCENES), test), "test", "train")
    stimulus = np.arange(_ALLEN_N_SCENES)
    resp = xr.DataArray(
        responses, dims=("stimulus", "neuroid"),
        coords={"neuroid": np.arange(n_keep), "area": ("neuroid", np.full(n_keep, "VISp"))},
        attrs={"units": "percent dF/F",
               "description": "mean response per scene (mean_sweep_response, percent dF/F "
                              "relative to the pre-stimulus baseline) over ~50 presentations",
               "caveat": _ALLEN_CAVEAT},
    )
    images = xr.DataArray(
        scenes.reshape(_ALLEN_N_SCENES, _ALLEN_SIDE, _ALLEN_SIDE), dims=("stimulus", "y", "x"),
        attrs={"units": "grey level (0-255)",
               "description": "Allen natural-scene templates resized to 31x31 (row-major)"},
    )
    ds = xr.Dataset(
        {"responses": resp, "images": images},
        coords={"stimulus": stimulus, "split": ("stimulus", split)},
        attrs={"name": "rsa_allen_natural_scenes_visp", "provenance": _ALLEN_PROVENANCE,
               "caveat": _ALLEN_CAVEAT, "units": "percent dF/F", "source_folder": str(root),
               "drop_last_column": int(bool(drop_last_column)), "n_presentations": 50,
               "split_seed": ALLEN_SPLIT_SEED, "area": "VISp",
               "repeats": "none: only trial-averaged responses (single trials not included)"},
    )
    for name in ("responses", "images"):
        values = ds[name].values
        if not np.isfinite(values).all():
            raise InvalidValueError("non-finite values", path=root, field=name,
                                    expected="finite numbers",
                                    found=f"{int((~np.isfinite(values)).sum())} NaN/inf")
    return ds


def _load_npy(path: Path, shape: tuple[int, ...]) -> np.ndarray:
    """A 2-D float64 array from ``path`` (no pickles), checked against ``shape``."""
    if not path.exists():
        raise PathNotFoundError("file missing", path=path, field=path.name,
                                expected=f"a .npy array of shape {shape}")
    if path.is_dir():
        raise NotAFileError("a folder, not a file", path=path, field=path.name)
    try:
        array = np.load(path, mmap_mode=None, allow_pickle=False)
    except (ValueError, OSError, EOFError) as err:
        raise FileFormatError(f"not a readable .npy array ({err})", path=path, field=path.name,
                              expected="a numeric .npy array") from err
    if not isinstance(array, np.ndarray) or not np.issubdtype(array.dtype, np.number):
        raise FileFormatError("not a numeric array", path=path, field=path.name,
                              expected="a numeric .npy array",
                              found=getattr(array, "dtype", type(array).__name__).__str__())
    if array.shape != shape:
        raise SchemaError("wrong shape", path=path, field=path.name, expected=f"shape {shape}",
                          found=f"shape {array.shape}")
    return array.astype(np.float64)


# --------------------------------------------------------------------------------------------
# Kriegeskorte 92 objects (macaque and human IT RDMs)
# --------------------------------------------------------------------------------------------

def load_kriegeskorte92(path: str | os.PathLike) -> xr.Dataset:
    r"""The 92 object images with the macaque IT and human IT RDMs of Kriegeskorte et al. 2008.

    Parameters
    ----------
    path : str or os.PathLike
        ``Kriegeskorte_Neuron2008_supplementalData.mat`` or the folder holding it.

    Returns
    -------
    xarray.Dataset
        * ``images`` ``(stimulus, y, x, rgb)`` uint8, 92 x 175 x 175 x 3 (grey background);
        * ``category_vectors`` ``(stimulus, category_label)`` bool, the file's 12 binary category
          vectors (``animate``, ``inanim``, ``human``, ``nonhumani``, ``body``, ``face``,
          ``natObj``, ``artiObj``, ``rand24``, ``rand48``, ``other48``, ``monkeyape``);
        * ``rdm_monkey_it`` and ``rdm_human_it`` ``(stimulus_i, stimulus_j)`` float64: the
          correlation-distance RDMs :math:`d_{ij} = 1 - r(\mathbf x_i, \mathbf x_j)` (Pearson
          r between response patterns), stored condensed in the file (MATLAB ``squareform``
          order, = SciPy ``pdist`` order) and expanded here: symmetric, zero diagonal. Attrs
          ``metric="correlation"``, ``species``, ``description``, ``source_name`` (name in the
          file) and ``n_neurons=674`` (monkey) or ``n_voxels=316`` (human).

        Coordinates on ``stimulus`` (0-91, the file's order): ``category`` (one of the six of
        :data:`KRIEGESKORTE92_CATEGORIES`), ``animate``, ``human``, ``face``, ``natural`` (bool;
        ``animate`` is the file's ``animal`` flag, true for human and non-human images). The
        RDMs carry the same coordinates on ``stimulus_i``/``stimulus_j`` with the suffix
        ``_i``/``_j`` (``category_i``…), as :func:`neurokit.similarity.compute_rdm` returns.
        Only RDMs exist in this set (no response matrices): encoding models and CKA are not
        possible on it.

    Raises
    ------
    PathNotFoundError
        The file (or the folder) is absent.
    FileFormatError
        Not a MATLAB v5 file scipy can read.
    MissingDataError
        A variable (``stimuli_92objs``, ``categoryVectors``, ``categoryLabels``,
        ``RDMs_mIT_hIT_fig1``), a struct field, or one of the two RDMs is absent.
    SchemaError
        Wrong number of images, image shape, category counts or RDM length.
    InvalidValueError
        NaN/inf in an RDM.

    Examples
    --------
    With the shared data folder beside the repository:

    >>> ds = load_kriegeskorte92(shared / "rsa_kriegeskorte92_monkey_it")  # doctest: +SKIP
    >>> ds["images"].shape, ds["rdm_monkey_it"].dims                       # doctest: +SKIP
    ((92, 175, 175, 3), ('stimulus_i', 'stimulus_j'))

    >>> load_kriegeskorte92("no/such/file.mat")
    Traceback (most recent call last):
    ...
    neurokit.errors.PathNotFoundError: no/such/file.mat: file missing; expected ...
    """
    file = Path(path)
    if file.is_dir():
        file = file / KRIEGESKORTE92_FILE
    if not file.exists():
        raise PathNotFoundError("file missing", path=file,
                                expected=f"{KRIEGESKORTE92_FILE} (or the folder holding it)")
    mat = _loadmat(file)
    stimuli = _variable(mat, "stimuli_92objs", file)
    stimuli = np.atleast_1d(stimuli)
    if stimuli.shape != (_K92_N,):
        raise SchemaError("wrong number of stimuli", path=file, field="stimuli_92objs",
                          expected=f"{_K92_N} structs", found=f"shape {stimuli.shape}")
    raw_images = [np.asarray(_field(s, "image", file, i)) for i, s in enumerate(stimuli)]
    shapes = sorted({im.shape for im in raw_images})
    if shapes != [(_K92_SIDE, _K92_SIDE, 3)]:
        raise SchemaError("wrong image shape", path=file, field="stimuli_92objs.image",
                          expected=f"({_K92_SIDE}, {_K92_SIDE}, 3) uint8 RGB",
                          found=", ".join(map(str, shapes)))
    images = np.stack(raw_images)
    category = np.array([str(_field(s, "category", file, i)) for i, s in enumerate(stimuli)])
    counts = {c: int((category == c).sum()) for c in KRIEGESKORTE92_CATEGORIES}
    unknown = sorted(set(category) - set(KRIEGESKORTE92_CATEGORIES))
    if unknown or counts != KRIEGESKORTE92_CATEGORIES:
        raise SchemaError("unexpected categories", path=file, field="stimuli_92objs.category",
                          expected=str(KRIEGESKORTE92_CATEGORIES),
                          found=str(counts) + (f", unknown {unknown}" if unknown else ""))
    flags = {name: np.array([bool(_field(s, key, file, i)) for i, s in enumerate(stimuli)])
             for name, key in (("animate", "animal"), ("human", "human"), ("face", "face"),
                               ("natural", "natural"))}
    vectors = np.asarray(_variable(mat, "categoryVectors", file))
    labels = [str(v) for v in np.atleast_1d(_variable(mat, "categoryLabels", file))]
    if vectors.ndim != 2 or vectors.shape != (_K92_N, len(labels)):
        raise SchemaError("category vectors do not match the labels", path=file,
                          field="categoryVectors",
                          expected=f"shape ({_K92_N}, {len(labels)}) (categoryLabels)",
                          found=f"shape {vectors.shape}")
    stim_coords: dict[str, Any] = {"category": category, **flags}
    coords = {"stimulus": np.arange(_K92_N),
              **{k: ("stimulus", v) for k, v in stim_coords.items()}}
    data: dict[str, xr.DataArray] = {
        "images": xr.DataArray(images.astype(np.uint8), dims=("stimulus", "y", "x", "rgb"),
                               coords={"rgb": ["r", "g", "b"]},
                               attrs={"units": "8-bit RGB", "description":
                                      "the 92 object images, 175x175, grey background"}),
        "category_vectors": xr.DataArray(vectors.astype(bool),
                                         dims=("stimulus", "category_label"),
                                         coords={"category_label": labels}),
    }
    entries = np.atleast_1d(_variable(mat, "RDMs_mIT_hIT_fig1", file))
    by_name = {str(_field(e, "name", file, i, "RDMs_mIT_hIT_fig1")): e
               for i, e in enumerate(entries)}
    for var, (prefix, species, count_attr, default_count, description) in _K92_RDMS.items():
        match = [name for name in by_name if name.startswith(prefix)]
        if not match:
            raise MissingDataError(f"no {prefix} RDM", path=file, field="RDMs_mIT_hIT_fig1",
                                   expected=f"an entry named {prefix}_*",
                                   found=", ".join(by_name) or "no entries")
        name = match[0]
        data[var] = _square_rdm(_field(by_name[name], "RDM", file, 0, f"RDMs_mIT_hIT_fig1"
                                       f"[{name}]"), file, f"RDMs_mIT_hIT_fig1[{name}].RDM",
                                stim_coords)
        number = re.search(r"(\d+)", name)
        data[var].attrs.update({
            "metric": "correlation", "description": description + ": 1 - Pearson r",
            "species": species, "area": "IT", "source_name": name,
            count_attr: int(number.group(1)) if number else default_count,
        })
    return xr.Dataset(data, coords=coords, attrs={
        "name": "rsa_kriegeskorte92_monkey_it", "provenance": _K92_PROVENANCE,
        "source_file": str(file),
        "note": "RDMs only (no response matrices): RDM comparisons, not encoding models or CKA",
    })


def _loadmat(file: Path) -> dict[str, Any]:
    from scipy.io import loadmat
    from scipy.io.matlab import MatReadError

    try:
        return loadmat(file, squeeze_me=True, struct_as_record=False)
    except (MatReadError, ValueError, TypeError, OSError, NotImplementedError) as err:
        raise FileFormatError(f"not a readable MATLAB file ({err})", path=file,
                              expected="a MATLAB v5 .mat file") from err


def _variable(mat: dict[str, Any], name: str, file: Path) -> Any:
    if name not in mat:
        found = ", ".join(k for k in mat if not k.startswith("__")) or "none"
        raise MissingDataError("variable missing", path=file, field=name,
                               expected=f"a variable {name!r}", found=f"variables {found}")
    return mat[name]


def _field(struct: Any, name: str, file: Path, index: int,
           parent: str = "stimuli_92objs") -> Any:
    if not hasattr(struct, name):
        have = ", ".join(getattr(struct, "_fieldnames", []) or []) or type(struct).__name__
        raise MissingDataError("struct field missing", path=file, field=f"{parent}.{name}",
                               expected=f"field {name!r} in entry {index}",
                               found=f"fields {have}")
    return getattr(struct, name)


def _square_rdm(vector: Any, file: Path, field: str, stim_coords: dict[str, Any]
                ) -> xr.DataArray:
    """Condensed (``pdist``-order) vector -> labelled square RDM ``(stimulus_i, stimulus_j)``."""
    v = np.asarray(vector, dtype=np.float64)
    n_pairs = _K92_N * (_K92_N - 1) // 2
    if v.shape == (_K92_N, _K92_N):  # already square: keep, checked below
        square = v.copy()
    elif v.ndim == 1 and v.size == n_pairs:
        square = np.zeros((_K92_N, _K92_N))
        iu = np.triu_indices(_K92_N, 1)
        square[iu] = v
        square[iu[::-1]] = v
    else:
        raise SchemaError("wrong RDM size", path=file, field=field,
                          expected=f"a condensed vector of {n_pairs} = 92*91/2 values",
                          found=f"shape {v.shape}")
    if not np.isfinite(square).all():
        raise InvalidValueError("non-finite dissimilarities", path=file, field=field,
                                expected="finite values",
                                found=f"{int((~np.isfinite(square)).sum())} NaN/inf")
    if not (np.allclose(square, square.T) and np.allclose(np.diag(square), 0.0)):
        raise SchemaError("not a dissimilarity matrix", path=file, field=field,
                          expected="symmetric with a zero diagonal", found="otherwise")
    coords: dict[str, Any] = {"stimulus_i": np.arange(_K92_N), "stimulus_j": np.arange(_K92_N)}
    for key, values in stim_coords.items():
        coords[f"{key}_i"] = ("stimulus_i", values)
        coords[f"{key}_j"] = ("stimulus_j", values)
    return xr.DataArray(square, dims=("stimulus_i", "stimulus_j"), coords=coords)
