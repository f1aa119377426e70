"""`spec:` includes: path rules, loops, depth, and each file read and validated once per run."""

from __future__ import annotations

import errno
from dataclasses import dataclass, replace
from pathlib import Path

from graphspec.caps import MAX_SUBMODEL_DEPTH
from graphspec.diagnostics import GraphSpecError, Inclusion, SpecPath, codes
from graphspec.files import display_path
from graphspec.ir import Origin, SharedIR, SubGraphIR
from graphspec.resolve.context import Context
from graphspec.syntax.document import Document
from graphspec.syntax.lenient import LeftOut
from graphspec.syntax.loader import load_file
from graphspec.syntax.schema import Spec
from graphspec.syntax.validate import validate_leniently


@dataclass
class Parsed:
    """An included file as read and validated once: every inclusion resolves it again (each
    is a sub-model of its own), with its own "included from" chain."""

    doc: Document
    spec: Spec
    left: LeftOut


def include(ctx: Context, sid: str, relative: str, origin: Origin, key: str) -> SharedIR | None:
    """A `spec:` file as a sub-model: path rules, include loops, errors located there."""
    doc = origin.doc
    where = (*origin.path, "spec")
    target = include_path(ctx, relative, doc, origin, where)
    if target is None:
        return None
    if target in ctx.includes:
        names = [display_path(p) for p in [*ctx.includes, target]]
        ctx.error(
            origin,
            "spec files include each other in a loop: " + " → ".join(names),
            where,
            code=codes.INCLUDE_LOOP,
        )
        return None
    if ctx.depth >= MAX_SUBMODEL_DEPTH:
        ctx.error(
            origin,
            f"sub-models (`graph:` and `spec:` entries) nest more than {MAX_SUBMODEL_DEPTH} "
            "deep (a cap of graphspec's)",
            where,
            code=codes.SUBMODELS_TOO_DEEP,
        )
        return None
    ctx.grow(0, 1, origin, where)
    inclusion = Inclusion(doc.file, doc.locate(where).line)
    parsed = read_once(ctx, target, (inclusion, *doc.included_from), origin, where)
    if parsed is None:
        return None
    inner = replace(parsed.doc, included_from=(inclusion, *doc.included_from))
    ctx.left_out[inner.file] = parsed.left
    ctx.includes.append(target)
    try:
        graph = ctx.graph(parsed.spec, inner, (), sid, None, f"{key}.")
    finally:
        ctx.includes.pop()
    return None if id(graph) in ctx.incomplete else SubGraphIR(graph, origin)


def read_once(
    ctx: Context, target: Path, chain: tuple[Inclusion, ...], origin: Origin, where: SpecPath
) -> Parsed | None:
    """The included file, read, parsed and validated at its first inclusion only (its problems
    reported then); the text of every file included in all is capped."""
    if target in ctx.parsed:
        known: Parsed | None = ctx.parsed[target]
        return known
    ctx.parsed[target] = None
    try:
        size = target.stat().st_size
    except OSError:
        size = 0  # reading it will say why
    ctx.grow(0, 0, origin, where, text=size)
    try:
        doc = load_file(target, chain)
        spec, early, left = validate_leniently(doc)
    except GraphSpecError as e:
        ctx.report(e.diagnostics)
        return None
    ctx.report(early)
    parsed = Parsed(doc, spec, left)
    ctx.parsed[target] = parsed
    return parsed


def include_path(
    ctx: Context, relative: str, doc: Document, origin: Origin, where: SpecPath
) -> Path | None:
    """The file a `spec:` names, resolved; None (reported) when it may not or cannot be read."""
    try:
        return _include_path(ctx, relative, doc, origin, where)
    except (OSError, ValueError, RuntimeError) as e:
        ctx.error(
            origin,
            f"'{_shown(relative)}': {_path_problem(e)}",
            where,
            code=codes.UNUSABLE_INCLUDE_PATH,
        )
        return None


def _shown(relative: str) -> str:
    """A path as a message shows it: a very long one shortened."""
    return relative if len(relative) <= 80 else f"{relative[:60]}…({len(relative):,} characters)"


def _path_problem(e: BaseException) -> str:
    """What is wrong with a path the operating system refused, in words."""
    if isinstance(e, ValueError):
        return "a path cannot hold a NUL character"
    if isinstance(e, RuntimeError) or getattr(e, "errno", None) == errno.ELOOP:
        return "the path goes round a loop of symbolic links"
    if getattr(e, "errno", None) == errno.ENAMETOOLONG:
        return "the path is longer than the operating system allows"
    return f"the path cannot be used: {getattr(e, 'strerror', None) or e}"


def _include_path(
    ctx: Context, relative: str, doc: Document, origin: Origin, where: SpecPath
) -> Path | None:
    if "\0" in relative:
        raise ValueError("embedded null byte")
    if Path(relative).is_absolute():
        ctx.error(
            origin,
            f"'{_shown(relative)}': absolute `spec:` paths are not allowed",
            where,
            code=codes.ABSOLUTE_INCLUDE,
            hint="write the path relative to the including file",
        )
        return None
    here = doc.path.parent if doc.path else ctx.options.base_dir
    if here is None:
        ctx.error(
            origin,
            f"'{_shown(relative)}': a spec given as data has no directory to include files from",
            where,
            code=codes.INCLUDE_WITHOUT_BASE,
            hint="pass base_dir= (the directory `spec:` paths are relative to and stay inside)",
        )
        return None
    target = (here / relative).resolve()
    allowed = (ctx.root, *ctx.options.allow_paths)
    roots = [root.resolve() for root in allowed if root is not None]
    if roots and not any(target.is_relative_to(root) for root in roots):
        ctx.error(
            origin,
            f"'{_shown(relative)}' leaves the spec's directory ({display_path(roots[0])}"
            "); allow more with --allow-path",
            where,
            code=codes.INCLUDE_OUTSIDE,
            hint="use --allow-path DIR to let includes read files under DIR",
        )
        return None
    if not target.is_file():
        ctx.error(
            origin, f"'{_shown(relative)}': no such spec file", where, code=codes.NO_SUCH_INCLUDE
        )
        return None
    return target


__all__ = ["Parsed", "include", "include_path", "read_once"]
