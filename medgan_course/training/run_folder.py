"""The run folder's contract: what `medgan-course train` writes and `sample`/`evaluate` read.

A run folder holds samples.npz, samples.png, progress.png, losses.png, metrics.json,
config.json and generator.keras. config.json is a `RunConfig`: the loader's own arguments
(`DataArgs`, so that the data can be loaded again exactly), the recipe, how training was set
up (`TrainSettings`: seed, precision, strategy, budgets) and what generating needs
(`GeneratorSpec`: latent_dim, num_classes, how the latent stream is drawn). Only
`runner.save_run` writes one and only `load_run` reads one.

`generate_images` is the one way images are drawn from a run's generator: `save_run` uses it
for samples.npz and `medgan-course sample` for more, with the same latent stream as
`GAN.generate` (`sampling.latent_vectors`, `sampling.generation_labels`).

Importing this module imports no TensorFlow; loading or calling a generator does.
"""

from __future__ import annotations

import contextlib
import json
import os
import pathlib
from dataclasses import asdict, dataclass, field

import numpy as np

from medgan_course.data.types import to_uint8
from medgan_course.errors import RunFolderError
from medgan_course.training.recipes import Recipe
from medgan_course.training.sampling import generation_labels, latent_vectors

#: Version of config.json's layout; folders of another version are refused (retrain them).
RUN_FORMAT = 2
CONFIG_FILE, GENERATOR_FILE, SAMPLES_FILE = "config.json", "generator.keras", "samples.npz"
#: How `generate_images` draws its inputs; a run written with another stream is refused.
LATENT_STREAM = "numpy.default_rng(seed).standard_normal((n, latent_dim), float32); labels 0,1,..."
#: Images per generator call (as `GAN.generate`: the same batches give the same numbers).
GENERATE_BATCH_SIZE = 256


@dataclass(frozen=True)
class DataArgs:
    """The arguments of `data.load_dataset` that made the training data (not a derived name).

    Attributes:
        name: the dataset name `load_dataset` takes ("breastmnist", "mnist", "phantoms", ...).
        size: image side in pixels (28 or 64).
        data_dir: the folder given for the files, or None (then $MEDGAN_DATA_DIR, the cache).
        max_train: the cap on training images, or None.
    """

    name: str
    size: int = 28
    data_dir: str | None = None
    max_train: int | None = None

    def load(self, *, seed: int, download: bool = True):
        """The dataset these arguments name (`data.load_dataset`; never a substitute)."""
        from medgan_course.data import load_dataset

        return load_dataset(self.name, data_dir=self.data_dir, size=self.size,
                            max_train=self.max_train, seed=seed, download=download)


@dataclass(frozen=True)
class TrainSettings:
    """How a training run was set up (everything but the recipe and the data).

    Attributes:
        seed: seeds data order, weights, noise and the run's samples.
        precision: "float32", "mixed_float16" or "mixed_bfloat16".
        strategy: the distribution strategy's name (e.g. "default", "mirrored").
        steps: the step budget asked for, or None.
        seconds: the time budget asked for, or None.
    """

    seed: int = 0
    precision: str = "float32"
    strategy: str = "default"
    steps: int | None = None
    seconds: float | None = None


@dataclass(frozen=True)
class GeneratorSpec:
    """What drawing images from a saved generator needs.

    Attributes:
        latent_dim: length of the generator's latent vectors z.
        num_classes: number of classes of a conditional generator; None when unconditional.
        latent_stream: how z and labels are drawn from a seed (`LATENT_STREAM`).
    """

    latent_dim: int
    num_classes: int | None = None
    latent_stream: str = LATENT_STREAM


