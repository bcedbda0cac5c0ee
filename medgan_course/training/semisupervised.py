"""`SemiSupervisedGAN`: a K-class classifier that is also a GAN discriminator (K+1 classes).

Salimans et al. (2016, "Improved techniques for training GANs", section 5) and Odena (2016)
turn the discriminator into a classifier over the K real classes plus one "fake" class. With the
fake logit fixed at 0 (`models.dcgan.build_semi_supervised_discriminator`), K logits l_1..l_K
suffice and

    P(real | x) = Z / (Z + 1),  Z = sum_k exp(l_k),  i.e. the real-vs-fake logit is logsumexp_k l_k.

The discriminator minimises two terms:

* the **supervised** loss: softmax cross-entropy of the K logits on the few labelled images;
* the **unsupervised** loss: -E_x log D(x) - E_z log(1 - D(G(z))) on unlabelled real images and
  fakes, which is the ordinary GAN binary cross-entropy on the logsumexp logit
  (`training.losses.discriminator_loss("non_saturating", ...)`).

Unlabelled images then shape the same features the classifier uses. The generator uses
**feature matching** (the squared distance between the mean "features" layer activations of a
real and a fake batch): Salimans et al. found it gave the best semi-supervised classifiers, while
the non-saturating loss (or minibatch discrimination) gave better-looking samples but worse
classifiers. The generator's job here is to supply useful "fake" examples, not pretty ones.

Same keras-io shape as `training.gan.GAN` (both are `training.adversarial.AdversarialModel`s):
keyword-only `compile(d_optimizer=, g_optimizer=)` building both optimizers eagerly, `Mean`
trackers, a `train_step` with two tapes that returns this step's values. With
`unsupervised_weight=0` the model is the plain supervised classifier: no unlabelled image and
no generator is touched (the fair baseline of notebook 08 uses exactly that). Taught in
notebooks/08_label_scarcity.ipynb.
"""

from __future__ import annotations

from medgan_course._tf import require_tensorflow
from medgan_course.models.dcgan import real_fake_logits
from medgan_course.training.adversarial import AdversarialModel
from medgan_course.training.losses import discriminator_loss

tf = require_tensorflow()

import keras  # noqa: E402  (after the version check on purpose)


def supervised_loss(labels, class_logits):
    """Mean softmax cross-entropy: labels (N,) int, class_logits (N, K) -> scalar float32."""
    return tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(
        labels=tf.cast(tf.reshape(labels, [-1]), tf.int32),
        logits=tf.cast(class_logits, tf.float32)))


def unsupervised_loss(real_class_logits, fake_class_logits):
    """Salimans et al.'s unsupervised loss, -E log D(x) - E log(1 - D(G(z))), D = Z / (Z + 1).

    Args:
        real_class_logits: (N, K) class logits of unlabelled real images.
        fake_class_logits: (M, K) class logits of generated images.

    Returns:
        Scalar float32: the binary cross-entropy of the logsumexp logits (real -> 1, fake -> 0).
    """
    return discriminator_loss("non_saturating", real_fake_logits(real_class_logits),
                              real_fake_logits(fake_class_logits))


def feature_matching_loss(real_features, fake_features):
    """||mean f(x) - mean f(G(z))||^2 over the features (N, F) and (M, F) -> scalar float32."""
    diff = (tf.reduce_mean(tf.cast(real_features, tf.float32), axis=0)
            - tf.reduce_mean(tf.cast(fake_features, tf.float32), axis=0))
    return tf.reduce_mean(tf.square(diff))


