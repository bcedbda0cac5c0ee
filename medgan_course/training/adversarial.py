"""`AdversarialModel`: the shape shared by `GAN`, `Pix2Pix` and `SemiSupervisedGAN`.

All three follow keras-io's GAN examples: the model owns a generator, a discriminator and one
optimizer for each, `compile(*, d_optimizer=, g_optimizer=)` takes the two by keyword,
`train_step` differentiates each network's loss on its own tape, and `Mean` trackers give
Keras's progress bar and `History` the epoch means. What the base adds, and why:

* `compile` builds the model's optimizers at once. Keras otherwise creates optimizer
  variables lazily on the first step, which (seen with TF 2.21 / Keras 3.15) fails under
  `MirroredStrategy` ("cond/Placeholder"), silently drops Adam's moments when weights are
  loaded into a fresh model, and lets `BackupAndRestore` resume with reset optimizers.
* Under a `mixed_float16` policy each optimizer is wrapped in `LossScaleOptimizer` (Keras wraps
  only its own default optimizer); `scaled_loss` then scales what a tape differentiates.
* `train_step` returns THIS step's values (`_record`), for every model alike, so that
  `callbacks.LossHistory` records per-step losses; the trackers still hold the running means
  that `fit` reports per epoch.
* A counter-based (stateless) latent stream whose counter is saved with the weights, so a
  resumed run draws exactly the z an uninterrupted run would have drawn.
"""

from __future__ import annotations

from medgan_course._tf import require_tensorflow

tf = require_tensorflow()

import keras  # noqa: E402  (after the version check on purpose)

#: The two optimizers, in the order `compile` checks them, with the network each one moves.
OPTIMIZER_NETWORKS = {"d_optimizer": "discriminator", "g_optimizer": "generator"}


def replicas():
    """Replicas sharing each global batch (1 outside a multi-replica strategy)."""
    return tf.distribute.get_replica_context().num_replicas_in_sync


def replica_id():
    """This replica's index (an int32 tensor or 0)."""
    return tf.distribute.get_replica_context().replica_id_in_sync_group



def critic_batches(real_images, labels, n_critic):
    """Splits one training batch into `n_critic` real batches, one per critic step.

    Image i goes to critic step i % n_critic: every replica of a multi-replica strategy then
    splits its share alike, and each step sees the images of a one-device run.

    Args:
        real_images: `(n_critic * B, H, W, C)` float32 in [-1, 1].
        labels: `(n_critic * B,)` int32, or None.
        n_critic: critic steps per generator step, >= 1.

    Returns:
        list of `n_critic` pairs (real_images `(B, H, W, C)`, labels `(B,)` int32 or None).

    Raises:
        ValueError: the batch is not a multiple of n_critic (in a traced step whose batch size
            is unknown until it runs, tf.errors.InvalidArgumentError with the same message).
    """
    if n_critic == 1:
        return [(real_images, labels)]
    message = (f"GAN: with n_critic={n_critic} a batch holds one real batch per critic step, "
               "so its size must be a multiple of n_critic; build the data with "
               "batch_size=gan.real_batch_size(batch_size)")
    size = real_images.shape[0]
    if size is None:
        tf.debugging.assert_equal(tf.shape(real_images)[0] % n_critic, 0, message)
    elif size % n_critic:
        raise ValueError(f"{message} (got {size} images)")
    return [(real_images[k::n_critic], None if labels is None else labels[k::n_critic])
            for k in range(n_critic)]

