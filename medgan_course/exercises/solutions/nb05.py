"""Reference solutions of notebooks/05_when_training_fails.ipynb's exercises."""

import numpy as np


def d_accuracy(real_logits, fake_logits):
    real_logits, fake_logits = np.asarray(real_logits), np.asarray(fake_logits)
    return 0.5 * (np.mean(real_logits > 0) + np.mean(fake_logits < 0))


def minimax_grad(logits):
    return -1.0 / (1.0 + np.exp(-logits))  # d/dl log(1 - sigmoid(l)) = -sigmoid(l)


def non_saturating_grad(logits):
    return -1.0 / (1.0 + np.exp(logits))  # d/dl -log sigmoid(l) = -sigmoid(-l)


def diagnosis():
    """Exercise 3: in the notebook, `diagnosis = {...}` (the dict below)."""
    return {"A": "vanishing gradients", "B": "mode collapse", "C": "overpowering discriminator",
            "D": "oscillation"}


def choices():
    """Exercise 4: in the notebook, `choices = {...}` (the dict below)."""
    return {"vanishing gradients": "non-saturating", "overpowering discriminator": "diffaugment",
            "oscillation": "lower learning rates"}