@dataclass(frozen=True)
class RunConfig:
    """config.json of a run folder (see the module docstring)."""

    recipe: Recipe
    data: DataArgs
    settings: TrainSettings
    generator: GeneratorSpec
    class_names: tuple[str, ...]
    source: str
    format: int = RUN_FORMAT

    def to_dict(self) -> dict:
        """The JSON-ready dict written to config.json (settings at the top level)."""
        return {"format": self.format, "recipe": self.recipe.to_dict(), "data": asdict(self.data),
                **asdict(self.settings), "generator": asdict(self.generator),
                "class_names": list(self.class_names), "source": self.source}

    @classmethod
    def from_dict(cls, raw: dict) -> RunConfig:
        """Parses `to_dict`'s output; raises KeyError, TypeError or ValueError when it is not."""
        if not isinstance(raw, dict):
            raise TypeError(f"expected a JSON object, got {type(raw).__name__}")
        settings = {name: raw[name] for name in TrainSettings.__dataclass_fields__}
        config = cls(recipe=Recipe.from_dict(raw["recipe"]), data=DataArgs(**raw["data"]),
                     settings=TrainSettings(**settings), generator=GeneratorSpec(**raw["generator"]),
                     class_names=tuple(raw["class_names"]), source=raw["source"],
                     format=raw["format"])
        _check_types(config)
        return config


def _check_types(config: RunConfig) -> None:
    """Raises TypeError/ValueError for values JSON could hold but a run cannot."""
    checks = [(config.data.name, str), (config.data.size, int), (config.settings.seed, int),
              (config.settings.precision, str), (config.settings.strategy, str),
              (config.generator.latent_dim, int), (config.source, str)]
    for value, kind in checks:
        if isinstance(value, bool) or not isinstance(value, kind):
            raise TypeError(f"{value!r} is not a {kind.__name__}")
    if config.generator.latent_stream != LATENT_STREAM:
        raise ValueError(f"its latent stream {config.generator.latent_stream!r} is not this "
                         f"version's ({LATENT_STREAM!r})")
    if config.generator.num_classes is not None and \
            config.generator.num_classes != len(config.class_names):
        raise ValueError("generator.num_classes differs from the number of class_names")


@dataclass
class RunFolder:
    """A checked run folder: its path and config; the generator is loaded on first use.

    Attributes:
        path: the folder.
        config: its `RunConfig`.
    """

    path: pathlib.Path
    config: RunConfig
    _generator: object = field(default=None, repr=False)

    def generator(self):
        """The saved generator (`keras.Model`, loaded once, Keras safe mode on)."""
        if self._generator is None:
            self._generator = load_generator(self.path / GENERATOR_FILE)
        return self._generator

    def samples(self) -> np.ndarray:
        """samples.npz's images, uint8 `(n, H, W)` (grey) or `(n, H, W, C)`."""
        try:
            with np.load(self.path / SAMPLES_FILE, allow_pickle=False) as samples:
                return samples["images"]
        except (OSError, ValueError, KeyError, EOFError) as err:
            raise RunFolderError(f"{self.path / SAMPLES_FILE} is missing or corrupt ({err}); "
                                 "retrain the run or restore the file") from None


