"""Every reference solution in `medgan_course.exercises.solutions` passes its exercise's check.

The per-notebook tests (tests/test_exercises_nbNN.py) also probe each check with wrong answers;
this one table makes sure no solution is left without a passing check, and names each call the
notebook's stub cell makes.
"""

import ast
import importlib
import pathlib

import numpy as np
import pytest

from medgan_course.data import make_phantoms

SOLUTIONS = pathlib.Path(__file__).resolve().parents[1] / "medgan_course" / "exercises" / "solutions"
#: Notebooks whose solutions import Keras (and TensorFlow for 04): skipped where it is missing.
NEEDS_KERAS = {"nb02", "nb03", "nb04", "nb12", "nb13"}
LABELS = np.array([0] * 147 + [1] * 399)


def _phantoms():
    return make_phantoms(n_train=40, image_size=16, seed=0)


#: (module, solution names, how the notebook calls its check with them: check(module_of_checks, s)).
CALLS = [
    ("nb00", ["image_shape"], lambda c, s: c.check_image_shape(s.image_shape(_phantoms()), _phantoms())),
    ("nb00", ["to_display"], lambda c, s: c.check_to_display(s.to_display)),
    ("nb00", ["to_model"], lambda c, s: c.check_to_model(s.to_model, s.to_display)),
    ("nb01", ["apply_window"], lambda c, s: c.check_window(s.apply_window)),
    ("nb01", ["imbalance_ratio"], lambda c, s: c.check_imbalance_ratio(s.imbalance_ratio(LABELS), LABELS)),
    ("nb01", ["balanced_accuracy"], lambda c, s: c.check_balanced_accuracy(s.balanced_accuracy)),
    ("nb02", ["optimal_discriminator_mine"],
     lambda c, s: c.check_optimal_discriminator(s.optimal_discriminator_mine)),
    ("nb02", ["v_star_and_jsd"], lambda c, s: c.check_v_star_and_jsd(*s.v_star_and_jsd())),
    ("nb02", ["saturation"], lambda c, s: c.check_saturation(*s.saturation())),
    ("nb02", ["gradient_penalty_mine"], lambda c, s: c.check_gradient_penalty(s.gradient_penalty_mine)),
    ("nb03", ["conv_transpose_output_size"],
     lambda c, s: c.check_conv_transpose_size(s.conv_transpose_output_size)),
    ("nb03", ["conv_params"], lambda c, s: c.check_conv_params(s.conv_params)),
    ("nb03", ["build_small_discriminator"],
     lambda c, s: c.check_small_discriminator(s.build_small_discriminator)),
    ("nb04", ["ema_update"], lambda c, s: c.check_ema_update(s.ema_update)),
    ("nb04", ["EveryN"], lambda c, s: c.check_every_n_callback(s.EveryN)),
    ("nb04", ["train"], lambda c, s: c.check_article_train(s.train)),
    ("nb05", ["d_accuracy"], lambda c, s: c.check_d_accuracy(s.d_accuracy)),
    ("nb05", ["minimax_grad", "non_saturating_grad"],
     lambda c, s: c.check_logit_gradients(s.minimax_grad, s.non_saturating_grad)),
    ("nb05", ["diagnosis"], lambda c, s: c.check_diagnosis(s.diagnosis())),
    ("nb05", ["choices"], lambda c, s: c.check_remedy(s.choices())),
    ("nb06", ["frechet_gaussians"], lambda c, s: c.check_frechet_gaussians(s.frechet_gaussians)),
    ("nb06", ["precision_recall_reading"],
     lambda c, s: c.check_precision_recall_reading(s.precision_recall_reading())),
    ("nb06", ["my_slerp"], lambda c, s: c.check_slerp(s.my_slerp)),
    ("nb07", ["class_weights"], lambda c, s: c.check_class_weights(s.class_weights)),
    ("nb07", ["oversample"], lambda c, s: c.check_oversample(s.oversample)),
    ("nb07", ["verdict"], lambda c, s: c.check_verdict(s.verdict)),
    ("nb08", ["real_probability"], lambda c, s: c.check_real_probability(s.real_probability)),
    ("nb08", ["labelled_count"], lambda c, s: c.check_labelled_count(s.labelled_count)),
    ("nb08", ["helped_at"], lambda c, s: c.check_helped_at(s.helped_at())),
    ("nb09", ["my_psnr"], lambda c, s: c.check_psnr(s.my_psnr)),
    ("nb09", ["my_speckle"], lambda c, s: c.check_speckle(s.my_speckle)),
    ("nb09", ["noise_models"], lambda c, s: c.check_noise_models(s.noise_models())),
    ("nb10", ["direction"], lambda c, s: c.check_direction(s.direction)),
    ("nb10", ["grad_cam_map"], lambda c, s: c.check_grad_cam(s.grad_cam_map)),
    ("nb10", ["memorization_flags"], lambda c, s: c.check_memorization(s.memorization_flags)),
    ("nb11", ["ppv"], lambda c, s: c.check_ppv(s.ppv)),
    ("nb11", ["attack_auc"], lambda c, s: c.check_attack_auc(s.attack_auc)),
    ("nb11", ["majority_metrics"], lambda c, s: c.check_majority_metrics(s.majority_metrics)),
    ("nb12", ["global_batch_and_lr"], lambda c, s: c.check_global_batch_and_lr(s.global_batch_and_lr)),
    ("nb12", ["replica_loss"], lambda c, s: c.check_replica_loss(s.replica_loss)),
    ("nb12", ["build_discriminator"], lambda c, s: c.check_float32_logits(s.build_discriminator)),
    ("nb13", ["add_noise"], lambda c, s: c.check_add_noise(s.add_noise)),
    ("nb13", ["ddim_step"], lambda c, s: c.check_ddim_step(s.ddim_step)),
    ("nb13", ["guided_noise"], lambda c, s: c.check_guided_noise(s.guided_noise)),
    ("nb14", ["seed_interval"], lambda c, s: c.check_seed_interval(s.seed_interval)),
    ("nb14", ["pixel_gaussian"], lambda c, s: c.check_baseline_sampler(s.pixel_gaussian)),
    ("nb14", ["example_report"], lambda c, s: c.check_example_report(s.example_report())),
]


