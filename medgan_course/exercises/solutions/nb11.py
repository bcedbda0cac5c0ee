"""Reference solutions of notebooks/11_challenges_future_faq.ipynb's exercises."""

import numpy as np


def ppv(sensitivity, specificity, prevalence):
    true_positives = sensitivity * prevalence
    false_positives = (1 - specificity) * (1 - prevalence)
    return true_positives / (true_positives + false_positives)


def attack_auc(member_distances, nonmember_distances):
    m = np.asarray(member_distances)[:, None]
    n = np.asarray(nonmember_distances)[None, :]
    return float(np.mean((m < n) + 0.5 * (m == n)))


def majority_metrics(train_labels, test_labels):
    majority = np.bincount(train_labels).argmax()
    predicted = np.full(len(test_labels), majority)
    malignant = test_labels == 0
    sensitivity = np.mean(predicted[malignant] == 0)
    specificity = np.mean(predicted[~malignant] != 0)
    return {"accuracy": np.mean(predicted == test_labels), "sensitivity": sensitivity,
            "balanced_accuracy": (sensitivity + specificity) / 2}
