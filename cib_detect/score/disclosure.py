"""Disclosure: does a cluster say who is behind it?

An account is *disclosed* when the platform labels it (any non-empty ``label``, such as
"state-affiliated media" or "government organization", except a bare automation label:
"Automated" or "Automated by @x" says the account is a bot, not who runs it, and counts
only when ``@x`` is a state account or the label also names a state affiliation; see
:mod:`cib_detect.score.automation` for how automation disclosure counts) or when its profile
``description`` declares an affiliation: state media, government, ministry, embassy,
consulate, official account, in English, Chinese, Russian, Arabic, Persian, Spanish,
French and Turkish (:data:`AFFILIATION_PATTERN`). ``undisclosed`` is the share of a
cluster's accounts that are not disclosed. Without an accounts table nothing is known
about disclosure and every account counts as undisclosed.

Limits: keywords cannot tell "Ministry of Foreign Affairs" from "critic of the
government"; a bio that merely mentions a government counts as disclosure, which errs
towards a lower score.
"""

from __future__ import annotations

import polars as pl

__all__ = [
    "AFFILIATION_PATTERN",
    "AUTOMATION_LABEL_PATTERN",
    "account_disclosure",
    "cluster_disclosure",
    "disclosed_expr",
]

_KEYWORDS = {
    "en": (
        r"state[- ]?(media|run|owned|affiliated|news|broadcaster|tv|television)"
        r"|government|ministry|embassy|consulate|official account|official page"
        r"|state news agency|spokesperson of"
    ),
    "zh": (
        r"官方|官媒|国家媒体|國家媒體|官方媒体|政府|外交部|大使馆|大使館"
        r"|领事馆|領事館|部委|新闻发言人|新華社|新华社|央视"
    ),
    "ru": (
        r"государственн\w*\s+(сми|медиа|агентств|телеканал)|гос\s?сми|правительств"
        r"|министерств|посольств|консульств|официальн\w*\s+(аккаунт|страниц|канал)|мид\s+росси"
    ),
    "ar": (
        r"حكوم|وزارة|سفارة|قنصلية|الحساب الرسمي|حساب رسمي|إعلام رسمي"
        r"|الإعلام الرسمي|وسائل الإعلام الحكومية|وكالة الأنباء الرسمية"
    ),
    "fa": r"دولت|وزارت|سفارت|کنسولگری|حساب رسمی|صفحه رسمی|رسانه دولتی|رسانه رسمی|خبرگزاری رسمی",
    "es": (
        r"gobierno|ministerio|embajada|consulado|cuenta oficial|p[aá]gina oficial"
        r"|medios? (del )?estatal(es)?|medios? p[uú]blicos?|agencia (de noticias )?estatal"
    ),
    "fr": r"gouvernement|minist[eè]re|ambassade|consulat|compte officiel|m[ée]dia d'[ée]tat",
    "tr": r"resmi hesab|bakanl[ıi]ğ[ıi]|büyükelçili|başkonsoloslu|hükümet|devlet (medyas|ajans)",
}

#: Self-declared affiliation in a profile (case-insensitive regex, several languages).
AFFILIATION_PATTERN = "(?i)" + "|".join(f"(?:{p})" for p in _KEYWORDS.values())

#: A platform label that says an account is automated ("Automated", "Automated by @x").
AUTOMATION_LABEL_PATTERN = r"(?i)^\s*automated\b|\bautomated (by|account)\b"
_STATE_WORDS = r"(?i)state|government|gouvernement|gobierno"


def _label_disclosure(state_accounts) -> pl.Expr:
    """A label discloses unless it only says "automated" without naming a state operator."""
    label = pl.col("label").cast(pl.String).fill_null("").str.strip_chars()
    operators = (
        label.str.to_lowercase()
        .str.extract_all(r"@([\w.]+)")
        .list.eval(pl.element().str.strip_chars_start("@"))
    )
    states = sorted({str(a).lower().lstrip("@") for a in state_accounts})
    names_state = (
        operators.list.eval(pl.element().is_in(states)).list.any() if states else pl.lit(False)
    )
    automation_only = label.str.contains(AUTOMATION_LABEL_PATTERN) & ~(
        label.str.contains(_STATE_WORDS)
        | label.str.contains(AFFILIATION_PATTERN)
        | names_state.fill_null(False)
    )
    return label.ne("") & ~automation_only


def disclosed_expr(columns, *, state_accounts=()) -> pl.Expr:
    """True where an account has a platform label (other than a bare automation label)
    or a self-declared affiliation.

    Parameters
    ----------
    columns : collection of str
        Columns of the accounts frame (``label`` and ``description`` are used if present).
    state_accounts : collection of str
        State accounts: an "Automated by @x" label naming one of them discloses.

    Examples
    --------
    >>> import polars as pl
    >>> accounts = pl.DataFrame({"label": [None, None, "China state-affiliated media", None],
    ...     "description": ["Посольство России в Мадриде", "Cuenta oficial del Ministerio",
    ...                     "", "Peace lover"]})
    >>> accounts.select(disclosed_expr(accounts.columns))["disclosed"].to_list()
    [True, True, True, False]
    >>> labels = pl.DataFrame({"label": ["Automated", "Automated by @cgtn", "Automated by @x"]})
    >>> labels.select(disclosed_expr(labels.columns, state_accounts=["CGTN"]))[
    ...     "disclosed"].to_list()
    [False, True, False]
    """
    disclosed = pl.lit(False)
    if "label" in columns:
        disclosed = disclosed | _label_disclosure(state_accounts)
    if "description" in columns:
        disclosed = disclosed | pl.col("description").fill_null("").str.contains(
            AFFILIATION_PATTERN
        )
    return disclosed.alias("disclosed")


def account_disclosure(accounts: pl.DataFrame | None, state_accounts=()) -> pl.DataFrame:
    """``account_id`` and ``disclosed`` for every account of ``accounts``."""
    if accounts is None:
        return pl.DataFrame(schema={"account_id": pl.String, "disclosed": pl.Boolean})
    return accounts.select(
        "account_id", disclosed_expr(accounts.columns, state_accounts=state_accounts)
    )


def cluster_disclosure(
    clusters: pl.DataFrame, accounts: pl.DataFrame | None, state_accounts=()
) -> pl.DataFrame:
    """``cluster_id``, ``n_disclosed`` and ``undisclosed`` (share without disclosure).

    Examples
    --------
    >>> import polars as pl
    >>> clusters = pl.DataFrame({"account_id": ["a", "b", "c"], "cluster_id": [0, 0, 0]})
    >>> accounts = pl.DataFrame({"account_id": ["a", "b", "c"],
    ...     "label": ["state-affiliated media", None, None],
    ...     "description": ["", "وزارة الخارجية", "Just a citizen"]})
    >>> cluster_disclosure(clusters, accounts).row(0)
    (0, 2, 0.333...)
    """
    members = clusters.filter(pl.col("cluster_id") >= 0)
    members = members.join(
        account_disclosure(accounts, state_accounts), on="account_id", how="left"
    )
    return (
        members.group_by("cluster_id")
        .agg(
            pl.col("disclosed").fill_null(False).sum().cast(pl.Int64).alias("n_disclosed"),
            pl.len().alias("size"),
        )
        .select(
            "cluster_id",
            "n_disclosed",
            (1 - pl.col("n_disclosed") / pl.col("size")).alias("undisclosed"),
        )
        .sort("cluster_id")
    )
