"""The `medgan-course` command: bad arguments fail clearly, a short run writes every file."""

import functools
import json
import os
import pathlib
import shutil
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from medgan_course.cli import build_parser, main
from medgan_course.data import info

REPO_ROOT = pathlib.Path(__file__).resolve().parents[1]


def _error(capsys, argv):
    """Runs the CLI expecting a user error (status 2, no traceback); returns its stderr."""
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    return err


def test_train_needs_steps_or_seconds(capsys, tmp_path):
    err = _error(capsys, ["train", "--dataset", "phantoms", "--out", str(tmp_path / "r")])
    assert "--steps" in err and "--seconds" in err


def test_unknown_dataset_lists_choices(capsys, tmp_path):
    err = _error(capsys, ["train", "--dataset", "nosuchmnist", "--steps", "1", "--out", str(tmp_path / "r")])
    assert "nosuchmnist" in err and "breastmnist" in err


def test_refuses_non_empty_out(capsys, tmp_path):
    (tmp_path / "keep.txt").write_text("precious")
    err = _error(capsys, ["train", "--dataset", "phantoms", "--steps", "1", "--out", str(tmp_path)])
    assert "not empty" in err
    assert (tmp_path / "keep.txt").read_text() == "precious"


@pytest.mark.parametrize("argv", [["train", "--steps", "0", "--out", "x"],
                                  ["train", "--seconds", "-1", "--out", "x"],
                                  ["train", "--model", "nope", "--steps", "1", "--out", "x"]])
def test_argparse_rejects_bad_values(argv, capsys):
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert "error" in err and len(err.strip().splitlines()) == 1


def test_recipe_is_the_flag_and_model_its_alias():
    parser = build_parser()
    for flag in ("--recipe", "--model"):
        assert parser.parse_args(["train", flag, "wgan-gp", "--out", "x"]).recipe == "wgan-gp"
    assert parser.parse_args(["train", "--out", "x"]).recipe == "dcgan"
    train_help = parser._subparsers._group_actions[0].choices["train"].format_help()
    assert "--model is an" in " ".join(train_help.split())


def test_the_articles_architecture_refuses_64_px_before_loading_data(capsys, tmp_path):
    err = _error(capsys, ["train", "--recipe", "seed-dcgan", "--size", "64", "--steps", "1",
                          "--dataset", "breastmnist", "--no-download", "--data-dir", str(tmp_path),
                          "--out", str(tmp_path / "r")])
    assert "28 px" in err and "breastmnist" not in err  # refused before the data was looked for
    assert list(tmp_path.iterdir()) == []


# Prints whether TensorFlow was imported, at exit (after argparse's SystemExit too).
IMPORT_PROBE = textwrap.dedent("""
    import atexit, sys
    atexit.register(lambda: print("tensorflow imported:", "tensorflow" in sys.modules, file=sys.stderr))
    from medgan_course.cli import main
    sys.exit(main(sys.argv[1:]))
""")


def _run_cli(args, env=None, timeout=300):
    """Runs `python -c SCRIPT args` in the repository with the package importable."""
    env = dict(os.environ if env is None else env,
               PYTHONPATH=os.pathsep.join([str(REPO_ROOT), os.environ.get("PYTHONPATH", "")]))
    return subprocess.run([sys.executable, *args], cwd=REPO_ROOT, env=env, capture_output=True,
                          text=True, timeout=timeout)


@pytest.mark.parametrize("argv", [["--help"], ["train", "--help"], ["evaluate", "--help"],
                                  ["data", "--dataset", "phantoms"]])
def test_help_and_data_import_no_tensorflow(argv):
    done = _run_cli(["-c", IMPORT_PROBE, *argv])
    assert done.returncode == 0, done.stderr[-2000:]
    assert "tensorflow imported: False" in done.stderr


def test_missing_real_data_offline_is_an_error_not_a_substitute(capsys, tmp_path, monkeypatch):
    monkeypatch.delenv("MEDGAN_DATA_DIR", raising=False)
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras_home"))
    err = _error(capsys, ["data", "--dataset", "breastmnist", "--data-dir", str(tmp_path),
                          "--no-download"])
    assert "breastmnist.npz" in err
    assert "MEDGAN_DATA_DIR" in err


