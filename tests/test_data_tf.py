"""Tests of the TensorFlow parts of medgan_course.data: pipelines and augmentation."""

import numpy as np
import pytest

pytest.importorskip("tensorflow")

import tensorflow as tf

from medgan_course.data import augment, pipeline


def _images(n=8, size=16, channels=1, seed=0):
    rng = np.random.default_rng(seed)
    return rng.uniform(-1, 1, size=(n, size, size, channels)).astype(np.float32)


# --- pipeline ------------------------------------------------------------------------------

def test_batches_have_fixed_shapes_with_and_without_labels():
    images, labels = _images(10), np.arange(10) % 2
    batch = next(iter(pipeline.make_dataset(images, batch_size=4)))
    assert batch.shape == (4, 16, 16, 1) and batch.dtype == tf.float32
    x, y = next(iter(pipeline.make_dataset(images, labels, batch_size=4)))
    assert x.shape == (4, 16, 16, 1) and y.shape == (4,) and y.dtype == tf.int32


def test_one_epoch_without_drop_remainder_keeps_every_image_once():
    images, labels = _images(10), np.arange(10)
    batches = list(pipeline.make_dataset(images, labels, batch_size=4, repeat=False,
                                         drop_remainder=False))
    assert [len(y) for _, y in batches] == [4, 4, 2]
    seen = np.concatenate([y.numpy() for _, y in batches])
    np.testing.assert_array_equal(np.sort(seen), np.arange(10))
    for x, y in batches:  # images stay paired with their labels through the shuffle
        np.testing.assert_array_equal(x.numpy(), images[y.numpy()])
    assert pipeline.steps_per_epoch(10, 4) == 2 and pipeline.steps_per_epoch(10, 4, False) == 3


def test_shuffle_is_seeded():
    images, labels = _images(32), np.arange(32)

    def first_labels(seed):
        _, y = next(iter(pipeline.make_dataset(images, labels, batch_size=8, seed=seed)))
        return y.numpy()

    np.testing.assert_array_equal(first_labels(1), first_labels(1))
    assert not np.array_equal(first_labels(1), first_labels(2))
    _, y = next(iter(pipeline.make_dataset(images, labels, batch_size=8, shuffle=False)))
    np.testing.assert_array_equal(y.numpy(), np.arange(8))


def test_augment_applies_to_images_only():
    images, labels = _images(8), np.arange(8)
    x, y = next(iter(pipeline.make_dataset(images, labels, batch_size=4, shuffle=False,
                                           augment=lambda batch: -batch)))
    np.testing.assert_allclose(x.numpy(), -images[:4])
    np.testing.assert_array_equal(y.numpy(), np.arange(4))


@pytest.mark.parametrize("kwargs, error, match", [
    ({"images": np.zeros((4, 8, 8), np.float32)}, TypeError, r"\(N, H, W, C\)"),
    ({"images": np.zeros((4, 8, 8, 1), np.uint8)}, TypeError, "to_model_range"),
    ({"labels": np.zeros((4, 1), int)}, TypeError, "labels"),
    ({"batch_size": 5}, ValueError, "drop_remainder"),
    ({"batch_size": 0}, ValueError, "batch_size"),
    ({"augment": "diff"}, TypeError, "callable"),
])
def test_make_dataset_rejects_bad_inputs(kwargs, error, match):
    arguments = {"images": _images(4), "batch_size": 2, **kwargs}
    with pytest.raises(error, match=match):
        pipeline.make_dataset(**arguments)


# --- DiffAugment ---------------------------------------------------------------------------

def test_diff_augment_keeps_shape_dtype_and_a_sane_range():
    rgb = tf.constant(_images(16, 28, 3))
    out = augment.diff_augment(rgb)
    assert out.shape == rgb.shape and out.dtype == rgb.dtype
    half = augment.diff_augment(tf.cast(rgb, tf.bfloat16), policy="translation,cutout")
    assert half.dtype == tf.bfloat16
    # Translation and cutout fill with 0, so they never leave [-1, 1].
    moved = augment.diff_augment(rgb, policy="translation,cutout")
    assert float(tf.reduce_min(moved)) >= -1.0 and float(tf.reduce_max(moved)) <= 1.0
    # On grey images brightness (+-0.5) then contrast (x1.5 at most) stay within +-3.
    grey = augment.diff_augment(tf.constant(_images(64, 16)))
    assert float(tf.reduce_max(tf.abs(grey))) <= 3.0


def test_diff_augment_is_differentiable():
    x = tf.Variable(_images(4, 16))
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(augment.diff_augment(x, seed=0) ** 2)
    grad = tape.gradient(loss, x)
    assert grad is not None and float(tf.reduce_sum(tf.abs(grad))) > 0


def test_diff_augment_randomness_is_per_image_and_per_call():
    x = tf.constant(np.repeat(_images(1, 16), 8, axis=0))  # eight copies of one image
    out = augment.diff_augment(x).numpy()
    assert len({arr.tobytes() for arr in out}) > 1  # each image draws its own transform
    assert not np.array_equal(out, augment.diff_augment(x).numpy())
    np.testing.assert_array_equal(augment.diff_augment(x, seed=3), augment.diff_augment(x, seed=3))


