"""What each `medgan-course` subcommand does (the parser is in `cli.py`).

Each handler takes the parsed arguments and returns a JSON-ready dict that the CLI prints.
"""

from __future__ import annotations

import json
import pathlib

import numpy as np

from medgan_course.cli import CLIError
from medgan_course.data import load_dataset
from medgan_course.data.types import to_model_range


def run_dir(path: str) -> pathlib.Path:
    """A training run's folder, checked to hold what `train` writes."""
    run = pathlib.Path(path)
    if not (run / "generator.keras").is_file() or not (run / "config.json").is_file():
        raise CLIError(f"{run} is not a training run folder (no generator.keras/config.json); "
                       "make one with `medgan-course train --out DIR`")
    return run


def _load(args, *, name=None, size=None, seed=0):
    """The dataset the arguments name (never a substitute: errors say how to get the data)."""
    return load_dataset(name or args.dataset, data_dir=args.data_dir, size=size or args.size,
                        max_train=args.max_train, seed=seed, download=not args.no_download)


def cmd_data(args) -> dict:
    """`medgan-course data`: finds or downloads a dataset and describes it."""
    dataset = _load(args)
    splits = {}
    for split_name in ("train", "val", "test"):
        split = getattr(dataset, split_name)
        counts = np.bincount(split.labels, minlength=dataset.num_classes)
        splits[split_name] = {"images": len(split.images),
                              "per_class": dict(zip(dataset.class_names, counts.tolist()))}
    return {"dataset": dataset.name, "image_shape": list(dataset.image_shape),
            "classes": list(dataset.class_names), "splits": splits, "source": dataset.source}


def cmd_train(args) -> dict:
    """`medgan-course train`: trains a recipe and writes a run folder (see `runner.save_run`)."""
    from medgan_course.training.distribute import get_strategy
    from medgan_course.training.recipes import get_recipe
    from medgan_course.training.runner import check_out_dir, save_run, train

    if args.steps is None and args.seconds is None:
        raise CLIError("give --steps N, --seconds S, or both")
    out = pathlib.Path(args.out)
    check_out_dir(out)  # fail before training, not after
    recipe = get_recipe(args.model)
    if args.batch_size:
        recipe = recipe.replace(batch_size=args.batch_size)
    if args.model == "seed-dcgan" and args.size != 28:
        raise CLIError("the article's architecture (seed-dcgan) makes 28 px images; use --size 28")
    dataset = _load(args, seed=args.seed)
    result = train(recipe, dataset, steps=args.steps, seconds=args.seconds, seed=args.seed,
                   precision=args.precision, strategy=get_strategy(args.strategy),
                   progress=not args.quiet)
    config = {"dataset": dataset.name, "size": args.size, "data_dir": args.data_dir,
              "max_train": args.max_train, "steps": args.steps, "seconds": args.seconds,
              "seed": args.seed, "precision": args.precision, "strategy": args.strategy,
              "class_names": list(dataset.class_names), "source": dataset.source}
    save_run(result, out, config=config, n_samples=args.n_samples, seed=args.seed,
             precision=args.precision)
    metrics = json.loads((out / "metrics.json").read_text())
    return {"out": str(out), **{k: metrics[k] for k in ("steps", "seconds", "images_per_second", "stopped")}}


def cmd_sample(args) -> dict:
    """`medgan-course sample`: generates images with a run's saved generator."""
    import keras

    from medgan_course import plots
    from medgan_course.data.types import to_uint8

    run = run_dir(args.run)
    config = json.loads((run / "config.json").read_text())
    recipe = config["recipe"]
    generator = keras.saving.load_model(run / "generator.keras")  # safe_mode stays on
    z = np.random.default_rng(args.seed).standard_normal((args.n, recipe["latent_dim"]), np.float32)
    labels = None
    if recipe["conditional"]:
        num_classes = len(config["class_names"])
        if args.label is not None and not 0 <= args.label < num_classes:
            raise CLIError(f"--label must be in [0, {num_classes}) for this run")
        labels = (np.full(args.n, args.label) if args.label is not None
                  else np.arange(args.n) % num_classes).astype(np.int32)
    elif args.label is not None:
        raise CLIError("this run's generator is unconditional: drop --label")
    images = np.asarray(generator.predict(z if labels is None else [z, labels], verbose=0))
    images = to_uint8(images)
    out = pathlib.Path(args.out)
    if out.suffix != ".npz":
        raise CLIError(f"--out must end in .npz, got {out}")
    out.parent.mkdir(parents=True, exist_ok=True)
    arrays = {"images": images[..., 0] if images.shape[-1] == 1 else images}
    if labels is not None:
        arrays["labels"] = labels
    np.savez_compressed(out, **arrays)
    plots.save_samples_png(images[:64], out.with_suffix(".png"), labels=labels)
    return {"out": str(out), "images": list(arrays["images"].shape)}


def cmd_evaluate(args) -> dict:
    """`medgan-course evaluate`: FID/KID against the real floor, precision/recall, memorization."""
    from medgan_course.evaluation.features import InceptionExtractor
    from medgan_course.evaluation.report import domain_extractor_for, sample_quality

    run = run_dir(args.run)
    config = json.loads((run / "config.json").read_text())
    dataset = _load(args, name=args.dataset or config["dataset"], size=args.size or config["size"],
                    seed=config.get("seed", 0))
    with np.load(run / "samples.npz", allow_pickle=False) as samples:
        images = samples["images"]
    fake = to_model_range(images[..., None] if images.ndim == 3 else images)
    if fake.shape[1:] != dataset.image_shape:
        raise CLIError(f"samples are {fake.shape[1:]} but {dataset.name} images are "
                       f"{dataset.image_shape}; evaluate against the dataset the run used")
    extractor = (InceptionExtractor() if args.extractor == "inception"
                 else domain_extractor_for(dataset, seed=args.seed))
    report = {"run": str(run), "dataset": dataset.name, "extractor": args.extractor,
              **sample_quality(fake, dataset, extractor, seed=args.seed)}
    out = pathlib.Path(args.out) if args.out else run / "evaluation.json"
    out.write_text(json.dumps(report, indent=2) + "\n")
    return report