@pytest.mark.slow
def test_train_sample_evaluate_on_phantoms(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))  # the extractor cache goes under ~/.cache
    run = tmp_path / "run"
    assert main(["train", "--dataset", "phantoms", "--recipe", "dcgan", "--steps", "4",
                 "--n-samples", "200", "--seed", "3", "--out", str(run), "--quiet"]) == 0
    for name in ("samples.npz", "samples.png", "progress.png", "losses.png", "metrics.json",
                 "config.json", "generator.keras"):
        assert (run / name).is_file(), name
    with np.load(run / "samples.npz") as samples:
        assert samples["images"].shape == (200, 28, 28) and samples["images"].dtype == np.uint8
    metrics = json.loads((run / "metrics.json").read_text())
    assert metrics["steps"] == 4 and metrics["images_per_second"] > 0
    # --precision defaults to auto: the policy this machine's devices and CPU flags call for,
    # said on stderr and recorded with its reason.
    from medgan_course.training.distribute import resolve_precision

    policy, reason = resolve_precision("auto")
    assert (metrics["precision"], metrics["precision_reason"]) == (policy, reason)
    assert f"precision {policy} ({reason})" in capsys.readouterr().err
    config = json.loads((run / "config.json").read_text())
    assert config["recipe"]["name"] == "dcgan" and config["seed"] == 3
    assert not list(tmp_path.glob(".run.partial-*"))  # no half-written folder left behind

    out = tmp_path / "more.npz"
    assert main(["sample", "--run", str(run), "--n", "10", "--out", str(out)]) == 0
    with np.load(out) as more:
        assert more["images"].shape == (10, 28, 28)
    assert out.with_suffix(".png").is_file()

    capsys.readouterr()
    assert main(["evaluate", "--run", str(run)]) == 0
    report = json.loads((run / "evaluation.json").read_text())
    assert report["dataset"] == "phantoms" and report["n_compared"] == 200
    # Four steps of training cannot rival real images: the fake FID is far above the floor.
    assert report["fid"] > 2 * report["floor_fid"]


@pytest.mark.slow
def test_conditional_run_writes_labels(tmp_path):
    run = tmp_path / "run"
    assert main(["train", "--dataset", "phantoms", "--model", "cdcgan", "--steps", "2",
                 "--n-samples", "20", "--out", str(run), "--quiet"]) == 0
    with np.load(run / "samples.npz") as samples:
        assert samples["labels"].tolist() == [0, 1] * 10
    assert main(["sample", "--run", str(run), "--n", "4", "--label", "0",
                 "--out", str(tmp_path / "m.npz")]) == 0
    with np.load(tmp_path / "m.npz") as more:
        assert more["labels"].tolist() == [0, 0, 0, 0]


def _write_medmnist_like(folder, flag="breastmnist", size=64, seed=0):
    """A MedMNIST-shaped file (official split sizes, random bytes, so not the official MD5)."""
    rng = np.random.default_rng(seed)
    num_classes = len(info.INFO[flag]["label"])
    arrays = {}
    for split, n in info.INFO[flag]["n_samples"].items():
        arrays[f"{split}_images"] = rng.integers(0, 256, (n, size, size), dtype=np.uint8)
        arrays[f"{split}_labels"] = (np.arange(n) % num_classes).astype(np.uint8)[:, None]
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / info.file_name(flag, size)
    np.savez_compressed(path, **arrays)
    return path


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore:.*not the official file:UserWarning")
@pytest.mark.filterwarnings("ignore:the domain extractor:RuntimeWarning")
def test_a_64_px_medmnist_run_trains_samples_and_evaluates(tmp_path, capsys, monkeypatch):
    """config.json keeps the loader's arguments (flag and size), so a 64 px run re-loads."""
    monkeypatch.setenv("HOME", str(tmp_path))  # the extractor cache goes under ~/.cache
    # One extractor epoch instead of ten: this test is about re-loading 64 px data, and the
    # 64 px extractor's ten epochs would take most of its time on a laptop CPU.
    from medgan_course.evaluation import report as report_module

    monkeypatch.setattr(report_module, "domain_extractor_for",
                        functools.partial(report_module.domain_extractor_for, epochs=1))
    data_dir = tmp_path / "medmnist"
    _write_medmnist_like(data_dir)
    run = tmp_path / "run64"
    assert main(["train", "--dataset", "breastmnist", "--size", "64", "--data-dir", str(data_dir),
                 "--no-download", "--steps", "2", "--batch-size", "16", "--n-samples", "160",
                 "--out", str(run), "--quiet"]) == 0
    config = json.loads((run / "config.json").read_text())
    assert config["data"] == {"name": "breastmnist", "size": 64, "data_dir": str(data_dir),
                              "max_train": None}
    out = tmp_path / "more.npz"
    assert main(["sample", "--run", str(run), "--n", "5", "--out", str(out)]) == 0
    with np.load(out) as more:
        assert more["images"].shape == (5, 64, 64) and more["images"].dtype == np.uint8
    capsys.readouterr()
    assert main(["evaluate", "--run", str(run)]) == 0
    report = json.loads((run / "evaluation.json").read_text())
    assert report["dataset"] == "breastmnist_64" and report["n_compared"] == 156
    assert np.isfinite(report["fid"])


