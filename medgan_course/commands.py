"""What each `medgan-course` subcommand does (the parser is in `cli.py`).

Each handler takes the parsed arguments and returns a JSON-ready dict that the CLI prints.
User errors are raised as `errors.UserError` (one line, exit status 2); TensorFlow is imported
only by the handlers that train or run a network. Run folders are read through
`training.run_folder.load_run` only.
"""

from __future__ import annotations

import json
import pathlib
import sys

import numpy as np

from medgan_course.data.types import to_model_range
from medgan_course.errors import UserError
from medgan_course.training.run_folder import DataArgs, atomic_path, generate_from_run, load_run


def _data_args(args) -> DataArgs:
    """The `load_dataset` arguments the command line names."""
    return DataArgs(name=args.dataset, size=args.size, data_dir=args.data_dir,
                    max_train=args.max_train)


def _load(data: DataArgs, args, *, seed: int):
    """The dataset `data` names (never a substitute); the loader's refusals are user errors.

    The loader raises ValueError for an unknown name, a wrong size or a file of the wrong
    structure, and NotImplementedError for a multi-label flag: all are about the request.
    """
    from medgan_course.data import DATASET_NAMES

    try:
        return data.load(seed=seed, download=not args.no_download)
    except NotImplementedError as err:
        raise UserError(f"{err} Supported --dataset values: {', '.join(DATASET_NAMES)}") from None
    except ValueError as err:
        raise UserError(str(err)) from None


def cmd_data(args) -> dict:
    """`medgan-course data`: finds or downloads a dataset and describes it."""
    dataset = _load(_data_args(args), args, seed=0)
    splits = {}
    for split_name in ("train", "val", "test"):
        split = getattr(dataset, split_name)
        counts = np.bincount(split.labels, minlength=dataset.num_classes)
        splits[split_name] = {"images": len(split.images),
                              "per_class": dict(zip(dataset.class_names, counts.tolist()))}
    return {"dataset": dataset.name, "image_shape": list(dataset.image_shape),
            "classes": list(dataset.class_names), "splits": splits, "source": dataset.source}


def _train_recipe(args):
    """The recipe the arguments name, checked against the image size before any data loads."""
    from medgan_course.training.recipes import get_recipe

    recipe = get_recipe(args.recipe)
    if args.batch_size:
        recipe = recipe.replace(batch_size=args.batch_size)
    try:
        recipe.check_image_size(args.size)
    except ValueError as err:
        raise UserError(f"{err} (--size)") from None
    return recipe


def cmd_train(args) -> dict:
    """`medgan-course train`: trains a recipe and writes a run folder (see `runner.save_run`).

    Checkpoints go to `checkpoint.staging_dir(--out)`; the same command run again resumes from
    there (`runner.train`), and one with other arguments is refused.
    """
    from dataclasses import asdict

    from medgan_course.training.checkpoint import CheckpointSettings, staging_dir
    from medgan_course.training.distribute import resolve_precision
    from medgan_course.training.runner import check_out_dir, save_run, train

    if args.steps is None and args.seconds is None:
        raise UserError("give --steps N, --seconds S, or both")
    out = pathlib.Path(args.out)
    check_out_dir(out)  # fail before training, not after
    recipe = _train_recipe(args)
    data = _data_args(args)
    dataset = _load(data, args, seed=args.seed)
    import keras

    # Said when training starts, after every check (so that a refusal stays one line); train
    # resolves "auto" the same way and records the reason.
    notice = "medgan-course train: precision {} ({})".format(*resolve_precision(args.precision))
    announce = keras.callbacks.LambdaCallback(on_train_begin=lambda logs: print(notice,
                                                                                file=sys.stderr))
    # The arguments that change the result; the checkpoint intervals and --quiet do not.
    checkpoint = CheckpointSettings(staging_dir(out), every_steps=args.checkpoint_steps,
                                    every_seconds=args.checkpoint_seconds,
                                    request={"data_args": asdict(data), "n_samples": args.n_samples})
    result = train(recipe, dataset, steps=args.steps, seconds=args.seconds, seed=args.seed,
                   precision=args.precision, strategy=args.strategy, progress=not args.quiet,
                   checkpoint=checkpoint, extra_callbacks=[announce])
    metrics = save_run(result, out, data=data, n_samples=args.n_samples)
    keys = ("steps", "seconds", "images_per_second", "stopped", "precision", "resumed_from_steps",
            "generator_sha256", "trainable_sha256")
    # A non-chief multi-worker task writes nothing: the chief writes the run folder.
    return {"out": str(out) if result.writes_files else None, **{k: metrics[k] for k in keys}}


def cmd_sample(args) -> dict:
    """`medgan-course sample`: generates images with a run's saved generator."""
    from medgan_course import plots

    out = pathlib.Path(args.out)
    if out.suffix != ".npz":
        raise UserError(f"--out must end in .npz, got {out}")
    run = load_run(args.run)
    images, labels = generate_from_run(run, args.n, seed=args.seed, label=args.label)
    arrays = {"images": images} if labels is None else {"images": images, "labels": labels}
    out.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(out) as tmp_npz, atomic_path(out.with_suffix(".png")) as tmp_png:
        np.savez_compressed(tmp_npz, **arrays)
        plots.save_samples_png(images[:64], tmp_png, labels=None if labels is None else labels[:64])
    return {"out": str(out), "images": list(images.shape)}


def _evaluation_data(args, run) -> DataArgs:
    """The run's own data arguments, with what the command line overrides."""
    own = run.config.data
    base = own if args.dataset in (None, own.name) else DataArgs(args.dataset, size=own.size)
    return DataArgs(name=base.name, size=args.size or base.size,
                    data_dir=args.data_dir if args.data_dir is not None else base.data_dir,
                    max_train=args.max_train if args.max_train is not None else base.max_train)


def cmd_evaluate(args) -> dict:
    """`medgan-course evaluate`: FD/KID (domain features) against the floor, P/R, memorization."""
    run = load_run(args.run)
    images = run.samples()
    dataset = _load(_evaluation_data(args, run), args, seed=run.config.settings.seed)
    fake = to_model_range(images[..., None] if images.ndim == 3 else images)
    if fake.shape[1:] != dataset.image_shape:
        raise UserError(f"samples are {fake.shape[1:]} but {dataset.name} images are "
                        f"{dataset.image_shape}; evaluate against the dataset the run used")
    if len(fake) < len(dataset.test.images):  # sample_quality compares with the whole test split
        raise UserError(f"the run has {len(fake)} samples but {dataset.name}'s test split has "
                        f"{len(dataset.test.images)} images; train with --n-samples "
                        f"{len(dataset.test.images)} or more")
    from medgan_course.evaluation.features import InceptionExtractor
    from medgan_course.evaluation.report import domain_extractor_for, sample_quality

    extractor = (InceptionExtractor() if args.extractor == "inception"
                 else domain_extractor_for(dataset, seed=args.seed))
    report = {"run": str(run.path), "dataset": dataset.name, "extractor": args.extractor,
              **sample_quality(fake, dataset, extractor, seed=args.seed)}
    out = pathlib.Path(args.out) if args.out else run.path / "evaluation.json"
    with atomic_path(out) as tmp:
        tmp.write_text(json.dumps(report, indent=2) + "\n")
    return report
