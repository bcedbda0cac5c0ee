"""Explainability and trust: a class direction in latent space, and the measurements of one seed.

The article names interpretability as one of GANs' open problems in medicine. This module
measures what the usual tools can tell about a class-conditional GAN (cDCGAN) and a classifier
trained on real BreastMNIST:

* a **class direction** in the generator's latent space, found the InterFaceGAN way (Shen et al.
  2020): label many generated images with the classifier, fit a linear model of its score on z
  (`class_direction`), then check on NEW latent vectors that moving along it changes the score
  monotonically and more than random directions of the same length do (`direction_check`);
* whether the class the cGAN was asked for is the class the classifier sees (the label's
  effect, `label_effect`, beside the direction's);
* the memorization fraction of generated images against the real-test floor;
* the saliency sanity check of `evaluation.saliency` (Adebayo et al. 2018).

`run_seed` trains one cGAN and one classifier and measures all of it; `bench/usecase_explain.py`
runs it over seeds. Taught in notebooks/10_explainability_and_trust.ipynb.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

import numpy as np

from medgan_course.evaluation.latent import move_along, random_directions
from medgan_course.usecases.classify import ClassifierBudget

#: How `class_direction` may fit the direction.
DIRECTION_METHODS = ("regression", "mean_difference")
#: Every per-seed measurement of `run_seed`, in table order, with a label for tables.
MEASURES = {
    "auc": "classifier test AUC (real data only)",
    "class_effect": "class direction: mean change of P(malignant) from -3 to +3",
    "random_effect_mean": "random directions: mean |change| (same length)",
    "effect_ratio": "ratio class / random",
    "beats_all_random": "class direction beats every random direction (fraction of seeds)",
    "monotonic_fraction": "held-out z whose P(malignant) rises monotonically (by >= 0.05)",
    "random_monotonic_fraction": "the same, up or down, along random directions",
    "label_effect": "label effect: P(malignant) with label malignant - with label benign, same z",
    "agreement_minority": "generated as malignant, called malignant",
    "agreement_majority": "generated as benign, called benign",
    "real_minority_called": "real malignant test images called malignant (sensitivity)",
    "memorized_fake_pixels": "generated images flagged as near-copies (pixels)",
    "memorized_real_pixels": "real test images flagged against train (pixels): the floor",
    "memorized_fake_features": "generated flagged (classifier features)",
    "memorized_real_features": "real test flagged (classifier features): the floor",
    "randomisation_spearman_gradient": "gradient saliency: rank corr. trained vs random weights",
    "randomisation_spearman_gradcam": "Grad-CAM: rank corr. trained vs random weights",
    "image_spearman_gradient": "gradient saliency: rank corr. with the image itself",
    "image_spearman_gradcam": "Grad-CAM: rank corr. with the image itself",
    "gradcam_centre_real": "Grad-CAM mass in the central quarter, real malignant",
    "gradcam_centre_fake": "Grad-CAM mass in the central quarter, generated malignant",
    "d_vs_classifier_spearman": "discriminator vs classifier saliency, rank corr. (generated)",
}


@dataclass(frozen=True)
class ExplainBudget:
    """What one seed trains and measures.

    Attributes:
        gan_steps, gan_recipe, gan_ema_decay: the cGAN, as in `usecases.imbalance.ImbalanceBudget`.
        classifier: the real-data classifier's `ClassifierBudget`.
        n_fit: generated images the class direction is fitted on.
        n_eval: NEW latent vectors the direction is checked on.
        n_random: random directions it is compared with.
        max_amount: traversals go from -max_amount to +max_amount (latent units) in `n_amounts` steps.
        n_amounts: points per traversal.
        n_saliency: real test images of the saliency sanity check.
        n_check: generated images per label for the label-agreement check.
    """

    gan_steps: int = 1500
    gan_recipe: str = "cdcgan"
    gan_ema_decay: float | None = 0.995
    classifier: ClassifierBudget = field(default_factory=lambda: ClassifierBudget(epochs=20, width=16))
    n_fit: int = 512
    n_eval: int = 64
    n_random: int = 8
    max_amount: float = 3.0
    n_amounts: int = 7
    n_saliency: int = 32
    n_check: int = 200

    @property
    def amounts(self) -> np.ndarray:
        """`(n_amounts,)` float64 from -max_amount to +max_amount."""
        return np.linspace(-self.max_amount, self.max_amount, self.n_amounts)

    def to_dict(self) -> dict:
        """JSON-ready (written into every result record)."""
        return dataclasses.asdict(self)


def _log_odds(scores) -> np.ndarray:
    """Probabilities `(N,)` -> log(p / (1 - p)), clipped so that 0 and 1 stay finite."""
    p = np.clip(np.asarray(scores, np.float64), 1e-6, 1.0 - 1e-6)
    return np.log(p / (1.0 - p))


def class_direction(z, scores, *, method: str = "regression", ridge: float = 1.0) -> np.ndarray:
    """A unit direction in latent space along which a classifier's score grows.

    Args:
        z: `(N, D)` latent vectors of generated images.
        scores: `(N,)` the classifier's probability of the class, in [0, 1], for each image.
        method: "regression": ridge least-squares fit of the score's log-odds on z, the
            direction is the coefficient vector (a linear boundary, as InterFaceGAN fits with an
            SVM). "mean_difference": mean z of the top quarter of scores minus mean z of the
            bottom quarter (simpler, no fit; noisier with few samples).
        ridge: the ridge penalty of "regression" (guards against N close to D).

    Returns:
        float32 `(D,)` of unit length.

    Raises:
        ValueError: bad shapes, an unknown method, N < 8, or scores that do not vary.
    """
    z = np.asarray(z, np.float64)
    s = np.asarray(scores, np.float64).reshape(-1)
    if z.ndim != 2 or len(z) != len(s) or len(z) < 8:
        raise ValueError(f"need z (N, D) and scores (N,) with N >= 8; got {z.shape}, {s.shape}")
    if method not in DIRECTION_METHODS:
        raise ValueError(f"method must be one of {DIRECTION_METHODS}; got {method!r}")
    if not np.isfinite(s).all() or s.min() < 0 or s.max() > 1:
        raise ValueError("scores must be probabilities in [0, 1]")
    if np.ptp(s) == 0:
        raise ValueError("the scores do not vary: no direction can explain them")
    if method == "regression":
        y = _log_odds(s)
        zc = z - z.mean(axis=0)
        w = np.linalg.solve(zc.T @ zc + ridge * np.eye(z.shape[1]), zc.T @ (y - y.mean()))
    else:
        low, high = np.quantile(s, [0.25, 0.75])
        top, bottom = z[s >= high], z[s <= low]
        w = top.mean(axis=0) - bottom.mean(axis=0)
    norm = np.linalg.norm(w)
    if norm == 0:
        raise ValueError("the fitted direction is zero")
    return (w / norm).astype(np.float32)


def traverse(z, direction, amounts) -> np.ndarray:
    """Points `z + a * direction` for each amount a: `(D,)`, `(D,)`, `(A,)` -> float32 `(A, D)`."""
    direction = np.asarray(direction, np.float32).reshape(1, -1)
    return np.stack([move_along(z, direction, [a]) for a in np.asarray(amounts).reshape(-1)])


def scores_along(score, z, direction, amounts) -> np.ndarray:
    """The score of every latent vector moved by every amount along one direction.

    Args:
        score: callable float32 `(n, D)` latent vectors -> `(n,)` scores (generate, then classify).
        z: `(N, D)` starting latent vectors.
        direction: `(D,)`.
        amounts: `(A,)` latent units.

    Returns:
        `(N, A)` float64.
    """
    z = np.asarray(z, np.float32)
    points = np.concatenate([traverse(row, direction, amounts) for row in z])
    return np.asarray(score(points), np.float64).reshape(len(z), -1)


def _monotonic(curves, tol: float, min_change: float) -> np.ndarray:
    """(N, A) -> (N,) bool: rises by at least `min_change` overall, no step dropping more than `tol`.

    The minimum rise keeps flat curves (a direction that changes nothing) from counting.
    """
    rises = curves[:, -1] - curves[:, 0] >= min_change
    return rises & (np.diff(curves, axis=1) >= -tol).all(axis=1)


def direction_check(score, z_eval, direction, amounts, *, n_random: int = 8, seed: int = 0,
                    tol: float = 0.01, min_change: float = 0.05) -> dict:
    """Does moving along `direction` change the score more than random directions do?

    Use latent vectors the direction was NOT fitted on, or the check flatters it.

    Args:
        score: callable `(n, D)` -> `(n,)` probabilities.
        z_eval: `(N, D)` held-out latent vectors.
        direction: `(D,)` unit direction (e.g. from `class_direction`).
        amounts: `(A,)` increasing amounts, e.g. -3 ... +3.
        n_random: random unit directions to compare with (`evaluation.latent.random_directions`).
        seed: seed of the random directions.
        tol: a step that lowers the score by at most this still counts as monotonic.
        min_change: a monotonic curve must also rise by at least this much in total.

    Returns:
        {"class_effect": mean over z of score(+max) - score(-max) along the direction,
         "random_effects": list of n_random |mean effect| of the random directions (sign-free,
         so the comparison is generous to them), "random_effect_mean", "effect_ratio" (class
         effect / mean random effect), "beats_all_random": bool, "monotonic_fraction": fraction
         of z whose score rises monotonically (by >= min_change), "random_monotonic_fraction":
         the same, up or down, averaged over the random directions, "curve": mean score per amount (A,) list}.
    """
    amounts = np.asarray(amounts, np.float64)
    if amounts.ndim != 1 or len(amounts) < 2 or np.any(np.diff(amounts) <= 0):
        raise ValueError(f"amounts must increase, with at least 2 values; got {amounts}")
    z_eval = np.asarray(z_eval, np.float32)
    curves = scores_along(score, z_eval, direction, amounts)
    effect = float(np.mean(curves[:, -1] - curves[:, 0]))
    randoms, random_mono = [], []
    for d in random_directions(z_eval.shape[1], n_random, seed):
        c = scores_along(score, z_eval, d, amounts)
        randoms.append(float(abs(np.mean(c[:, -1] - c[:, 0]))))
        either_way = _monotonic(c, tol, min_change) | _monotonic(-c, tol, min_change)
        random_mono.append(float(np.mean(either_way)))
    mean_random = float(np.mean(randoms))
    return {"class_effect": effect, "random_effects": randoms, "random_effect_mean": mean_random,
            "effect_ratio": effect / mean_random if mean_random > 0 else float("inf"),
            "beats_all_random": bool(effect > max(randoms)),
            "monotonic_fraction": float(np.mean(_monotonic(curves, tol, min_change))),
            "random_monotonic_fraction": float(np.mean(random_mono)),
            "curve": [float(v) for v in curves.mean(axis=0)]}


def gan_score(gan, classifier, label: int, positive_class: int = 0):
    """`z (n, D) -> (n,)` probability of `positive_class` for images generated with `label`."""
    from medgan_course.usecases.classify import positive_scores

    def score(z):
        z = np.asarray(z, np.float32)
        images = gan.generate(z, labels=np.full(len(z), label, np.int32))
        return positive_scores(classifier, images, positive_class)

    return score


def label_effect(gan, classifier, z, *, positive_class: int, other_class: int) -> float:
    """Mean change of the positive-class probability when only the cGAN's label changes.

    Same latent vectors `(N, D)`, label `positive_class` versus `other_class`: how much of the
    class the label controls, to set beside the latent direction's effect.
    """
    with_positive = gan_score(gan, classifier, positive_class, positive_class)(z)
    with_other = gan_score(gan, classifier, other_class, positive_class)(z)
    return float(np.mean(with_positive - with_other))


def review_candidates(scores, realness, k: int = 8) -> dict:
    """Generated images to show an expert first.

    Args:
        scores: `(N,)` the classifier's probability of the class asked for.
        realness: `(N,)` the discriminator's logit (larger = more real-looking to it).
        k: images per group.

    Returns:
        {"most_confident": the k highest scores, "least_real": the k lowest discriminator
         logits}, each `(k,)` int64 indices, best first.
    """
    scores, realness = np.asarray(scores).reshape(-1), np.asarray(realness).reshape(-1)
    if len(scores) != len(realness) or not 1 <= k <= len(scores):
        raise ValueError(f"need scores and realness of one length >= k; got {len(scores)}, "
                         f"{len(realness)}, k={k}")
    return {"most_confident": np.argsort(-scores, kind="stable")[:k].astype(np.int64),
            "least_real": np.argsort(realness, kind="stable")[:k].astype(np.int64)}


def discriminator_logits(gan, images, labels=None) -> np.ndarray:
    """The GAN's discriminator logit per image: `(N, H, W, C)` in [-1, 1] -> `(N,)` float64."""
    inputs = images if labels is None else [images, np.asarray(labels, np.int32)]
    return np.asarray(gan.discriminator.predict(inputs, batch_size=256, verbose=0),
                      np.float64).reshape(-1)


