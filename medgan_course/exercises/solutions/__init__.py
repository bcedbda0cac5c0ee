"""The reference solutions of the notebooks' exercises: one module per notebook (`nb04`, ...).

Each exercise's solution lives here once, as code. A notebook shows it hidden under *Solution*
with `exercises.show_solution("nb04", "ema_update")`; tests/test_exercises_nbNN.py run the same
objects through the checks. A solution whose answer is a value (a shape, a ratio, a dict) is a
function that computes it, so its source reads like the cell the learner writes.

Modules are imported only when a solution is shown or tested; those of notebooks 03, 04 and 12
import Keras (and 04 TensorFlow) then, never the package's check modules.
"""
