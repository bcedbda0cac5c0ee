"""Checks for the exercises of notebooks/02_gan_theory.ipynb (NumPy; TensorFlow only inside 4).

1. `check_optimal_discriminator`: implement D*(x) = p_data / (p_data + p_g).
2. `check_v_star_and_jsd`: compute V(D*, G) and JSD for two discrete distributions.
3. `check_saturation`: the generator losses' gradients at a logit where D rejects the fake.
4. `check_gradient_penalty`: WGAN-GP's penalty, against `training.losses.gradient_penalty`
   (imports TensorFlow when called, not when this module is imported).
"""

from __future__ import annotations

import math

import numpy as np

from medgan_course.exercises.core import checker

#: Exercise 2's distributions over four bins (the notebook prints the same arrays).
P_DATA = np.array([0.1, 0.4, 0.4, 0.1])
P_G = np.array([0.5, 0.3, 0.2, 0.0])
#: Exercise 3's logit: D(G(z)) = sigmoid(-6) ≈ 0.0025, D is sure the sample is fake.
SATURATION_LOGIT = -6.0


def _sigmoid(x):
    return 1.0 / (1.0 + math.exp(-x))


def _reference_d_star(p_data, p_g):
    total = p_data + p_g
    return np.divide(p_data, total, out=np.full_like(total, 0.5), where=total > 0)


def _sum_p_log(p, values):
    """Σ p·log(values) over the bins where p > 0 (0·log 0 = 0)."""
    where = p > 0
    return float(np.sum(p[where] * np.log(values[where])))


def reference_v_star_and_jsd(p_data=P_DATA, p_g=P_G):
    """(V(D*, G), JSD(p_data || p_g)) in nats for discrete distributions: the expected answer."""
    d = _reference_d_star(p_data, p_g)
    m = 0.5 * (p_data + p_g)
    v = _sum_p_log(p_data, d) + _sum_p_log(p_g, 1.0 - d)
    jsd = 0.5 * _sum_p_log(p_data, p_data / np.where(m > 0, m, 1.0)) \
        + 0.5 * _sum_p_log(p_g, p_g / np.where(m > 0, m, 1.0))
    return v, jsd


@checker("optimal discriminator")
def check_optimal_discriminator(fn):
    """`fn(p_data, p_g)` must return D* elementwise, and 0.5 where both densities are 0."""
    rng = np.random.default_rng(2)
    p_data, p_g = rng.uniform(0, 1, 50), rng.uniform(0, 1, 50)
    p_data[:5] = 0.0
    p_g[5:10] = 0.0
    p_data[10:12] = p_g[10:12] = 0.0
    expected = _reference_d_star(p_data, p_g)
    with np.errstate(divide="ignore", invalid="ignore"):
        answer = fn(p_data.copy(), p_g.copy())
    if answer is None:
        return False, "your function returned None: did you forget `return`?"
    answer = np.asarray(answer, dtype=np.float64)
    if answer.shape != expected.shape:
        return False, f"expected one value per point, shape {expected.shape}; got {answer.shape}."
    if np.allclose(answer, 1.0 - expected, equal_nan=True) and not np.allclose(answer, expected):
        return False, ("the roles are swapped: D(x) is the probability that x is REAL, so it "
                       "must be near 1 where p_data is large and p_g small.")
    ok = ~((p_data == 0) & (p_g == 0))
    if not np.allclose(answer[ok], expected[ok], atol=1e-9):
        return False, "not p_data / (p_data + p_g) at every point where one density is > 0."
    if not np.allclose(answer[~ok], 0.5):
        return False, ("correct where the densities are positive, but where p_data = p_g = 0 "
                       "(0/0) return 0.5: no sample ever lands there, so D is free, and "
                       "1/2 keeps the output finite (np.divide(..., where=...) helps).")
    return True, ("D* = p_data / (p_data + p_g): 1 where only real data lives, 0 where only "
                  "fakes do, 1/2 wherever the two densities agree.")


@checker("V(D*, G) and JSD")
def check_v_star_and_jsd(v_star, jsd):
    """`v_star` and `jsd` (floats, nats) for `P_DATA` and `P_G`; the identity must hold."""
    expected_v, expected_jsd = reference_v_star_and_jsd()
    if v_star is None or jsd is None:
        return False, "set both `v_star` and `jsd` to numbers."
    v_star, jsd = float(v_star), float(jsd)
    if math.isnan(v_star) or math.isnan(jsd):
        return False, ("a NaN: P_G has a bin with probability 0, and 0 * log 0 must count as 0 "
                       "(sum only over bins where the probability is > 0).")
    problems = []
    if not math.isclose(jsd, expected_jsd, abs_tol=1e-6):
        if math.isclose(jsd, expected_jsd / math.log(2), abs_tol=1e-6):
            return False, "JSD is in bits (log base 2); the identity uses natural logs (np.log)."
        problems.append("JSD is off: ½ KL(p_data || m) + ½ KL(p_g || m) with m = (p_data + p_g)/2")
    if not math.isclose(v_star, expected_v, abs_tol=1e-6):
        problems.append("V(D*, G) is off: Σ p_data log D* + Σ p_g log(1 - D*) with D* from "
                        "exercise 1")
    if problems:
        return False, "; ".join(problems) + "."
    return True, (f"V(D*, G) = {v_star:.4f} = -log 4 + 2·JSD = {-math.log(4) + 2 * jsd:.4f}: "
                  "the discriminator's best value measures how far p_g is from p_data.")