def test_translation_moves_pixels_by_whole_steps_and_fills_with_zero():
    image = np.zeros((1, 16, 16, 1), np.float32)
    image[0, 8, 8, 0] = 1.0
    for seed in range(10):
        out = augment.diff_augment(image, policy="translation", seed=seed).numpy()[0, ..., 0]
        rows, cols = np.nonzero(out)
        assert out.sum() == 1.0 and len(rows) == 1  # one pixel, moved, unchanged
        assert abs(rows[0] - 8) <= 2 and abs(cols[0] - 8) <= 2  # 16 * 1/8 = 2 pixels at most
    np.testing.assert_array_equal(
        augment._shift_axis(tf.constant(image), tf.constant([3]), 1).numpy()[0, 11, 8, 0], 1.0)
    ones = tf.ones((2, 6, 6, 1))
    down = augment._shift_axis(ones, tf.constant([2, -1]), 1).numpy()[..., 0]
    np.testing.assert_array_equal(down[0, :2], 0.0)  # rows shifted in are zeros, not copies
    np.testing.assert_array_equal(down[0, 2:], 1.0)
    np.testing.assert_array_equal(down[1, -1:], 0.0)


def test_cutout_zeroes_at_most_a_half_side_square():
    ones = np.ones((32, 16, 16, 1), np.float32)
    out = augment.diff_augment(ones, policy="cutout", seed=0).numpy()
    zeroed = (out == 0).mean(axis=(1, 2, 3))
    assert np.all(zeroed > 0) and np.all(zeroed <= 0.25 + 1e-6)
    assert np.isclose(zeroed.max(), 0.25)  # a square fully inside the image: 8 x 8 of 16 x 16
    assert set(np.unique(out)) <= {0.0, 1.0}


def test_colour_is_an_affine_map_per_image():
    x = _images(4, 8)
    out = augment.diff_augment(x, policy="color", seed=1).numpy()
    for before, after in zip(x, out):
        slope, intercept = np.polyfit(before.ravel(), after.ravel(), 1)
        np.testing.assert_allclose(after, slope * before + intercept, atol=1e-4)
        assert 0.5 <= slope <= 1.5


def test_policy_parsing():
    x = _images(2, 8)
    np.testing.assert_array_equal(augment.diff_augment(x, policy=""), x)
    assert augment.diff_augment(x, policy=("cutout",), seed=0).shape == x.shape
    with pytest.raises(ValueError, match="unknown DiffAugment policies"):
        augment.diff_augment(x, policy="color,flip")
    with pytest.raises(ValueError, match=r"\(B, H, W, C\)"):
        augment.diff_augment(x[0])


def test_diff_augment_runs_inside_tf_function():
    @tf.function(input_signature=[tf.TensorSpec([None, 12, 12, 1], tf.float32)])
    def step(batch):
        return augment.diff_augment(batch)

    assert step(tf.constant(_images(3, 12))).shape == (3, 12, 12, 1)
    assert step(tf.constant(_images(5, 12))).shape == (5, 12, 12, 1)  # dynamic batch size


# --- classical augmentation ----------------------------------------------------------------

def test_classical_augment_without_rotation_or_shift_only_flips():
    x = _images(16, 12)
    out = augment.classical_augment(x, seed=0, max_rotation_degrees=0.0, max_shift=0.0).numpy()
    flipped = [np.allclose(o, i[:, ::-1], atol=1e-5) for o, i in zip(out, x)]
    kept = [np.allclose(o, i, atol=1e-5) for o, i in zip(out, x)]
    assert all(f or k for f, k in zip(flipped, kept)) and any(flipped) and any(kept)


def test_classical_augment_stays_in_range_and_is_seeded():
    x = _images(8, 20)
    out = augment.classical_augment(x, seed=2)
    assert out.shape == x.shape and out.dtype == tf.float32
    assert float(tf.reduce_min(out)) >= -1.0 - 1e-5 and float(tf.reduce_max(out)) <= 1.0 + 1e-5
    np.testing.assert_array_equal(out, augment.classical_augment(x, seed=2))
    assert not np.allclose(out, x)


def test_classical_rotation_turns_about_the_centre():
    image = np.zeros((1, 21, 21, 1), np.float32)
    image[0, 10, 2:19, 0] = 1.0  # a horizontal bar through the centre
    transforms = augment._affine_transforms(1, 21, 21, tf.constant([np.pi / 2]), tf.zeros([1]), tf.zeros([1]))
    out = tf.raw_ops.ImageProjectiveTransformV3(
        images=image, transforms=transforms, output_shape=[21, 21], fill_value=0.0,
        interpolation="NEAREST", fill_mode="CONSTANT").numpy()[0, ..., 0]
    np.testing.assert_array_equal(out[2:19, 10], 1.0)  # now vertical, same centre
    assert out[10, 2] == 0.0