def load_run(path) -> RunFolder:
    """Reads and checks a run folder written by `runner.save_run`.

    Raises:
        RunFolderError: not a run folder, an older format, or a missing/corrupt config.json;
            one line saying what to do.
    """
    path = pathlib.Path(path)
    retrain = "make one with `medgan-course train --out DIR`"
    if not path.is_dir():
        raise RunFolderError(f"{path} is not a training run folder (no such folder); {retrain}")
    if not (path / CONFIG_FILE).is_file() or not (path / GENERATOR_FILE).is_file():
        raise RunFolderError(f"{path} is not a training run folder (no {GENERATOR_FILE}/"
                             f"{CONFIG_FILE}); {retrain}")
    try:
        raw = json.loads((path / CONFIG_FILE).read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise RunFolderError(f"{path / CONFIG_FILE} is corrupt ({err}); retrain the run") from None
    if isinstance(raw, dict) and raw.get("format") != RUN_FORMAT:
        raise RunFolderError(f"{path} was written by another version of medgan-course (run "
                             f"format {raw.get('format', 1)}, this one reads {RUN_FORMAT}); "
                             "retrain it with `medgan-course train`")
    try:
        config = RunConfig.from_dict(raw)
    except (KeyError, TypeError, ValueError) as err:
        raise RunFolderError(f"{path / CONFIG_FILE} is not a valid run config "
                             f"({type(err).__name__}: {err}); retrain the run") from None
    return RunFolder(path, config)


def load_generator(path: pathlib.Path):
    """`keras.saving.load_model(path)` in safe mode; a corrupt file is a `RunFolderError`."""
    import keras

    try:
        return keras.saving.load_model(path, safe_mode=True)
    except (OSError, ValueError, EOFError) as err:
        # Keras reports a truncated zip as "File not found": say what is really wrong.
        raise RunFolderError(f"{path} exists but is not a readable Keras model (corrupt or "
                             f"truncated: {type(err).__name__}); retrain the run or restore "
                             "the file") from None


def write_config(path: pathlib.Path, config: RunConfig) -> None:
    """Writes config.json into `path` (a folder that `save_run` moves into place whole)."""
    (path / CONFIG_FILE).write_text(json.dumps(config.to_dict(), indent=2) + "\n")


def generate_images(generator, spec: GeneratorSpec, n: int, *, seed: int, label: int | None = None):
    """Draws n images from a generator with the run's latent stream.

    Args:
        generator: a `keras.Model` taking z `(n, latent_dim)` float32, or `[z, labels]` when
            conditional, and returning `(n, H, W, C)` in [-1, 1].
        spec: the run's `GeneratorSpec`.
        n: number of images (>= 1).
        seed: seed of the latent vectors.
        label: conditional runs: the one class to draw (None cycles 0, 1, ...).

    Returns:
        (images, labels): uint8 `(n, H, W)` for grey images (MedMNIST's layout) or
        `(n, H, W, C)`, and int32 `(n,)` labels or None.

    Raises:
        RunFolderError: a label for an unconditional generator, or one out of range.
    """
    z = latent_vectors(n, spec.latent_dim, seed)
    labels = generation_labels(_label_array(spec, n, label), n, spec.num_classes)
    batches = []
    for start in range(0, n, GENERATE_BATCH_SIZE):
        chunk = slice(start, start + GENERATE_BATCH_SIZE)
        inputs = z[chunk] if labels is None else [z[chunk], labels[chunk]]
        batches.append(np.asarray(generator(inputs, training=False)))
    images = to_uint8(np.concatenate(batches).astype(np.float32, copy=False))
    return (images[..., 0] if images.shape[-1] == 1 else images), labels


def _label_array(spec: GeneratorSpec, n: int, label: int | None):
    """The label argument as `generation_labels` takes it, checked with a run's wording."""
    if label is None:
        return None
    if spec.num_classes is None:
        raise RunFolderError("this run's generator is unconditional: it takes no label")
    if not 0 <= label < spec.num_classes:
        raise RunFolderError(f"label must be in [0, {spec.num_classes}) for this run, got {label}")
    return np.full(n, label, np.int32)


def generate_from_run(run: RunFolder, n: int, *, seed: int, label: int | None = None):
    """`generate_images` with the run's saved generator; see there for the returned arrays."""
    return generate_images(run.generator(), run.config.generator, n, seed=seed, label=label)


@contextlib.contextmanager
def atomic_path(path: pathlib.Path):
    """Yields a temporary path beside `path`; moves it onto `path` only if the block succeeds.

    The temporary name keeps `path`'s suffix (numpy appends ".npz" to names without it).
    """
    path = pathlib.Path(path)
    tmp = path.with_name(f".{path.stem}.partial-{os.getpid()}{path.suffix}")
    try:
        yield tmp
        os.replace(tmp, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
