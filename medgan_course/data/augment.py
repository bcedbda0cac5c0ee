"""Augmentation in TensorFlow ops: DiffAugment for GANs, classical augmentation for classifiers.

DiffAugment (Zhao, Liu, Lin, Zhu and Han, "Differentiable Augmentation for Data-Efficient GAN
Training", NeurIPS 2020) applies the same random, differentiable transformations to real AND
generated images before the discriminator sees them, in both the discriminator's and the
generator's step. The discriminator then cannot memorise a small training set (BreastMNIST has
546 images), and because every op is differentiable the generator still gets gradients. This
is a re-implementation of the paper's three policies with the parameters of its reference code
(brightness +-0.5, saturation x[0, 2], contrast x[0.5, 1.5], translation up to 1/8 of the
side with zero padding, cutout of a half-side square), for images in [-1, 1].
Taught in notebooks/08_label_scarcity.ipynb; classical augmentation in 07_class_imbalance.
"""

from __future__ import annotations

import math

from medgan_course._tf import require_tensorflow

tf = require_tensorflow()

TRANSLATION_RATIO = 0.125
CUTOUT_RATIO = 0.5


class _Randomness:
    """Uniform draws: stateful (new every call) when seed is None, else stateless and fixed.

    A fixed seed gives the same augmentation on every call: right for tests and figures,
    wrong inside a training loop, where seed=None must be used.
    """

    def __init__(self, seed):
        self.seed, self.calls = seed, 0

    def uniform(self, shape, minval=0.0, maxval=1.0, dtype=tf.float32):
        self.calls += 1
        if self.seed is None:
            return tf.random.uniform(shape, minval, maxval, dtype=dtype)
        # The seed may be an int or a (2,) int64 tensor (a training step's stateless seed);
        # each draw folds in its call number, so the draws of one call are independent.
        base = tf.cast(self.seed, tf.int64)
        base = tf.stack([base, tf.zeros_like(base)]) if base.shape.rank == 0 else base
        seed = tf.random.experimental.stateless_fold_in(base, self.calls)
        return tf.random.stateless_uniform(shape, seed=seed, minval=minval, maxval=maxval,
                                           dtype=dtype)


def _per_image(x, rand):
    """(B, 1, 1, 1) uniform [0, 1) draws in x's dtype, one per image of the batch."""
    return tf.cast(rand.uniform([tf.shape(x)[0], 1, 1, 1]), x.dtype)


def _brightness(x, rand):
    return x + (_per_image(x, rand) - 0.5)


def _saturation(x, rand):
    mean = tf.reduce_mean(x, axis=3, keepdims=True)  # no-op on grey images, by construction
    return (x - mean) * (2.0 * _per_image(x, rand)) + mean


def _contrast(x, rand):
    mean = tf.reduce_mean(x, axis=[1, 2, 3], keepdims=True)
    return (x - mean) * (_per_image(x, rand) + 0.5) + mean


def _shift_axis(x, shift, axis):
    """Shifts each image of x by shift[b] pixels along axis 1 or 2, filling with zeros."""
    size = tf.shape(x)[axis]
    source = tf.range(size)[None, :] - shift[:, None]  # (B, size): where each pixel comes from
    valid = tf.cast((source >= 0) & (source < size), x.dtype)
    moved = tf.gather(x, tf.clip_by_value(source, 0, size - 1), axis=axis, batch_dims=1)
    mask_shape = [-1, size, 1, 1] if axis == 1 else [-1, 1, size, 1]
    return moved * tf.reshape(valid, mask_shape)


def _translation(x, rand, ratio=TRANSLATION_RATIO):
    """Random integer shifts of up to ratio * side pixels; 0 (mid grey) fills the gap."""
    batch, height, width = tf.shape(x)[0], tf.shape(x)[1], tf.shape(x)[2]
    for axis, side in ((1, height), (2, width)):
        limit = tf.cast(tf.cast(side, tf.float32) * ratio + 0.5, tf.int32)
        shift = rand.uniform([batch], -limit, limit + 1, dtype=tf.int32)
        x = _shift_axis(x, shift, axis)
    return x


def _cutout(x, rand, ratio=CUTOUT_RATIO):
    """Sets a random (ratio * side)-square of every image to 0, its centre anywhere."""
    batch, height, width = tf.shape(x)[0], tf.shape(x)[1], tf.shape(x)[2]
    masks = []
    for side in (height, width):
        size = tf.cast(tf.cast(side, tf.float32) * ratio + 0.5, tf.int32)
        start = rand.uniform([batch, 1], 0, side, dtype=tf.int32) - size // 2
        position = tf.range(side)[None, :]
        masks.append((position >= start) & (position < start + size))  # (B, side)
    inside = masks[0][:, :, None] & masks[1][:, None, :]
    return x * tf.cast(~inside, x.dtype)[..., None]


