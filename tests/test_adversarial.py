"""The one shape of the GAN-like models (`training.adversarial.AdversarialModel`).

`GAN`, `Pix2Pix` and `SemiSupervisedGAN` take their optimizers by keyword only, and their
`train_step` returns THIS step's values (the `Mean` trackers keep the running means for `fit`).
"""

import numpy as np
import pytest

keras = pytest.importorskip("keras")
tf = pytest.importorskip("tensorflow")

from medgan_course.training.adversarial import AdversarialModel  # noqa: E402
from medgan_course.training.gan import GAN  # noqa: E402
from medgan_course.training.pix2pix import Pix2Pix  # noqa: E402
from medgan_course.training.semisupervised import SemiSupervisedGAN  # noqa: E402

LATENT, SIDE, CLASSES = 4, 4, 2


def _generator():
    """z (N, LATENT) -> (N, SIDE, SIDE, 1) in [-1, 1]."""
    return keras.Sequential([keras.Input((LATENT,)), keras.layers.Dense(SIDE * SIDE, "tanh"),
                             keras.layers.Reshape((SIDE, SIDE, 1))])


def _restorer():
    """(N, SIDE, SIDE, 1) -> the same shape, a dense map (no BatchNorm, no dropout)."""
    return keras.Sequential([keras.Input((SIDE, SIDE, 1)), keras.layers.Flatten(),
                             keras.layers.Dense(SIDE * SIDE, "tanh"),
                             keras.layers.Reshape((SIDE, SIDE, 1))])


def _critic(outputs=1, features=False):
    """(N, SIDE, SIDE, 1) -> (N, outputs) logits (with a "features" layer if asked)."""
    inputs = keras.Input((SIDE, SIDE, 1))
    hidden = keras.layers.Dense(8, activation="relu", name="features" if features else None)(
        keras.layers.Flatten()(inputs))
    return keras.Model(inputs, keras.layers.Dense(outputs)(hidden))


def _pair_critic():
    """[condition, candidate] -> per-image logits (N, 1)."""
    condition, candidate = keras.Input((SIDE, SIDE, 1)), keras.Input((SIDE, SIDE, 1))
    joined = keras.layers.Flatten()(keras.layers.Concatenate()([condition, candidate]))
    return keras.Model([condition, candidate], keras.layers.Dense(1)(joined))


def _models():
    """name -> (uncompiled model, compile keywords, one-step data factory)."""
    keras.utils.set_random_seed(0)
    adam = keras.optimizers.Adam
    rng = np.random.default_rng(0)

    def images(n):
        return rng.uniform(-1, 1, (n, SIDE, SIDE, 1)).astype("float32")

    return {
        "GAN": (GAN(_generator(), _critic(), LATENT, seed=0),
                {"d_optimizer": adam(1e-2), "g_optimizer": adam(1e-2)},
                lambda: images(8)),
        "Pix2Pix": (Pix2Pix(_restorer(), _pair_critic()),
                    {"d_optimizer": adam(1e-2), "g_optimizer": adam(1e-2)},
                    lambda: (images(8), images(8))),
        "SemiSupervisedGAN": (SemiSupervisedGAN(_generator(), _critic(CLASSES, True), LATENT),
                              {"d_optimizer": adam(1e-2), "g_optimizer": adam(1e-2)},
                              lambda: (images(8), rng.integers(0, CLASSES, 8).astype("int32"),
                                       images(8))),
    }


@pytest.mark.parametrize("name", ["GAN", "Pix2Pix", "SemiSupervisedGAN"])
def test_compile_takes_the_optimizers_by_keyword_only(name):
    model, optimizers, _ = _models()[name]
    assert isinstance(model, AdversarialModel)
    with pytest.raises(TypeError, match="positional"):
        model.compile(optimizers["d_optimizer"], optimizers["g_optimizer"])
    model.compile(**optimizers)
    assert model.d_optimizer.built and model.g_optimizer.built  # built eagerly


@pytest.mark.parametrize("name", ["GAN", "Pix2Pix", "SemiSupervisedGAN"])
def test_train_step_returns_this_steps_values_not_running_means(name):
    model, optimizers, batch = _models()[name]
    model.compile(**optimizers, run_eagerly=True)
    logs, means = [], []
    for _ in range(3):  # three steps on three different batches
        step_logs = model.train_step(tf.nest.map_structure(tf.constant, batch()))
        logs.append({k: float(v) for k, v in step_logs.items()})
        means.append({t.name: float(t.result()) for t in model.metrics})
    assert set(logs[0]) == {t.name for t in model.metrics}
    for key in logs[0]:
        values = np.array([step[key] for step in logs])
        # The trackers average the returned values, so these are each step's own values...
        np.testing.assert_allclose([m[key] for m in means], np.cumsum(values) / [1, 2, 3],
                                   rtol=1e-5, atol=1e-6)
        # ...and, the steps' values differing, not the running means.
        assert values[1] != pytest.approx(means[1][key], rel=1e-4)


def test_pix2pix_logs_the_l1_of_the_step_itself():
    model, optimizers, _ = _models()["Pix2Pix"]
    model.compile(**optimizers, run_eagerly=True)
    rng = np.random.default_rng(1)
    for _ in range(2):
        degraded, clean = (rng.uniform(-1, 1, (8, SIDE, SIDE, 1)).astype("float32")
                           for _ in range(2))
        expected = float(np.mean(np.abs(model.restore(degraded) - clean)))  # weights before
        assert float(model.train_step((degraded, clean))["l1"]) == pytest.approx(expected,
                                                                                 rel=1e-5)


def test_missing_and_superfluous_optimizers_are_refused():
    models = _models()
    gan, optimizers, _ = models["GAN"]
    with pytest.raises(ValueError, match="g_optimizer"):
        gan.compile(d_optimizer=optimizers["d_optimizer"], g_optimizer=None)
    with pytest.raises(ValueError, match="optimizer"):
        gan.compile(**optimizers, optimizer="adam")
    supervised = SemiSupervisedGAN(None, _critic(CLASSES, True), LATENT, unsupervised_weight=0.0)
    with pytest.raises(ValueError, match="g_optimizer"):
        supervised.compile(d_optimizer=keras.optimizers.Adam(),
                           g_optimizer=keras.optimizers.Adam())
    supervised.compile(d_optimizer=keras.optimizers.Adam())
    assert supervised.g_optimizer is None
