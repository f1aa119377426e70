"""`graphspec fit --distribute`: tf.distribute.MirroredStrategy over the local devices
(TensorFlow), or keras.distribution.DataParallel over the devices of every process of a job
(JAX). A `Session` wraps the build (in the strategy's scope: graphspec declares variables
late, so the whole build sits inside it), shards the data, and says which process writes."""

from __future__ import annotations

import contextlib
import hashlib
import os
import random
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any

from graphspec.keras import compat
from graphspec.keras.callbacks import RunError
from graphspec.keras.train import Prepared

MODES = {"mirrored": "tensorflow", "data-parallel": "jax"}
"""Each --distribute mode and the one backend it runs on."""

WRITERS = ("ModelCheckpoint", "BackupAndRestore", "CSVLogger", "TensorBoard")
"""Callbacks that write files: every process of a job would write them."""


@dataclass(frozen=True)
class Job:
    """The command line's distribution options."""

    mode: str | None = None
    cpu_devices: int | None = None
    coordinator: str | None = None
    num_processes: int = 1
    process_id: int = 0
    peer_timeout: int = 120

    @property
    def several(self) -> bool:
        return self.num_processes > 1


def check(job: Job, backend: str, callbacks: list[str], validation: bool) -> None:
    """RunError for options that do not go together (before anything is built)."""
    if job.mode is None:
        if job.cpu_devices or job.coordinator or job.several or job.process_id:
            raise RunError(
                "--cpu-devices, --coordinator, --num-processes and --process-id need --distribute"
            )
        return
    if MODES[job.mode] != backend:
        raise RunError(
            f"--distribute {job.mode} runs on the {MODES[job.mode]} backend, not {backend}"
        )
    if job.mode == "mirrored" and (job.coordinator or job.several or job.process_id):
        raise RunError(
            "--distribute mirrored trains on one machine; a job of several processes is "
            "--backend jax --distribute data-parallel (multi-worker TensorFlow: docs/backends.md)"
        )
    if job.several != (job.coordinator is not None):
        raise RunError(
            "a job of several processes needs --coordinator HOST:PORT and --num-processes N"
        )
    if not 0 <= job.process_id < job.num_processes:
        raise RunError(f"--process-id {job.process_id}: choose 0 to {job.num_processes - 1}")
    if job.several:
        _check_job_of_several(callbacks, validation)


def _check_job_of_several(callbacks: list[str], validation: bool) -> None:
    writing = [c for c in callbacks if c in WRITERS]
    if writing:
        raise RunError(
            f"fit.callbacks: {writing[0]} writes files, which every process of the job would "
            "write; only process 0 writes the model (-o) and the history (--history)"
        )
    if validation:
        raise RunError(
            "validation (--validation-data, --validation-split, fit.validation_split) is not "
            "offered for a job of several processes yet"
        )


