"""The "real or fake?" quiz: a small visual Turing test the learner takes on their own GAN.

`draw_quiz` draws a seeded, balanced set (half real, half generated, shuffled) and
`score_answers` scores answers against the hidden truth, with the confusion matrix and the
probability of doing at least as well by guessing (`chance_probability`). The widget only
shows one image at a time, records the clicks and displays these results. Without a widget
front end, `real_or_fake_quiz` shows a numbered grid and hides the answers in a collapsed
block below it. Taught in notebooks/06_evaluating_gans.ipynb.
"""

from __future__ import annotations

import html
import math
from dataclasses import dataclass

import numpy as np
from matplotlib.figure import Figure

from medgan_course.widgets import _compat

#: The two answers, in the order of the confusion matrix's rows (truth) and columns (answer).
CHOICES = ("real", "fake")


def show_figure(fig) -> None:
    """Displays a Figure as PNG bytes, which renders even where no matplotlib display formatter
    is set up (a kernel without `%matplotlib inline`); prints a note outside IPython."""
    try:
        from IPython.display import Image
    except ImportError:
        _compat.show(fig)
        return
    _compat.show(Image(data=_compat.figure_png(fig, dpi=100)))


@dataclass(frozen=True)
class Quiz:
    """A drawn quiz.

    Attributes:
        images: `(n, H, W, C)` float32 in [-1, 1], in the order shown.
        is_real: `(n,)` bool, the hidden truth.
        source_index: `(n,)` int64, each image's row in the real or the fake array it came from.
    """

    images: np.ndarray
    is_real: np.ndarray
    source_index: np.ndarray

    def __len__(self) -> int:
        return len(self.is_real)

    def truth(self, i: int) -> str:
        """The answer to question i: "real" or "fake"."""
        return CHOICES[0] if self.is_real[i] else CHOICES[1]


