"""Tests of medgan_course.evaluation.distances on features with known answers (NumPy only).

The image-level behaviour (FID/KID growing with blur, noise and a dropped class, with the trained
DomainExtractor) is tested in test_evaluation_features.py.
"""

import numpy as np
import pytest

from medgan_course.evaluation import distances as distances_module
from medgan_course.evaluation.distances import (
    distance_report,
    fid,
    frechet_distance,
    kernel_inception_distance,
    memorization_report,
    nearest_neighbours,
    precision_recall,
    real_vs_real_floor,
)
from medgan_course.evaluation.features import PixelExtractor


def _exact_moments(n, mean, cov, seed):
    """(n, D) samples whose sample mean and sample covariance (ddof=1) are exactly mean and cov."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, len(mean)))
    x -= x.mean(axis=0)
    x = x @ np.linalg.inv(np.linalg.cholesky(np.cov(x, rowvar=False))).T  # whiten: covariance I
    return x @ np.linalg.cholesky(cov).T + mean


def test_frechet_distance_zero_for_identical_features():
    x = np.random.default_rng(0).normal(size=(200, 8))
    assert frechet_distance(x, x) == pytest.approx(0.0, abs=1e-8)


def test_frechet_distance_closed_form_diagonal_gaussians():
    mu1, mu2 = np.array([0.0, 1.0, 2.0]), np.array([1.0, -1.0, 2.5])
    s1, s2 = np.array([1.0, 4.0, 0.5]), np.array([2.0, 1.0, 0.5])
    a = _exact_moments(400, mu1, np.diag(s1), seed=1)
    b = _exact_moments(300, mu2, np.diag(s2), seed=2)
    expected = np.sum((mu1 - mu2) ** 2) + np.sum(s1 + s2 - 2 * np.sqrt(s1 * s2))
    assert frechet_distance(a, b) == pytest.approx(expected, rel=1e-8)


def test_frechet_distance_full_covariances_match_eigenvalue_formula():
    rng = np.random.default_rng(3)
    m1, m2 = rng.normal(size=(5, 5)), rng.normal(size=(5, 5))
    c1, c2 = m1 @ m1.T + np.eye(5), m2 @ m2.T + np.eye(5)
    a = _exact_moments(100, np.zeros(5), c1, seed=4)
    b = _exact_moments(100, np.ones(5), c2, seed=5)
    # Tr sqrt(C1 C2) = sum of square roots of the (real, positive) eigenvalues of C1 C2.
    tr_sqrt = np.sum(np.sqrt(np.linalg.eigvals(c1 @ c2).real))
    expected = 5.0 + np.trace(c1) + np.trace(c2) - 2 * tr_sqrt
    assert frechet_distance(a, b) == pytest.approx(expected, rel=1e-7)


def test_frechet_distance_singular_covariance_stays_finite():
    rng = np.random.default_rng(6)
    a, b = rng.normal(size=(10, 40)), rng.normal(size=(10, 40))  # fewer samples than dimensions
    value = frechet_distance(a, b)
    assert np.isfinite(value) and value > 0


def test_frechet_distance_ignores_a_dead_feature():
    # A feature that never varies (a dead ReLU) makes both covariances singular; the eps
    # retry must give the distance of the live features, not a warning or garbage.
    rng = np.random.default_rng(21)
    a, b = rng.normal(size=(200, 4)), rng.normal(size=(200, 4)) * 1.5 + 0.3
    dead_a, dead_b = np.hstack([a, np.zeros((200, 1))]), np.hstack([b, np.zeros((200, 1))])
    assert frechet_distance(dead_a, dead_b) == pytest.approx(frechet_distance(a, b), abs=1e-4)


def test_frechet_distance_imaginary_part_dropped_when_tiny_refused_when_large(monkeypatch):
    a = np.random.default_rng(22).normal(size=(50, 2))
    b = a + 1.0  # same covariance: Tr sqrt(S S) = Tr S, so FID = ||mu_a - mu_b||^2 = 2
    real_root = distances_module.linalg.sqrtm(np.cov(a, rowvar=False) @ np.cov(b, rowvar=False))
    monkeypatch.setattr(distances_module.linalg, "sqrtm", lambda m: real_root + 1e-9j)
    assert frechet_distance(a, b) == pytest.approx(2.0)
    monkeypatch.setattr(distances_module.linalg, "sqrtm", lambda m: real_root + 0.5j)
    with pytest.raises(ValueError, match="imaginary component"):
        frechet_distance(a, b)


def test_frechet_distance_rejects_bad_input():
    x = np.zeros((10, 3))
    with pytest.raises(ValueError, match="dimensions differ"):
        frechet_distance(x, np.zeros((10, 4)))
    with pytest.raises(ValueError, match=r"\(N, D\)"):
        frechet_distance(np.zeros(10), x)
    with pytest.raises(ValueError, match="NaN"):
        frechet_distance(np.full((10, 3), np.nan), x)


def _mmd2_by_loops(x, y):
    """Unbiased MMD^2 with k(a, b) = (a.b / d + 1)^3, written out term by term."""
    m, d = x.shape

    def k(a, b):
        return (a @ b / d + 1.0) ** 3

    xx = sum(k(x[i], x[j]) for i in range(m) for j in range(m) if i != j) / (m * (m - 1))
    yy = sum(k(y[i], y[j]) for i in range(m) for j in range(m) if i != j) / (m * (m - 1))
    xy = sum(k(x[i], y[j]) for i in range(m) for j in range(m)) / m**2
    return xx + yy - 2 * xy


def test_kid_matches_hand_written_unbiased_estimator():
    rng = np.random.default_rng(7)
    x, y = rng.normal(size=(4, 3)), rng.normal(size=(4, 3)) + 0.5
    mean, std = kernel_inception_distance(x, y, subset_size=4, n_subsets=3)
    # A subset of the whole set is the whole set (permuted): every subset gives the same value.
    assert mean == pytest.approx(_mmd2_by_loops(x, y)) and std == pytest.approx(0.0, abs=1e-12)


def test_kid_near_zero_for_same_distribution_and_positive_when_shifted():
    rng = np.random.default_rng(8)
    real = rng.normal(size=(300, 16))
    same = rng.normal(size=(300, 16))
    shifted = rng.normal(size=(300, 16)) + 0.5
    same_mean, same_std = kernel_inception_distance(real, same, subset_size=100, n_subsets=50)
    shifted_mean, _ = kernel_inception_distance(real, shifted, subset_size=100, n_subsets=50)
    assert abs(same_mean) < 2 * same_std  # unbiased: centred on 0 (a biased estimate would be > 0)
    assert shifted_mean > 10 * abs(same_mean) and shifted_mean > 5 * same_std


def test_kid_is_unbiased_on_average_for_tiny_samples():
    rng = np.random.default_rng(9)
    values = [kernel_inception_distance(rng.normal(size=(10, 4)), rng.normal(size=(10, 4)), n_subsets=1)[0]
              for _ in range(300)]
    # The biased V-statistic would average about 2 E[k(x, x) - k(x, y)] / m > 0.1 here.
    assert abs(np.mean(values)) < 3 * np.std(values) / np.sqrt(len(values))
    assert min(values) < 0  # unbiased estimates can be negative


def test_kid_clips_subset_size_and_is_seeded():
    rng = np.random.default_rng(10)
    a, b = rng.normal(size=(30, 5)), rng.normal(size=(20, 5))
    assert kernel_inception_distance(a, b, subset_size=1000, n_subsets=5, seed=1) == \
        kernel_inception_distance(a, b, subset_size=20, n_subsets=5, seed=1)
    with pytest.raises(ValueError, match="subset_size"):
        kernel_inception_distance(a, b, subset_size=1)


def test_nearest_neighbours_exact_small_case():
    reference = np.array([[0.0, 0.0], [3.0, 4.0], [1.0, 0.0], [10.0, 10.0]])
    query = np.array([[0.9, 0.0], [3.0, 4.0]])
    distances, indices = nearest_neighbours(query, reference, k=2)
    np.testing.assert_array_equal(indices, [[2, 0], [1, 2]])
    np.testing.assert_allclose(distances, [[0.1, 0.9], [0.0, np.sqrt(4 + 16)]], atol=1e-12)
    assert distances[1, 0] == 0.0
    # Far from the origin, ||q||^2 + ||r||^2 - 2 q.r loses ~1e-10 to rounding; the returned
    # distances are recomputed exactly, so a translation changes nothing.
    far_d, far_i = nearest_neighbours(query + 1000.0, reference + 1000.0, k=2)
    np.testing.assert_array_equal(far_i, indices)
    np.testing.assert_allclose(far_d, distances, rtol=1e-12, atol=1e-12)


def test_nearest_neighbours_chunked_matches_brute_force():
    rng = np.random.default_rng(11)
    query, reference = rng.normal(size=(23, 6)), rng.normal(size=(17, 6))
    all_d = np.linalg.norm(query[:, None] - reference[None], axis=2)
    distances, indices = nearest_neighbours(query, reference, k=3, chunk_size=4)
    np.testing.assert_array_equal(indices, np.argsort(all_d, axis=1)[:, :3])
    np.testing.assert_allclose(distances, np.sort(all_d, axis=1)[:, :3])
    with pytest.raises(ValueError, match="k must be"):
        nearest_neighbours(query, reference, k=18)


def _two_modes(n, seed, modes=(0, 1)):
    """(n, 8) features from Gaussian blobs around well-separated centres, spread over `modes`."""
    rng = np.random.default_rng(seed)
    centres = np.array([np.full(8, 0.0), np.full(8, 6.0)])
    return centres[rng.choice(modes, n)] + rng.normal(size=(n, 8))


def test_precision_recall_identical_disjoint_and_mode_dropped():
    real = _two_modes(400, seed=12)
    assert precision_recall(real, real) == (1.0, 1.0)
    assert precision_recall(real, real + 100.0) == (0.0, 0.0)
    both = precision_recall(real, _two_modes(400, seed=13))
    one_mode = precision_recall(real, _two_modes(400, seed=14, modes=(0,)))
    assert both.precision > 0.8 and both.recall > 0.8  # k-NN balls miss some tails in 8-D
    # Dropping a mode: samples still look real (precision unchanged), half the data is never made.
    assert one_mode.precision == pytest.approx(both.precision, abs=0.05)
    assert 0.3 < one_mode.recall < 0.6 and one_mode.recall < both.recall - 0.3


def test_memorization_flags_exact_copies():
    rng = np.random.default_rng(15)
    train = rng.uniform(-1, 1, size=(40, 12, 12, 1)).astype(np.float32)
    new = rng.uniform(-1, 1, size=(6, 12, 12, 1)).astype(np.float32)
    copies = train[[3, 17, 29]]
    report = memorization_report(np.concatenate([copies, new]), train, k=2)
    np.testing.assert_array_equal(report.flagged, [True] * 3 + [False] * 6)
    np.testing.assert_array_equal(report.indices[:3, 0], [3, 17, 29])
    np.testing.assert_array_equal(report.ratios[:3], 0.0)
    assert report.distances.shape == (9, 2) and report.train_nn_distances.shape == (40,)
    assert report.fraction_flagged == pytest.approx(3 / 9)
    assert (report.train_nn_distances > 0).all()  # leave-one-out: no image is its own neighbour


def test_memorization_flags_near_copies_but_not_new_images():
    rng = np.random.default_rng(16)
    train = np.clip(rng.normal(0, 0.4, size=(60, 12, 12, 1)), -1, 1).astype(np.float32)
    near = np.clip(train[:5] + rng.normal(0, 0.05, size=(5, 12, 12, 1)), -1, 1).astype(np.float32)
    new = np.clip(rng.normal(0, 0.4, size=(20, 12, 12, 1)), -1, 1).astype(np.float32)
    report = memorization_report(np.concatenate([near, new]), train)
    assert report.flagged[:5].all() and not report.flagged[5:].any()
    assert 0.7 < np.median(report.ratios[5:]) < 1.3  # new images sit as far as train images do


def test_real_vs_real_floor_and_distance_report():
    real_a, real_b = _two_modes(300, seed=17), _two_modes(300, seed=18)
    floor = real_vs_real_floor(real_a, real_b, subset_size=100, n_subsets=20)
    assert (floor.n_real, floor.n_fake) == (300, 300)
    assert floor == distance_report(real_a, real_b, subset_size=100, n_subsets=20)
    worse = distance_report(real_a, _two_modes(300, seed=19, modes=(0,)), subset_size=100, n_subsets=20)
    assert worse.fid > floor.fid and worse.kid_mean > floor.kid_mean
    small = real_vs_real_floor(real_a, real_b, sample_size=50, subset_size=100, n_subsets=20)
    assert (small.n_real, small.n_fake) == (50, 50)
    assert small.fid > floor.fid  # FID's small-sample bias: why the floor needs the same N
    with pytest.raises(ValueError, match="sample_size"):
        real_vs_real_floor(real_a, real_b, sample_size=301)


def test_fid_of_images_uses_the_extractor():
    rng = np.random.default_rng(20)
    images = rng.uniform(-1, 1, size=(50, 8, 8, 1)).astype(np.float32)
    extractor = PixelExtractor(downsample=4)  # test-only feature space: 4 pooled pixels
    assert fid(images, images, extractor) == pytest.approx(0.0, abs=1e-9)
    assert fid(images, images * 0.5, extractor) > 0.0
    with pytest.raises(TypeError, match="float"):
        fid((images * 127 + 128).astype(np.uint8), images, extractor)


@pytest.mark.real_data
def test_breastmnist_test_split_has_near_duplicates_of_training_images(real_data_dir):
    # The fact quoted in memorization_report's docstring: the floor for "copies" is not 0.
    with np.load(real_data_dir / "breastmnist.npz") as data:
        train, test = (data[f"{split}_images"][..., None].astype(np.float32) / 127.5 - 1
                       for split in ("train", "test"))
    report = memorization_report(test, train)
    assert 0.33 < report.fraction_flagged < 0.43
    assert int(np.sum(report.distances[:, 0] == 0.0)) == 1
