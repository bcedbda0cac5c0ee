"""The baseline: a plain `tf.function` DCGAN loop written as the TensorFlow DCGAN tutorial writes it.

https://www.tensorflow.org/tutorials/generative/dcgan - the same loss helpers, optimizers,
`train_step` and `tf.data` pipeline (`from_tensor_slices(...).shuffle(BUFFER_SIZE).batch(BATCH_SIZE)`),
only wrapped in a function so that the benchmark can time it. Kept deliberately as the tutorial
has it (one forward pass of the generator shared by both tapes, i.e. a simultaneous update,
no `drop_remainder`): it is the reference the package's loop is measured against.
"""

import time

import tensorflow as tf


def tutorial_train(generator, discriminator, train_images, *, batch_size=256, noise_dim=100,
                   steps, warmup_steps=3, buffer_size=60000):
    """Runs `warmup_steps + steps` tutorial steps and returns the timed images per second.

    Args:
        generator, discriminator: the article's models (`models.seed`).
        train_images: float32 `(N, 28, 28, 1)` in [-1, 1].
        batch_size, noise_dim: the tutorial's BATCH_SIZE (256) and noise_dim (100).
        steps: timed steps after the warm-up (which includes tracing).

    Returns:
        (images_per_second, images_timed)
    """
    cross_entropy = tf.keras.losses.BinaryCrossentropy(from_logits=True)

    def discriminator_loss(real_output, fake_output):
        real_loss = cross_entropy(tf.ones_like(real_output), real_output)
        fake_loss = cross_entropy(tf.zeros_like(fake_output), fake_output)
        return real_loss + fake_loss

    def generator_loss(fake_output):
        return cross_entropy(tf.ones_like(fake_output), fake_output)

    generator_optimizer = tf.keras.optimizers.Adam(1e-4)
    discriminator_optimizer = tf.keras.optimizers.Adam(1e-4)

    @tf.function
    def train_step(images):
        noise = tf.random.normal([batch_size, noise_dim])
        with tf.GradientTape() as gen_tape, tf.GradientTape() as disc_tape:
            generated_images = generator(noise, training=True)
            real_output = discriminator(images, training=True)
            fake_output = discriminator(generated_images, training=True)
            gen_loss = generator_loss(fake_output)
            disc_loss = discriminator_loss(real_output, fake_output)
        gradients_of_generator = gen_tape.gradient(gen_loss, generator.trainable_variables)
        gradients_of_discriminator = disc_tape.gradient(disc_loss, discriminator.trainable_variables)
        generator_optimizer.apply_gradients(zip(gradients_of_generator, generator.trainable_variables))
        discriminator_optimizer.apply_gradients(
            zip(gradients_of_discriminator, discriminator.trainable_variables))

    train_dataset = (tf.data.Dataset.from_tensor_slices(train_images)
                     .shuffle(buffer_size).batch(batch_size))
    done, timed_images, start = 0, 0, None
    while done < warmup_steps + steps:
        for image_batch in train_dataset:  # the tutorial's `for epoch ...: for image_batch in dataset`
            if done == warmup_steps:
                start = time.perf_counter()
            train_step(image_batch)
            if done >= warmup_steps:
                timed_images += int(image_batch.shape[0])
            done += 1
            if done >= warmup_steps + steps:
                break
    int(generator_optimizer.iterations.numpy())  # wait for the last step before stopping the clock
    return timed_images / (time.perf_counter() - start), timed_images