# ------------------------------------------------------------------ one error contract
@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory):
    """A 1-step phantom run folder made through the CLI."""
    run = tmp_path_factory.mktemp("cli") / "run"
    assert main(["train", "--dataset", "phantoms", "--steps", "1", "--n-samples", "8",
                 "--out", str(run), "--quiet"]) == 0
    return run


def _bad_npz(folder, kind):
    """A breastmnist.npz (28 px) broken in one way."""
    path = _write_medmnist_like(folder, size=28)
    if kind == "truncated npz":
        path.write_bytes(path.read_bytes()[:2000])
    else:
        with np.load(path) as npz:
            arrays = dict(npz)
        if kind == "wrong shapes":
            arrays["train_images"] = arrays["train_images"][:, :20]
        elif kind == "labels out of range":
            arrays["test_labels"][0] = 7
        elif kind == "pickled arrays":
            arrays["val_labels"] = np.array([{"x": 1}] * len(arrays["val_labels"]), dtype=object)
        np.savez(path, **arrays)


def _catalogue(work, run):
    """(name, argv, expected part of the message) for each user error."""
    data = ["--dataset", "breastmnist", "--data-dir", str(work / "data"), "--no-download"]
    train = ["train", "--steps", "1", "--quiet", "--out", str(work / "out")]
    return [
        ("unknown flag", ["data", "--dataset", "nosuchmnist"], "unknown dataset 'nosuchmnist'"),
        ("multi-label flag", ["data", "--dataset", "chestmnist"], "Supported --dataset values"),
        ("offline, no data", ["data", *data], "was not found"),
        ("truncated npz", ["data", *data], "not a readable .npz"),
        ("wrong shapes", ["data", *data], "does not have the structure"),
        ("labels out of range", ["data", *data], "test_labels span [0, 7]"),
        ("pickled arrays", ["data", *data], "not a readable .npz"),
        ("bad number", [*train, "--batch-size", "-3"], "must be a positive integer"),
        ("bad seconds", ["train", "--seconds", "nan", "--out", str(work / "out")], "positive number"),
        ("no budget", ["train", "--out", str(work / "out")], "--steps N, --seconds S"),
        ("unknown recipe", [*train, "--recipe", "stylegan"], "invalid choice: 'stylegan'"),
        ("non-empty out", ["train", "--steps", "1", "--out", str(work / "full")], "not empty"),
        ("64 px article model", [*train, "--recipe", "seed-dcgan", "--size", "64"], "28 px"),
        ("batch above the data", [*train, "--max-train", "20", "--batch-size", "64"],
         "fewer than one step's"),
        ("not a run", ["sample", "--run", str(work / "full"), "--out", str(work / "s.npz")],
         "not a training run folder"),
        ("no such run", ["evaluate", "--run", str(work / "nowhere")], "no such folder"),
        ("corrupt generator", ["sample", "--run", str(work / "corrupt"), "--out",
                               str(work / "s.npz")], "corrupt or truncated"),
        ("label of an unconditional run", ["sample", "--run", str(run), "--label", "1", "--out",
                                           str(work / "s.npz")], "unconditional"),
        ("sample --out not .npz", ["sample", "--run", str(run), "--out", str(work / "s.png")],
         "must end in .npz"),
        ("too few samples to evaluate", ["evaluate", "--run", str(run)], "--n-samples"),
        ("negative seed", ["sample", "--run", str(run), "--seed", "-1", "--out",
                           str(work / "s.npz")], "non-negative integer"),
    ]


