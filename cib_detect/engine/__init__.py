"""The co-action engine: one runner for every trace in every mode.

- :mod:`.protocols`: what the runner needs of posts (:class:`~.protocols.PostsSource`)
  and of a trace's key-partitioned chunks (:class:`~.protocols.Chunks`).
- :mod:`.memory`: posts in memory, a trace as one chunk.
- :mod:`.spill`: posts streamed from parquet, chunks spilled to disk (``n_chunks``).
- :mod:`.dask`: posts and chunks on a Dask cluster (``backend="dask"``).
- :mod:`.pair_stats`: the work on one chunk and adding chunks up, the same everywhere.
- :mod:`.sources`: which posts source a call gets.
- :mod:`.runner`: edges, p-values and co-actions of a trace, for ``co_action_edges``,
  ``co_action_evidence`` and ``detect``.
"""
