"""The `medgan-course` command: inspect data, train, sample and evaluate.

    medgan-course data --dataset breastmnist --data-dir ../shared/data/medmnist
    medgan-course train --dataset phantoms --recipe dcgan --seconds 60 --out runs/demo
    medgan-course sample --run runs/demo --n 64 --out runs/demo/more.npz
    medgan-course evaluate --run runs/demo

Arguments are checked before any training starts; user errors exit with status 2 and one line.
Parsing imports no TensorFlow (`--help` and `data` stay fast); `commands.py` does the work.
"""

from __future__ import annotations

import argparse
import json
import os
import sys

from medgan_course import __version__, course
from medgan_course.errors import UserError
from medgan_course.training.recipes import RECIPES
from medgan_course.validate import non_negative_int_arg, positive_int_arg, positive_number_arg


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are one line on stderr (exit status 2), as the commands' are.

    argparse prints the whole usage before its error; the usage is one `--help` away, and one
    line is what scripts and people can read. Subparsers inherit this class.
    """

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def _add_data_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--dataset", default="phantoms",
                        help="a 2D single-label MedMNIST flag (breastmnist, pneumoniamnist, ...), "
                             "'mnist', or 'phantoms' (the embedded default: no network, no files)")
    parser.add_argument("--data-dir", default=None,
                        help="folder holding MedMNIST files under their official names "
                             "(default: $MEDGAN_DATA_DIR, then the download cache)")
    parser.add_argument("--size", type=int, default=28, choices=(28, 64), help="image size in pixels")
    parser.add_argument("--max-train", type=positive_int_arg, default=None,
                        help="cap on training images (stratified, seeded) for large datasets")
    parser.add_argument("--no-download", action="store_true",
                        help="never download; fail clearly if the data is not local")


def _add_train_args(train: argparse.ArgumentParser) -> None:
    train.add_argument("--recipe", "--model", dest="recipe", default="dcgan", choices=sorted(RECIPES),
                       metavar="NAME",
                       help=f"training recipe, one of {', '.join(sorted(RECIPES))} (--model is an "
                            "alias of --recipe): 'seed-dcgan' is the article's architecture "
                            "(28 px only) trained as the TensorFlow DCGAN tutorial does; 'dcgan' "
                            "is the course's default")
    train.add_argument("--steps", type=positive_int_arg, default=None, help="generator steps")
    train.add_argument("--seconds", type=positive_number_arg, default=None, help="wall-clock budget")
    train.add_argument("--seed", type=non_negative_int_arg, default=0,
                       help="seeds data order, weights, noise and the samples")
    train.add_argument("--out", required=True,
                       help="output folder (created; must be empty or new). Until the run is "
                            "complete it is staged, with its checkpoints, in .OUT.partial beside "
                            "it; rerunning the same command resumes from the last checkpoint "
                            "(other arguments are refused: delete .OUT.partial to start again)")
    train.add_argument("--checkpoint-seconds", type=positive_number_arg, default=30.0,
                       metavar="S",
                       help="checkpoint at least every S seconds (default 30: a killed 5-minute "
                            "run loses at most about 30 s)")
    train.add_argument("--checkpoint-steps", type=positive_int_arg, default=None, metavar="N",
                       help="also checkpoint every N steps")
    train.add_argument("--batch-size", type=positive_int_arg, default=None,
                       help="override the recipe's")
    train.add_argument("--precision", default="auto",
                       choices=("auto", "float32", "mixed_float16", "mixed_bfloat16"),
                       help="'auto' (default): float16 on CUDA GPUs with tensor cores, bfloat16 on "
                            "CPUs with native bfloat16 (AVX512_BF16/AMX), else float32")
    train.add_argument("--strategy", default="default",
                       choices=("default", "auto", "mirrored", "multiworker"),
                       help="'multiworker': run the same command on every worker with its own "
                            "TF_CONFIG and --steps (not --seconds); the chief writes the "
                            "checkpoints and --out, which every worker must see")
    train.add_argument("--n-samples", type=positive_int_arg, default=1000, help="images in samples.npz")
    train.add_argument("--quiet", action="store_true", help="no progress bar")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of all subcommands (imports no TensorFlow)."""
    parser = _Parser(prog="medgan-course", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"medgan-course {__version__}")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--verbose", action="store_true",
                        help="show TensorFlow's start-up log (hidden unless TF_CPP_MIN_LOG_LEVEL is set)")
    sub = parser.add_subparsers(dest="command", required=True)

    data = sub.add_parser("data", parents=[common],
                          help="fetch a dataset (or find it locally) and describe it")
    _add_data_args(data)

    train = sub.add_parser("train", parents=[common],
                           help="train a GAN and write samples, metrics and the generator")
    _add_data_args(train)
    _add_train_args(train)

    sample = sub.add_parser("sample", parents=[common],
                            help="generate images from a trained run's generator")
    sample.add_argument("--run", required=True, help="a folder written by `medgan-course train`")
    sample.add_argument("--n", type=positive_int_arg, default=64)
    sample.add_argument("--seed", type=non_negative_int_arg, default=0)
    sample.add_argument("--label", type=int, default=None, help="class to generate (conditional runs)")
    sample.add_argument("--out", required=True, help="output .npz path (a .png is written beside it)")

    evaluate = sub.add_parser("evaluate", parents=[common],
                              help="FD/KID (domain features), precision/recall, memorization")
    evaluate.add_argument("--run", required=True, help="a folder written by `medgan-course train`")
    _add_data_args(evaluate)
    evaluate.set_defaults(dataset=None, size=None)  # default: the run's own (config.json)
    evaluate.add_argument("--extractor", default="domain", choices=("domain", "inception"),
                          help="'domain': a CNN trained on the dataset (offline); "
                               "'inception': ImageNet InceptionV3 (downloads weights)")
    evaluate.add_argument("--seed", type=non_negative_int_arg, default=0)
    evaluate.add_argument("--out", default=None, help="JSON path (default: RUN/evaluation.json)")
    return parser