@pytest.mark.parametrize("module, names, call", CALLS, ids=[f"{m}.{'+'.join(n)}" for m, n, _ in CALLS])
def test_every_reference_solution_passes_its_check(module, names, call):
    if module in NEEDS_KERAS:
        pytest.importorskip("keras")
        pytest.importorskip("tensorflow")
    checks = importlib.import_module(f"medgan_course.exercises.{module}")
    solutions = importlib.import_module(f"medgan_course.exercises.solutions.{module}")
    feedback = call(checks, solutions)
    assert feedback.passed, feedback.message


def test_the_table_covers_every_solution():
    listed = {(m, name) for m, names, _ in CALLS for name in names}
    defined = set()
    for path in sorted(SOLUTIONS.glob("nb[0-9][0-9].py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        defined |= {(path.stem, n.name) for n in tree.body
                    if isinstance(n, (ast.FunctionDef, ast.ClassDef)) and not n.name.startswith("_")}
    assert listed == defined


def test_check_modules_and_light_solutions_import_no_tensorflow():
    """`exercises.nbNN` and the NumPy-only solutions modules keep TensorFlow out (a fresh Python)."""
    import subprocess
    import sys

    code = ("import sys, importlib\n"
            "for n in range(15):\n"
            "    importlib.import_module(f'medgan_course.exercises.nb{n:02d}')\n"
            "    if f'nb{n:02d}' not in ('nb04',):\n"
            "        importlib.import_module(f'medgan_course.exercises.solutions.nb{n:02d}')\n"
            "assert 'tensorflow' not in sys.modules, 'tensorflow imported'\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
