"""`graphspec fit`'s options for training on several devices or processes (--distribute, a
job's --coordinator, --num-processes, --process-id, --peer-timeout; docs/backends.md), and
what a process of a distributed run does at its start and end."""

from __future__ import annotations

import argparse
from typing import Any

from graphspec.cli.options import positive
from graphspec.diagnostics import GraphSpecError


def add_arguments(c: argparse.ArgumentParser) -> None:
    """Training on several devices or processes (docs/backends.md)."""
    c.add_argument(
        "--distribute",
        choices=("mirrored", "data-parallel"),
        help="mirrored: tf.distribute.MirroredStrategy over this machine's devices (GPUs where "
        "present; tensorflow backend); data-parallel: keras.distribution.DataParallel over "
        "every device of every process of the job (jax backend). --batch-size is the global batch",
    )
    c.add_argument(
        "--cpu-devices",
        type=positive,
        metavar="N",
        help="split the CPU into N logical devices (to try distribution without GPUs)",
    )
    c.add_argument(
        "--coordinator",
        metavar="HOST:PORT",
        help="data-parallel job of several processes: process 0's address, the same for all",
    )
    c.add_argument(
        "--num-processes", type=positive, default=1, metavar="N", help="processes in the job"
    )
    c.add_argument(
        "--process-id", type=int, default=0, metavar="I", help="this process's number, 0 to N-1"
    )
    c.add_argument(
        "--peer-timeout",
        type=positive,
        default=120,
        metavar="S",
        help="a job's processes wait S seconds for each other (to join, and for a peer that "
        "stops answering) before failing (default 120)",
    )


def session(args: argparse.Namespace, backend: str, spec: Any) -> Any:
    """This process's part in the run: the distribution options checked, devices set up."""
    from graphspec.keras import distribute

    job = distribute.Job(
        args.distribute,
        args.cpu_devices,
        args.coordinator,
        args.num_processes,
        args.process_id,
        args.peer_timeout,
    )
    settings = spec.fit
    written = settings.callbacks if settings is not None else []
    callbacks = [c if isinstance(c, str) else str(c["name"]) for c in written]
    validation = bool(args.validation_data or args.validation_split)
    validation = validation or (settings is not None and settings.validation_split > 0)
    distribute.check(job, backend, callbacks, validation)
    session = distribute.Session(job)
    line = session.start()
    if line:
        print(f"graphspec fit: {line}")
    return session


def end(session: Any, model: Any) -> None:
    """Print the weights' checksum (equal on every process of a job), unset the distribution."""
    from graphspec.keras.distribute import checksum

    if session.job.mode is not None:
        job = session.job
        print(
            f"graphspec fit: weights checksum {checksum(model)} "
            f"(process {job.process_id} of {job.num_processes})"
        )
    session.finish()


def lost(session: Any, e: GraphSpecError) -> None:
    from graphspec.keras.distribute import abandon

    job = session.job
    reason = e.diagnostics[0].message if e.diagnostics else str(e)
    abandon(
        f"graphspec fit: error: process {job.process_id} of {job.num_processes}: training "
        f"stopped ({reason}); a peer process has most likely stopped or become unreachable, "
        "so this one leaves now instead of waiting for it",
        1,
    )