POLICIES = {
    "color": (_brightness, _saturation, _contrast),
    "translation": (_translation,),
    "cutout": (_cutout,),
}


def _parse_policy(policy):
    """"color,translation" or ("color", "translation") -> list of policy names."""
    names = policy.split(",") if isinstance(policy, str) else list(policy)
    names = [name.strip() for name in names if name.strip()]
    unknown = [name for name in names if name not in POLICIES]
    if unknown:
        raise ValueError(f"unknown DiffAugment policies {unknown}; choose from {tuple(POLICIES)}.")
    return names


def diff_augment(images, policy="color,translation,cutout", seed=None):
    """DiffAugment: random differentiable colour, translation and cutout, per image.

    Apply it to real and generated batches alike, inside both training steps.

    Args:
        images: (B, H, W, C) float tensor in [-1, 1] (float16/bfloat16 work too).
        policy: comma-separated subset of "color", "translation", "cutout" (or a sequence of
            them), applied in that order; "" returns the images unchanged.
        seed: None draws fresh randomness every call; an int, or a `(2,)` int64 tensor (a
            training step's stateless seed, so that a resumed run repeats the draws), makes
            the draw a function of the seed.

    Returns:
        tensor of the same shape and dtype. Translation and cutout keep values in [-1, 1]
        (they fill with 0); colour can leave it (brightness +-0.5, contrast up to x1.5),
        exactly as in the paper, since real and fake images are shifted alike.
    """
    names = _parse_policy(policy)
    x = tf.convert_to_tensor(images)
    if x.shape.rank != 4 or not x.dtype.is_floating:
        raise ValueError(f"images must be a (B, H, W, C) float tensor, got {x.shape} {x.dtype}.")
    rand = _Randomness(seed)
    for name in names:
        for op in POLICIES[name]:
            x = op(x, rand)
    return x


def _affine_transforms(batch, height, width, angles, shifts_y, shifts_x):
    """(B, 8) projective transforms: rotation by `angles` about the centre, then a shift.

    ImageProjectiveTransformV3 maps each OUTPUT pixel to the INPUT point it samples, so this
    is the inverse of "rotate, then shift": input = R(-angle) (output - centre - shift) + centre.
    """
    cy, cx = (tf.cast(height, tf.float32) - 1.0) / 2.0, (tf.cast(width, tf.float32) - 1.0) / 2.0
    cos, sin = tf.cos(angles), tf.sin(angles)
    ox, oy = cx + shifts_x, cy + shifts_y
    zeros = tf.zeros([batch])
    return tf.stack([cos, sin, cx - cos * ox - sin * oy,
                     -sin, cos, cy + sin * ox - cos * oy, zeros, zeros], axis=1)


def classical_augment(images, seed=None, max_rotation_degrees=10.0, max_shift=0.1):
    """Label-preserving augmentation for classifiers: flip, small rotation and shift.

    Only left-right flips: ultrasound and CT images have a meaningful top (the probe, the
    anterior side), so an upside-down image is not a plausible example of the same class.
    Borders are filled by reflection, so the classifier cannot learn from black corners.

    Args:
        images: (B, H, W, C) float32 tensor in [-1, 1].
        seed: None for fresh randomness every call (training); an int for a fixed draw.
        max_rotation_degrees: rotations are uniform in +-this.
        max_shift: shifts are uniform in +-this fraction of the side.

    Returns:
        float32 tensor (B, H, W, C) in [-1, 1] (bilinear resampling stays within the input range).
    """
    x = tf.convert_to_tensor(images, dtype=tf.float32)
    if x.shape.rank != 4:
        raise ValueError(f"images must be (B, H, W, C), got shape {x.shape}.")
    rand = _Randomness(seed)
    batch, height, width = tf.shape(x)[0], tf.shape(x)[1], tf.shape(x)[2]
    flip = rand.uniform([batch, 1, 1, 1]) < 0.5
    x = tf.where(flip, tf.reverse(x, axis=[2]), x)
    max_angle = max_rotation_degrees * math.pi / 180.0
    angles = rand.uniform([batch], -max_angle, max_angle)
    shifts_y = rand.uniform([batch], -max_shift, max_shift) * tf.cast(height, tf.float32)
    shifts_x = rand.uniform([batch], -max_shift, max_shift) * tf.cast(width, tf.float32)
    return tf.raw_ops.ImageProjectiveTransformV3(
        images=x, transforms=_affine_transforms(batch, height, width, angles, shifts_y, shifts_x),
        output_shape=tf.shape(x)[1:3], fill_value=0.0, interpolation="BILINEAR",
        fill_mode="REFLECT",
    )
