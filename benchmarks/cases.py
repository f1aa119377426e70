"""The cases, each a function of the configuration that measures and returns table rows."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks import generate
from benchmarks.measure import ROOT, ChildFailed, median, probe, python, run
from benchmarks.report import Row

HEAVY = ("tensorflow", "keras", "jax", "torch")
"""Packages that `--help` and `validate` must not import."""


@dataclass
class Config:
    runs: int | None  # None: each case's own default
    quick: bool
    work: Path  # where generated specs are written
    progress: Callable[[str], None] = field(default=lambda _: None)

    def reps(self, full: int, quick: int = 1) -> int:
        if self.runs is not None:
            return self.runs
        return quick if self.quick else full


@dataclass
class Case:
    name: str
    about: str
    measure: Callable[[Config], list[Row]]


def _error(case: str, what: str, e: Exception) -> Row:
    return Row(case, what, result="ERROR", note=str(e)[:160])


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


def startup(cfg: Config) -> list[Row]:
    sides = {
        "python": python("-c", "pass"),
        "help": python("-m", "graphspec", "--help"),
        "validate": python("-m", "graphspec", "validate", RESNET),
    }
    times: dict[str, list[float]] = {k: [] for k in sides}
    for r in range(cfg.reps(9, 3)):
        names = list(sides)
        for name in names[r % 3 :] + names[: r % 3]:  # rotate who goes first
            done = run(sides[name])
            if done.returncode != 0:
                return [_error("startup", name, ChildFailed(done.stderr.strip()[-160:]))]
            times[name].append(done.seconds)
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
    for name, argv in (
        ("help", ["-m", "graphspec", "--help"]),
        ("validate", ["-m", "graphspec", "validate", RESNET]),
    ):
        heavy, own = _imports(argv)
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


def _validate_runs(
    path: Path, reps: int, parse: bool, expanded: Path | None = None
) -> dict[str, list[float]]:
    """validate (and the event parse) of one file in `reps` fresh children, alternating order."""
    out: dict[str, list[float]] = {"validate": [], "parse": []}
    for r in range(reps):
        res = probe(
            "validate",
            path=str(path),
            parse=parse,
            first="validate" if r % 2 else "parse",
            expanded=str(expanded) if expanded else None,
        )
        if expanded:
            out.setdefault("parse_expanded", []).append(res["parse_expanded"])
        if res["status"] not in (0, 1) or (parse and res["status"] != 0):
            raise ChildFailed(f"validate {path.name} exited {res['status']}: {res['first_line']}")
        out["validate"].append(res["validate"])
        if parse:
            out["parse"].append(res["parse"])
        out.setdefault("rss", []).append(res["max_rss_mb"])
        out.setdefault("lines", []).append(res["lines"])
    return out


def per_node(shape: str) -> Callable[[Config], list[Row]]:
    def measure(cfg: Config) -> list[Row]:
        sizes = [1_000, 4_000] if cfg.quick else [1_000, 10_000, 50_000]
        rows: list[Row] = []
        medians: dict[int, float] = {}
        for n in sizes:
            case = f"pernode/{shape}/{n}"
            path = generate.write(cfg.work, f"{shape}_{n}.yaml", generate.SHAPES[shape](n))
            flat = generate.EXPANDED.get(shape)
            expanded = (
                generate.write(cfg.work, f"{shape}_{n}_expanded.yaml", flat(n)) if flat else None
            )
            cfg.progress(case)
            try:
                t = _validate_runs(path, cfg.reps(3), parse=True, expanded=expanded)
            except ChildFailed as e:
                return [*rows, _error(case, "validate", e)]
            medians[n] = median(t["validate"])
            rows.append(
                Row(
                    case,
                    "validate above start-up",
                    medians[n],
                    against_label="libyaml event parse",
                    against=median(t["parse"]),
                    ratio=medians[n] / median(t["parse"]),
                    limit=3.0,
                    samples=t,
                )
            )
            if expanded:
                rows.append(
                    Row(
                        f"{case}/expanded",
                        "the same, vs the nodes written out",
                        medians[n],
                        against_label="libyaml event parse, expanded",
                        against=median(t["parse_expanded"]),
                        ratio=medians[n] / median(t["parse_expanded"]),
                        limit=3.0,
                    )
                )
        lo, hi = sizes[-2], sizes[-1]
        factor = hi / lo
        rows.append(
            Row(
                f"pernode/{shape}/growth",
                f"validate {hi:,} vs {lo:,} nodes",
                medians[hi],
                against_label=f"{lo:,} nodes",
                against=medians[lo],
                ratio=medians[hi] / medians[lo],
                limit=round(1.1 * factor, 2),
            )
        )
        path = cfg.work / f"{shape}_{hi}.yaml"
        done = run(python("-m", "graphspec", "validate", str(path)))
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
        return [_error("build/architectures", "graphspec.build", e)]
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
        return [_error(f"build/deep_{n}", "graphspec.build", e)]
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
        return [_error("import/resnet50", "graphspec import", e)]
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


# -- scaling: time at n and at 4n --------------------------------------------------------------


@dataclass(frozen=True)
class Scaling:
    name: str
    n: int
    what: str
    write: Callable[[Path, int], Path]


def _one(gen: Callable[[int], str], name: str) -> Callable[[Path, int], Path]:
    return lambda work, n: generate.write(work, f"{name}_{n}.yaml", gen(n))


def _includes(work: Path, n: int) -> Path:
    d = work / f"includes_{n}"
    generate.write(d, "part.yaml", generate.include_part(n))
    return generate.write(d, "top.yaml", generate.include_top(3))


SCALING = [
    Scaling(
        "duplicate_keys",
        5_000,
        "duplicate keys, each diagnostic with its source line",
        _one(generate.duplicate_keys, "duplicate_keys"),
    ),
    Scaling(
        "unknown_references",
        500,
        "unknown references (did-you-mean)",
        _one(generate.unknown_references, "unknown_references"),
    ),
    Scaling(
        "outputs", 10_000, "outputs (the duplicate check)", _one(generate.many_outputs, "outputs")
    ),
    Scaling("includes", 4_000, "nodes of a part included 3 times", _includes),
    Scaling(
        "unused_nodes",
        5_000,
        "unused nodes, a warning each",
        _one(generate.unused_nodes, "unused_nodes"),
    ),
    Scaling(
        "invalid_fields",
        2_500,
        "nodes with an invalid field each",
        _one(generate.invalid_fields, "invalid_fields"),
    ),
    Scaling(
        "unknown_layers",
        2_500,
        "nodes naming an unknown layer",
        _one(generate.unknown_layers, "unknown_layers"),
    ),
    Scaling("long_cycle", 5_000, "nodes in one cycle", _one(generate.long_cycle, "long_cycle")),
    Scaling("fan_in", 5_000, "inputs of one Concatenate", _one(generate.fan_in, "fan_in")),
    Scaling(
        "many_inputs", 5_000, "model inputs into one Add", _one(generate.many_inputs, "many_inputs")
    ),
    Scaling(
        "nested_blocks",
        25,
        "blocks, each using the one before",
        _one(generate.nested_blocks, "nested_blocks"),
    ),
]


def scaling(s: Scaling) -> Callable[[Config], list[Row]]:
    def measure(cfg: Config) -> list[Row]:
        n = max(1, s.n // 10) if cfg.quick else s.n
        case = f"scaling/{s.name}"
        paths = {k: s.write(cfg.work, k) for k in (n, 4 * n)}
        cfg.progress(case)
        t: dict[int, dict[str, list[float]]] = {n: {}, 4 * n: {}}
        try:
            for r in range(cfg.reps(3)):
                for k in (n, 4 * n) if r % 2 == 0 else (4 * n, n):
                    one = _validate_runs(paths[k], 1, parse=False)
                    for key, v in one.items():
                        t[k].setdefault(key, []).extend(v)
        except ChildFailed as e:
            return [_error(case, s.what, e)]
        a, b = median(t[n]["validate"]), median(t[4 * n]["validate"])
        note = f"{int(t[4 * n]['lines'][0]):,} lines out; {max(t[4 * n]['rss']):.0f} MB"
        return [
            Row(
                case,
                f"{4 * n:,} {s.what}",
                b,
                against_label=f"{n:,}",
                against=a,
                ratio=b / a,
                limit=4.5,
                note=note,
                samples={"n": t[n]["validate"], "4n": t[4 * n]["validate"]},
            )
        ]

    return measure


CASES: list[Case] = [
    Case("startup", "--help and validate, whole process; TensorFlow not imported", startup),
    *(Case(f"pernode/{s}", f"validate vs libyaml, {s}", per_node(s)) for s in generate.SHAPES),
    Case("build/architectures", "graphspec.build vs keras.applications", build_architectures),
    Case("build/deep", "a 2,000-layer spec vs plain Keras calls", build_deep),
    Case("import/resnet50", "graphspec import vs the application", import_resnet),
    *(Case(f"scaling/{s.name}", f"{s.what}: n vs 4n", scaling(s)) for s in SCALING),
]