def _prepare(work, run, name):
    """The files a catalogue entry needs."""
    (work / "full").mkdir(exist_ok=True)
    (work / "full" / "keep.txt").write_text("precious")
    if name == "corrupt generator" and not (work / "corrupt").exists():
        shutil.copytree(run, work / "corrupt")
        generator = work / "corrupt" / "generator.keras"
        generator.write_bytes(generator.read_bytes()[:3000])
    if name in ("truncated npz", "wrong shapes", "labels out of range", "pickled arrays"):
        _bad_npz(work / "data", name)


def _files(folder):
    """Every path under `folder`, with the bytes of the files (folders map to None)."""
    return {p: p.read_bytes() if p.is_file() else None for p in folder.rglob("*")}


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore:.*not the official file:UserWarning")
def test_every_user_error_is_one_line_status_2_and_writes_nothing(tiny_run, tmp_path, capsys,
                                                                  monkeypatch):
    monkeypatch.delenv("MEDGAN_DATA_DIR", raising=False)
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras_home"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))  # an empty download cache
    run_files = _files(tiny_run)
    for name, argv, expected in _catalogue(tmp_path, tiny_run):
        shutil.rmtree(tmp_path / "data", ignore_errors=True)
        _prepare(tmp_path, tiny_run, name)
        before = _files(tmp_path)
        try:
            status = main(argv)
        except SystemExit as exc:  # argparse's own errors
            status = exc.code
        err = capsys.readouterr().err
        assert status == 2, (name, err)
        lines = err.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("medgan-course"), (name, err)
        assert expected in lines[0], (name, lines[0])
        assert _files(tmp_path) == before, name  # nothing written, nothing changed
    assert _files(tiny_run) == run_files


@pytest.mark.slow
def test_tensorflow_start_up_log_is_hidden_unless_asked_for(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "TF_CPP_MIN_LOG_LEVEL"}
    done = _run_cli(["-m", "medgan_course.cli", "train", "--dataset", "phantoms", "--steps", "1",
                     "--n-samples", "4", "--quiet", "--out", str(tmp_path / "run")], env=env)
    assert done.returncode == 0, done.stderr[-2000:]
    noise = [line for line in done.stderr.splitlines()
             if any(word in line for word in ("oneDNN", "absl", "tensorflow/core", "cuda"))]
    assert noise == []


def test_import_quietly_sets_aside_what_an_import_writes_to_stderr_unless_it_fails(tmp_path):
    (tmp_path / "noisy_ok.py").write_text("import os\nos.write(2, b'C++ notice\\n')\nVALUE = 1\n")
    (tmp_path / "noisy_bad.py").write_text("import os\nos.write(2, b'why it broke\\n')\n1 / 0\n")
    code = ("import sys; sys.path.insert(0, sys.argv[1]); from medgan_course._tf import import_quietly\n"
            "assert import_quietly('noisy_ok').VALUE == 1\n"
            "import os; os.write(2, b'stderr is back\\n')\n"
            "import_quietly('noisy_bad')\n")
    done = subprocess.run([sys.executable, "-c", code, str(tmp_path)], capture_output=True,
                          text=True)
    assert "C++ notice" not in done.stderr and "stderr is back" in done.stderr
    assert "why it broke" in done.stderr and "ZeroDivisionError" in done.stderr
    assert done.returncode == 1


def test_the_set_up_cells_quiet_import_still_names_the_install_command_without_tensorflow():
    code = ("import sys; sys.modules['tensorflow'] = None\n"  # an import of it now fails
            "from medgan_course import course\n"
            "try:\n    course.import_tensorflow_quietly()\n"
            "except ImportError as err:\n    print(err)\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert "pip install 'medgan-course[cpu]'" in done.stdout, done.stderr[-500:]
