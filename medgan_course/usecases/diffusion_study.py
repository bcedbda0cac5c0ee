"""The diffusion-against-GAN study's committed results, as tables (notebook 13, bench/diffusion.py).

`bench/diffusion.py run` writes one JSON per family and seed (`{family}_seed{k}_{B}s.json`, in
`course.results_dir("diffusion")`), each holding, per sampler and budget, the scores of
`evaluation.report.sample_quality` and the draw's cost. These functions read them and build the
tables that both docs/results/diffusion.md and notebook 13 show, so the two cannot disagree.
"""

from __future__ import annotations

import json
import pathlib
import statistics

#: Sampler name -> what it is, in table order (the GAN first: the reference of the verdicts).
SAMPLERS = {
    "gan": "GAN (`dcgan`), one forward pass",
    "ddim50": "diffusion, DDIM 50 steps (EMA)",
    "ddim10": "diffusion, DDIM 10 steps (EMA)",
    "ddim50-raw": "diffusion, DDIM 50 steps, raw weights (no EMA)",
    "ddpm1000": "diffusion, full DDPM chain, 1,000 steps (EMA)",
}
REFERENCE = "gan"


def load_study(root) -> dict:
    """{(sampler, budget seconds): {seed: scores}} from the result files in `root`.

    Args:
        root: a folder of `{family}_seed{k}_{B}s.json` files.

    Returns:
        Each scores dict has fid, floor_fid, precision, recall, memorized_fraction,
        memorized_fraction_real_test, steps, sampling_seconds, images_per_second,
        evaluations_per_image.
    """
    table = {}
    for path in sorted(pathlib.Path(root).glob("*_seed*_*s.json")):
        record = json.loads(path.read_text())
        for sampler, by_budget in record["scores"].items():
            for budget, scores in by_budget.items():
                table.setdefault((sampler, int(budget)), {})[record["seed"]] = scores
    return table


def mean_sd(values, digits: int = 2) -> str:
    """"m ± sd" over seeds ("m (1 seed)" for one value, "n/a" for none)."""
    values = list(values)
    if len(values) < 2:
        return f"{values[0]:.{digits}f} (1 seed)" if values else "n/a"
    return f"{statistics.fmean(values):.{digits}f} ± {statistics.stdev(values):.{digits}f}"


def verdict(table, sampler: str, budget: int, key: str = "fid") -> str:
    """`sampler` against the GAN at `budget`, paired by seed.

    "lower"/"higher" only when the 95 % t-interval of the paired difference excludes 0; with
    fewer than 2 paired seeds, says so.
    """
    from medgan_course.evaluation.classification import paired_differences

    if sampler == REFERENCE:
        return "reference"
    arm, gan = table.get((sampler, budget), {}), table.get((REFERENCE, budget), {})
    seeds = sorted(set(arm) & set(gan))
    if len(seeds) < 2:
        return "too few paired seeds"
    gain = paired_differences([gan[s][key] for s in seeds], [arm[s][key] for s in seeds])
    text = f"{gain.n_a_better}/{len(seeds)} seeds lower"
    if gain.low > 0:
        return f"**lower FD than the GAN** ({text})"
    return f"**higher FD than the GAN** ({text})" if gain.high < 0 else f"no clear difference ({text})"


def _ordered(table):
    return sorted(table.items(), key=lambda kv: (kv[0][1], list(SAMPLERS).index(kv[0][0])))


def quality_table(table) -> str:
    """Markdown: per budget and sampler, steps, FD (floor), precision, recall, memorized, verdict."""
    lines = ["| budget | sampler | seeds | steps | FD (floor) | precision | recall | memorized "
             "(real-test floor) | verdict |", "| ---: | --- | ---: | ---: | --- | --- | --- | --- | --- |"]
    for (sampler, budget), seeds in _ordered(table):
        def col(key, seeds=seeds):
            return [s[key] for s in seeds.values()]

        lines.append(
            f"| {budget} s | {SAMPLERS[sampler]} | {len(seeds)} | {statistics.median(col('steps')):.0f} | "
            f"{mean_sd(col('fid'))} ({statistics.fmean(col('floor_fid')):.2f}) | "
            f"{mean_sd(col('precision'))} | {mean_sd(col('recall'))} | "
            f"{mean_sd(col('memorized_fraction'), 3)} "
            f"({statistics.fmean(col('memorized_fraction_real_test')):.3f}) | "
            f"{verdict(table, sampler, budget)} |")
    return "\n".join(lines)


def sampling_cost(table) -> dict:
    """sampler -> {"evaluations_per_image", "images_per_second" (median over draws), "draws"}."""
    cost = {}
    for sampler in SAMPLERS:
        draws = [s for (name, _), seeds in table.items() if name == sampler for s in seeds.values()]
        if draws:
            cost[sampler] = {"evaluations_per_image": draws[0]["evaluations_per_image"],
                             "images_per_second": statistics.median(d["images_per_second"] for d in draws),
                             "draws": len(draws)}
    return cost


def cost_table(table) -> str:
    """Markdown: network evaluations per image and images per second of each sampler."""
    lines = ["| sampler | network evaluations per image | images/s (median over draws) | draws |",
             "| --- | ---: | ---: | ---: |"]
    for sampler, c in sampling_cost(table).items():
        lines.append(f"| {SAMPLERS[sampler]} | {c['evaluations_per_image']:,} | "
                     f"{c['images_per_second']:,.1f} | {c['draws']} |")
    return "\n".join(lines)
