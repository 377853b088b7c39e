"""Opt-in progress bars for long work (``progress=True``): counts and an ETA, on stderr.

One bar follows a run's stages (reading, each trace, fusing, clustering, scoring), and
while a trace runs chunk by chunk (``n_chunks``) a second bar follows its chunks. Built on
tqdm, which writes to stderr and never to stdout; nothing is imported or drawn unless a
caller asks for it. On Dask the chunks run on the workers: the stage bar advances per
trace, and the cluster's dashboard shows the tasks.
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Iterator
from contextlib import contextmanager

from cib_detect.errors import ParameterError

__all__ = ["Progress", "check_progress"]


def check_progress(value, *, function: str) -> bool:
    """The ``progress`` parameter, checked.

    Examples
    --------
    >>> check_progress(False, function="f")
    False
    >>> check_progress("yes", function="f")
    Traceback (most recent call last):
    ...
    cib_detect.errors.ParameterError: the 'progress' parameter of f must be True or False; ...
    """
    if not isinstance(value, bool):
        raise ParameterError(
            f"the 'progress' parameter of {function} must be True or False; got {value!r} instead"
        )
    return value


def _screen() -> dict:
    # A terminal that reports no size (a fresh pseudo-terminal, some CI consoles) makes
    # tqdm draw nothing (a bar of width 0, below a screen of height 0): 80 x 24 then.
    # The bars go to stderr, so its size counts (stdout may be a file).
    try:
        columns, lines = os.get_terminal_size(sys.stderr.fileno())
    except (AttributeError, ValueError, OSError):
        columns, lines = 0, 0
    if not columns or not lines:
        columns, lines = shutil.get_terminal_size(fallback=(80, 24))
    return {"ncols": columns or 80, "nrows": lines or 24}


class Progress:
    """A bar over the stages of one run, and one over the chunks of the running stage.

    Disabled (the default), every method does nothing and tqdm is never imported.

    Parameters
    ----------
    enabled : bool
        Draw the bars (on stderr).
    desc : str
        What the run is (``"detect"``).
    total : int, optional
        Number of stages, when known; :meth:`set_total` can set it later.

    Examples
    --------
    >>> progress = Progress(False, desc="detect")
    >>> with progress.stage("read"):
    ...     pass
    >>> progress.close()
    """

    def __init__(self, enabled: bool, *, desc: str, total: int | None = None) -> None:
        self.enabled = enabled
        self._bar = None
        if enabled:
            from tqdm import tqdm

            self._tqdm = tqdm
            self._bar = tqdm(total=total, desc=desc, unit="stage", file=sys.stderr, **_screen())

    def set_total(self, total: int) -> None:
        """Set the number of stages once it is known."""
        if self._bar is not None:
            self._bar.total = total
            self._bar.refresh()

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        """Show ``name`` as the running stage; count it as done on exit. The bar closes
        after the last stage, or when a stage fails."""
        if self._bar is None:
            yield
            return
        self._bar.set_postfix_str(name, refresh=True)
        try:
            yield
        except BaseException:
            self.close()
            raise
        self._bar.update(1)
        if self._bar.total is not None and self._bar.n >= self._bar.total:
            self.close()

    @contextmanager
    def chunks(self, chunks, name: str) -> Iterator[None]:
        """While the block runs, a bar over the chunks of ``chunks`` that report each one
        done (:class:`~cib_detect.engine.spill.LocalChunks`: ``on_chunk``)."""
        present = getattr(chunks, "present", None)
        if self._bar is None or present is None or not hasattr(chunks, "on_chunk"):
            yield
            return
        bar = self._tqdm(
            total=len(present),
            desc=f"  {name}",
            unit="chunk",
            file=sys.stderr,
            leave=False,
            position=1,
            **_screen(),
        )
        chunks.on_chunk = bar.update
        try:
            yield
        finally:
            chunks.on_chunk = None
            bar.close()

    def close(self) -> None:
        """Finish the stage bar (it stays on screen)."""
        if self._bar is not None:
            self._bar.close()
            self._bar = None
