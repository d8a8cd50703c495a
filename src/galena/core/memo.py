"""Values read from the database and kept in this process for a few seconds.

The per-submission paths (routing, notifications) read the same small facts for every lead:
who the team's members are, their working hours and absences, the holidays, who wants which
notice. Reading them again for each lone submission costs more than the work itself, so they
are kept here for ``seconds`` (a setting per app; 0 reads every time, as the tests do). An
edit saved in this process is seen at once (the apps connect ``forget`` to their models'
save and delete signals); other processes see it within ``seconds``.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable, Iterable
from typing import Any

# more kept values than this and the memo starts afresh (keys such as dates accumulate)
MAX_KEPT = 10_000


class Memo:
    def __init__(self) -> None:
        self._kept: dict[Hashable, tuple[float, Any]] = {}
        self._lock = threading.Lock()

    def get(self, key: Hashable, load: Callable[[], Any], *, seconds: float) -> Any:
        """The value kept under ``key``, or ``load()``'s, kept for ``seconds``."""
        if seconds <= 0:
            return load()
        now = time.monotonic()
        kept = self._kept.get(key)
        if kept is not None and kept[0] > now:
            return kept[1]
        value = load()
        self._keep({key: value}, now + seconds)
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
            fresh = {key: loaded.get(key, missing) for key in wanted}
            self._keep(fresh, now + seconds)
            found.update(fresh)
        return found

    def forget(self, **_signal_kwargs: Any) -> None:
        """Drop every kept value (connected to the save and delete signals of its sources)."""
        with self._lock:
            self._kept.clear()

    def _keep(self, values: dict, until: float) -> None:
        with self._lock:
            if len(self._kept) + len(values) > MAX_KEPT:
                self._kept.clear()
            for key, value in values.items():
                self._kept[key] = (until, value)