@checker("which loss saturates")
def check_saturation(minimax_grad, non_saturating_grad, saturating_loss):
    """Derivatives w.r.t. the logit l = -6 of log(1 - sigmoid(l)) and -log sigmoid(l)."""
    l = SATURATION_LOGIT  # noqa: E741  the lesson calls the logit l
    expected = {"minimax": -_sigmoid(l), "non_saturating": -_sigmoid(-l)}
    given = {"minimax": minimax_grad, "non_saturating": non_saturating_grad}
    for name, value in given.items():
        if value is None:
            return False, f"set `{name}_grad` to a number."
        if not math.isclose(float(value), expected[name], rel_tol=1e-3, abs_tol=1e-6):
            if math.isclose(float(value), -expected[name], rel_tol=1e-3):
                return False, (f"{name}: the right size but the wrong sign; both losses "
                               "FALL as the logit rises, so both derivatives are negative.")
            return False, (f"{name}: not the derivative at l = {l:g}. Write the loss with "
                           "s = sigmoid(l) and use ds/dl = s(1 - s).")
    if saturating_loss != "minimax":
        return False, ("the derivatives are right; now compare their sizes: which loss gives "
                       "the generator almost no gradient when D rejects its samples?")
    return True, (f"minimax: {expected['minimax']:.4f}, non-saturating: "
                  f"{expected['non_saturating']:.4f}. The minimax loss saturates exactly when "
                  "the generator is worst, early in training.")


# ----------------------------------------------------------------------------- exercise 4
#: Exercise 4's probes: batches of _GP_BATCH images of _GP_SHAPE; the linear critic's gradient
#: has norm _GP_SLOPE everywhere, so its correct penalty, (3 - 1)² = 4, needs no random ε.
_GP_BATCH, _GP_SHAPE, _GP_SLOPE, _GP_LAMBDA = 8, (4, 4, 1), 3.0, 10.0
#: Images of the probe where the gradient varies: (1/3 expected, sampling SD about 0.005).
_GP_WHERE_BATCH = 4096


def _gp_mistakes(w, batch=_GP_BATCH, lam=_GP_LAMBDA):
    """{mistake: (value it gives for a linear critic x -> w·x, feedback)} for `(D,)` weights `w`."""
    norm = float(np.linalg.norm(w))
    return {
        "lambda": (lam * (norm - 1) ** 2, f"this is λ = {lam:g} times the penalty: return the "
                   "penalty without λ (the critic's loss multiplies it by λ)."),
        "batch_norm": ((math.sqrt(batch) * norm - 1) ** 2, "one norm over the whole batch: take "
                       "the norm of each image's gradient (sum the squares over axes 1, 2, 3 "
                       "only), then average (||g_i|| - 1)² over the images."),
        "per_pixel": (float(np.mean((np.abs(w) - 1) ** 2)), "a norm per pixel: one image's "
                      "gradient norm sums the squares over all its pixels and channels "
                      "(axes 1, 2, 3)."),
        "no_square": (norm - 1, "missing the square: the penalty is (||g|| - 1)², averaged "
                      "over the images."),
        "no_minus_one": (norm ** 2, "missing the -1: the penalty pulls each gradient norm "
                         "towards 1, (||g|| - 1)², not towards 0."),
        "mean_norm": (norm, "this is the mean gradient norm: the penalty is (||g|| - 1)², "
                      "averaged over the images."),
        "squared_norm": ((norm ** 2 - 1) ** 2, "you subtracted 1 from the squared norm: take "
                         "the norm itself, sqrt(sum of squares), then (norm - 1)²."),
        "batch_sum": (batch * (norm - 1) ** 2, "summed over the images: average them "
                      "(tf.reduce_mean)."),
        "mean_scores": ((norm / batch - 1) ** 2, "you differentiated the MEAN of the critic's "
                        "scores, which divides every gradient by the batch size: differentiate "
                        "the scores themselves (tape.gradient(scores, x_hat))."),
    }


def _gp_probe_weights():
    """`(16,)` float64 weights of the linear probe critic, norm _GP_SLOPE.

    Seeded so that every value of `_gp_mistakes` differs from the others by over 10 %.
    """
    w = np.random.default_rng(1).normal(size=int(np.prod(_GP_SHAPE)))
    return w * (_GP_SLOPE / np.linalg.norm(w))


def _gp_value(result):
    """The learner's penalty as a float, or (None, what is wrong with it)."""
    if result is None:
        return None, "your function returned None: did you forget `return`?"
    value = np.asarray(result, dtype=np.float64)
    if value.size != 1:
        return None, (f"return one number (the mean over the batch); got shape {value.shape}.")
    value = float(value.reshape(()))
    return (value, "") if math.isfinite(value) else (None, f"the penalty is {value}.")


