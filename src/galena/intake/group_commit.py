"""Group commit: many concurrent requests' submissions stored by one INSERT and one commit.

A capture request must not answer before its submission is durably stored, and a commit
(an fsync on PostgreSQL) costs more than everything else the request does. Each web process
therefore runs one writer thread: request threads hand it their rows and wait; it takes
whatever has queued up — often dozens of rows under load, one when the site is quiet —,
inserts them in one statement, commits once and wakes every waiting request. Under load the
commits per second stay flat while the submissions per commit grow; when quiet, a request
waits for nothing but its own commit.

A batch that fails as a whole (e.g. two requests raced with the same idempotency key) is
written again one row at a time, so each request gets its own answer or error.
"""

from __future__ import annotations

import logging
import os
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import close_old_connections, connection, transaction

logger = logging.getLogger(__name__)


@dataclass
class _Pending:
    fields: dict[str, Any]
    done: threading.Event = field(default_factory=threading.Event)
    result: Any = None
    error: BaseException | None = None


class GroupCommitWriter:
    """One writer thread per process, started on first use (and again after a fork)."""

    def __init__(
        self, max_batch: int = 500, on_committed: Callable[[list[Any]], None] | None = None
    ) -> None:
        self.max_batch = max_batch
        self.on_committed = on_committed
        self._queue: queue.SimpleQueue[_Pending] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._pid: int | None = None

    def _ensure_started(self) -> None:
        if self._thread is not None and self._thread.is_alive() and self._pid == os.getpid():
            return
        with self._lock:
            if self._thread is None or not self._thread.is_alive() or self._pid != os.getpid():
                # a forked worker inherits the object but not the thread: start its own
                self._queue = queue.SimpleQueue()
                self._pid = os.getpid()
                self._thread = threading.Thread(
                    target=self._run, name="galena-group-commit", daemon=True
                )
                self._thread.start()

    def store(self, fields: dict[str, Any], timeout: float = 30.0):
        """Store one row (a model's field values) and return the saved instance, once the
        transaction that holds it has committed; re-raises what failed it."""
        self._ensure_started()
        pending = _Pending(fields)
        self._queue.put(pending)
        if not pending.done.wait(timeout):
            raise TimeoutError("The submission store did not answer in time.")
        if pending.error is not None:
            raise pending.error
        return pending.result

    def _run(self) -> None:
        while True:
            batch = [self._queue.get()]
            while len(batch) < self.max_batch:
                try:
                    batch.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            try:
                self._write(batch)
            except BaseException as error:  # the thread must survive anything
                logger.exception("group commit: a batch of %s failed", len(batch))
                for pending in batch:
                    if not pending.done.is_set():
                        pending.error = error
                        pending.done.set()
                # a broken connection is replaced on the next batch; a healthy one is kept
                # (checking it before every batch would cost a round trip each time)
                close_old_connections()

    def _write(self, batch: list[_Pending]) -> None:
        from galena.intake.models import Submission

        try:
            with transaction.atomic():
                saved = Submission.objects.bulk_create([Submission(**p.fields) for p in batch])
        except Exception:
            if connection.in_atomic_block:
                raise
            # one bad row must not fail its neighbours: each on its own
            for pending in batch:
                try:
                    with transaction.atomic():
                        pending.result = Submission.objects.create(**pending.fields)
                except Exception as error:
                    pending.error = error
                pending.done.set()
            return
        if self.on_committed is not None:
            try:
                self.on_committed(saved)
            except Exception:
                logger.exception("group commit: the after-commit hook failed")
        for pending, submission in zip(batch, saved, strict=True):
            pending.result = submission
            pending.done.set()


def _wake_workers(submissions: list[Any]) -> None:
    from galena.intake.services import submissions_wake

    submissions_wake(submissions)


_writer = GroupCommitWriter(on_committed=_wake_workers)


def group_commit_wanted() -> bool:
    """Group commit applies to requests outside any transaction of their own (a caller's
    transaction must see its own row, so it stores the row itself)."""
    return settings.INTAKE_GROUP_COMMIT and not connection.in_atomic_block


def submission_store(fields: dict[str, Any]):
    """Insert a Submission through the process's group-commit writer."""
    return _writer.store(fields)
