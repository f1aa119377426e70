"""The cases, each a function of the configuration that measures and returns table rows."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from benchmarks import generate, scaling
from benchmarks.common import Case, Config, error_row, interleaved
from benchmarks.measure import ROOT, ChildFailed, median, probe, python, run, turn
from benchmarks.report import Row

HEAVY = ("tensorflow", "keras", "jax", "torch")
"""Packages that `--help` and `validate` must not import."""


# -- start-up ----------------------------------------------------------------------------------

RESNET = str(ROOT / "specs/architectures/resnet50.yaml")


def _imports(argv: list[str]) -> tuple[list[str], float]:
    """The heavy packages a whole-process run imports (-X importtime), and the seconds spent
    importing graphspec's modules and all they import (the program's own top-level imports)."""
    done = run(python("-X", "importtime", *argv))
    heavy, own = set(), 0.0
    for line in done.stderr.splitlines():
        m = re.match(r"import time:\s+\d+ \|\s+(\d+) \| ( *)(\S+)", line)
        if not m:
            continue
        name = m.group(3)
        if name.split(".")[0] in HEAVY:
            heavy.add(name.split(".")[0])
        if not m.group(2) and name.split(".")[0] == "graphspec":  # imported by the program
            own += int(m.group(1)) / 1e6
    return sorted(heavy), own


STARTS = {
    "python": ["-c", "pass"],
    "help": ["-m", "graphspec", "--help"],
    "validate": ["-m", "graphspec", "validate", RESNET],
}
"""The whole processes timed side by side: the interpreter alone, --help, validate."""


def _start_times(reps: int) -> dict[str, list[float]]:
    """Seconds of each of STARTS in `reps` rounds, rotating which goes first."""
    times: dict[str, list[float]] = {k: [] for k in STARTS}
    names = list(STARTS)
    for r in range(reps):
        for name in names[r % 3 :] + names[: r % 3]:
            done = run(python(*STARTS[name]))
            if done.returncode != 0:
                raise ChildFailed(f"{name}: {done.stderr.strip()[-160:]}")
            times[name].append(done.seconds)
    return times


def startup(cfg: Config) -> list[Row]:
    try:
        times = _start_times(cfg.reps(9, 3))
    except ChildFailed as e:
        return [error_row("startup", "whole process", e)]
    base = median(times["python"])
    rows = [
        Row(
            "startup/help",
            "graphspec --help (process)",
            median(times["help"]),
            against_label="python -c pass",
            against=base,
            limit=0.15,
            samples=times,
            note=f"python + {(median(times['help']) - base) * 1000:.0f} ms",
        ),
        Row(
            "startup/validate",
            "validate resnet50.yaml (process)",
            median(times["validate"]),
            against_label="python -c pass",
            against=base,
            limit=0.25,
            note=f"python + {(median(times['validate']) - base) * 1000:.0f} ms",
        ),
    ]
    for name in ("help", "validate"):
        heavy, own = _imports(STARTS[name])
        rows.append(
            Row(
                f"startup/{name}/imports",
                "graphspec's imports (-X importtime)",
                own,
                against_label="",
                result="PASS" if not heavy else "MISS",
                note=("no " + "/".join(HEAVY[:2])) if not heavy else "imports " + ", ".join(heavy),
            )
        )
    return rows


# -- per node ----------------------------------------------------------------------------------


def per_node(shape: str) -> Callable[[Config], list[Row]]:
    def measure(cfg: Config) -> list[Row]:
        sizes = [1_000, 4_000] if cfg.quick else [1_000, 10_000, 50_000]
        files = {n: _per_node_files(cfg, shape, n) for n in sizes}
        cfg.progress(f"pernode/{shape}")
        try:
            t = interleaved(files, cfg.reps(5), parse=True)
        except ChildFailed as e:
            return [error_row(f"pernode/{shape}", "validate", e)]
        rows = [row for n in sizes for row in _per_node_rows(shape, n, t[n], files[n][1])]
        lo, hi = sizes[-2], sizes[-1]
        medians = {n: median(t[n]["validate"]) for n in (lo, hi)}
        rows.append(
            Row(
                f"pernode/{shape}/growth",
                f"validate {hi:,} vs {lo:,} nodes",
                medians[hi],
                against_label=f"{lo:,} nodes",
                against=medians[lo],
                ratio=medians[hi] / medians[lo],
                limit=round(1.1 * hi / lo, 2),
                note="the sizes measured in turn",
            )
        )
        rows.append(_values_growth(cfg, shape, {n: files[n][0] for n in (lo, hi)}))
        done = run(python("-m", "graphspec", "validate", str(files[hi][0])))
        rows.append(
            Row(
                f"pernode/{shape}/memory",
                f"peak RSS, validate {hi:,} (process)",
                done.max_rss_mb,
                unit="MB",
                limit=200.0,
                note=f"process {done.seconds:.1f} s",
            )
        )
        return rows

    return measure


def _values_growth(cfg: Config, shape: str, files: dict[int, Path]) -> Row:
    """The growth of json.loads of the same values (the control row): what building that many
    dicts, lists and strings costs at each size on this machine, in C, without graphspec."""
    lo, hi = files
    times: dict[int, list[float]] = {lo: [], hi: []}
    for r in range(cfg.reps(5)):
        for n in turn((lo, hi), r):
            times[n].append(probe("values", path=str(files[n]))["values"])
    a, b = median(times[lo]), median(times[hi])
    return Row(
        f"pernode/{shape}/growth/values",
        f"json.loads of its values, {hi:,} vs {lo:,}",
        b,
        against_label=f"{lo:,} nodes",
        against=a,
        ratio=b / a,
        note="a control, no target: the sizes measured in turn",
        samples={str(lo): times[lo], str(hi): times[hi]},
    )


def _per_node_files(cfg: Config, shape: str, n: int) -> tuple[Path, Path | None]:
    """The generated spec of `n` nodes, and (blocks, repeats) the same nodes written out."""
    path = generate.write(cfg.work, f"{shape}_{n}.yaml", generate.SHAPES[shape](n))
    flat = generate.EXPANDED.get(shape)
    expanded = generate.write(cfg.work, f"{shape}_{n}_expanded.yaml", flat(n)) if flat else None
    return path, expanded


def _per_node_rows(
    shape: str, n: int, t: dict[str, list[float]], expanded: Path | None
) -> list[Row]:
    """validate against the event parse of its file, and of the nodes written out."""
    case = f"pernode/{shape}/{n}"
    measured = median(t["validate"])
    rows = [
        Row(
            case,
            "validate above start-up",
            measured,
            against_label="libyaml event parse",
            against=median(t["parse"]),
            ratio=measured / median(t["parse"]),
            # a block or repeat file is 4-8 times shorter than the nodes it makes:
            # per node, the target is against those nodes written out (next row)
            limit=None if expanded else 3.0,
            note="shown; per node: the expanded row" if expanded else "",
            samples=t,
        )
    ]
    if expanded:
        rows.append(
            Row(
                f"{case}/expanded",
                "the same, vs the nodes written out",
                measured,
                against_label="libyaml event parse, expanded",
                against=median(t["parse_expanded"]),
                ratio=measured / median(t["parse_expanded"]),
                limit=3.0,
            )
        )
    return rows


# -- build -------------------------------------------------------------------------------------

APPLICATIONS = {
    "densenet121": "DenseNet121",
    "inception_v3": "InceptionV3",
    "mobilenet_v2": "MobileNetV2",
    "resnet50": "ResNet50",
    "vgg16": "VGG16",
    "xception": "Xception",
}


def build_architectures(cfg: Config) -> list[Row]:
    names = ["mobilenet_v2"] if cfg.quick else list(APPLICATIONS)
    specs = [[str(ROOT / "specs/architectures" / f"{n}.yaml"), APPLICATIONS[n]] for n in names]
    cfg.progress("build/architectures")
    try:
        res = probe("build", specs=specs, runs=cfg.reps(5))
    except ChildFailed as e:
        return [error_row("build/architectures", "graphspec.build", e)]
    rows = []
    for n in names:
        t = res[n]
        g, k = median(t["graphspec"]), median(t["keras"])
        rows.append(
            Row(
                f"build/{n}",
                "graphspec.build",
                g,
                against_label=f"keras.applications.{APPLICATIONS[n]}",
                against=k,
                ratio=g / k,
                limit=1.0,
                samples=t,
                note=f"best of each {min(t['graphspec']) / min(t['keras']):.2f}x; "
                f"check alone {median(t['check']) * 1000:.0f} ms",
            )
        )
    return rows


def build_deep(cfg: Config) -> list[Row]:
    n = 200 if cfg.quick else 2_000
    cfg.progress(f"build/deep_{n}")
    try:
        res = probe("deep", n=n, runs=cfg.reps(3))
    except ChildFailed as e:
        return [error_row(f"build/deep_{n}", "graphspec.build", e)]
    t = res["times"]
    g, k = median(t["graphspec"]), median(t["keras"])
    return [
        Row(
            f"build/deep_{n}",
            f"graphspec.build, {n:,} layers",
            g,
            against_label="the same as Keras calls",
            against=k,
            ratio=g / k,
            limit=1.05,
            samples=t,
            result="" if res["same_params"] else "ERROR",
            note=f"best of each {min(t['graphspec']) / min(t['keras']):.2f}x; "
            f"{res['layers']} layers" + ("" if res["same_params"] else ", params differ"),
        )
    ]


def import_resnet(cfg: Config) -> list[Row]:
    cfg.progress("import/resnet50")
    try:
        res = probe("import", app="ResNet50", runs=cfg.reps(5))
    except ChildFailed as e:
        return [error_row("import/resnet50", "graphspec import", e)]
    if not res["available"]:
        return [
            Row(
                "import/resnet50",
                "import --application ResNet50",
                limit=1.5,
                result="SKIP",
                bounds_ratio=True,
                note="not available: graphspec.from_keras is absent",
            )
        ]
    t = res["times"]
    g, k = median(t["graphspec"]), median(t["keras"])
    bad = [s for s in res["status"] if s != 0]
    return [
        Row(
            "import/resnet50",
            "import --application ResNet50",
            g,
            against_label="keras.applications.ResNet50",
            against=k,
            ratio=g / k,
            limit=1.5,
            samples=t,
            result="ERROR" if bad else "",
            note=f"exit {bad[0]}" if bad else "",
        )
    ]


CASES: list[Case] = [
    Case("startup", "--help and validate, whole process; TensorFlow not imported", startup),
    *(Case(f"pernode/{s}", f"validate vs libyaml, {s}", per_node(s)) for s in generate.SHAPES),
    Case("build/architectures", "graphspec.build vs keras.applications", build_architectures),
    Case("build/deep", "a 2,000-layer spec vs plain Keras calls", build_deep),
    Case("import/resnet50", "graphspec import vs the application", import_resnet),
    *(Case(f"scaling/{s.name}", f"{s.what}: n vs 4n", scaling.scaling(s)) for s in scaling.SCALING),
]
