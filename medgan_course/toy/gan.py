"""`ToyGAN`: a GAN on 1-D/2-D toy data, small enough to train in seconds and watch step by step.

It is *the course's* GAN, not a copy: `training.gan.GAN` holds two small Keras MLPs, and its
`discriminator_step` / `generator_step` do the updates with the package's `training.losses`.
So the minimax / non-saturating comparison on the toy runs the very code that trains the DCGAN
in notebooks/04_training_loop.ipynb. `ToyGAN` adds what a playground needs: seeded real
batches, one update at a time (`step_discriminator`, `step_generator`), the alternation
(`step`, `train`), per-update loss logs, settable learning rates, `reset(seed)`, samples and
the discriminator's decision surface on a grid.

Speed: the steps run as `tf.function`s (eager Keras took about 0.2 s per update on the busy
2-core machine the course was written on, a graph a few milliseconds), and `train` runs many
rounds inside one graph (about 5x faster again). Tracing costs seconds, so
`reset` re-initialises the variables in place instead of building new networks: a multi-seed
experiment traces once per setting, not once per seed.
Taught in notebooks/02_gan_theory.ipynb.
"""

from __future__ import annotations

import numpy as np

from medgan_course.toy.data import toy_dataset

#: Each seed's latent vectors start this far apart in `GAN`'s counter-based random stream.
_STREAM_STRIDE = 2**32


def _mlp(input_dim, output_dim, hidden, depth, name):
    """Dense(hidden) + leaky ReLU, `depth` times, then Dense(output_dim) (float32, linear)."""
    import keras

    layers = [keras.Input((input_dim,))]
    for _ in range(depth):
        layers += [keras.layers.Dense(hidden, dtype="float32"), keras.layers.LeakyReLU(0.2)]
    layers.append(keras.layers.Dense(output_dim, dtype="float32"))
    return keras.Sequential(layers, name=name)


def _initialise(model, seed):
    """Glorot-uniform kernels (seeded per layer) and zero biases, assigned in place."""
    import keras

    dense = [layer for layer in model.layers if isinstance(layer, keras.layers.Dense)]
    for index, layer in enumerate(dense):
        init = keras.initializers.GlorotUniform(seed=seed * 1000 + index)
        layer.kernel.assign(init(layer.kernel.shape, "float32"))
        layer.bias.assign(np.zeros(layer.bias.shape, np.float32))


def _optimizer(name, learning_rate):
    """"adam" (beta_1 = 0.5, as DCGAN) or "sgd" (plain gradient descent)."""
    import keras

    if name == "adam":
        return keras.optimizers.Adam(learning_rate, beta_1=0.5)
    if name == "sgd":
        return keras.optimizers.SGD(learning_rate)
    raise ValueError(f"ToyGAN: optimizer must be 'adam' or 'sgd', got {name!r}")


def _reset_optimizer(optimizer):
    """Zeroes the optimizer's step count and moments (Adam), keeping the learning rate."""
    learning_rate = float(optimizer.learning_rate)
    for variable in optimizer.variables:
        variable.assign(np.zeros(variable.shape, variable.dtype))
    optimizer.learning_rate.assign(learning_rate)


