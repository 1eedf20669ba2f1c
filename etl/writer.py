"""A background thread that COPYs validated chunks while the next chunk is validated.

The server parses and stores a COPY block in about the time the client needs to validate the next
chunk; doing both at once uses both cores. The queue holds at most two chunks, so memory stays
bounded, and the connection is used by this thread alone until :meth:`ChunkWriter.close` returns.
An error in the thread is raised in the caller at the next ``put`` or at ``close``.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from types import TracebackType

import pandas as pd

_DONE = object()


class ChunkWriter:
    def __init__(self, write: Callable[[pd.DataFrame], int], depth: int = 2) -> None:
        self._write = write
        self._queue: queue.Queue[object] = queue.Queue(maxsize=depth)
        self._error: BaseException | None = None
        self.written = 0
        self._thread = threading.Thread(target=self._run, name="copy-writer", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            if item is _DONE:
                return
            if self._error is not None:
                continue  # drain: the caller will raise
            try:
                self.written += self._write(item)  # type: ignore[arg-type]
            except BaseException as error:
                self._error = error

    def _raise(self) -> None:
        if self._error is not None:
            raise self._error

    def put(self, chunk: pd.DataFrame) -> None:
        self._raise()
        self._queue.put(chunk)

    def close(self) -> int:
        """Wait for every queued chunk; the number of rows written."""
        self._queue.put(_DONE)
        self._thread.join()
        self._raise()
        return self.written

    def __enter__(self) -> ChunkWriter:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        if kind is not None:  # stop the thread before the transaction is rolled back
            self._error = self._error or error
            self._queue.put(_DONE)
            self._thread.join()
