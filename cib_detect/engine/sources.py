"""Which posts source a call gets: in memory, streamed (``n_chunks``) or on Dask."""

from __future__ import annotations

from typing import Literal

from cib_detect._params import check_choice, check_int, check_spill_dir
from cib_detect.engine.dask.posts import DaskPosts
from cib_detect.engine.memory import MemoryPosts
from cib_detect.engine.protocols import PostsSource
from cib_detect.engine.spill import LazyPosts
from cib_detect.errors import ParameterError
from cib_detect.traces.posts import as_lazy_posts, as_posts

__all__ = ["Backend", "check_mode", "open_posts"]

Backend = Literal["polars", "dask"]


def check_mode(*, n_chunks, spill_dir, backend, client, function: str) -> int | None:
    """Check the parameters that choose the mode of a run; return ``n_chunks``.

    Examples
    --------
    >>> check_mode(n_chunks=None, spill_dir=None, backend="polars", client=None, function="f")
    >>> check_mode(n_chunks=None, spill_dir=None, backend="ray", client=None, function="f")
    Traceback (most recent call last):
    ...
    cib_detect.errors.ParameterError: the 'backend' parameter of f must be one of ...
    """
    n_chunks = check_int(n_chunks, name="n_chunks", function=function, minimum=1, allow_none=True)
    check_choice(backend, ("polars", "dask"), name="backend", function=function)
    if client is not None and backend != "dask":
        raise ParameterError(
            f"the 'client' parameter of {function} is used only with backend='dask'; pass "
            "backend='dask' to run on that cluster, or leave client out"
        )
    if spill_dir is not None and (backend == "dask" or n_chunks is None):
        raise ParameterError(
            f"the 'spill_dir' parameter of {function} applies to backend='polars' with "
            "n_chunks; Dask workers spill by their own settings (worker memory limits, "
            "'temporary-directory'); pass n_chunks, or leave it out"
        )
    check_spill_dir(spill_dir, function=function)
    return n_chunks


def open_posts(
    posts,
    *,
    backend: Backend,
    n_chunks: int | None,
    client,
    spill_dir,
    function: str,
    persist: bool = True,
) -> PostsSource:
    """The posts source of a run (after :func:`check_mode`).

    ``persist`` (Dask only): keep the posts on the workers while the source lives, for
    runs that read them many times (``detect``).
    """
    if backend == "dask":
        return DaskPosts(posts, client, function=function, persist=persist)
    if n_chunks is None:
        return MemoryPosts(as_posts(posts))
    return LazyPosts(as_lazy_posts(posts), spill_dir=spill_dir)
