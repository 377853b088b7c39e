"""``Detection``: the result of a run, as tables, a graph, files and a short summary."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import networkx as nx
import polars as pl

from cib_detect._params import check_int
from cib_detect.cluster import NOISE
from cib_detect.errors import SchemaError
from cib_detect.graph.interop import edges_to_networkx
from cib_detect.io.writers import WRITE_FORMATS
from cib_detect.score.ranking import clusters_best_first

__all__ = ["WRITE_FORMATS", "Detection"]

# the columns each table must have; the others are free to grow
_KEYS = {
    "edges": ("account_a", "account_b"),
    "clusters": ("account_id", "cluster_id"),
    "account_scores": ("account_id",),
    "cluster_scores": ("cluster_id",),
    "evidence": (),
    "trace_tests": ("trace",),
}
# tables that a result may lack (a Detection built by hand, an older run read back)
_OPTIONAL = ("evidence", "trace_tests")
_SUMMARY_COLUMNS = ("size", "score", "coordination", "government_link", "undisclosed")
_EVIDENCE_WIDTH = 70


@dataclass(frozen=True, eq=False, repr=False)
class Detection:
    """What :func:`cib_detect.detect` found: clusters of coordinated accounts, their
    scores, the evidence, and how the run went.

    Attributes
    ----------
    edges : polars.DataFrame
        Fused edge table, one row per unordered account pair (``account_a <
        account_b``): ``weight`` (``-log10`` of the fused p-value), ``p_value``,
        ``q_value`` (Benjamini-Hochberg), ``n_traces``, ``n_significant_traces`` and
        per-trace columns ``{trace}_{stat}`` such as ``co_repost_n_coactions``.
    clusters : polars.DataFrame
        ``account_id``, ``cluster_id`` (Int64, ``-1`` = in no cluster), one row per account.
    account_scores : polars.DataFrame
        ``account_id``, ``cluster_id``, ``score`` and its parts.
    cluster_scores : polars.DataFrame
        ``cluster_id``, ``size``, ``coordination``, ``government_link``, ``undisclosed``,
        ``score`` (each in [0, 1]) and ``evidence`` (readable text, first line a summary).
    evidence : polars.DataFrame or None
        Post pairs behind the edges (``account_a``, ``account_b``, ``post_a``, ``post_b``,
        ``dt``, ...), when kept.
    params : dict
        The parameters of the run.
    warnings : list of str
        Warnings raised during the run.
    trace_tests : polars.DataFrame or None
        What each trace could test, one row per trace: ``trace``, ``accounts`` (with a
        key), ``keys``, ``capped_keys``, ``pairs_tested`` (pairs with two or more
        co-actions), ``pairs_3_keys`` (of those, pairs that co-acted on three or more keys:
        only they can have a p-value below 1) and ``min_p_value``. When nothing is found
        it says why: too few keys, no pair on three keys, or no p-value small enough.
    timings : dict of str to float
        Seconds spent per stage.

    Examples
    --------
    >>> import polars as pl
    >>> result = Detection(
    ...     edges=pl.DataFrame({"account_a": ["a", "a"], "account_b": ["b", "c"],
    ...                         "weight": [12.0, 8.5]}),
    ...     clusters=pl.DataFrame({"account_id": ["a", "b", "c", "d"],
    ...                            "cluster_id": [0, 0, 0, -1]}),
    ...     account_scores=pl.DataFrame({"account_id": ["a", "b", "c", "d"],
    ...                                  "cluster_id": [0, 0, 0, -1],
    ...                                  "score": [0.9, 0.8, 0.8, 0.0]}),
    ...     cluster_scores=pl.DataFrame({"cluster_id": [0], "size": [3], "coordination": [0.95],
    ...                                  "government_link": [0.7], "undisclosed": [1.0],
    ...                                  "score": [0.81],
    ...                                  "evidence": ["3 accounts reposted 40 posts within 5 s"]}))
    >>> result
    Detection(accounts=4, edges=2, clusters=1, top_score=0.81)
    >>> result.to_networkx().number_of_nodes()
    3
    """

    edges: pl.DataFrame
    clusters: pl.DataFrame
    account_scores: pl.DataFrame
    cluster_scores: pl.DataFrame
    evidence: pl.DataFrame | None = None
    params: dict = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    trace_tests: pl.DataFrame | None = None
    timings: dict[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        problems = []
        for name, keys in _KEYS.items():
            table = getattr(self, name)
            if table is None and name in _OPTIONAL:
                continue
            if not isinstance(table, pl.DataFrame):
                problems.append(f"{name} must be a polars DataFrame, got {type(table).__name__}")
                continue
            missing = [key for key in keys if key not in table.columns]
            if missing:
                problems.append(f"{name} is missing column(s) {', '.join(map(repr, missing))}")
        if problems:
            raise SchemaError(f"Detection: {'; '.join(problems)}")

    # -- counts ---------------------------------------------------------------------------

    @property
    def n_accounts(self) -> int:
        """Number of accounts labelled in :attr:`clusters`."""
        return self.clusters.height

    @property
    def n_clusters(self) -> int:
        """Number of clusters (``cluster_id`` other than ``-1``)."""
        ids = self.clusters.get_column("cluster_id")
        return ids.filter(ids != NOISE).n_unique()

    def __repr__(self) -> str:
        parts = [
            f"accounts={self.n_accounts}",
            f"edges={self.edges.height}",
            f"clusters={self.n_clusters}",
        ]
        if "score" in self.cluster_scores.columns and self.cluster_scores.height:
            top = self.cluster_scores.get_column("score").max()
            if top is not None:
                parts.append(f"top_score={top:.3g}")
        return f"Detection({', '.join(parts)})"

    # -- graph ----------------------------------------------------------------------------

    def to_networkx(self) -> nx.Graph:
        """The coordination graph: accounts in a cluster or on an edge, and the edges.

        Node attributes (per account): ``cluster_id`` (int, ``-1`` = in no cluster) and
        every column of :attr:`account_scores` (``score`` and its parts). Edge attributes
        (per account pair): every column of :attr:`edges` but the two account ids:
        ``weight``, ``p_value``, ``q_value``, ``n_traces``, ``n_significant_traces`` and
        the per-trace ``{trace}_{stat}`` columns.

        Values are bool, int, float or str so that the graph writes to GraphML and GEXF as
        it is: list and struct columns become JSON text, dates ISO text, durations float
        seconds, and a null value leaves that attribute out of that node or edge. Nodes
        are sorted by account id; edges follow :attr:`edges`.

        Returns
        -------
        networkx.Graph

        Examples
        --------
        >>> import polars as pl
        >>> result = Detection(
        ...     edges=pl.DataFrame({"account_a": ["a"], "account_b": ["b"], "weight": [3.0]}),
        ...     clusters=pl.DataFrame({"account_id": ["a", "b", "z"], "cluster_id": [-1, -1, -1]}),
        ...     account_scores=pl.DataFrame({"account_id": ["a"], "score": [0.2]}),
        ...     cluster_scores=pl.DataFrame({"cluster_id": []}, schema={"cluster_id": pl.Int64}))
        >>> graph = result.to_networkx()
        >>> graph.nodes(data=True)  # "z" is in no cluster and on no edge
        NodeDataView({'a': {'cluster_id': -1, 'score': 0.2}, 'b': {'cluster_id': -1}})
        >>> graph.edges(data=True)
        EdgeDataView([('a', 'b', {'weight': 3.0})])
        """
        return edges_to_networkx(self.edges, self._node_table())

    def _node_table(self) -> pl.DataFrame:
        members = self.clusters.filter(pl.col("cluster_id") != NOISE).select("account_id")
        # one id dtype for all (a table built by hand may hold ids of dtype Null)
        ids = pl.concat(
            [
                self.edges.select(account_id="account_a"),
                self.edges.select(account_id="account_b"),
                members,
            ],
            how="vertical_relaxed",
        )
        same_ids = pl.col("account_id").cast(ids.schema["account_id"])
        clusters = self.clusters.with_columns(same_ids)
        scores = self.account_scores.drop(
            [c for c in self.account_scores.columns if c != "account_id" and c in clusters]
        ).with_columns(same_ids)
        return (
            ids.unique()
            .sort("account_id")
            .join(clusters, on="account_id", how="left", maintain_order="left")
            .join(scores, on="account_id", how="left", maintain_order="left")
        )

    # -- files ----------------------------------------------------------------------------

    def tables(self) -> dict[str, pl.DataFrame]:
        """The result tables by name (``evidence`` only when kept), as :meth:`write` names
        their files.

        Examples
        --------
        >>> import polars as pl
        >>> empty = pl.DataFrame({"account_a": [], "account_b": []})
        >>> result = Detection(empty, pl.DataFrame({"account_id": [], "cluster_id": []}),
        ...                    pl.DataFrame({"account_id": []}), pl.DataFrame({"cluster_id": []}))
        >>> list(result.tables())
        ['edges', 'clusters', 'account_scores', 'cluster_scores']
        """
        names = [name for name in _KEYS if getattr(self, name) is not None]
        return {name: getattr(self, name) for name in names}

    def write(
        self,
        directory,
        *,
        formats: str | Iterable[str] = WRITE_FORMATS,
        posts=None,
        report: bool = True,
        export: bool = True,
        csv_safe: bool = True,
    ) -> list[Path]:
        """Write the result to ``directory``, atomically, and return the paths.

        Files: ``{table}.parquet`` and ``{table}.csv`` for each of :meth:`tables` (csv
        holds list and struct columns as JSON text); ``graph.graphml`` and ``graph.gexf``
        (the graph of :meth:`to_networkx`); ``report.html`` (the self-contained HTML
        report of :func:`cib_detect.report.render`); ``detection.json`` and
        ``clusters.jsonl`` (the versioned export of :mod:`cib_detect.export`, described
        by ``cib_detect/schemas/detection.schema.json``); and always ``run.json``
        (version, counts, ``params``, ``warnings``, ``timings``), written
        last. Done by :func:`cib_detect.io.detection_files.write_detection`: the
        directory ends up holding this run's files only, or, if writing fails, is left
        as it was; a directory holding files cib_detect did not write is refused.

        Parameters
        ----------
        directory : str or pathlib.Path
            Output directory: new (created with its parents), empty, or written by an
            earlier run (then replaced whole).
        formats : str or iterable of str
            Any of ``"parquet"``, ``"csv"``, ``"graphml"``, ``"gexf"``.
        posts : polars.DataFrame, optional
            The posts the detection ran on: the report then shows each cluster's posting
            timeline, hour-of-week heatmap and the texts of its evidence posts.
        report : bool
            Write ``report.html``.
        export : bool
            Write ``detection.json`` and ``clusters.jsonl``.
        csv_safe : bool
            Prefix csv text cells that a spreadsheet would run as formulas (they begin
            with ``=``, ``+``, ``-``, ``@``, tab or carriage return) with ``'``; ``False``
            writes raw cells. Parquet and JSON always hold the exact values.

        Returns
        -------
        list of pathlib.Path
            The files written, in the order written.

        Examples
        --------
        >>> import polars as pl, tempfile
        >>> result = Detection(
        ...     pl.DataFrame({"account_a": ["a"], "account_b": ["b"], "weight": [3.0]}),
        ...     pl.DataFrame({"account_id": ["a", "b"], "cluster_id": [-1, -1]}),
        ...     pl.DataFrame({"account_id": ["a", "b"], "score": [0.1, 0.2]}),
        ...     pl.DataFrame({"cluster_id": []}, schema={"cluster_id": pl.Int64}))
        >>> paths = result.write(tempfile.mkdtemp(), formats=("csv", "graphml"))
        >>> [p.name for p in paths]  # doctest: +NORMALIZE_WHITESPACE
        ['edges.csv', 'clusters.csv', 'account_scores.csv', 'cluster_scores.csv',
         'graph.graphml', 'report.html', 'detection.json', 'clusters.jsonl', 'run.json']
        """
        from cib_detect.io.detection_files import write_detection

        return write_detection(
            self,
            directory,
            formats=formats,
            posts=posts,
            report=report,
            export=export,
            csv_safe=csv_safe,
        )

    # -- text -----------------------------------------------------------------------------

    def summary(self, top: int = 10) -> str:
        """A short text table of the ``top`` clusters by score, for a terminal.

        Columns: ``cluster_id``, ``size``, ``score``, ``coordination``,
        ``government_link``, ``undisclosed`` and the first line of ``evidence``
        (shortened); ``-`` marks a missing value.

        Examples
        --------
        >>> import polars as pl
        >>> result = Detection(
        ...     pl.DataFrame({"account_a": ["a"], "account_b": ["b"]}),
        ...     pl.DataFrame({"account_id": ["a", "b", "c"], "cluster_id": [0, 0, 0]}),
        ...     pl.DataFrame({"account_id": ["a", "b", "c"]}),
        ...     pl.DataFrame({"cluster_id": [0], "size": [3], "score": [0.8123],
        ...                   "evidence": ["12 co-reposts\\nmore detail"]}))
        >>> print(result.summary())
        3 accounts, 1 edges, 1 clusters (3 accounts in clusters)
        cluster_id  size  score  coordination  government_link  undisclosed  evidence
                 0     3  0.812             -                -            -  12 co-reposts
        """
        check_int(top, name="top", function="Detection.summary", minimum=1)
        in_clusters = int((self.clusters.get_column("cluster_id") != NOISE).sum())
        lines = [
            f"{self.n_accounts} accounts, {self.edges.height} edges, {self.n_clusters} "
            f"clusters ({in_clusters} accounts in clusters)"
        ]
        if self.warnings:
            lines.append(f"{len(self.warnings)} warning(s); see .warnings")
        scores = clusters_best_first(self.cluster_scores)
        if scores.height == 0:
            lines.append("no coordinated clusters found")
            lines += self._untested_lines()
            return "\n".join(lines)
        scores = scores.head(top)
        header = ["cluster_id", *_SUMMARY_COLUMNS]
        cells = [
            [_cell(row.get(name)) for name in header]
            + [_first_line(row.get("evidence"), _EVIDENCE_WIDTH)]
            for row in scores.iter_rows(named=True)
        ]
        widths = [max(len(name), *(len(r[i]) for r in cells)) for i, name in enumerate(header)]
        lines.append(
            "  ".join(n.rjust(w) for n, w in zip(header, widths, strict=True)) + "  evidence"
        )
        lines += [
            "  ".join(c.rjust(w) for c, w in zip(r, widths, strict=False)) + "  " + r[-1]
            for r in cells
        ]
        return "\n".join(line.rstrip() for line in lines)

    def _untested_lines(self) -> list[str]:
        """Per trace, what the data let it test (why nothing was found)."""
        if self.trace_tests is None or self.trace_tests.height == 0:
            return []
        lines = ["what each trace could test:"]
        for row in self.trace_tests.iter_rows(named=True):
            smallest = row["min_p_value"]
            lines.append(
                f"  {row['trace']}: {row['accounts']} accounts, {row['keys']} keys, "
                f"{row['pairs_tested']} pairs tested, {row['pairs_3_keys']} on 3+ keys, "
                f"smallest p-value {'-' if smallest is None else f'{smallest:.2g}'}"
            )
        return lines


def _cell(value) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    if isinstance(value, float):
        return f"{value:.3f}"
    return str(value)


def _first_line(text, width: int) -> str:
    if text is None:
        return "-"
    line = str(text).strip().split("\n", 1)[0]
    return line if len(line) <= width else line[: width - 3] + "..."