def train_models(dataset, budget: ExplainBudget, *, seed: int = 0, progress: bool = False):
    """One real-data classifier and one cDCGAN on the training split (both seeded).

    Returns:
        (gan, classifier, classifier_record, minority): the `training.gan.GAN`, the Keras
        classifier (logits), the record of `usecases.imbalance.run_arm` (metrics incl. the
        validation-chosen "threshold") plus "gan_steps" and "gan_stopped", the minority class.
    """
    from medgan_course.usecases import imbalance

    train, minority = imbalance.imbalanced_train_split(dataset.train, 1.0, seed)
    data = imbalance.arm_data("real", train, minority=minority, num_classes=dataset.num_classes)
    classifier, record = imbalance.run_arm("real", data, dataset, minority=minority,
                                           budget=budget.classifier, seed=seed)
    gan_budget = imbalance.ImbalanceBudget(gan_steps=budget.gan_steps, gan_recipe=budget.gan_recipe,
                                           gan_ema_decay=budget.gan_ema_decay)
    result = imbalance.train_conditional_gan(dataset, train, gan_budget, seed=seed, progress=progress)
    record = {**record, "gan_steps": int(result.steps), "gan_stopped": result.stopped}
    return result.gan, classifier, record, minority


def _memorization(gan, classifier, dataset, seed) -> dict:
    """Memorization fraction of generated vs real test images, in pixels and classifier features."""
    from medgan_course.evaluation.distances import memorization_from_features
    from medgan_course.models.classifier import feature_model
    from medgan_course.usecases.imbalance import synthetic_split_like

    fakes = synthetic_split_like(gan, dataset.test.labels, seed=30_000 + seed).images
    features = feature_model(classifier)
    spaces = {"pixels": lambda x: x.reshape(len(x), -1),
              "features": lambda x: features.predict(x, batch_size=256, verbose=0)}
    out = {}
    for name, embed in spaces.items():
        train = embed(dataset.train.images)
        out[f"memorized_fake_{name}"] = memorization_from_features(embed(fakes), train).fraction_flagged
        out[f"memorized_real_{name}"] = memorization_from_features(
            embed(dataset.test.images), train).fraction_flagged
    return out