def draw_quiz(real_images, fake_images, n: int = 10, seed: int = 0) -> Quiz:
    """n images, exactly half real and half fake, drawn without replacement and shuffled.

    Args:
        real_images: `(N_r, H, W, C)` float in [-1, 1], N_r >= n / 2.
        fake_images: `(N_f, H, W, C)` float in [-1, 1], same H, W, C, N_f >= n / 2.
        n: number of questions, even and >= 2.
        seed: the same seed draws the same quiz.

    Returns:
        A `Quiz`.
    """
    real, fake = np.asarray(real_images, np.float32), np.asarray(fake_images, np.float32)
    if n < 2 or n % 2:
        raise ValueError(f"n must be even and >= 2 (half real, half fake); got {n}")
    if real.shape[1:] != fake.shape[1:] or real.ndim != 4:
        raise ValueError(f"real and fake images must share one (H, W, C); got {real.shape}, {fake.shape}")
    if min(len(real), len(fake)) < n // 2:
        raise ValueError(f"need at least {n // 2} real and {n // 2} fake images")
    rng = np.random.default_rng(seed)
    real_idx = rng.choice(len(real), n // 2, replace=False)
    fake_idx = rng.choice(len(fake), n // 2, replace=False)
    images = np.concatenate([real[real_idx], fake[fake_idx]])
    is_real = np.arange(n) < n // 2
    source = np.concatenate([real_idx, fake_idx])
    order = rng.permutation(n)
    return Quiz(images[order], is_real[order], source[order].astype(np.int64))


@dataclass(frozen=True)
class QuizScore:
    """Answers scored against the truth.

    Attributes:
        n_answered: questions answered so far.
        n_correct: of those, how many were right.
        confusion: `(2, 2)` int counts; rows are the truth (real, fake), columns the answer
            (real, fake). confusion[1, 0] counts fakes taken for real: the generator's wins.
    """

    n_answered: int
    n_correct: int
    confusion: np.ndarray

    @property
    def accuracy(self) -> float:
        """Fraction right (NaN before the first answer)."""
        return self.n_correct / self.n_answered if self.n_answered else float("nan")


def score_answers(is_real, answers) -> QuizScore:
    """Scores the first len(answers) questions.

    Args:
        is_real: `(n,)` bool truth (`Quiz.is_real`).
        answers: sequence of "real" / "fake", at most n long.

    Returns:
        A `QuizScore`.
    """
    is_real = np.asarray(is_real, bool)
    answers = list(answers)
    if len(answers) > len(is_real):
        raise ValueError(f"{len(answers)} answers for {len(is_real)} questions")
    unknown = sorted({a for a in answers if a not in CHOICES})
    if unknown:
        raise ValueError(f"answers must be 'real' or 'fake'; got {unknown}")
    confusion = np.zeros((2, 2), np.int64)
    for truth, answer in zip(is_real, answers):
        confusion[0 if truth else 1, CHOICES.index(answer)] += 1
    return QuizScore(len(answers), int(np.trace(confusion)), confusion)


def chance_probability(n_correct: int, n: int) -> float:
    """P(at least n_correct right out of n) when guessing at random (binomial, p = 1/2).

    A small value means the score is unlikely to be luck; 7/10, for example, happens by
    guessing with probability 0.17, so ten images cannot show that a GAN's samples are telling.
    """
    if not 0 <= n_correct <= n:
        raise ValueError(f"need 0 <= n_correct <= n; got {n_correct}, {n}")
    return sum(math.comb(n, k) for k in range(n_correct, n + 1)) / 2 ** n


def confusion_html(score: QuizScore) -> str:
    """The final result as an HTML table plus one sentence on chance."""
    c = score.confusion
    p = chance_probability(score.n_correct, score.n_answered) if score.n_answered else float("nan")
    rows = "".join(
        f"<tr><th style='text-align:left'>truly {CHOICES[r]}</th><td>{c[r, 0]}</td><td>{c[r, 1]}</td></tr>"
        for r in range(2))
    return (f"<b>{score.n_correct} / {score.n_answered} right.</b> "
            f"Guessing does at least this well with probability {p:.2f}.<br>"
            "<table><tr><th></th><th>you said real</th><th>you said fake</th></tr>"
            f"{rows}</table>"
            f"Fakes you took for real: {c[1, 0]} of {c[1].sum()}.")


def _image_png(image) -> bytes:
    fig = Figure(figsize=(2.6, 2.6), layout="constrained")
    ax = fig.subplots()
    shown = np.clip((np.asarray(image) + 1.0) / 2.0, 0.0, 1.0)
    ax.imshow(shown[..., 0] if shown.shape[-1] == 1 else shown, cmap="gray", vmin=0, vmax=1,
              interpolation="nearest")
    ax.set_axis_off()
    return _compat.figure_png(fig)


class RealOrFakeQuiz:
    """The widget: one image, buttons Real / Fake, feedback, score, and the confusion at the end.

    Args:
        quiz: a `Quiz` from `draw_quiz`.
    """

    def __init__(self, quiz: Quiz):
        import ipywidgets as w

        self.quiz, self.answers = quiz, []
        self.image = w.Image(format="png", layout=w.Layout(width="220px"))
        self.real_button = w.Button(description="Real", button_style="success")
        self.fake_button = w.Button(description="Fake", button_style="danger")
        self.real_button.on_click(lambda _: self.answer("real"))
        self.fake_button.on_click(lambda _: self.answer("fake"))
        self.progress = w.Label()
        self.feedback = w.HTML()
        self.result = w.HTML()
        self.box = w.VBox([self.progress, self.image, w.HBox([self.real_button, self.fake_button]),
                           self.feedback, self.result])
        self._show_question()

    @property
    def score(self) -> QuizScore:
        """`score_answers` on the answers given so far."""
        return score_answers(self.quiz.is_real, self.answers)

    @property
    def finished(self) -> bool:
        return len(self.answers) == len(self.quiz)

    def answer(self, choice: str) -> None:
        """Records "real" or "fake" for the current image and moves on (ignored once finished)."""
        if self.finished:
            return
        truth = self.quiz.truth(len(self.answers))
        self.answers.append(choice)
        score = self.score
        mark = "✔ right" if choice == truth else "✘ wrong"
        self.feedback.value = (f"{mark}: that one was <b>{truth}</b>. Score so far: "
                               f"{score.n_correct} / {score.n_answered}.")
        if self.finished:
            self.real_button.disabled = self.fake_button.disabled = True
            self.result.value = confusion_html(score)
            self.progress.value = "Done."
        else:
            self._show_question()

    def _show_question(self):
        i = len(self.answers)
        self.progress.value = f"Image {i + 1} of {len(self.quiz)}: real or generated?"
        self.image.value = _image_png(self.quiz.images[i])


def static_quiz(quiz: Quiz, ncol: int = 5):
    """The fallback: a numbered grid Figure and the answer key as collapsed HTML.

    Returns:
        `(figure, answers_html)`; the HTML is a `<details>` block, so the answers stay hidden
        until the reader opens it.
    """
    rows = math.ceil(len(quiz) / ncol)
    fig = Figure(figsize=(ncol * 1.3, rows * 1.45), layout="constrained")
    axes = fig.subplots(rows, ncol, squeeze=False)
    shown = np.clip((quiz.images + 1.0) / 2.0, 0.0, 1.0)
    for i, ax in enumerate(axes.flat):
        ax.set_axis_off()
        if i < len(quiz):
            ax.imshow(shown[i, ..., 0] if shown.shape[-1] == 1 else shown[i], cmap="gray",
                      vmin=0, vmax=1, interpolation="nearest")
            ax.set_title(f"#{i + 1}", fontsize=8)
    fig.suptitle("Real or fake? Write down your answers, then open the answer key below.", fontsize=9)
    key = ", ".join(f"#{i + 1} {quiz.truth(i)}" for i in range(len(quiz)))
    answers = f"<details><summary>Answer key</summary>{html.escape(key)}</details>"
    return fig, answers


def real_or_fake_quiz(real_images, fake_images, *, n: int = 10, seed: int = 0,
                      static: bool | None = None):
    """Draws a quiz and shows it as a widget, or as the static grid with hidden answers.

    Args:
        real_images, fake_images: as for `draw_quiz`.
        n: questions (even).
        seed: seed of the draw.
        static: force the static fallback (True) or the widget (False); None decides.

    Returns:
        The `RealOrFakeQuiz` widget, or the `Quiz` when static.
    """
    quiz = draw_quiz(real_images, fake_images, n=n, seed=seed)
    if _compat.use_static(static):
        fig, answers = static_quiz(quiz)
        show_figure(fig)
        try:
            from IPython.display import HTML
        except ImportError:
            print("Answer key:", html.unescape(answers.split("</summary>")[1].split("</details>")[0]))
        else:
            _compat.show(HTML(answers))
        return quiz
    widget = RealOrFakeQuiz(quiz)
    _compat.show(widget.box)
    return widget
