"""Unsolved exercise answers as the notebooks show them, for the exercise-check tests.

Every check must turn each of these into failing feedback with a message, never an exception.
"""


def stub_function(*args):
    ...  # your code here


def raising_stub(*args):
    raise NotImplementedError


def rejects_stubs(check):
    """Asserts that `check` fails, with a message, the stub, the raising stub and `...`."""
    for stub in (stub_function, raising_stub, ...):
        feedback = check(stub)
        assert not feedback.passed and feedback.message
