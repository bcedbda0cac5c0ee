"""What `runner.train` does differently under a multi-worker strategy.

TensorFlow's multi-worker pattern (its "Multi-worker training with Keras" guide): every
worker runs the same command with its own `TF_CONFIG`; only the chief writes files (here the
checkpoints and the run folder, see `training.checkpoint`); after a worker fails the job is
restarted and every worker resumes from the chief's checkpoint.

Importing this module imports no TensorFlow; its functions take a strategy.
"""

from __future__ import annotations


def is_chief(strategy) -> bool:
    """Whether this process writes files: always, except on non-chief multi-worker tasks.

    As TensorFlow's multi-worker guides define it: the task of type "chief", or worker 0 when
    the cluster has no chief.
    """
    resolver = getattr(strategy, "cluster_resolver", None)
    cluster = resolver.cluster_spec().as_dict() if resolver is not None else {}
    if not cluster or resolver.task_type in (None, "chief"):
        return True
    return resolver.task_type == "worker" and resolver.task_id == 0 and "chief" not in cluster


def multi_worker(strategy) -> bool:
    """Whether `strategy` is a MultiWorkerMirroredStrategy over more than one worker."""
    import tensorflow as tf

    return (isinstance(strategy, tf.distribute.MultiWorkerMirroredStrategy)
            and strategy.extended._in_multi_worker_mode())


def vector_logs_across_workers(gan, strategy) -> None:
    """Under a multi-worker strategy, gives the step's logged scalars a length-1 axis.

    Keras 3.15's `fit` reduces each worker's logs with `strategy.reduce("MEAN", v, axis=0)`
    there, which fails on scalars ("Invalid reduction dimension 0 for input with 0
    dimensions"); on `(1,)` values it is the mean over all replicas, a scalar again.
    """
    if not multi_worker(strategy):
        return
    import tensorflow as tf

    train_step = gan.train_step

    def step(data):
        return {key: tf.reshape(value, [1]) for key, value in train_step(data).items()}

    gan.train_step = step
