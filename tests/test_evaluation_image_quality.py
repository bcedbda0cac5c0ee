"""Tests of medgan_course.evaluation.image_quality: PSNR and SSIM on [-1, 1] images."""

import numpy as np
import pytest
from scipy import ndimage

from medgan_course.evaluation.image_quality import psnr, ssim


@pytest.fixture
def images():
    rng = np.random.default_rng(0)
    return rng.uniform(-0.8, 0.8, size=(3, 28, 28, 1)).astype(np.float32)


def test_psnr_identical_is_infinite(images):
    values = psnr(images, images)
    assert values.shape == (3,) and np.isinf(values).all()


def test_psnr_constant_offset_known_value():
    reference = np.zeros((2, 16, 16, 1), np.float32)
    # MSE = 0.2^2 = 0.04, so PSNR = 10 log10(2^2 / 0.04) = 20 dB with data_range 2.
    np.testing.assert_allclose(psnr(reference, reference + 0.2), [20.0, 20.0], rtol=1e-5)
    in_unit_range = psnr(reference, reference + 0.2, data_range=1.0)
    np.testing.assert_allclose(in_unit_range, 10 * np.log10(1 / 0.04), rtol=1e-5)


def test_psnr_is_per_image(images):
    noisy = images.copy()
    noisy[1] += 0.1
    values = psnr(images, np.clip(noisy, -1, 1))
    assert np.isinf(values[0]) and np.isinf(values[2]) and np.isfinite(values[1])


def test_ssim_identical_is_one(images):
    np.testing.assert_allclose(ssim(images, images), 1.0)


def test_ssim_constant_images_reduce_to_luminance_term():
    # For flat images the contrast/structure terms are C2 / C2 = 1, so SSIM equals
    # (2 mu_x mu_y + C1) / (mu_x^2 + mu_y^2 + C1) with C1 = (0.01 * data_range)^2.
    x = np.zeros((1, 28, 28, 1))
    y = np.full((1, 28, 28, 1), 0.5)
    c1 = (0.01 * 2.0) ** 2
    np.testing.assert_allclose(ssim(x, y), c1 / (0.25 + c1), rtol=1e-6)


def _ssim_wang_2004(x, y, data_range=2.0):
    """Independent SSIM of two 2-D images: Gaussian window sigma 1.5, population (co)variances."""

    def blur(im):
        return ndimage.gaussian_filter(im, sigma=1.5, truncate=3.5, mode="reflect")

    mx, my = blur(x), blur(y)
    vx, vy, cxy = blur(x * x) - mx**2, blur(y * y) - my**2, blur(x * y) - mx * my
    c1, c2 = (0.01 * data_range) ** 2, (0.03 * data_range) ** 2
    s = (2 * mx * my + c1) * (2 * cxy + c2) / ((mx**2 + my**2 + c1) * (vx + vy + c2))
    return s[5:-5, 5:-5].mean()  # the 11-pixel window's half-width is cropped, as skimage does


def test_ssim_matches_an_independent_gaussian_window_implementation():
    rng = np.random.default_rng(2)
    x = rng.uniform(-1, 1, size=(28, 28))
    y = np.clip(0.7 * x + rng.normal(0, 0.2, size=(28, 28)), -1, 1)
    assert ssim(x[None, ..., None], y[None, ..., None])[0] == pytest.approx(_ssim_wang_2004(x, y), rel=1e-6)


def test_ssim_decreases_with_noise_and_handles_rgb():
    rng = np.random.default_rng(1)
    base = np.tile(np.linspace(-0.5, 0.5, 32, dtype=np.float32), (2, 32, 1))[..., None].repeat(3, axis=-1)
    slightly = np.clip(base + rng.normal(0, 0.05, base.shape), -1, 1)
    strongly = np.clip(base + rng.normal(0, 0.3, base.shape), -1, 1)
    s1, s2 = ssim(base, slightly), ssim(base, strongly)
    assert s1.shape == (2,)
    assert (1.0 > s1).all() and (s1 > s2).all()


def test_bad_input_is_refused(images):
    with pytest.raises(ValueError, match="same shape"):
        psnr(images, images[:2])
    with pytest.raises(ValueError, match="data_range"):
        psnr(images * 127.5 + 127.5, images * 127.5 + 127.5)  # [0, 255] with the default range 2
    with pytest.raises(ValueError, match="at least 11"):
        ssim(images[:, :8, :8], images[:, :8, :8])
    with pytest.raises(ValueError, match=r"\(N, H, W, C\)"):
        ssim(images[0], images[0])
