"""The null models of sync_activity and activity_profile: kernels against naive twins,
calibration on data without campaigns, power on planted synchronised accounts.

Calibration: on data without coordination the share of tested pairs with ``p < alpha``
must not exceed ``alpha`` beyond sampling error (a one-sided binomial bound). The tested
family of sync_activity is the pairs sharing bins in at least two periods (``n_keys >=
2``, the p-value's selection); that of activity_profile is every emitted pair. See
``docs/temporal_null_models.md``.
"""

from __future__ import annotations

import math
from datetime import datetime, timezone

import numba
import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

import cib_detect as cd
from cib_detect.kernels import sync_null
from cib_detect.kernels.sync_null import sync_null_pairs
from cib_detect.traces.profile import _profile_null, activity_profile
from cib_detect.traces.sync import sync_activity

NULL_ROLES = ["organic", "fans", "activists", "state_media", "travellers", "diaspora"]
T0 = int(datetime(2024, 3, 4, tzinfo=timezone.utc).timestamp())  # a Monday
DAY = 86_400
ALPHAS = (0.01, 0.05)


# --------------------------------------------------------------------------- populations


def _frame(accounts, seconds) -> pl.DataFrame:
    accounts = np.asarray(accounts)
    seconds = np.asarray(seconds, np.int64)
    order = np.argsort(seconds, kind="stable")
    return pl.DataFrame(
        {
            "post_id": [f"p{i}" for i in range(len(order))],
            "account_id": [f"u{a:05d}" for a in accounts[order]],
            "timestamp": pl.Series((T0 + seconds[order]) * 1_000_000).cast(
                pl.Datetime("us", "UTC")
            ),
        }
    )


def office_workers(rng, n_accounts=400, days=28, utc_offset=1, first=0):
    """Office workers of one time zone: weekdays 9-17 local time, at random minutes."""
    accounts, seconds = [], []
    workdays = np.array([d for d in range(days) if d % 7 < 5])
    for a in range(n_accounts):
        k = int(rng.integers(20, 120))
        day = rng.choice(workdays, k)
        accounts += [first + a] * k
        seconds += list(day * DAY + rng.integers(9 * 3600, 17 * 3600, k) - utc_offset * 3600)
    return accounts, seconds


def live_crowd(rng, n_accounts=300, n_events=4, days=28, first=0):
    """A crowd reacting within seconds to the moments of a few live events (and chatting
    during them), posting at random times otherwise."""
    accounts, seconds = [], []
    enthusiasm = rng.lognormal(0, 0.8, n_accounts)
    for start in rng.choice(days, n_events, replace=False) * DAY + 19 * 3600:
        moments = start + np.sort(rng.integers(0, 2 * 3600, 12))
        n = 3 * n_accounts
        who = rng.choice(n_accounts, n, p=enthusiasm / enthusiasm.sum())
        reacting = rng.random(n) < 0.6
        t = np.where(
            reacting,
            moments[rng.integers(0, 12, n)] + 2 + rng.gamma(2, 10, n).astype(np.int64),
            start + rng.integers(-1800, 9000, n),
        )
        accounts += list(first + who)
        seconds += list(t)
    for a in range(n_accounts):
        k = int(rng.integers(5, 30))
        accounts += [first + a] * k
        seconds += list(rng.integers(0, days * DAY, k))
    return accounts, seconds


def shift_campaign(rng, n_accounts=8, days=28, utc_offset=1, share=0.5, first=5000):
    """Shift workers posting in the same minutes: one shared minute per office hour, each
    account posting at about ``share`` of them, within 20 seconds."""
    workdays = [d for d in range(days) if d % 7 < 5]
    minutes = np.array(
        [
            d * DAY + (h - utc_offset) * 3600 + int(rng.integers(0, 3600))
            for d in workdays
            for h in range(9, 17)
        ]
    )
    accounts, seconds = [], []
    for a in range(n_accounts):
        used = minutes[rng.random(len(minutes)) < share]
        accounts += [first + a] * len(used)
        seconds += list(used + rng.integers(0, 20, len(used)))
    return accounts, seconds


def _binomial_bound(n: int, alpha: float, level: float = 1e-3) -> float:
    """The share of ``n`` uniform p-values below ``alpha`` exceeds this with chance
    ``level`` at most."""
    return stats.binom.ppf(1 - level, n, alpha) / n if n else 1.0


def _assert_calibrated(p_values: np.ndarray, min_tests: int):
    n = len(p_values)
    assert n >= min_tests, f"only {n} tests"
    for alpha in ALPHAS:
        share = float(np.mean(p_values < alpha))
        assert share <= _binomial_bound(n, alpha), (alpha, share, n)