class SemiSupervisedGAN(AdversarialModel):
    """Trains a K-logit discriminator on labelled + unlabelled images and a generator.

    Args:
        generator: unconditional `keras.Model`, z (N, latent_dim) -> images (N, H, W, C) in
            [-1, 1] (may be None when `unsupervised_weight` is 0).
        discriminator: from `build_semi_supervised_discriminator`: images -> (N, K) logits, with
            a layer named "features".
        latent_dim: length of z.
        unsupervised_weight: weight of the unsupervised loss; 0 gives the supervised arm.
        seed: seed of the latent vectors (a stateless stream with a step counter).
    """

    def __init__(self, generator, discriminator, latent_dim=64, *, unsupervised_weight=1.0,
                 seed=0, **kwargs):
        super().__init__(**kwargs)
        if unsupervised_weight < 0:
            raise ValueError(f"unsupervised_weight must be >= 0, got {unsupervised_weight!r}")
        if unsupervised_weight > 0 and generator is None:
            raise ValueError("a semi-supervised GAN (unsupervised_weight > 0) needs a generator")
        self.generator, self.discriminator = generator, discriminator
        self.latent_dim, self.unsupervised_weight = latent_dim, unsupervised_weight
        # One model giving (features, logits), sharing the discriminator's weights.
        features = discriminator.get_layer("features").output
        self.feature_model = keras.Model(discriminator.inputs, [features, discriminator.output])
        self._make_trackers(["d_loss", "supervised_loss"] + (
            ["unsupervised_loss", "g_loss"] if self.semi_supervised else []))
        self._add_latent_stream(seed)
        self.built = True

    @property
    def semi_supervised(self) -> bool:
        """False for the supervised arm (unsupervised_weight == 0)."""
        return self.unsupervised_weight > 0

    def call(self, images, training=False):
        """Class logits (N, K) of images (N, H, W, C) in [-1, 1]: the model IS the classifier."""
        return self.discriminator(images, training=training)

    def _trains(self, network):
        """The supervised arm trains the discriminator only (its generator may be None)."""
        return network == "discriminator" or self.semi_supervised

    def discriminator_step(self, labelled_images, labels, unlabelled_images=None):
        """One update of the discriminator; returns {"d_loss", "supervised_loss", ...}.

        Args:
            labelled_images: (N, H, W, C) float32 in [-1, 1] with their labels (N,) int.
            unlabelled_images: (M, H, W, C) float32 in [-1, 1]; ignored (may be None) by the
                supervised arm, which never reads them.
        """
        with tf.GradientTape() as tape:
            sup = supervised_loss(labels, self.discriminator(labelled_images, training=True))
            logs = {"supervised_loss": sup}
            d_loss = sup
            if self.semi_supervised:
                fakes = self.generator(self._sample_z(tf.shape(unlabelled_images)[0]),
                                       training=True)
                unsup = unsupervised_loss(self.discriminator(unlabelled_images, training=True),
                                          self.discriminator(fakes, training=True))
                logs["unsupervised_loss"] = unsup
                d_loss = sup + self.unsupervised_weight * unsup
            scaled = self.scaled_loss(self.d_optimizer, d_loss)
        self._apply(tape, scaled, self.discriminator, self.d_optimizer)
        return {"d_loss": d_loss, **logs}

    def generator_step(self, real_images):
        """One feature-matching update of the generator; only the generator moves.

        The discriminator runs with training=False here: no dropout noise in the matched
        features, and no spectral-norm re-projection, so this step leaves it exactly as it was.
        """
        real_features, _ = self.feature_model(real_images, training=False)
        with tf.GradientTape() as tape:
            fakes = self.generator(self._sample_z(tf.shape(real_images)[0]), training=True)
            fake_features, _ = self.feature_model(fakes, training=False)
            g_loss = feature_matching_loss(tf.stop_gradient(real_features), fake_features)
            scaled = self.scaled_loss(self.g_optimizer, g_loss)
        self._apply(tape, scaled, self.generator, self.g_optimizer)
        return g_loss

    def train_step(self, data):
        """data = (labelled_images, labels, unlabelled_images): one D step, then one G step.

        Returns:
            This step's values (float32 scalars), as every `AdversarialModel` returns them;
            `fit`'s History still gets the trackers' epoch means.
        """
        labelled_images, labels, unlabelled_images = data
        logs = self.discriminator_step(labelled_images, labels, unlabelled_images)
        if self.semi_supervised:
            logs["g_loss"] = self.generator_step(unlabelled_images)
        return self._record(logs)

    def generate(self, n, seed=0):
        """n images (n, H, W, C) float32 in [-1, 1] from fresh z drawn with `seed` (numpy)."""
        import numpy as np

        z = np.random.default_rng(seed).standard_normal((int(n), self.latent_dim), np.float32)
        return np.asarray(self.generator(z, training=False), np.float32)