class Session:
    """One process's part in a distributed (or plain) run."""

    def __init__(self, job: Job) -> None:
        self.job = job
        self.strategy: Any = None
        self.devices = 1

    @property
    def writes(self) -> bool:
        """Whether this process writes the model and the history (process 0 of a job)."""
        return self.job.process_id == 0

    def start(self) -> str:
        """Set the devices up, before any TensorFlow op or JAX call; a line describing them."""
        if self.job.mode == "mirrored":
            return self._mirrored()
        if self.job.mode == "data-parallel":
            return self._data_parallel()
        return ""

    def _mirrored(self) -> str:
        compat.keras()  # TensorFlow too, quietly
        import tensorflow as tf

        if self.job.cpu_devices:
            cpu = tf.config.list_physical_devices("CPU")[0]
            logical = [tf.config.LogicalDeviceConfiguration()] * self.job.cpu_devices
            tf.config.set_logical_device_configuration(cpu, logical)
        self.strategy = tf.distribute.MirroredStrategy()
        self.devices = int(self.strategy.num_replicas_in_sync)
        names = ", ".join(d.split("/")[-1] for d in self.strategy.extended.worker_devices)
        return f"mirrored over {self.devices} replicas ({names})"

    def _data_parallel(self) -> str:
        import jax

        k = compat.keras()
        if self.job.cpu_devices:
            jax.config.update("jax_num_cpu_devices", self.job.cpu_devices)  # type: ignore[no-untyped-call]
        if self.job.several:
            _join(self.job)
        devices = k.distribution.list_devices()
        self.devices = len(devices)
        layout = k.distribution.DataParallel(devices=devices, auto_shard_dataset=False)
        k.distribution.set_distribution(layout)
        return (
            f"data-parallel over {self.devices} devices of {self.job.num_processes} "
            f"process{'es' if self.job.several else ''} (this is process {self.job.process_id})"
        )

    def scope(self) -> contextlib.AbstractContextManager[Any]:
        """What the build and compile run in."""
        return self.strategy.scope() if self.strategy is not None else contextlib.nullcontext()

    def seed(self, seed: int | None) -> int | None:
        """The seed every process of a job shares (process 0's, when none is given)."""
        if not self.job.several or seed is not None:
            return seed
        from jax.experimental import multihost_utils

        drawn = random.SystemRandom().randrange(2**31)
        return int(multihost_utils.broadcast_one_to_all(drawn))

    def shard(self, prepared: Prepared, batch: int) -> tuple[Prepared, int]:
        """This process's equal share of the data and its batch (`batch` is the global one);
        every process keeps the same number of whole batches, the remainder dropped."""
        if self.job.mode == "data-parallel" and batch % self.devices:
            raise RunError(f"--batch-size {batch} does not divide among the {self.devices} devices")
        if not self.job.several:
            return prepared, batch
        per_process = batch // self.job.num_processes
        rows = prepared.train.rows // self.job.num_processes
        steps = rows // per_process
        if steps == 0:
            raise RunError(
                f"{prepared.train.rows} examples make no whole batch of {batch} across "
                f"{self.job.num_processes} processes"
            )
        start = self.job.process_id * rows
        keep = slice(start, start + steps * per_process)
        train = replace(
            prepared.train,
            x={k: v[keep] for k, v in prepared.train.x.items()},
            y={k: v[keep] for k, v in prepared.train.y.items()},
            rows=steps * per_process,
        )
        return replace(prepared, train=train), per_process

    @contextlib.contextmanager
    def training(self, model: Any) -> Iterator[None]:
        """Under MirroredStrategy, BatchNormalization computes its statistics over every
        replica (else each replica's moving statistics drift apart); set back afterwards, so
        that the saved model loads on every backend."""
        layers = []
        if self.strategy is not None:
            layers = [
                layer
                for layer in compat.every_layer(model)
                if isinstance(layer, compat.keras().layers.BatchNormalization)
                and not layer.synchronized
            ]
        for layer in layers:
            layer.synchronized = True
        try:
            yield
        finally:
            for layer in layers:
                layer.synchronized = False

    def finish(self) -> None:
        """Unset the distribution on every process, so that process 0 saves alone (saving
        under it runs collectives only process 0 would enter, and deadlocks)."""
        if self.job.mode == "data-parallel":
            compat.keras().distribution.set_distribution(None)

    def barrier(self) -> None:
        """Wait until process 0 has written what it writes."""
        if self.job.several:
            from jax.experimental import multihost_utils

            multihost_utils.sync_global_devices("graphspec fit: written")


def _join(job: Job) -> None:
    """Join the job (jax.distributed), failing within --peer-timeout seconds when a peer is
    missing or stops answering, instead of Keras's and JAX's minutes."""
    import jax

    assert job.coordinator is not None
    host = job.coordinator.rpartition(":")[0]
    bind = job.coordinator if host in ("127.0.0.1", "localhost", "[::1]") else None
    try:
        jax.distributed.initialize(
            coordinator_address=job.coordinator,
            num_processes=job.num_processes,
            process_id=job.process_id,
            initialization_timeout=job.peer_timeout,
            heartbeat_timeout_seconds=job.peer_timeout,
            shutdown_timeout_seconds=job.peer_timeout,
            coordinator_bind_address=bind,
        )
    except Exception as e:
        raise RunError(
            f"process {job.process_id} of {job.num_processes} could not join the job at "
            f"{job.coordinator} within {job.peer_timeout} s: {' '.join(str(e).split())[:300]}"
        ) from e


def checksum(model: Any) -> str:
    """A digest of every weight's bytes, in the model's order: equal weights, equal digest."""
    import numpy as np

    digest = hashlib.sha256()
    for w in model.get_weights():
        digest.update(np.ascontiguousarray(w).tobytes())
    return digest.hexdigest()[:16]


def abandon(message: str, status: int) -> None:
    """Leave at once, without the exit handlers: JAX's would wait for peers that are gone."""
    import sys

    print(message, file=sys.stderr, flush=True)
    sys.stdout.flush()
    os._exit(status)