def _sanity(classifier, gan, dataset, budget, minority, seed) -> dict:
    """Randomisation test and where the maps fall, on real test and generated images."""
    from medgan_course.evaluation import saliency
    from medgan_course.usecases.imbalance import generate_class

    rng = np.random.default_rng(seed)
    test = dataset.test
    pick = rng.choice(len(test.images), min(budget.n_saliency, len(test.images)), replace=False)
    real = test.images[pick]
    random_clf = saliency.randomised_copy(classifier, seed=seed)
    out = {}
    for name, fn in (("gradient", saliency.gradient_saliency), ("gradcam", saliency.grad_cam)):
        trained, randomised = fn(classifier, real, minority), fn(random_clf, real, minority)
        out[f"randomisation_spearman_{name}"] = float(np.nanmean(
            saliency.spearman_per_image(trained, randomised)))
        out[f"image_spearman_{name}"] = float(np.nanmean(
            saliency.spearman_per_image(trained, (real[..., 0] + 1) / 2)))
    real_minority = test.images[test.labels == minority][:budget.n_saliency]
    fake_minority = generate_class(gan, budget.n_saliency, minority, seed=40_000 + seed)
    out["gradcam_centre_real"] = float(np.nanmean(saliency.centre_mass(
        saliency.grad_cam(classifier, real_minority, minority))))
    out["gradcam_centre_fake"] = float(np.nanmean(saliency.centre_mass(
        saliency.grad_cam(classifier, fake_minority, minority))))
    labels = np.full(len(fake_minority), minority, np.int32)
    d_map = saliency.discriminator_saliency(gan.discriminator, fake_minority,
                                            labels if gan.num_classes else None)
    out["d_vs_classifier_spearman"] = float(np.nanmean(saliency.spearman_per_image(
        d_map, saliency.gradient_saliency(classifier, fake_minority, minority))))
    return out