def _sync_family(edges: pl.DataFrame) -> np.ndarray:
    return edges.filter(pl.col("n_keys") >= 2).get_column("p_value").to_numpy()


def _is_campaign(column: str) -> pl.Expr:
    return pl.col(column).str.starts_with("u05")


# --------------------------------------------------------------------------- kernel


def naive_sync_null(rows, background, per, pseudo, pairs):
    """Shared periods and expectation, straight from the definition (sets and dicts)."""
    active = {}
    for bins in rows:
        for t in bins:
            active[t] = active.get(t, 0) + 1
    for t, extra in background.items():
        active[t] = active.get(t, 0) + extra
    totals = {}
    for t, n in active.items():
        totals[t // per] = totals.get(t // per, 0) + n
    out_periods, out_expected = [], []
    for a, b in pairs:
        sa, sb = set(rows[a]), set(rows[b])
        periods = {t // per for t in sa} & {t // per for t in sb}
        shared_periods = 0
        given = [0.0, 0.0]
        for period in periods:
            in_a = {t for t in sa if t // per == period}
            in_b = {t for t in sb if t // per == period}
            shared = in_a & in_b
            shared_periods += bool(shared)
            others = totals[period] - len(in_a) - len(in_b) + pseudo * per
            for side, (mine, theirs) in enumerate(((in_a, in_b), (in_b, in_a))):
                weight = sum(active[t] - 1 - (t in theirs) + pseudo for t in mine)
                mass = weight / others if others > 0 else len(mine) / per
                mass = min(max(mass, 0.0), 1.0)
                miss = 1.0
                for j in range(len(theirs)):
                    miss *= min(max(1.0 - mass / (1.0 - j / per), 1e-300), 1.0)
                given[side] += 1.0 - miss
        out_periods.append(shared_periods)
        out_expected.append(max(given))
    return out_periods, out_expected


@st.composite
def bin_rows(draw):
    per = draw(st.sampled_from([1, 3, 10, 60]))
    n_rows = draw(st.integers(1, 6))
    span = draw(st.sampled_from([5, 40, 400]))
    rows = [sorted(draw(st.sets(st.integers(0, span), max_size=25))) for _ in range(n_rows)]
    background = draw(st.dictionaries(st.integers(0, span), st.integers(0, 4), max_size=20))
    pseudo = draw(st.sampled_from([0.0, 0.5, 1.0]))
    return rows, background, per, pseudo


def _kernel_inputs(rows, background):
    active = {}
    for bins in rows:
        for t in bins:
            active[t] = active.get(t, 0) + 1
    for t, extra in background.items():
        active[t] = active.get(t, 0) + extra
    starts = np.cumsum([0] + [len(r) for r in rows]).astype(np.int64)
    cell_bin = np.array([t for r in rows for t in r], np.int64)
    cell_active = np.array([active[t] for t in cell_bin], np.float64)
    return starts, cell_bin, cell_active, active


@settings(max_examples=80, deadline=None)
@given(bin_rows())
def test_sync_null_kernel_equals_the_naive_definition_with_any_thread_count(case):
    rows, background, per, pseudo = case
    starts, cell_bin, cell_active, active = _kernel_inputs(rows, background)
    totals = {}
    for t, n in active.items():
        totals[t // per] = totals.get(t // per, 0) + n
    cell_total = np.array([totals[t // per] for t in cell_bin], np.float64)
    pairs = [(a, b) for a in range(len(rows)) for b in range(len(rows)) if a != b]
    a = np.array([p[0] for p in pairs], np.int64)
    b = np.array([p[1] for p in pairs], np.int64)
    want_periods, want_expected = naive_sync_null(rows, background, per, pseudo, pairs)
    all_threads = numba.get_num_threads()
    results = []
    for threads, min_pairs in ((1, 1), (all_threads, 1), (all_threads, 10**9)):
        numba.set_num_threads(threads)
        old = sync_null._MIN_PAIRS_PER_TASK
        sync_null._MIN_PAIRS_PER_TASK = min_pairs
        try:
            results.append(
                sync_null_pairs(starts, cell_bin, cell_active, cell_total, per, a, b, pseudo=pseudo)
            )
        finally:
            sync_null._MIN_PAIRS_PER_TASK = old
            numba.set_num_threads(all_threads)
    # the pairs in reverse order (not grouped by a): the same values, pair by pair
    periods, expected = sync_null_pairs(
        starts, cell_bin, cell_active, cell_total, per, a[::-1], b[::-1], pseudo=pseudo
    )
    results.append((periods[::-1], expected[::-1]))
    for periods, expected in results:
        assert periods.tolist() == want_periods
        assert np.allclose(expected, want_expected, rtol=1e-9, atol=1e-12)
        # the same to the last bit whatever the thread count, path or order of the pairs
        assert np.array_equal(expected, results[0][1])
    # symmetric: the larger conditioning does not depend on which side is a
    n = len(pairs)
    swapped = {(x, y): i for i, (x, y) in enumerate(pairs)}
    for i, (x, y) in enumerate(pairs[:n]):
        assert results[0][0][i] == results[0][0][swapped[(y, x)]]
        assert results[0][1][i] == pytest.approx(results[0][1][swapped[(y, x)]], abs=1e-12)


def test_sync_null_kernel_uniform_weights_give_the_hypergeometric_chance():
    # one period of 60 bins, nobody else active (pseudo-count 1: uniform weights): a is
    # active in 3 bins, b in 4, none shared; P(b hits one of a's) = 1 - C(57,4)/C(60,4)
    starts = np.array([0, 3, 7])
    cell_bin = np.array([1, 2, 3, 10, 20, 30, 40])
    cell_active = np.ones(7)
    cell_total = np.full(7, 7.0)
    _, expected = sync_null_pairs(
        starts, cell_bin, cell_active, cell_total, 60, np.array([0]), np.array([1])
    )
    assert expected[0] == pytest.approx(1 - math.comb(57, 4) / math.comb(60, 4), rel=1e-12)


# --------------------------------------------------------------------------- sync_activity


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(2, 8), st.sampled_from([1, 3]))
def test_sync_activity_pvalues_follow_the_definition_from_the_posts(seed, n_accounts, min_posts):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(0, 120))
    accounts = rng.integers(0, n_accounts, n)
    # a few shared minutes over three hours, and random seconds
    minutes = rng.integers(0, 180, 6) * 60
    seconds = np.where(
        rng.random(n) < 0.6,
        minutes[rng.integers(0, 6, n)] + rng.integers(0, 60, n),
        rng.integers(0, 3 * 3600, n),
    )
    posts = _frame(accounts, seconds)
    edges = sync_activity(posts, window_us=0, min_posts=min_posts)
    bins = {}
    for account, second in zip(accounts.tolist(), seconds.tolist(), strict=True):
        bins.setdefault(f"u{account:05d}", set()).add((T0 + second) // 60)
    posts_of = {a: int((accounts == int(a[1:])).sum()) for a in bins}
    kept = sorted(a for a in bins if posts_of[a] >= min_posts)
    background = {}
    for a in bins:
        if a not in kept:
            for t in bins[a]:
                background[t] = background.get(t, 0) + 1
    rows = [sorted(bins[a]) for a in kept]
    index = {a: i for i, a in enumerate(kept)}
    pairs = [(index[x], index[y]) for x, y in edges.select("account_a", "account_b").rows()]
    want_periods, want_expected = naive_sync_null(rows, background, 60, 1.0, pairs)
    assert edges.get_column("n_keys").to_list() == want_periods
    assert np.allclose(edges.get_column("expected_keys").to_numpy(), want_expected, atol=1e-12)
    observed = edges.get_column("n_keys").to_numpy()
    expected = np.maximum(np.array(want_expected, dtype=np.float64), 1e-12)
    tail = stats.poisson.sf(observed - 1, expected) / stats.poisson.sf(1, expected)
    want_p = np.where(observed <= 2, 1.0, np.minimum(tail, 1.0))
    assert np.allclose(edges.get_column("p_value").to_numpy(), want_p, rtol=1e-9, atol=1e-300)
    # every pair sharing a minute is emitted (min_similarity=0): the family is complete
    # (but for minutes every kept account is active in, whose TF-IDF weight is 0)
    df = {}
    for a in kept:
        for t in bins[a]:
            df[t] = df.get(t, 0) + 1
    shared = {
        (x, y)
        for i, x in enumerate(kept)
        for y in kept[i + 1 :]
        if any(df[t] < len(kept) for t in bins[x] & bins[y])
    }
    assert set(edges.select("account_a", "account_b").rows()) == shared


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_sync_pvalues_are_calibrated_on_synthetic_data_without_campaigns(seed):
    posts = cd.datasets.synthetic(30_000, seed=seed, include_roles=NULL_ROLES).posts
    edges = cd.co_action_edges(posts, trace="sync_activity")
    assert edges.schema["p_value"] == pl.Float64
    assert edges.schema["expected_keys"] == pl.Float64
    _assert_calibrated(_sync_family(edges), min_tests=500)


@pytest.mark.parametrize("seed", [0, 1])
def test_sync_pvalues_are_calibrated_on_office_workers_and_a_live_crowd(seed):
    rng = np.random.default_rng(seed)
    office = office_workers(rng)
    crowd = live_crowd(rng, first=1000)
    for accounts, seconds in (office, crowd, (office[0] + crowd[0], office[1] + crowd[1])):
        edges = sync_activity(_frame(accounts, seconds), window_us=0)
        _assert_calibrated(_sync_family(edges), min_tests=2000)


@pytest.mark.parametrize("seed", [0, 1])
def test_accounts_posting_in_the_same_minutes_get_small_sync_pvalues(seed):
    rng = np.random.default_rng(seed)
    office = office_workers(rng)
    campaign = shift_campaign(rng, share=0.3)
    posts = _frame(office[0] + campaign[0], office[1] + campaign[1])
    edges = sync_activity(posts, window_us=0)
    inside = edges.filter(_is_campaign("account_a") & _is_campaign("account_b"))
    assert inside.height == 28  # every pair of the 8 accounts
    assert (inside.get_column("p_value") < 1e-3).all()
    assert inside.get_column("p_value").median() < 1e-8
    # and the office workers around them stay calibrated
    outside = edges.filter(~(_is_campaign("account_a") & _is_campaign("account_b")))
    _assert_calibrated(_sync_family(outside), min_tests=2000)


def test_sync_pvalues_are_one_at_two_shared_periods_or_fewer():
    rng = np.random.default_rng(5)
    accounts, seconds = office_workers(rng, n_accounts=100)
    edges = sync_activity(_frame(accounts, seconds), window_us=0)
    few = edges.filter(pl.col("n_keys") <= 2)
    assert few.height > 0
    assert (few.get_column("p_value") == 1.0).all()
    assert (edges.get_column("n_keys") <= edges.get_column("n_coactions")).all()


# --------------------------------------------------------------------------- activity_profile


@pytest.mark.parametrize("seed", [0, 1])
def test_profile_pvalues_are_calibrated_on_synthetic_data_without_campaigns(seed):
    posts = cd.datasets.synthetic(30_000, seed=seed, include_roles=NULL_ROLES).posts
    # a lower threshold than the default, for enough tested pairs
    edges = activity_profile(posts, window_us=0, min_similarity=0.5)
    _assert_calibrated(edges.get_column("p_value").to_numpy(), min_tests=1000)


@pytest.mark.parametrize("top_k", [3, 10])
def test_profile_pvalues_are_calibrated_on_office_workers_and_a_live_crowd(top_k):
    rng = np.random.default_rng(top_k)
    office = office_workers(rng)
    crowd = live_crowd(rng, first=1000)
    for accounts, seconds in (office, (office[0] + crowd[0], office[1] + crowd[1])):
        edges = activity_profile(
            _frame(accounts, seconds), window_us=0, min_similarity=0.5, top_k=top_k
        )
        _assert_calibrated(edges.get_column("p_value").to_numpy(), min_tests=900)


def test_profile_pvalues_are_ranks_among_random_pairs_and_conditional_on_selection():
    rng = np.random.default_rng(3)
    x = rng.random((300, 20)) ** 3
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    n_posts = np.full(300, 50)  # one activity stratum
    a, b = np.arange(0, 100), np.arange(100, 200)
    sim = np.einsum("ij,ij->i", x[a], x[b])
    threshold = np.full(100, np.quantile(sim, 0.2))
    tail, p = _profile_null(x, n_posts, a, b, sim, threshold, n_samples=50_000, seed=0)
    assert ((p > 0) & (p <= 1)).all()
    assert ((tail > 0) & (tail <= p + 1e-12)).all()  # conditioning can only raise it
    order = np.argsort(sim)
    assert (np.diff(p[order]) <= 1e-12).all()  # more similar, smaller p
    assert (np.diff(tail[order]) <= 1e-12).all()
    # the rank among all random pairs: the tail is close to the share of all pairs above
    everyone = x @ x.T
    above = np.array([(everyone[np.triu_indices(300, 1)] >= s).mean() for s in sim])
    assert np.allclose(tail, above, atol=0.02)
    at_threshold = (everyone[np.triu_indices(300, 1)] >= threshold[0]).mean()
    assert np.allclose(p, np.minimum(above / at_threshold, 1), atol=0.03)


def test_profile_bots_on_one_fixed_schedule_get_small_pvalues():
    rng = np.random.default_rng(7)
    accounts, seconds = office_workers(rng)
    # six bots posting at 10:00 and 15:30 UTC every day, within a second
    for bot in range(6):
        times = [d * DAY + h for d in range(28) for h in (36_000, 55_800)]
        accounts += [5000 + bot] * len(times)
        seconds += list(np.array(times) + rng.integers(0, 2, len(times)))
    edges = activity_profile(_frame(accounts, seconds), window_us=0, min_similarity=0.5)
    bots = edges.filter(_is_campaign("account_a") & _is_campaign("account_b"))
    assert bots.height == 15
    assert (bots.get_column("p_value") < 0.01).all()
