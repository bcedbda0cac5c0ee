"""Feature extractors: the embedding in which FID, KID and precision/recall are measured.

Taught in notebooks/06_evaluating_gans.ipynb. An extractor is any callable
`extractor(images) -> features` taking `(N, H, W, C)` float32 images in [-1, 1] and returning
`(N, D)` features; `extract_features` checks both sides and returns float64. The extractors
here process images in batches of `batch_size` (a constructor argument) to bound memory.

Which extractor:
    * `InceptionExtractor`: the standard FID network (ImageNet InceptionV3). Needs a one-time
      download of the weights (about 90 MB), so it is the online choice.
    * `DomainExtractor`: the offline choice; a small CNN trained on the dataset's own labels.
    * `PixelExtractor`: raw pixels, for tests, toy examples and pixel-space copy search only.
Numbers from different extractors (or resizes, or sample sizes) are not comparable.
"""

from __future__ import annotations

import hashlib
import json
import pathlib

import numpy as np

from medgan_course._tf import require_tensorflow
from medgan_course.validate import positive_int

__all__ = [
    "ExtractorUnavailableError",
    "check_images",
    "extract_features",
    "data_fingerprint",
    "InceptionExtractor",
    "DomainExtractor",
    "PixelExtractor",
]

# Tanh outputs and range conversions can overshoot [-1, 1] by rounding only.
_RANGE_TOLERANCE = 1e-3


class ExtractorUnavailableError(RuntimeError):
    """A feature extractor cannot be built here (e.g. its weights cannot be downloaded)."""


def check_images(images, name: str = "images") -> np.ndarray:
    """Checks the package's image convention and returns the images as float32.

    Args:
        images: `(N, H, W, C)` float array in [-1, 1], N >= 1.
        name: what to call the array in error messages.

    Returns:
        `(N, H, W, C)` float32 array.

    Raises:
        TypeError: for integer (e.g. uint8 [0, 255]) images.
        ValueError: for another rank, NaN, or values outside [-1, 1].
    """
    array = np.asarray(images)
    if not np.issubdtype(array.dtype, np.floating):
        raise TypeError(
            f"{name} must be float in [-1, 1], got dtype {array.dtype}; convert uint8 images with "
            "medgan_course.data.types.to_model_range"
        )
    if array.ndim != 4 or array.shape[0] == 0:
        raise ValueError(f"{name} must be a non-empty (N, H, W, C) array; got shape {array.shape}")
    if not np.isfinite(array).all():
        raise ValueError(f"{name} contains NaN or infinity")
    if array.min() < -1 - _RANGE_TOLERANCE or array.max() > 1 + _RANGE_TOLERANCE:
        raise ValueError(
            f"{name} must lie in [-1, 1]; found [{array.min():.3g}, {array.max():.3g}]. "
            "Images in [0, 1] convert with x * 2 - 1."
        )
    return array.astype(np.float32, copy=False)


def extract_features(extractor, images) -> np.ndarray:
    """Runs an extractor after checking its input and output.

    Args:
        extractor: callable `(N, H, W, C) float32 [-1, 1] -> (N, D)`.
        images: `(N, H, W, C)` float in [-1, 1].

    Returns:
        `(N, D)` float64 features.
    """
    array = check_images(images)
    features = np.asarray(extractor(array), dtype=np.float64)
    if features.ndim != 2 or features.shape[0] != array.shape[0]:
        raise ValueError(f"the extractor must return (N, D) = ({array.shape[0]}, D) features; "
                         f"got {features.shape}")
    if not np.isfinite(features).all():
        raise ValueError("the extractor returned NaN or infinity")
    return features


def _in_batches(fn, images, batch_size):
    """Applies fn (a (b, ...) -> (b, D) array function) to consecutive batches; (N, D) float64."""
    positive_int("batch_size", batch_size)
    batches = [fn(images[i:i + batch_size]) for i in range(0, len(images), batch_size)]
    return np.concatenate([np.asarray(b, dtype=np.float64) for b in batches])


def data_fingerprint(images, labels) -> str:
    """SHA-256 of a training set: images as float32 and labels as int32, shapes included.

    Args:
        images: `(N, H, W, C)` float images in [-1, 1].
        labels: `(N,)` int class indices.

    Returns:
        64-character hexadecimal digest; equal arrays give equal digests.
    """
    digest = hashlib.sha256()
    arrays = (np.ascontiguousarray(images, dtype=np.float32), np.ascontiguousarray(labels, dtype=np.int32))
    for array in arrays:
        digest.update(repr(array.shape).encode())
        digest.update(array.tobytes())
    return digest.hexdigest()


