"""The `medgan-course` command: inspect data, train, sample and evaluate.

    medgan-course data --dataset breastmnist --data-dir ../shared/data/medmnist
    medgan-course train --dataset phantoms --model dcgan --seconds 60 --out runs/demo
    medgan-course sample --run runs/demo --n 64 --out runs/demo/more.npz
    medgan-course evaluate --run runs/demo --dataset phantoms

Arguments are checked before any training starts; user errors exit with status 2 and one line.
"""

from __future__ import annotations

import argparse
import json
import sys

from medgan_course import __version__


class CLIError(Exception):
    """A user error: printed as one line (no traceback) and exit status 2."""


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {text}")
    return value


def _positive_float(text: str) -> float:
    value = float(text)
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be a positive number, got {text}")
    return value


def _add_data_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--dataset", default="phantoms",
                        help="a 2D MedMNIST flag (breastmnist, pneumoniamnist, ...), 'mnist', or "
                             "'phantoms' (the embedded default: no network, no files)")
    parser.add_argument("--data-dir", default=None,
                        help="folder holding MedMNIST files under their official names "
                             "(default: $MEDGAN_DATA_DIR, then the download cache)")
    parser.add_argument("--size", type=int, default=28, choices=(28, 64), help="image size in pixels")
    parser.add_argument("--max-train", type=_positive_int, default=None,
                        help="cap on training images (stratified, seeded) for large datasets")
    parser.add_argument("--no-download", action="store_true",
                        help="never download; fail clearly if the data is not local")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of all subcommands."""
    from medgan_course.training.recipes import RECIPES

    parser = argparse.ArgumentParser(prog="medgan-course", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"medgan-course {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    data = sub.add_parser("data", help="fetch a dataset (or find it locally) and describe it")
    _add_data_args(data)

    train = sub.add_parser("train", help="train a GAN and write samples, metrics and the generator")
    _add_data_args(train)
    train.add_argument("--model", default="dcgan", choices=sorted(RECIPES),
                       help="recipe: 'seed-dcgan' is the article's architecture trained as the "
                            "TensorFlow DCGAN tutorial does; 'dcgan' is the course's default")
    train.add_argument("--steps", type=_positive_int, default=None, help="generator steps")
    train.add_argument("--seconds", type=_positive_float, default=None, help="wall-clock budget")
    train.add_argument("--seed", type=int, default=0, help="seeds data order, weights and noise")
    train.add_argument("--out", required=True, help="output folder (created; must be empty or new)")
    train.add_argument("--batch-size", type=_positive_int, default=None, help="override the recipe's")
    train.add_argument("--precision", default="float32",
                       choices=("float32", "mixed_float16", "mixed_bfloat16"))
    train.add_argument("--strategy", default="default", choices=("default", "auto", "mirrored", "multiworker"))
    train.add_argument("--n-samples", type=_positive_int, default=1000, help="images in samples.npz")
    train.add_argument("--quiet", action="store_true", help="no progress bar")

    sample = sub.add_parser("sample", help="generate images from a trained run's generator")
    sample.add_argument("--run", required=True, help="a folder written by `medgan-course train`")
    sample.add_argument("--n", type=_positive_int, default=64)
    sample.add_argument("--seed", type=int, default=0)
    sample.add_argument("--label", type=int, default=None, help="class to generate (conditional runs)")
    sample.add_argument("--out", required=True, help="output .npz path (a .png is written beside it)")

    evaluate = sub.add_parser("evaluate", help="FID/KID, precision/recall and memorization of a run's samples")
    evaluate.add_argument("--run", required=True, help="a folder written by `medgan-course train`")
    _add_data_args(evaluate)
    evaluate.set_defaults(dataset=None, size=None)  # default: the run's own (config.json)
    evaluate.add_argument("--extractor", default="domain", choices=("domain", "inception"),
                          help="'domain': a CNN trained on the dataset (offline); "
                               "'inception': ImageNet InceptionV3 (downloads weights)")
    evaluate.add_argument("--seed", type=int, default=0)
    evaluate.add_argument("--out", default=None, help="JSON path (default: RUN/evaluation.json)")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of `medgan-course`; returns the process exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    from medgan_course import commands  # imports TensorFlow lazily

    handlers = {"data": commands.cmd_data, "train": commands.cmd_train,
                "sample": commands.cmd_sample, "evaluate": commands.cmd_evaluate}
    try:
        result = handlers[args.command](args)
    except (CLIError, ValueError, FileNotFoundError, FileExistsError) as err:
        print(f"medgan-course {args.command}: error: {err}", file=sys.stderr)
        return 2
    except _data_unavailable_error() as err:
        print(f"medgan-course {args.command}: error: {err}", file=sys.stderr)
        return 2
    if result is not None:
        print(json.dumps(result, indent=2, default=str))
    return 0


def _data_unavailable_error():
    from medgan_course.data import DataUnavailableError

    return DataUnavailableError


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
