"""The "debug the article's code" exercise: finds each of the article's training bugs by running.

The source article's training function (``ARTICLE_TRAIN_SOURCE``, section 4 of
``article_en.md``, comments translated) has five defects that stop it from training a GAN:

* ``undefined_names``: ``batch_size`` and ``noise_dim`` are never defined (NameError);
* ``whole_dataset_batch``: the whole training set goes to the discriminator as one batch;
* ``generator_sign``: the generator *minimises* D(G(z)), so it learns to look fake;
* ``unconstrained_critic``: the discriminator loss ``fake_loss - real_loss`` is a Wasserstein
  critic loss without any Lipschitz constraint (no clipping, no gradient penalty), so the
  critic's outputs grow without bound once it separates real from fake;
* ``test_images_as_fakes``: the call passes the MNIST *test* images as ``fake_images``; fakes
  must come from the generator (the parameter is never used).

`diagnose` runs a learner's function on tiny Keras models (4x4 "images", eager, about a
second) in three probes and reports each bug as present or fixed, with what was measured.
Nothing is read from the source text except which global names it uses. Taught in
notebooks/04_training_loop.ipynb (checked by `exercises.nb04.check_article_train`).
"""

from __future__ import annotations

import builtins
import dis
import inspect
import re
import types

import numpy as np

#: The article's training function as the notebook gives it to the learner (verbatim code,
#: comments translated). It needs `tf` (TensorFlow) in the namespace it is executed in.
ARTICLE_TRAIN_SOURCE = '''\
def train(generator, discriminator, generator_optimizer, discriminator_optimizer, real_images, fake_images, epochs=10000):
    for epoch in range(epochs):
        # Train the discriminator
        discriminator.trainable = True
        with tf.GradientTape() as gen_tape, tf.GradientTape() as disc_tape:
            noise = tf.random.normal([batch_size, noise_dim])
            generated_images = generator(noise, training=True)
            real_loss = discriminator(real_images, training=True)
            fake_loss = discriminator(generated_images, training=True)
            discriminator_loss = fake_loss - real_loss
        gradients_of_discriminator = disc_tape.gradient(discriminator_loss, discriminator.trainable_variables)
        discriminator_optimizer.apply_gradients(zip(gradients_of_discriminator, discriminator.trainable_variables))

        # Train the generator
        discriminator.trainable = False
        with tf.GradientTape() as gen_tape:
            noise = tf.random.normal([batch_size, noise_dim])
            generated_images = generator(noise, training=True)
            generator_loss = discriminator(generated_images, training=True)
        gradients_of_generator = gen_tape.gradient(generator_loss, generator.trainable_variables)
        generator_optimizer.apply_gradients(zip(gradients_of_generator, generator.trainable_variables))
'''  # noqa: E501  the article's code verbatim, long lines included

#: bug key -> what it is, in one line (the order of the report).
BUGS = {
    "undefined_names": "undefined batch_size / noise_dim",
    "whole_dataset_batch": "whole dataset as one batch",
    "generator_sign": "generator loss sign",
    "unconstrained_critic": "critic without a Lipschitz constraint",
    "test_images_as_fakes": "test images as fakes",
}

#: The probes' sizes: N_REAL training "images" of SIDE x SIDE x 1, batches of BATCH, z of LATENT.
N_REAL, N_TEST, BATCH, LATENT, SIDE = 64, 16, 16, 8, 4
#: The names the check passes arguments by (see `call_train`).
KNOWN_ARGUMENTS = ("generator", "discriminator", "generator_optimizer", "discriminator_optimizer",
                   "real_images", "fake_images", "epochs", "steps", "batch_size", "noise_dim")


def global_names(function) -> set:
    """Global names `function` reads (LOAD_GLOBAL/LOAD_NAME), nested code objects included."""
    names, codes = set(), [function.__code__]
    while codes:
        code = codes.pop()
        names |= {ins.argval for ins in dis.get_instructions(code)
                  if ins.opname in ("LOAD_GLOBAL", "LOAD_NAME")}
        codes += [c for c in code.co_consts if isinstance(c, types.CodeType)]
    return names