def measure_seed(gan, classifier, dataset, budget: ExplainBudget, *, minority: int,
                 threshold: float, seed: int = 0) -> dict:
    """Every measurement of one seed, JSON-ready (see the module docstring).

    Returns:
        A flat dict of floats: class_effect, random_effect_mean, effect_ratio,
        beats_all_random (0/1), monotonic_fraction, random_monotonic_fraction, label_effect,
        agreement_minority / agreement_majority (fraction of generated images the classifier, at
        its validation threshold, calls the class the cGAN was asked for), memorized_* (fake and
        real test, pixels and features), randomisation_spearman_* and image_spearman_* (gradient,
        gradcam), gradcam_centre_real / _fake, d_vs_classifier_spearman; plus "curve" (list).
    """
    from medgan_course.usecases import imbalance

    majority = imbalance.majority_class(dataset.train.labels)
    score = gan_score(gan, classifier, majority, minority)
    z_fit = np.random.default_rng(50_000 + seed).standard_normal((budget.n_fit, gan.latent_dim))
    z_eval = np.random.default_rng(60_000 + seed).standard_normal((budget.n_eval, gan.latent_dim))
    direction = class_direction(z_fit, score(z_fit.astype(np.float32)))
    check = direction_check(score, z_eval, direction, budget.amounts, n_random=budget.n_random,
                            seed=seed)
    out = {k: v for k, v in check.items() if k != "random_effects"}
    out["beats_all_random"] = float(out["beats_all_random"])
    out["label_effect"] = label_effect(gan, classifier, z_eval.astype(np.float32),
                                       positive_class=minority, other_class=majority)
    fakes = imbalance.generate_class(gan, budget.n_check, minority, seed=10_000 + seed)
    others = imbalance.generate_class(gan, budget.n_check, majority, seed=10_000 + seed)
    real_minority = dataset.test.images[dataset.test.labels == minority]
    calls = imbalance.synthetic_class_check(classifier, fakes, real_minority, minority=minority,
                                            threshold=threshold, fake_other=others)
    out.update(agreement_minority=calls["fake_called_minority"],
               agreement_majority=1.0 - calls["other_called_minority"],
               real_minority_called=calls["real_called_minority"])
    out.update(_memorization(gan, classifier, dataset, seed))
    out.update(_sanity(classifier, gan, dataset, budget, minority, seed))
    return out


def run_seed(dataset, budget: ExplainBudget, *, seed: int = 0, progress: bool = False) -> dict:
    """Trains one classifier and one cDCGAN, then `measure_seed`: the record of one seed.

    Returns:
        {"metrics": measurements (floats) plus the classifier's test "auc",
         "curve": mean score per traversal amount, "classifier": the classifier's test metrics,
         "minority", "gan_steps"}.
    """
    gan, classifier, record, minority = train_models(dataset, budget, seed=seed, progress=progress)
    measured = measure_seed(gan, classifier, dataset, budget, minority=minority,
                            threshold=record["metrics"]["threshold"], seed=seed)
    curve = measured.pop("curve")
    metrics = {k: float(v) for k, v in measured.items()}
    metrics["auc"] = float(record["metrics"]["auc"])
    return {"metrics": metrics, "curve": curve, "classifier": record["metrics"],
            "minority": int(minority), "gan_steps": record["gan_steps"],
            "gan_stopped": record["gan_stopped"]}
