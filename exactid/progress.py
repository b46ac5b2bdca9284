"""Progress reports of long computations.

Library functions that can run for minutes take an optional ``progress`` callback and call
it with one line of text at the end of each step ("12 regions"); inside a long loop they
report through :func:`throttled`, at most once every few seconds. The command line prints
these lines on stderr (``--progress``); a notebook can pass ``print``.
"""

from __future__ import annotations

import time
from collections.abc import Callable

__all__ = ["Progress", "throttled"]

Progress = Callable[[str], None]


def throttled(progress: Progress | None, seconds: float = 2.0
              ) -> Callable[[Callable[[], str]], None]:
    """Return a reporter for the iterations of a loop: ``tick(lambda: "37 regions so
    far")`` calls ``progress`` with the message at most once per ``seconds`` (the message
    is built only then); without ``progress``, a reporter that does nothing."""
    if progress is None:
        return lambda message: None
    next_time = [time.monotonic() + seconds]

    def tick(message: Callable[[], str]) -> None:
        now = time.monotonic()
        if now >= next_time[0]:
            next_time[0] = now + seconds
            progress(message())

    return tick