def undefined_globals(function) -> list:
    """The global names `function` reads that exist neither in its module nor in builtins."""
    return sorted(n for n in global_names(function)
                  if n not in function.__globals__ and not hasattr(builtins, n))


def _with_globals(function, extra):
    """A copy of `function` that also sees the names in `extra` (only where it lacks them)."""
    namespace = {**extra, **function.__globals__}
    copy = types.FunctionType(function.__code__, namespace, function.__name__,
                              function.__defaults__, function.__closure__)
    copy.__kwdefaults__ = function.__kwdefaults__
    return copy


def _keras():
    import keras

    return keras


def _dense(units, seed, **kwargs):
    keras = _keras()
    return keras.layers.Dense(units, kernel_initializer=keras.initializers.GlorotUniform(seed),
                              **kwargs)


def _generator(seed=0):
    """z `(N, LATENT)` -> images `(N, SIDE, SIDE, 1)` in [-1, 1] (two Dense layers, tanh)."""
    keras = _keras()
    return keras.Sequential([keras.Input((LATENT,)), _dense(32, seed, activation="relu"),
                             _dense(SIDE * SIDE, seed + 1, activation="tanh"),
                             keras.layers.Reshape((SIDE, SIDE, 1))], name="probe_generator")


def _discriminator(seed=0, hidden=True):
    """images -> logits `(N, 1)`; `hidden=False` gives a linear critic (logit = w.x + b)."""
    keras = _keras()
    layers = [keras.Input((SIDE, SIDE, 1)), keras.layers.Flatten()]
    if hidden:
        layers += [_dense(16, seed + 2), keras.layers.LeakyReLU(0.2)]
    return keras.Sequential(layers + [_dense(1, seed + 3)], name="probe_discriminator")


def _recording_discriminator(inner, watch, batch_sizes):
    """Wraps `inner`; appends each call's batch size to `batch_sizes`, notes if `watch` was fed.

    Returns the wrapper and a dict whose "saw_watched" says whether `watch` was ever an input.
    (Plain closures, not attributes: Keras would copy a list assigned to a layer attribute.)
    """
    keras = _keras()
    state = {"saw_watched": False}

    class RecordingDiscriminator(keras.Model):
        def __init__(self):
            super().__init__(name="discriminator")
            self.inner = inner

        def call(self, images, training=False):
            if images.shape[0] is not None:
                batch_sizes.append(int(images.shape[0]))
                if images.shape[0] == len(watch):
                    try:
                        state["saw_watched"] |= bool(np.allclose(np.asarray(images), watch))
                    except (TypeError, ValueError, NotImplementedError):
                        pass  # symbolic (inside tf.function): values cannot be compared
            return self.inner(images, training=training)

    return RecordingDiscriminator(), state