def quiet_tensorflow(verbose: bool) -> None:
    """Hides TensorFlow's C++ start-up log (oneDNN, absl, CUDA probing) unless asked for.

    Must run before TensorFlow is imported (the C++ side reads the variable once). A value the
    user has set is kept; TF_CPP_MIN_LOG_LEVEL=0 shows everything. oneDNN itself stays on
    (TF_ENABLE_ONEDNN_OPTS is not touched): only its notice is hidden, so the numbers do not
    change.
    """
    if verbose or "tensorflow" in sys.modules:
        return
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    # The notebooks' set-up call: it also sets aside the oneDNN notice that TF_CPP_MIN_LOG_LEVEL
    # misses on some CPUs, unless the variable is 0.
    course.import_tensorflow_quietly()


def main(argv: list[str] | None = None) -> int:
    """Entry point of `medgan-course`; returns the process exit status."""
    args = build_parser().parse_args(argv)
    if args.command != "data":  # `data` needs no TensorFlow
        quiet_tensorflow(args.verbose)
    from medgan_course import commands  # imports TensorFlow only for what needs it
    from medgan_course.data import DataUnavailableError

    handlers = {"data": commands.cmd_data, "train": commands.cmd_train,
                "sample": commands.cmd_sample, "evaluate": commands.cmd_evaluate}
    try:
        result = handlers[args.command](args)
    except (UserError, DataUnavailableError, FileExistsError) as err:
        # A user error: one line (no traceback). Anything else is a bug and keeps its traceback.
        message = " ".join(str(err).split())
        print(f"medgan-course {args.command}: error: {message}", file=sys.stderr)
        return 2
    if result is not None:
        print(json.dumps(result, indent=2, default=str))
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
