"""Reference solutions of notebooks/04_training_loop.ipynb's exercises (imports Keras and TensorFlow).

`train` is the article's training function (`exercises.article_debug.ARTICLE_TRAIN_SOURCE`)
with its five bugs fixed.
"""

import keras
import tensorflow as tf


def ema_update(ema_weights, weights, decay):
    return [decay * e + (1 - decay) * w for e, w in zip(ema_weights, weights)]


class EveryN(keras.callbacks.Callback):
    def __init__(self, every_n_steps):
        super().__init__()
        self.every_n_steps, self.step, self.records = every_n_steps, 0, []

    def on_train_batch_end(self, batch, logs=None):
        self.step += 1
        if self.step % self.every_n_steps == 0:
            self.records.append((self.step, float(logs["g_loss"])))


def train(generator, discriminator, generator_optimizer, discriminator_optimizer,
          real_images, epochs, batch_size=64, noise_dim=100):
    bce = tf.keras.losses.BinaryCrossentropy(from_logits=True)
    batches = (tf.data.Dataset.from_tensor_slices(real_images)
               .shuffle(len(real_images)).batch(batch_size, drop_remainder=True))
    for _epoch in range(epochs):
        for real_batch in batches:
            # Discriminator step: its own tape, its own variables, a bounded loss.
            noise = tf.random.normal([batch_size, noise_dim])
            with tf.GradientTape() as disc_tape:
                generated_images = generator(noise, training=True)
                real_logits = discriminator(real_batch, training=True)
                fake_logits = discriminator(generated_images, training=True)
                d_loss = (bce(tf.ones_like(real_logits), real_logits)
                          + bce(tf.zeros_like(fake_logits), fake_logits))
            grads = disc_tape.gradient(d_loss, discriminator.trainable_variables)
            discriminator_optimizer.apply_gradients(zip(grads, discriminator.trainable_variables))
            # Generator step, non-saturating loss: make D call the fakes real.
            noise = tf.random.normal([batch_size, noise_dim])
            with tf.GradientTape() as gen_tape:
                fake_logits = discriminator(generator(noise, training=True), training=True)
                g_loss = bce(tf.ones_like(fake_logits), fake_logits)
            grads = gen_tape.gradient(g_loss, generator.trainable_variables)
            generator_optimizer.apply_gradients(zip(grads, generator.trainable_variables))