def call_train(train_fn, generator, discriminator, g_optimizer, d_optimizer, real_images,
               test_images, *, epochs=1, batch_size=BATCH):
    """Calls `train_fn` by parameter name with whatever of KNOWN_ARGUMENTS it takes.

    `steps` gets one epoch's worth of batches per epoch; `fake_images` gets the test images
    (as the article's call did). Missing `batch_size`/`noise_dim` globals are supplied so the
    other bugs can still be probed (`undefined_names` reports them).
    """
    values = {"generator": generator, "discriminator": discriminator,
              "generator_optimizer": g_optimizer, "discriminator_optimizer": d_optimizer,
              "real_images": real_images, "fake_images": test_images, "epochs": epochs,
              "steps": epochs * (len(real_images) // batch_size), "batch_size": batch_size,
              "noise_dim": LATENT}
    parameters = inspect.signature(train_fn).parameters
    kwargs = {name: values[name] for name in parameters if name in values}
    fn = _with_globals(train_fn, {"batch_size": batch_size, "noise_dim": LATENT})
    fn(**kwargs)


def _argument_problem(train_fn):
    """A message when the check cannot call `train_fn` (unknown required arguments), else None."""
    parameters = inspect.signature(train_fn).parameters
    unknown = [name for name, p in parameters.items() if name not in KNOWN_ARGUMENTS
               and p.default is inspect.Parameter.empty
               and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]
    if unknown:
        return (f"the check passes arguments by name ({', '.join(KNOWN_ARGUMENTS)}); it cannot "
                f"fill {', '.join(unknown)}: rename it or give it a default.")
    if "epochs" not in parameters and "steps" not in parameters:
        return "take `epochs` (or `steps`) as a parameter, so the check can run one short epoch."
    undefined = [n for n in undefined_globals(train_fn) if n not in ("batch_size", "noise_dim")]
    if undefined:
        return f"your function uses {', '.join(undefined)}, which is not defined anywhere."
    return None


def _sgd(learning_rate):
    return _keras().optimizers.SGD(learning_rate)


def _mean_logit(discriminator, images):
    return float(np.mean(np.asarray(discriminator(images, training=False))))


def _probe_generator(train_fn, rng, batch_size, seen):
    """Frozen D (learning rate 0), moving G: does D(G(z)) go up? Also records D's batches.

    `seen` (a list) receives the batch sizes D was called with, even if `train_fn` raises.
    """
    keras = _keras()
    real = rng.uniform(-1, 1, (N_REAL, SIDE, SIDE, 1)).astype(np.float32)
    test = rng.uniform(-1, 1, (N_TEST, SIDE, SIDE, 1)).astype(np.float32)
    generator, inner = _generator(1), _discriminator(1)
    frozen = keras.models.clone_model(inner)
    frozen.set_weights(inner.get_weights())
    recorder, state = _recording_discriminator(inner, test, seen)
    z = rng.standard_normal((256, LATENT)).astype(np.float32)
    before = _mean_logit(frozen, generator(z, training=False))
    call_train(train_fn, generator, recorder, _sgd(0.2), _sgd(0.0), real, test,
               batch_size=batch_size)
    after = _mean_logit(frozen, generator(z, training=False))
    return {"delta": after - before, "before": before, "after": after,
            "saw_test": state["saw_watched"]}


def _probe_critic(train_fn, rng, batch_size):
    """A critic that already separates real from fake by a huge margin: does the margin grow?

    Real images are near +0.8, the frozen generator's near -1, and the linear critic's logits
    about +38 and -48. A saturating loss (BCE, hinge) gives it (almost) no gradient; a gradient
    penalty or weight clipping shrinks it; an unconstrained Wasserstein loss keeps growing it.
    """
    real = (0.8 + rng.uniform(-0.1, 0.1, (N_REAL, SIDE, SIDE, 1))).astype(np.float32)
    test = rng.uniform(-1, 1, (N_TEST, SIDE, SIDE, 1)).astype(np.float32)
    generator, critic = _generator(2), _discriminator(2, hidden=False)
    kernel, _ = generator.layers[1].get_weights()
    generator.layers[1].set_weights([kernel * 0.01, np.full(SIDE * SIDE, -4.0, np.float32)])
    critic.layers[-1].set_weights([np.full((SIDE * SIDE, 1), 3.0, np.float32),
                                   np.zeros(1, np.float32)])
    fakes = np.asarray(generator(rng.standard_normal((N_REAL, LATENT)).astype(np.float32)))

    def margin():
        return _mean_logit(critic, real) - _mean_logit(critic, fakes)

    before = margin()
    call_train(train_fn, generator, critic, _sgd(0.0), _sgd(0.01), real, test,
               batch_size=batch_size)
    return {"before": before, "after": margin()}


def diagnose(train_fn, seed: int = 0) -> dict:
    """Runs the probes; returns {"bugs": {key: (present, detail)}, "error": message or None}.

    `present` is True (bug still there), False (fixed) or None (could not be tested because
    the function raised). Each detail says what was measured.
    """
    bugs = {}
    undefined = [n for n in ("batch_size", "noise_dim") if n in undefined_globals(train_fn)]
    bugs["undefined_names"] = (bool(undefined), f"{' and '.join(undefined)} never defined"
                               if undefined else "both defined")
    problem = _argument_problem(train_fn)
    if problem:
        return {"bugs": bugs, "error": problem}
    takes_fakes = "fake_images" in inspect.signature(train_fn).parameters
    seen = []
    try:
        runs = _run_probes(train_fn, seed, BATCH, seen)
    except NotImplementedError:
        raise  # an unsolved stub: the checker reports "not attempted"
    except Exception as err:  # reported as feedback, never raised
        if max(seen, default=0) < N_REAL:
            return {"bugs": bugs, "error": _raised(err)}
        # The whole training set met a batch of fakes of another size (the article's
        # `fake_loss - real_loss` cannot broadcast): probe the rest with batch = dataset.
        try:
            runs = _run_probes(train_fn, seed, N_REAL, [])
        except Exception as err2:  # reported as feedback too
            return {"bugs": bugs, "error": _raised(err2)}
    bugs.update(_judge(*runs, seen, takes_fakes))
    return {"bugs": bugs, "error": None}


def _raised(err):
    """The feedback for an exception from the learner's function (TF messages can be long)."""
    text = " ".join(re.sub(r"\x1b\[[0-9;]*m", "", str(err)).split())  # no terminal colours
    text = text if len(text) <= 240 else text[:240] + "..."
    return (f"your function raised {type(err).__name__}: {text} (the check's tiny generator "
            f"takes z of length {LATENT} and makes {SIDE}x{SIDE}x1 images: take batch_size and "
            "noise_dim as parameters, or read noise_dim from generator.input_shape[-1])")


def _run_probes(train_fn, seed, batch_size, seen):
    """(generator probe's measurements, critic probe's measurements)."""
    rng = np.random.default_rng(seed)
    return (_probe_generator(train_fn, rng, batch_size, seen),
            _probe_critic(train_fn, rng, batch_size))


def _judge(generator_run, critic_run, batch_sizes, takes_fakes):
    """Turns the probes' measurements into {bug: (present, detail)}."""
    bugs = {}
    largest = max(batch_sizes, default=0)
    bugs["whole_dataset_batch"] = (
        largest >= N_REAL,
        f"the discriminator received all {N_REAL} training images in one call" if largest >= N_REAL
        else f"the discriminator's largest batch was {largest} of {N_REAL} images")
    delta = generator_run["delta"]
    if abs(delta) < 1e-6:
        bugs["generator_sign"] = (True, "the generator did not change at all: apply its "
                                        "gradients with generator_optimizer")
    else:
        bugs["generator_sign"] = (
            delta < 0, f"against a fixed discriminator, training moved the mean D(G(z)) from "
                       f"{generator_run['before']:.3f} to {generator_run['after']:.3f} "
                       + ("(towards 'fake')" if delta < 0 else "(towards 'real')"))
    before, after = critic_run["before"], critic_run["after"]
    tolerance = 1e-3 * abs(before)
    grows = after - before > tolerance
    verb = ("grew it to" if grows else "shrank it to" if before - after > tolerance
            else "left it at")
    bugs["unconstrained_critic"] = (
        grows, f"a critic already separating real from fake by {before:.1f} logits: training "
               f"{verb} {after:.1f}" + (", nothing bounds it" if grows else ""))
    fed = generator_run["saw_test"]
    bugs["test_images_as_fakes"] = (
        takes_fakes or fed,
        "the discriminator was fed the test images as fakes" if fed
        else "the function still takes `fake_images`, where the article passes the test images"
        if takes_fakes else "fakes come from the generator only")
    return bugs


def report(diagnosis: dict) -> tuple[bool, str]:
    """(all fixed?, a one-paragraph message listing each bug as fixed or still present)."""
    bugs = diagnosis["bugs"]
    present = [k for k in BUGS if bugs.get(k, (None,))[0] is True]
    unknown = [k for k in BUGS if k not in bugs or bugs[k][0] is None]
    fixed = [k for k in BUGS if bugs.get(k, (None,))[0] is False]
    parts = []
    if diagnosis["error"]:
        parts.append(f"the check could not run your function: {diagnosis['error']}")
    if present:
        parts.append(f"{len(present)} of {len(BUGS)} bugs still present: " + "; ".join(
            f"✗ {BUGS[k]}: {bugs[k][1]}" for k in present))
    if fixed:
        parts.append("fixed: " + "; ".join(f"✓ {BUGS[k]}: {bugs[k][1]}" for k in fixed))
    if unknown and diagnosis["error"]:
        parts.append("not tested yet: " + ", ".join(BUGS[k] for k in unknown))
    passed = not present and not unknown and not diagnosis["error"]
    if passed:
        parts.insert(0, "all five bugs are fixed")
    return passed, " — ".join(parts) + "."
