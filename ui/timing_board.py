"""One timing at a time per server, and the results kept for everyone (Under the hood).

A class of thirty may press "Measure" on one 2-core server at once. Timings run in the
pressing session's script thread for a few seconds each; two at once would measure each
other as much as convcore. :data:`BOARD` is the server's one board (a module-level object:
one per process, like ``st.cache_resource``), holding

- a lock that only one timing holds at a time (:meth:`TimingBoard.try_start`); a session that
  finds it taken says so in one sentence and shows the last result instead;
- the results by their settings, least recently used dropped beyond ``max_entries``, so that
  a press with settings someone already measured reuses the result at once; what it returns
  is shared between sessions (``MethodTiming`` is frozen).

Never imports Streamlit (the page draws; this only counts).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable
from typing import Any

#: Results kept per server (each a few kB).
MAX_RESULTS = 24


class TimingBoard:
    """A lock for the one running timing and a bounded store of results by settings."""

    def __init__(self, max_entries: int = MAX_RESULTS) -> None:
        self.max_entries = int(max_entries)
        self._running = threading.Lock()
        self._guard = threading.Lock()
        self._results: OrderedDict[Hashable, Any] = OrderedDict()
        self._last: tuple[Hashable, Any] | None = None

    def get(self, settings: Hashable) -> Any | None:
        """The result measured with these settings, or None."""
        with self._guard:
            if settings not in self._results:
                return None
            self._results.move_to_end(settings)
            return self._results[settings]

    def put(self, settings: Hashable, result: Any) -> None:
        """Keep ``result`` (dropping the least recently used beyond ``max_entries``)."""
        with self._guard:
            self._results[settings] = result
            self._results.move_to_end(settings)
            while len(self._results) > self.max_entries:
                self._results.popitem(last=False)
            self._last = (settings, result)

    def last(self) -> tuple[Hashable, Any] | None:
        """The settings and result of the most recent timing on this server, or None."""
        with self._guard:
            return self._last

    def try_start(self) -> bool:
        """Take the lock if no timing is running (True), else False at once."""
        return self._running.acquire(blocking=False)

    def finish(self) -> None:
        """Release the lock taken by :meth:`try_start`."""
        self._running.release()

    @property
    def busy(self) -> bool:
        """A timing is running."""
        return self._running.locked()

    def __len__(self) -> int:
        with self._guard:
            return len(self._results)


#: The server's board.
BOARD = TimingBoard()