class AdversarialModel(keras.Model):
    """Common compile, optimizer building, loss scaling, trackers and update code.

    Subclasses set `self.generator` and `self.discriminator` (either may be None when the
    model trains without it; `_trains` says which networks get an optimizer), call
    `_make_trackers(names)` in `__init__`, and define `train_step` with `scaled_loss`,
    `_apply` and `_record`.
    """

    # ---------------------------------------------------------------------------- compiling
    def compile(self, *, d_optimizer=None, g_optimizer=None, jit_compile=False,
                steps_per_execution=1, **kwargs):
        """Sets the two optimizers (by keyword) and builds every variable now.

        Args:
            d_optimizer, g_optimizer: `keras.optimizers.Optimizer` instances, one for each
                network the model has (pass None, or nothing, for a network it lacks).
            jit_compile: XLA; off by default because it made the DCGAN step slower on the
                course's CPU (about 450 against 780 images/s).
            steps_per_execution: training steps per `tf.function` call (callbacks see one
                batch end per execution).
            **kwargs: other `keras.Model.compile` arguments (e.g. `run_eagerly`).

        Raises:
            ValueError: an optimizer missing or superfluous, or `optimizer`/`metrics`/
                `loss_weights` in `kwargs`.
            TypeError: an optimizer is not a Keras optimizer, or both are the same object.
        """
        name = type(self).__name__
        for key in ("optimizer", "metrics", "loss_weights"):
            if key in kwargs:
                raise ValueError(f"{name}.compile: pass d_optimizer=/g_optimizer=, not {key}")
        given = {"d_optimizer": d_optimizer, "g_optimizer": g_optimizer}
        for key, optimizer in given.items():
            self._check_optimizer(key, optimizer)
        if d_optimizer is not None and d_optimizer is g_optimizer:
            raise TypeError(f"{name}.compile: d_optimizer and g_optimizer must be two separate "
                            "instances (one optimizer would mix both networks' state)")
        super().compile(optimizer=None, jit_compile=jit_compile,
                        steps_per_execution=steps_per_execution, **kwargs)
        for key, optimizer in given.items():
            network = getattr(self, OPTIMIZER_NETWORKS[key])
            optimizer = None if optimizer is None else self._maybe_loss_scale(optimizer)
            setattr(self, key, optimizer)
            if optimizer is not None:  # eager build (see the module docstring)
                optimizer.build(network.trainable_variables)

    def _check_optimizer(self, key, optimizer):
        """Raises unless `optimizer` is given exactly when its network exists, and is one."""
        name, network = type(self).__name__, OPTIMIZER_NETWORKS[key]
        if (optimizer is None) == self._trains(network):
            raise ValueError(f"{name}.compile: pass {key}= exactly when the model has a "
                             f"{network} that trains")
        if optimizer is not None and not isinstance(optimizer, keras.optimizers.Optimizer):
            raise TypeError(f"{name}.compile: {key} must be a keras.optimizers.Optimizer "
                            f"instance, got {type(optimizer).__name__}")

    def _trains(self, network):
        """Whether the network named `network` ("generator"/"discriminator") gets updates."""
        return getattr(self, network) is not None

    def _maybe_loss_scale(self, optimizer):
        """Wraps `optimizer` in LossScaleOptimizer when any network computes in float16."""
        networks = [n for n in (self.generator, self.discriminator) if n is not None]
        dtypes = {keras.mixed_precision.global_policy().compute_dtype,
                  *(n.dtype_policy.compute_dtype for n in networks)}
        if "float16" in dtypes and not isinstance(optimizer, keras.optimizers.LossScaleOptimizer):
            return keras.optimizers.LossScaleOptimizer(optimizer)
        return optimizer

    def get_compile_config(self):
        """Both optimizers (and the loss, if the model has one), so `load_model` recompiles."""
        if getattr(self, "d_optimizer", None) is None and getattr(self, "g_optimizer", None) is None:
            return None
        serialize = keras.saving.serialize_keras_object
        config = {key: None if getattr(self, key) is None else serialize(getattr(self, key))
                  for key in OPTIMIZER_NETWORKS}
        if getattr(self, "loss_name", None) is not None:
            config["loss"] = self.loss_name
        return {**config, "jit_compile": bool(self.jit_compile),
                "steps_per_execution": self.steps_per_execution}

    def compile_from_config(self, config):
        """Recompiles from `get_compile_config`; Keras then loads the optimizer variables."""
        config = dict(config)
        for key in OPTIMIZER_NETWORKS:
            if config.get(key) is not None:
                config[key] = keras.saving.deserialize_keras_object(config[key])
        self.compile(**config)

    # ----------------------------------------------------------------------------- trackers
    def _make_trackers(self, names):
        """One `Mean` tracker per logged value, in the order `train_step` returns them."""
        self._trackers = {name: keras.metrics.Mean(name=name) for name in names}

    @property
    def metrics(self):
        """The `Mean` trackers; `fit` resets them every epoch."""
        return list(self._trackers.values())

    def _record(self, values):
        """Updates the trackers with this step's `values` and returns those values.

        Args:
            values: dict name -> scalar float32 tensor, a superset of the trackers' names.

        Returns:
            dict tracker name -> this step's value (not the running mean): Keras averages it
            over replicas; `fit`'s History still gets the trackers' epoch means.
        """
        for name, tracker in self._trackers.items():
            tracker.update_state(values[name])
        return {name: values[name] for name in self._trackers}

    # ------------------------------------------------------------------------------ updates
    @staticmethod
    def scaled_loss(optimizer, loss):
        """What each replica differentiates: loss / replicas, scaled for mixed precision.

        Call it inside the tape. The division is there because the optimizer SUMS the
        gradients of the replicas; with one replica it changes nothing.
        """
        return optimizer.scale_loss(loss / replicas())

    @staticmethod
    def _apply(tape, scaled, network, optimizer):
        """Differentiates `scaled` w.r.t. `network`'s variables only and steps `optimizer`.

        The tape's variable list alone decides what moves: a `trainable = False` toggle on
        the other network changes nothing here.
        """
        variables = network.trainable_variables
        grads = tape.gradient(scaled, variables)
        optimizer.apply_gradients(zip(grads, variables))

    # -------------------------------------------------------------------------- latent stream
    def _add_latent_stream(self, seed):
        """The latent stream's base seed and its saved counter (see the module docstring)."""
        self.seed = int(seed)
        # Every replica performs the same increment, so keeping the first replica's value is
        # exact.
        self.rng_counter = self.add_weight(shape=(), dtype="int64", initializer="zeros",
                                           trainable=False, name="rng_counter",
                                           aggregation="only_first_replica")

    def _next_seed(self):
        """A fresh stateless-RNG seed `(2,)` int64: (base seed, counter); advances the counter."""
        seed = tf.stack([tf.constant(self.seed, tf.int64), self.rng_counter.value])
        self.rng_counter.assign_add(1)
        return seed

    def _sample_z(self, batch_size):
        """Fresh latent vectors `(batch_size, latent_dim)` float32 ~ N(0, 1) for this replica.

        Every replica draws the *global* batch from the same (seed, counter) and keeps its own
        slice: replicas get different z, and a run on R replicas sees exactly the z of a
        one-device run with the same global batch.
        """
        z = tf.random.stateless_normal((batch_size * replicas(), self.latent_dim),
                                       seed=self._next_seed())
        start = tf.cast(replica_id(), tf.int32) * batch_size
        return z[start:start + batch_size]
