"""Values read from the database and kept in this process.

The per-submission paths (routing, notifications, scoring) read the same small facts for
every lead: who the team's members are, their working hours and absences, the holidays, who
wants which notice, the rules. Reading them again for each lone submission costs more than
the work itself, so they are kept here.

How long: until the configuration changes. A save or delete of a model they are read from
(the apps connect ``forget`` to its signals) forgets them in this process at once and
changes the shared *generation*, a token in the cache (Redis in production) that every
process asks for at most every CONFIG_CHECK_SECONDS: other processes see the edit within
that time, and when nothing changed a lone submission pays one cache read, not a dozen
queries. ``seconds`` (a setting per app; 0 reads every time, as the tests do) bounds how long
a value is kept even so, for writes no signal tells of (a bulk update, SQL by hand).
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable, Hashable, Iterable
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import transaction

logger = logging.getLogger(__name__)

# more kept values than this and the memo starts afresh (keys such as dates accumulate)
MAX_KEPT = 10_000


GENERATION_KEY = "galena:config:generation"


class _Generation:
    """The shared token of the configuration's version, read at most every
    CONFIG_CHECK_SECONDS in this process."""

    def __init__(self) -> None:
        self._token: str | None = None
        self._checked = float("-inf")

    def current(self) -> str | None:
        now = time.monotonic()
        if now - self._checked >= settings.CONFIG_CHECK_SECONDS:
            try:
                token = cache.get(GENERATION_KEY)
            except Exception:  # the cache down: nothing kept is trusted
                logger.warning("config generation unreadable: reading configuration afresh")
                token, now = uuid.uuid4().hex, float("-inf")
            self._token, self._checked = token, now
        return self._token

    def change(self) -> None:
        token = uuid.uuid4().hex
        try:
            cache.set(GENERATION_KEY, token, timeout=None)
        except Exception:  # the edit is saved; while the cache is down every process
            # reads its configuration afresh anyway
            logger.warning("config generation not written: the cache is unreachable")
        self._token, self._checked = token, time.monotonic()


generation = _Generation()


def config_changed(**_signal_kwargs: Any) -> None:
    """Tell every process that kept configuration changed (connect it to a model's save and
    delete signals; ``Memo.forget`` calls it): when the edit's transaction commits, since a
    process that read before the commit would keep the rows as they were, under the new
    generation, until the time bound."""
    if transaction.get_connection().in_atomic_block:
        transaction.on_commit(generation.change)
    else:
        generation.change()


def fresh(loaded: dict, seconds: float) -> bool:
    """Whether what a loader keeps in ``loaded`` may be used: marked (``marked()``) less
    than ``seconds`` ago and the configuration not changed since."""
    checked = loaded.get("checked")
    return (
        checked is not None
        and time.monotonic() - checked < seconds
        and loaded.get("generation") == generation.current()
    )


def marked() -> dict[str, Any]:
    """Take it before loading and keep it with what was loaded (see ``fresh``)."""
    return {"checked": time.monotonic(), "generation": generation.current()}


class Memo:
    def __init__(self) -> None:
        self._kept: dict[Hashable, tuple[float, Any]] = {}
        self._lock = threading.Lock()
        self._generation: str | None = None

    def _current(self) -> str | None:
        """Forget everything kept when another process changed the configuration; returns
        the generation values loaded now belong to."""
        token = generation.current()
        if token != self._generation:
            with self._lock:
                self._kept.clear()
                self._generation = token
        return token

    def get(self, key: Hashable, load: Callable[[], Any], *, seconds: float) -> Any:
        """The value kept under ``key``, or ``load()``'s, kept until the configuration
        changes, for at most ``seconds``."""
        if seconds <= 0:
            return load()
        token = self._current()
        now = time.monotonic()
        kept = self._kept.get(key)
        if kept is not None and kept[0] > now:
            return kept[1]
        value = load()
        self._keep({key: value}, now + seconds, token)
        return value

    def get_many(
        self,
        keys: Iterable[Hashable],
        load_many: Callable[[list], dict],
        *,
        seconds: float,
        missing: Any = None,
    ) -> dict:
        """The value of each key; the ones not kept are loaded by one ``load_many(keys)``
        call (a key it does not return is kept as ``missing``)."""
        keys = list(dict.fromkeys(keys))
        if seconds <= 0:
            loaded = load_many(keys) if keys else {}
            return {key: loaded.get(key, missing) for key in keys}
        token = self._current()
        now = time.monotonic()
        found, wanted = {}, []
        for key in keys:
            kept = self._kept.get(key)
            if kept is not None and kept[0] > now:
                found[key] = kept[1]
            else:
                wanted.append(key)
        if wanted:
            loaded = load_many(wanted)
            values = {key: loaded.get(key, missing) for key in wanted}
            self._keep(values, now + seconds, token)
            found.update(values)
        return found

    def forget(self, **_signal_kwargs: Any) -> None:
        """Drop every kept value, here and, through the generation, in the other processes
        (connected to the save and delete signals of its sources)."""
        config_changed()
        with self._lock:
            self._kept.clear()
            self._generation = generation.current()

    def _keep(self, values: dict, until: float, token: str | None) -> None:
        with self._lock:
            if token != self._generation:
                return  # forgotten while they were read: they may be the old values
            if len(self._kept) + len(values) > MAX_KEPT:
                self._kept.clear()
            for key, value in values.items():
                self._kept[key] = (until, value)