def _keras():
    """Keras, after checking that TensorFlow >= 2.16 backs it (imported on use, not at import)."""
    require_tensorflow()
    import keras

    return keras


def _recalibrate_batch_norm(model, images, batch_size=256):
    """Sets every BatchNormalization's moving statistics to their average over `images` (PreciseBN).

    Keras updates moving statistics with momentum 0.99, so after the few hundred steps a small
    dataset allows they still lag the real activation statistics, and inference-mode features
    come out shrunk and shifted. Recomputing them once over the training images fixes that
    (Wu and Johnson, "Rethinking 'Batch' in BatchNorm", 2021). No weight changes.
    """
    keras = _keras()
    bn_layers = [layer for layer in model.layers if isinstance(layer, keras.layers.BatchNormalization)]
    saved = [layer.momentum for layer in bn_layers]
    try:
        for i, start in enumerate(range(0, len(images), batch_size)):
            for layer in bn_layers:
                layer.momentum = i / (i + 1)  # running mean over batches: batch i weighs 1 / (i + 1)
            model(images[start:start + batch_size], training=True)
    finally:
        for layer, momentum in zip(bn_layers, saved):
            layer.momentum = momentum


def _file_sha256(path):
    return hashlib.sha256(pathlib.Path(path).read_bytes()).hexdigest()


def _build_from_config(config):
    """An untrained classifier from a DomainExtractor config (JSON-friendly build_classifier kwargs)."""
    from medgan_course.models.classifier import build_classifier  # imports TensorFlow

    kwargs = dict(config)
    kwargs["image_shape"] = tuple(kwargs["image_shape"])
    return build_classifier(**kwargs)


