"""Tests of the real-or-fake quiz: the pure draw/score functions and the widget, without a browser."""

import numpy as np
import pytest

from medgan_course.widgets import quiz as quiz_module
from medgan_course.widgets.quiz import (
    RealOrFakeQuiz,
    chance_probability,
    draw_quiz,
    real_or_fake_quiz,
    score_answers,
    static_quiz,
)


def _images(n, value):
    """n images (28, 28, 1) whose every pixel equals their own index-dependent value."""
    return np.stack([np.full((28, 28, 1), value + 0.001 * i, np.float32) for i in range(n)])


REAL, FAKE = _images(20, 0.5), _images(30, -0.5)  # real images are bright, fakes dark


def test_draw_quiz_is_balanced_shuffled_and_seeded():
    quiz = draw_quiz(REAL, FAKE, n=10, seed=3)
    assert len(quiz) == 10 and quiz.is_real.sum() == 5
    # The hidden truth matches the images' origin, and the source indices point at them.
    np.testing.assert_array_equal(quiz.is_real, quiz.images[:, 0, 0, 0] > 0)
    for image, real, index in zip(quiz.images, quiz.is_real, quiz.source_index):
        np.testing.assert_array_equal(image, (REAL if real else FAKE)[index])
    assert len(set(quiz.source_index[quiz.is_real])) == 5  # without replacement
    again = draw_quiz(REAL, FAKE, n=10, seed=3)
    np.testing.assert_array_equal(quiz.is_real, again.is_real)
    orders = {tuple(draw_quiz(REAL, FAKE, n=10, seed=s).is_real) for s in range(10)}
    assert len(orders) > 1  # the order is shuffled, not real-first


@pytest.mark.parametrize("n", [0, 3, 60])
def test_draw_quiz_rejects_odd_or_too_many_questions(n):
    with pytest.raises(ValueError):
        draw_quiz(REAL, FAKE, n=n)


def test_score_answers_counts_and_confusion():
    truth = [True, True, False, False, True]
    score = score_answers(truth, ["real", "fake", "real", "fake"])
    assert score.n_answered == 4 and score.n_correct == 2 and score.accuracy == 0.5
    # rows: truly real, truly fake; columns: said real, said fake
    np.testing.assert_array_equal(score.confusion, [[1, 1], [1, 1]])
    assert np.isnan(score_answers(truth, []).accuracy)
    with pytest.raises(ValueError, match="real' or 'fake"):
        score_answers(truth, ["maybe"])
    with pytest.raises(ValueError):
        score_answers([True], ["real", "real"])


def test_chance_probability_is_the_binomial_tail():
    assert chance_probability(0, 10) == 1.0
    assert chance_probability(10, 10) == pytest.approx(1 / 1024)
    assert chance_probability(7, 10) == pytest.approx(176 / 1024)  # the docstring's 0.17


def test_widget_clicks_score_against_the_hidden_truth():
    widget = RealOrFakeQuiz(draw_quiz(REAL, FAKE, n=6, seed=1))
    truth = [widget.quiz.truth(i) for i in range(6)]
    first_image = widget.image.value
    assert first_image[:4] == b"\x89PNG"
    # Answer the first three right and the rest wrong, by clicking the buttons.
    for i, t in enumerate(truth):
        right = t if i < 3 else ("fake" if t == "real" else "real")
        button = widget.real_button if right == "real" else widget.fake_button
        button.click()
        assert widget.score.n_answered == i + 1
        assert widget.score.n_correct == min(i + 1, 3)
        assert f"{min(i + 1, 3)} / {i + 1}" in widget.feedback.value
        if i == 0:
            assert widget.image.value != first_image  # the next image is shown
    assert widget.finished and widget.real_button.disabled and widget.fake_button.disabled
    assert "3 / 6 right" in widget.result.value
    n_fake_wrong = sum(1 for i, t in enumerate(truth) if i >= 3 and t == "fake")
    assert widget.score.confusion[1, 0] == n_fake_wrong
    widget.real_button.click()  # further clicks change nothing
    assert widget.score.n_answered == 6


def test_static_fallback_shows_a_grid_and_hides_the_answers(monkeypatch):
    shown = []
    monkeypatch.setattr(quiz_module._compat, "show", shown.append)
    quiz = real_or_fake_quiz(REAL, FAKE, n=4, seed=0, static=True)
    fig, answers = static_quiz(quiz)
    assert len([ax for ax in fig.axes if ax.images]) == 4
    assert answers.startswith("<details>") and "Answer key" in answers
    for i in range(4):
        assert f"#{i + 1} {quiz.truth(i)}" in answers
    assert len(shown) == 2  # the figure (as PNG), then the collapsed answer key
    assert shown[0].data[:4] == b"\x89PNG"
    assert "<details>" in shown[1].data


def test_widget_mode_returns_the_widget(monkeypatch):
    monkeypatch.setattr(quiz_module._compat, "show", lambda obj: None)
    assert isinstance(real_or_fake_quiz(REAL, FAKE, n=4, static=False), RealOrFakeQuiz)