class ToyGAN:
    """A generator and a discriminator (MLPs) on a `ToyDataset`, trained by alternating updates.

    Args:
        dataset: a `TOY_DATASETS` name ("gaussian_1d", "mixture_1d", "ring_2d", "grid_2d") or a
            `ToyDataset`.
        loss: a `training.losses.LOSS_NAMES` name ("minimax", "non_saturating", ...).
        d_lr, g_lr: learning rates of the discriminator and the generator.
        optimizer: "adam" (beta_1 = 0.5) or "sgd" for both networks. Adam divides each step
            by the gradient's running RMS, so it hides a uniformly small (saturated) gradient
            that plain SGD shows.
        latent_dim: size of z ~ N(0, I).
        hidden, depth: width and number of hidden layers of both MLPs.
        batch_size: real and fake samples per update.
        d_steps, g_steps: discriminator updates, then generator updates, per round (`step()`).
        seed: seeds the weights, the real batches and the latent vectors (same seed, same run).

    Attributes:
        history: {"d_loss": [...], "g_loss": [...], "fake_logit": [...]}, one float per update
            of the network concerned (fake_logit: mean D logit on the fakes, per D update).
        d_updates, g_updates: updates done since the last reset.
    """

    def __init__(self, dataset="ring_2d", *, loss="non_saturating", d_lr=1e-3, g_lr=1e-3,
                 optimizer="adam", latent_dim=2, hidden=64, depth=2, batch_size=256, d_steps=1,
                 g_steps=1, seed=0):
        import tensorflow as tf

        from medgan_course.training.gan import GAN

        self.dataset = toy_dataset(dataset)
        self.loss, self.batch_size = loss, int(batch_size)
        self.d_steps, self.g_steps = int(d_steps), int(g_steps)
        generator = _mlp(latent_dim, self.dataset.dim, hidden, depth, "generator")
        discriminator = _mlp(self.dataset.dim, 1, hidden, depth, "discriminator")
        # The GAN's base seed is fixed; `reset` moves each seed to its own part of the stream.
        self.gan = GAN(generator, discriminator, latent_dim, seed=0)
        self.gan.compile(d_optimizer=_optimizer(optimizer, d_lr), g_optimizer=_optimizer(optimizer, g_lr),
                         loss=loss)
        self._d_step = tf.function(self.gan.discriminator_step)
        self._g_step = tf.function(self.gan.generator_step)
        shape = (None, self.d_steps, self.batch_size, self.dataset.dim)
        # A closure per instance: TensorFlow would warn about "retracing" a shared method.
        self._rounds = tf.function(lambda real: self._rounds_graph(real),
                                   input_signature=[tf.TensorSpec(shape, tf.float32)])
        self.reset(seed)

    def reset(self, seed: int | None = None) -> ToyGAN:
        """Back to step 0: weights, Adam's state, logs, data and latent streams of `seed`.

        `ToyGAN(seed=s)` and `ToyGAN(seed=t).reset(s)` then train identically. The learning
        rates stay as they are. `seed=None` keeps the current seed.
        """
        self.seed = self.seed if seed is None else int(seed)
        _initialise(self.gan.generator, 2 * self.seed)
        _initialise(self.gan.discriminator, 2 * self.seed + 1)
        _reset_optimizer(self.gan.d_optimizer)
        _reset_optimizer(self.gan.g_optimizer)
        self.gan.rng_counter.assign(self.seed * _STREAM_STRIDE)
        self._rng = np.random.default_rng(self.seed)
        self.history = {"d_loss": [], "g_loss": [], "fake_logit": []}
        self.d_updates = self.g_updates = 0
        return self

    @property
    def learning_rates(self) -> tuple[float, float]:
        """(d_lr, g_lr) the optimizers use now."""
        return (float(self.gan.d_optimizer.learning_rate),
                float(self.gan.g_optimizer.learning_rate))

    def set_learning_rates(self, d_lr=None, g_lr=None) -> None:
        """Changes either learning rate in place (no retracing; Adam's moments are kept)."""
        if d_lr is not None:
            self.gan.d_optimizer.learning_rate.assign(float(d_lr))
        if g_lr is not None:
            self.gan.g_optimizer.learning_rate.assign(float(g_lr))

    def _log(self, d_loss=(), fake_logit=(), g_loss=()) -> None:
        self.history["d_loss"].extend(float(v) for v in d_loss)
        self.history["fake_logit"].extend(float(v) for v in fake_logit)
        self.history["g_loss"].extend(float(v) for v in g_loss)
        self.d_updates += len(d_loss)
        self.g_updates += len(g_loss)

    def step_discriminator(self) -> float:
        """One discriminator update on a fresh real batch and fresh fakes; returns d_loss."""
        logs = self._d_step(self.dataset.sample(self.batch_size, self._rng))
        self._log(d_loss=[logs["d_loss"]], fake_logit=[logs["fake_logit"]])
        return self.history["d_loss"][-1]

    def step_generator(self) -> float:
        """One generator update against the current (frozen) discriminator; returns g_loss."""
        self._log(g_loss=[self._g_step(self.batch_size)])
        return self.history["g_loss"][-1]

    def step(self) -> None:
        """One round of the alternation: `d_steps` discriminator updates, then `g_steps`
        generator updates (Goodfellow et al. 2014, Algorithm 1, with k = d_steps)."""
        for _ in range(self.d_steps):
            self.step_discriminator()
        for _ in range(self.g_steps):
            self.step_generator()

    def _rounds_graph(self, real):
        """Many rounds of `step()` in one graph (traced once).

        Args:
            real: `(rounds, d_steps, batch_size, dim)` float32 real batches.

        Returns:
            d_loss and fake_logit `(rounds * d_steps,)`, g_loss `(rounds * g_steps,)`, float32
            in update order.
        """
        import tensorflow as tf

        rounds = tf.shape(real)[0]
        d_log = tf.TensorArray(tf.float32, size=rounds * self.d_steps)
        f_log = tf.TensorArray(tf.float32, size=rounds * self.d_steps)
        g_log = tf.TensorArray(tf.float32, size=rounds * self.g_steps)
        for i in tf.range(rounds):
            for k in range(self.d_steps):  # Python loops: unrolled inside the graph
                logs = self.gan.discriminator_step(real[i, k])
                d_log = d_log.write(i * self.d_steps + k, logs["d_loss"])
                f_log = f_log.write(i * self.d_steps + k, logs["fake_logit"])
            for k in range(self.g_steps):
                g_log = g_log.write(i * self.g_steps + k, self.gan.generator_step(self.batch_size))
        return d_log.stack(), f_log.stack(), g_log.stack()

    def train(self, rounds: int, progress=None, chunk: int = 250) -> ToyGAN:
        """`rounds` rounds of the alternation, `chunk` rounds per graph call.

        Args:
            rounds: rounds to run (each `d_steps` D updates, then `g_steps` G updates).
            progress: optional tqdm-like class, called as `progress(total=rounds)`.
            chunk: rounds per graph call (its real batches are drawn at once).

        Returns:
            self, so that `ToyGAN(...).train(500).samples()` reads naturally.
        """
        bar = progress(total=int(rounds)) if progress else None
        done = 0
        while done < rounds:
            n = min(int(chunk), int(rounds) - done)
            real = self.dataset.sample(n * self.d_steps * self.batch_size, self._rng)
            real = real.reshape(n, self.d_steps, self.batch_size, self.dataset.dim)
            self._log(*(np.asarray(t) for t in self._rounds(real)))
            done += n
            if bar is not None:
                bar.update(n)
        if bar is not None:
            bar.close()
        return self

    def generator_gradient_norm(self, loss: str | None = None, n: int = 256, seed: int = 0):
        """Size of the generator's gradient right now: ||d g_loss / d theta_G||_2 (a float).

        The saturation experiment of notebooks/02_gan_theory.ipynb: with a discriminator that
        rejects the fakes, "minimax" gives a much smaller gradient than "non_saturating" on the
        same networks and the same z. Nothing is updated.

        Args:
            loss: a `training.losses` name; None uses this GAN's loss.
            n: fakes to average over, from z drawn with `seed`.
        """
        import tensorflow as tf

        from medgan_course.training.losses import generator_loss

        z = np.random.default_rng(seed).standard_normal((n, self.gan.latent_dim))
        variables = self.gan.generator.trainable_variables
        with tf.GradientTape() as tape:
            logits = self.gan.discriminator(self.gan.generator(z.astype(np.float32)))
            g_loss = generator_loss(loss or self.loss, logits)
        return float(tf.linalg.global_norm(tape.gradient(g_loss, variables)))

    def samples(self, n: int = 2500, seed: int | None = 0) -> np.ndarray:
        """`n` generator samples, float32 `(n, dim)`, from z drawn with `seed`."""
        z = np.random.default_rng(seed).standard_normal((n, self.gan.latent_dim))
        return np.asarray(self.gan.generator(z.astype(np.float32), training=False))

    def decision_surface(self, points) -> np.ndarray:
        """D(x) = sigmoid(logit) at `points` `(M, dim)`: float32 `(M,)` in [0, 1]."""
        points = np.asarray(points, np.float32).reshape(-1, self.dataset.dim)
        logits = np.asarray(self.gan.discriminator(points, training=False), np.float64)
        return (1.0 / (1.0 + np.exp(-logits.reshape(-1)))).astype(np.float32)

    def grid(self, resolution: int = 101, bounds=None) -> np.ndarray:
        """Evaluation points: `(R, 1)` in 1-D, `(R*R, 2)` row-major in 2-D.

        `bounds` = (low, high) of the square window; by default the data's (`dataset.bounds`).
        """
        low, high = self.dataset.bounds() if bounds is None else bounds
        ticks = np.linspace(low, high, resolution, dtype=np.float32)
        if self.dataset.dim == 1:
            return ticks[:, None]
        xx, yy = np.meshgrid(ticks, ticks)
        return np.stack([xx.ravel(), yy.ravel()], axis=1)
