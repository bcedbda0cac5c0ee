"""Numbers the notebooks' prose quotes from a full run come from the committed results file.

bench/notebooks.py runs a notebook in full mode with $MEDGAN_RECORD set; the notebook keeps its
key numbers with `course.record`, and the benchmark stores them under "recorded" in
medgan_course/results/notebooks/{stem}_full.json. Each quote below must appear, formatted from
those values, in the notebook's text: re-running the benchmark and forgetting the prose fails.
"""

import json
import pathlib

import pytest

from medgan_course import course

ROOT = pathlib.Path(__file__).resolve().parents[1]

#: (notebook stem, recorded key, how the prose writes it: a format string over the values).
QUOTES = [
    ("01_medical_images_for_ml", "auc_k5_mean_sd_min_max",
     "{0:.3f} ± {1:.3f} (mean ± SD over 5 seeds, range {2:.3f}-{3:.3f})"),
    ("01_medical_images_for_ml", "auc_k20_mean_sd_min_max", "{0:.3f} ± {1:.3f} with 20"),
    ("01_medical_images_for_ml", "auc_k50_mean_sd_min_max", "{0:.3f} ± {1:.3f} with 50"),
    ("01_medical_images_for_ml", "auc_kall_mean_sd_min_max", "{0:.3f} ± {1:.3f} with all"),
    ("02_gan_theory", "sgd_minimax_mean_sd_20_rounds", "still {0:.1f} ± {1:.1f} after 20 rounds"),
    ("02_gan_theory", "sgd_non_saturating_mean_sd_20_rounds", "the data to {0:.1f} ± {1:.1f}"),
    ("02_gan_theory", "adam_minimax_mean_sd_20_rounds", "({0:.1f} ± {1:.1f} and"),
    ("02_gan_theory", "adam_non_saturating_mean_sd_20_rounds", "and {0:.1f} ± {1:.1f} after 20 rounds)"),
    ("02_gan_theory", "ring_balanced_modes_mean_sd", "covered\n# {0:.1f} ± {1:.1f} of the 8 modes"),
    ("02_gan_theory", "ring_balanced_quality_mean_sd", "fraction of {0:.2f} ± {1:.2f}"),
    ("02_gan_theory", "ring_G-heavy_modes_mean_sd", "# {0:.1f} ± {1:.1f} modes with"),
    ("02_gan_theory", "ring_G-heavy_quality_mean_sd", "modes with {0:.2f} ± {1:.2f}"),
]


def recorded(stem):
    path = course.results_dir("notebooks") / f"{stem}_full.json"
    return json.loads(path.read_text()).get("recorded", {})


@pytest.mark.parametrize("stem,key,quote", QUOTES, ids=[f"{s[:2]}-{k}" for s, k, _ in QUOTES])
def test_prose_quotes_the_recorded_full_run(stem, key, quote):
    values = recorded(stem)
    assert key in values, f"{stem}_full.json records no {key!r}: run bench/notebooks.py --mode full"
    text = (ROOT / "notebooks" / "src" / f"{stem}.py").read_text()
    expected = quote.format(*values[key])
    assert expected in text, f"notebooks/src/{stem}.py should quote {expected!r} (recorded run)"


def test_record_keeps_rounded_numbers_only_when_asked(tmp_path):
    target = tmp_path / "kept.json"
    assert course.record("a", 0.123456, environ={}) == 0.123456 and not target.exists()
    course.record("a", 0.123456, environ={course.RECORD_ENV: str(target)})
    course.record("b", [1, 2.00004], environ={course.RECORD_ENV: str(target)})
    assert json.loads(target.read_text()) == {"a": 0.1235, "b": [1.0, 2.0]}