def _gp_where_feedback(values):
    """Feedback for the penalties of the critic ½||x||² between real = 0 and unit-norm fakes.

    There ||grad f(x_hat)|| = ε (or 1 - ε), so uniform ε gives E(1 - ε)² = 1/3 in every call.
    """
    if max(values) - min(values) > 0.05:
        return ("the value changes a lot from call to call: draw one ε per image "
                "(shape (N, 1, 1, 1)), not one ε for the whole batch.")
    value = float(np.mean(values))
    known = [(1.0, "the gradient is taken at the real images"),
             (0.7, "you differentiated with respect to the real images"),
             (8 / 15, "you differentiated with respect to the fake images"),
             (0.0, "the gradient is taken at the fake images")]
    for expected, what in known:
        if abs(value - expected) < 0.03:
            return (f"{what}: the penalty needs the critic's gradient with respect to its input "
                    "at the interpolates x_hat = real + ε (fake - real): tape.watch(x_hat), "
                    "then tape.gradient(critic(x_hat), x_hat).")
    if abs(value - (2 - 2 * math.sqrt(2 / math.pi))) < 0.03:  # E(|ε| - 1)² for ε ~ N(0, 1)
        return ("ε looks normally distributed (as in keras-io's example): draw ε ~ Uniform[0, 1] "
                "(tf.random.uniform), so that x_hat lies between the real and the fake image.")
    return None


@checker("gradient penalty")
def check_gradient_penalty(fn):
    """`fn(critic, real_images, fake_images)`: WGAN-GP's penalty without λ, a scalar.

    Three probes: a linear critic (gradient norm 3 everywhere: the formula's mistakes give
    known wrong values), the critic ½||x||² between 0 and unit-norm fakes (where the gradient
    is taken), and a small Keras MLP with real = fake images (the package's value exactly).
    """
    import keras
    import tensorflow as tf

    from medgan_course.training.losses import gradient_penalty

    rng = np.random.default_rng(4)
    size = int(np.prod(_GP_SHAPE))
    w = _gp_probe_weights()
    kernel = tf.constant(w[:, None], tf.float32)

    def linear(images, training=None):
        return tf.reshape(images, (-1, size)) @ kernel

    real, fake = (rng.normal(size=(_GP_BATCH, *_GP_SHAPE)).astype(np.float32) for _ in range(2))
    value, problem = _gp_value(fn(linear, tf.constant(real), tf.constant(fake)))
    if problem:
        return False, problem
    expected = float(gradient_penalty(linear, real, fake))
    linear_problem = ""
    if not math.isclose(value, expected, rel_tol=1e-3):
        for mistake, hint in _gp_mistakes(w).values():
            if math.isclose(value, mistake, rel_tol=1e-3):
                return False, hint
        linear_problem = (f"on a linear critic whose gradient has norm {_GP_SLOPE:g} everywhere "
                          f"the penalty is ({_GP_SLOPE:g} - 1)² = {expected:.4g}; yours is "
                          f"{value:.4g}.")

    def half_square(images, training=None):
        return 0.5 * tf.reduce_sum(tf.square(images), axis=[1, 2, 3])[:, None]

    zeros = np.zeros((_GP_WHERE_BATCH, *_GP_SHAPE), np.float32)
    units = rng.normal(size=zeros.shape).astype(np.float32)
    units /= np.linalg.norm(units.reshape(len(units), -1), axis=1)[:, None, None, None]
    values = []
    for _ in range(5):
        value, problem = _gp_value(fn(half_square, tf.constant(zeros), tf.constant(units)))
        if problem:
            return False, problem
        values.append(value)
    hint = _gp_where_feedback(values)
    if hint or linear_problem:  # where the gradient is taken explains a linear mismatch too
        return False, hint or linear_problem
    if abs(np.mean(values) - 1 / 3) > 0.03:
        return False, (f"on the critic ½||x||² between real = 0 and unit-norm fakes the penalty "
                       f"is about 1/3; yours is {np.mean(values):.3f}.")

    seeded = keras.initializers.GlorotUniform
    critic = keras.Sequential([keras.Input(_GP_SHAPE), keras.layers.Flatten(),
                               keras.layers.Dense(8, "tanh", kernel_initializer=seeded(seed=0)),
                               keras.layers.Dense(1, kernel_initializer=seeded(seed=1))])
    for _ in range(3):  # real = fake: x_hat is the same for every ε, so the values must agree
        images = tf.constant(rng.normal(size=(_GP_BATCH, *_GP_SHAPE)).astype(np.float32))
        value, problem = _gp_value(fn(critic, images, tf.identity(images)))
        if problem:
            return False, problem
        expected = float(gradient_penalty(critic, images, images))
        if not math.isclose(value, expected, rel_tol=1e-3, abs_tol=1e-6):
            return False, (f"on a small Keras critic your penalty is {value:.5g}, the package's "
                           f"training.losses.gradient_penalty gives {expected:.5g}.")
    return True, ("E[(||∇f(x_hat)||₂ - 1)²] at random interpolates, as "
                  "training.losses.gradient_penalty computes it; WGAN-GP adds λ = 10 times it to "
                  "the critic's loss.")
