"""Reference solutions of notebooks/00_welcome_and_setup.ipynb's exercises."""


def image_shape(dataset):
    """Exercise 1: in the notebook, `answer = dataset.train.images.shape`."""
    return dataset.train.images.shape


def to_display(images):
    return (images + 1.0) / 2.0


def to_model(images):
    return images * 2.0 - 1.0
