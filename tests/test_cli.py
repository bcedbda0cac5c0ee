"""The `medgan-course` command: bad arguments fail clearly, a short run writes every file."""

import json

import numpy as np
import pytest

from medgan_course.cli import main


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
    assert "error" in capsys.readouterr().err


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
    assert main(["train", "--dataset", "phantoms", "--model", "dcgan", "--steps", "4",
                 "--n-samples", "200", "--seed", "3", "--out", str(run), "--quiet"]) == 0
    for name in ("samples.npz", "samples.png", "progress.png", "losses.png", "metrics.json",
                 "config.json", "generator.keras"):
        assert (run / name).is_file(), name
    with np.load(run / "samples.npz") as samples:
        assert samples["images"].shape == (200, 28, 28) and samples["images"].dtype == np.uint8
    metrics = json.loads((run / "metrics.json").read_text())
    assert metrics["steps"] == 4 and metrics["images_per_second"] > 0
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