class PixelExtractor:
    """Raw pixels as "features": FOR TESTS, TOY EXAMPLES AND PIXEL-SPACE COPY SEARCH ONLY.

    Pixel distances do not measure perceptual or anatomical similarity (a one-pixel shift is
    "far"), so FID or KID on pixels says little about a GAN; never report them as results.
    They are exact, though, for finding copies of training images (see `memorization_report`).

    Args:
        downsample: average-pool factor applied first (1 keeps every pixel); H and W must be
            divisible by it.
    """

    def __init__(self, downsample: int = 1):
        self.downsample = positive_int("PixelExtractor: downsample", downsample)

    def __call__(self, images) -> np.ndarray:
        """`(N, H, W, C)` float in [-1, 1] -> `(N, H*W*C / downsample^2)` float64."""
        x = check_images(images).astype(np.float64)
        n, h, w, c = x.shape
        f = self.downsample
        if h % f or w % f:
            raise ValueError(f"image size {h}x{w} is not divisible by downsample={f}")
        pooled = x.reshape(n, h // f, f, w // f, f, c).mean(axis=(2, 4))
        return pooled.reshape(n, -1)


class InceptionExtractor:
    """ImageNet InceptionV3 pool features (2048-D): the network behind the standard FID.

    Grey images are repeated to 3 channels, resized to 299x299 (bilinear) and scaled with
    Inception's own preprocessing. The ImageNet weights are downloaded on first use (about
    90 MB, cached in ~/.keras/models); offline, construction raises `ExtractorUnavailableError`
    and `DomainExtractor` is the documented alternative.

    Why ImageNet features for medical images: Woodland et al. (MICCAI 2024, "Feature Extraction
    for Generative Medical Imaging Evaluation: New Evidence Against an Evolving Trend") found that
    Frechet distances from ImageNet-trained extractors ranked GANs consistently with radiologists'
    visual Turing tests, while RadImageNet-trained extractors gave volatile rankings. Values are
    comparable only within one extractor, one resize and one sample size; they are not comparable
    with FIDs computed by other code (e.g. the TF1 Inception graph of the original FID paper).
    Taught in notebooks/06_evaluating_gans.ipynb.

    Args:
        batch_size: images per forward pass (299x299x3 float32 is about 1 MB per image).
    """

    def __init__(self, batch_size: int = 32):
        keras = _keras()
        self.batch_size = batch_size
        try:
            self._model = keras.applications.InceptionV3(include_top=False, pooling="avg", weights="imagenet")
        except Exception as err:  # Keras reports a failed download as a bare Exception
            raise ExtractorUnavailableError(
                "The ImageNet weights of InceptionV3 could not be downloaded or loaded "
                f"({type(err).__name__}: {err}). Connect to the internet once (the weights are "
                "cached in ~/.keras/models), or use the offline DomainExtractor instead: "
                "DomainExtractor.train(train_images, train_labels, num_classes=...)."
            ) from err

    def _embed(self, batch):
        tf, keras = require_tensorflow(), _keras()
        if batch.shape[-1] == 1:
            batch = np.repeat(batch, 3, axis=-1)
        elif batch.shape[-1] != 3:
            raise ValueError(f"InceptionExtractor needs 1 or 3 channels, got {batch.shape[-1]}")
        resized = tf.image.resize(batch, (299, 299), method="bilinear")
        # preprocess_input expects [0, 255] and maps it to Inception's [-1, 1].
        inputs = keras.applications.inception_v3.preprocess_input((resized + 1.0) * 127.5)
        return self._model(inputs, training=False)

    def __call__(self, images) -> np.ndarray:
        """`(N, H, W, 1 or 3)` float32 in [-1, 1] -> `(N, 2048)` float64 features."""
        return _in_batches(self._embed, check_images(images), self.batch_size)


class DomainExtractor:
    """Offline feature extractor: a small CNN classifier trained on the dataset's own labels.

    Features are the classifier's penultimate layer ("features"), so they encode what separates
    the classes of THIS dataset (e.g. malignant versus benign/normal breast ultrasound). Build it
    with `DomainExtractor.train` on the TRAINING split, `save` it, and `load` it for every later
    evaluation so all numbers share one extractor. Taught in notebooks/06_evaluating_gans.ipynb.

    Limits, to state beside every number it produces:
        * It is trained on the same data it then measures, so it may be blind to what its
          classes do not need (texture, artefacts) and over-sensitive to what they do.
        * It is small and trained on a few hundred images; its features are noisy.
        * Its distances are not FIDs: never compare them with published FIDs, nor across
          extractors trained with different data, seeds or epochs.

    Args:
        classifier: a Keras model from `medgan_course.models.classifier.build_classifier`.
        config: the `build_classifier` keyword arguments that rebuild it (saved with it).
        training: metadata of its training (data fingerprint, epochs, seed, accuracy).
        batch_size: images per forward pass.
    """

    WEIGHTS_FILE = "domain_extractor.weights.h5"
    METADATA_FILE = "domain_extractor.json"
    FORMAT_VERSION = 1

    def __init__(self, classifier, *, config: dict, training: dict | None = None, batch_size: int = 256):
        from medgan_course.models.classifier import feature_model

        self.classifier = classifier
        self.config = dict(config)
        self.training = dict(training or {})
        self.batch_size = batch_size
        self._features = feature_model(classifier)

    @property
    def training_fingerprint(self) -> str | None:
        """`data_fingerprint` of the images and labels it was trained on (None if unknown)."""
        return self.training.get("data_sha256")

    def __call__(self, images) -> np.ndarray:
        """`(N, H, W, C)` float32 in [-1, 1] (the training image shape) -> `(N, D)` float64."""
        x = check_images(images)
        expected = tuple(self.config["image_shape"])
        if x.shape[1:] != expected:
            raise ValueError(f"this extractor was trained on images of shape {expected}; got {x.shape[1:]}")
        return _in_batches(lambda b: self._features(b, training=False), x, self.batch_size)

    @classmethod
    def train(cls, train_images, train_labels, *, num_classes: int, epochs: int = 10, seed: int = 0,
              batch_size: int = 64, learning_rate: float = 1e-3, width: int = 32, dropout: float = 0.3,
              feature_dim: int = 128, verbose: int = 0, progress: bool = False) -> DomainExtractor:
        """Trains the classifier on the TRAINING split and wraps it as an extractor.

        Seeds Python, NumPy and TensorFlow globally (`keras.utils.set_random_seed(seed)`) so
        the same data and seed give the same extractor on the same machine. After training, the
        BatchNormalization statistics are recomputed over the training images, because Keras'
        running averages lag behind after the few hundred steps a small dataset allows.

        Args:
            train_images: `(N, H, W, C)` float32 in [-1, 1].
            train_labels: `(N,)` int class indices in [0, num_classes).
            num_classes: number of classes.
            epochs: training epochs (Adam, cross-entropy on logits).
            seed: global random seed.
            batch_size: training batch size.
            learning_rate: Adam's learning rate.
            width: base number of filters of the classifier.
            dropout: dropout rate between the feature layer and the logits.
            feature_dim: length D of the feature vectors.
            verbose: Keras `fit` verbosity.
            progress: show a progress bar over the training steps (learners wait here).

        Returns:
            The trained `DomainExtractor`; `.training` records the data fingerprint, epochs, seed
            and the final training accuracy.
        """
        keras = _keras()
        images = check_images(train_images, "train_images")
        labels = np.asarray(train_labels).reshape(-1)
        if not np.issubdtype(labels.dtype, np.integer) or labels.shape[0] != images.shape[0]:
            raise ValueError(f"train_labels must hold one int per image ({images.shape[0]}); got dtype "
                             f"{labels.dtype}, shape {np.shape(train_labels)}")
        if labels.min() < 0 or labels.max() >= num_classes:
            raise ValueError(f"train_labels must lie in [0, {num_classes}); "
                             f"found [{labels.min()}, {labels.max()}]")
        labels = labels.astype(np.int32)
        config = {"image_shape": list(images.shape[1:]), "num_classes": int(num_classes),
                  "width": int(width), "dropout": float(dropout), "feature_dim": int(feature_dim)}
        keras.utils.set_random_seed(seed)
        classifier = _build_from_config(config)
        classifier.compile(optimizer=keras.optimizers.Adam(learning_rate),
                           loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                           metrics=["accuracy"])
        callbacks = []
        if progress:
            from medgan_course.training.callbacks import ProgressBar

            steps = epochs * -(-len(images) // batch_size)  # fit's steps: ceil per epoch
            callbacks.append(ProgressBar(steps, desc="feature extractor", keys=("loss", "accuracy")))
        history = classifier.fit(images, labels, epochs=epochs, batch_size=batch_size, shuffle=True,
                                 verbose=verbose, callbacks=callbacks)
        _recalibrate_batch_norm(classifier, images)
        training = {"data_sha256": data_fingerprint(images, labels), "n_images": int(images.shape[0]),
                    "epochs": int(epochs), "seed": int(seed), "learning_rate": float(learning_rate),
                    "final_train_accuracy": float(history.history["accuracy"][-1])}
        return cls(classifier, config=config, training=training)

    def save(self, directory) -> pathlib.Path:
        """Writes the weights (`.weights.h5`) and a JSON of config, fingerprints and checksum.

        Args:
            directory: folder to write into (created if missing); existing files are replaced.

        Returns:
            The folder, as a `pathlib.Path`.
        """
        keras = _keras()
        folder = pathlib.Path(directory)
        folder.mkdir(parents=True, exist_ok=True)
        weights_path = folder / self.WEIGHTS_FILE
        self.classifier.save_weights(weights_path)
        metadata = {"format_version": self.FORMAT_VERSION, "kind": "DomainExtractor",
                    "keras_version": keras.__version__, "config": self.config, "training": self.training,
                    "weights_sha256": _file_sha256(weights_path)}
        (folder / self.METADATA_FILE).write_text(json.dumps(metadata, indent=2, sort_keys=True))
        return folder

    @classmethod
    def load(cls, directory, *, batch_size: int = 256) -> DomainExtractor:
        """Loads an extractor written by `save`, verifying the weights' SHA-256 first.

        Args:
            directory: the folder `save` wrote.
            batch_size: images per forward pass.

        Returns:
            The `DomainExtractor`, giving the same features as the saved one.

        Raises:
            FileNotFoundError: a file is missing.
            ValueError: the metadata is not a DomainExtractor's, or the weights' checksum differs
                from the recorded one (the file changed or belongs to another extractor).
        """
        folder = pathlib.Path(directory)
        metadata = json.loads((folder / cls.METADATA_FILE).read_text())
        if metadata.get("kind") != "DomainExtractor" or metadata.get("format_version") != cls.FORMAT_VERSION:
            raise ValueError(f"{folder / cls.METADATA_FILE} does not describe a DomainExtractor of format "
                             f"{cls.FORMAT_VERSION}")
        weights_path = folder / cls.WEIGHTS_FILE
        actual = _file_sha256(weights_path)
        if actual != metadata["weights_sha256"]:
            raise ValueError(
                f"checksum mismatch for {weights_path}: sha256 {actual} but the metadata records "
                f"{metadata['weights_sha256']}. The file was modified or comes from another extractor; "
                "retrain with DomainExtractor.train(...) and save again."
            )
        classifier = _build_from_config(metadata["config"])
        classifier.load_weights(weights_path)
        return cls(classifier, config=metadata["config"], training=metadata["training"],
                   batch_size=batch_size)
