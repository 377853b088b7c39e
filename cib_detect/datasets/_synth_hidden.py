"""Posts of the hidden state groups that hide the usual traces: a paraphrasing campaign,
a shift-work office and a one-afternoon storm (truth role ``hidden_state`` all three)."""

from __future__ import annotations

import numpy as np

from cib_detect.datasets._synth_accounts import STORM_DORMANT, STORM_REGULAR
from cib_detect.datasets._synth_base import (
    DAY,
    HOUR,
    NEWSROOM_HOURS,
    REPLY,
    REPOST,
    Block,
    Country,
    Ragged,
    choice_cdf,
    daily_windows,
    in_windows,
    local_seconds,
    new_block,
    office_hour_weights,
    office_windows,
    sample_in_windows,
    utc_offset_seconds,
)
from cib_detect.datasets._synth_roles import Candidates, World, unique_reposts
from cib_detect.datasets._synth_state import N_TALKING_POINTS, Narrative, _utc
from cib_detect.datasets._synth_text import (
    distinct_rows,
    paraphrase,
    tag_rows,
    text_lengths,
    themed_rows,
    zipf_rows,
)

# ---------------------------------------------------------------------------------------
# Paraphrase-only campaign.

#: Chance that a word of a talking point is changed in each paraphrase (see
#: :func:`~cib_detect.datasets._synth_text.paraphrase`): two paraphrases of one point have
#: a word Jaccard similarity of about 0.65, mostly between 0.5 and 0.8.
PARAPHRASE_STRENGTH = 0.16
#: Share of its posts on talking points (the rest is filler).
PARAPHRASE_POINTS = 0.85
#: A member posts a task 1 to 20 minutes after its release.
PARAPHRASE_LAG = (60, 20 * 60)
#: Share of talking-point posts with a hashtag of the point, and with a link.
PARAPHRASE_TAGGED, PARAPHRASE_LINKED = 0.4, 0.5
#: Article numbers of its links: above those of state media and the other campaigns, and
#: drawn without repeats, so no two posts share a URL.
_UNIQUE_ARTICLES = (10**8, 10**9)


def unique_numbers(rng, size: int, lo: int, hi: int) -> np.ndarray:
    """``size`` distinct integers in [lo, hi), in random order."""
    out = np.unique(rng.integers(lo, hi, size + size // 8 + 16))
    while len(out) < size:  # pragma: no cover - the range dwarfs the sizes used
        out = np.unique(np.concatenate([out, rng.integers(lo, hi, size)]))
    return rng.permutation(out)[:size]


def _office_releases(rng, size, starts, ends, hours, margin) -> np.ndarray:
    """Times in office windows at least ``margin`` seconds before closing."""
    ts = sample_in_windows(rng, size, starts, hours)
    window = np.searchsorted(starts, ts, side="right") - 1
    return np.where(ts >= ends[window] - margin, ts - margin, ts)


def paraphrase_posts(rng, w: World, nar: Narrative, members: np.ndarray, n: int) -> Block:
    """A hidden campaign that only paraphrases: no copies, no reposts, no shared URLs.

    Tasks (a talking point) are released in office hours of the country's working days;
    each member joins with its own probability and posts its own paraphrase 1-20 minutes
    later, sometimes with one of the point's hashtags, sometimes with a link to its own
    article on one of the country's state-media domains (no URL twice). Filler posts make
    the personas look ordinary. No two texts of the group are equal.
    """
    starts, ends = office_windows(nar.country, w.start, w.end, w.office_hours)
    if len(starts) == 0 or n == 0:
        return new_block([], [])
    hours = office_hour_weights(w.office_hours)
    m = len(members)
    join = rng.beta(5, 5, m)
    n_points = round(n * PARAPHRASE_POINTS)
    n_tasks = max(1, round(n_points / join.sum()))
    release = _office_releases(rng, n_tasks, starts, ends, hours, PARAPHRASE_LAG[1] + 60)
    point = rng.integers(0, N_TALKING_POINTS, n_tasks)
    task, who = np.nonzero(rng.random((n_tasks, m)) < join)
    k = len(task)
    ts = release[task] + rng.integers(*PARAPHRASE_LAG, k)
    words = paraphrase(rng, w.lex, nar.talking_points.take(point[task]), PARAPHRASE_STRENGTH, 0)
    tagged = rng.random(k) < PARAPHRASE_TAGGED
    tag = np.where(tagged, nar.point_tags[point[task], rng.integers(0, 2, k)], -1)
    linked = (rng.random(k) < PARAPHRASE_LINKED) & (len(nar.hosts) > 0)
    host = nar.hosts[rng.integers(0, max(len(nar.hosts), 1), k)] if len(nar.hosts) else -1
    n_filler = n - n_points
    filler_account = members[choice_cdf(rng, np.cumsum(join), n_filler)]
    filler_ts = _office_releases(rng, n_filler, starts, ends, hours, 0)
    rows = distinct_rows(
        rng, w.lex, Ragged.vstack([words, zipf_rows(rng, w.lex, text_lengths(rng, n_filler))])
    )
    account = np.concatenate([members[who], filler_account])
    block = new_block(
        account,
        np.concatenate([ts, filler_ts]),
        words=rows,
        tags=Ragged.vstack(
            [Ragged.from_columns(tag), tag_rows(rng, w.lex, n_filler, 0.2, max_tags=1)]
        ),
        url_host=np.concatenate([np.where(linked, host, -1), np.full(n_filler, -1)]),
        url_num=unique_numbers(rng, k + n_filler, *_UNIQUE_ARTICLES),
        appeal=w.appeal(rng, account),
    )
    return block.subset(np.flatnonzero(in_windows(block.ts, starts, ends)))


# ---------------------------------------------------------------------------------------
# Shift work.

#: Local shift hours of the shift-work office.
SHIFTS = ((8, 14), (14, 20))
#: Posting slots per shift: on the hour from the shift's start (the first at the start).
SHIFT_SLOTS = 6
#: Chance that a member on duty posts in a slot the office works.
SHIFT_JOIN = 0.7
#: First weekday (Monday = 0) of the two consecutive days off a member can have.
SHIFT_DAYS_OFF = (3, 4, 5, 6)
#: Share of the narrative's words in a shift worker's text (the rest ordinary words).
SHIFT_THEME = 0.3


def shift_posts(rng, w: World, nar: Narrative, members: np.ndarray, n: int) -> Block:
    """An office in two shifts (08-14 and 14-20 local, every day of the week, holidays
    included) whose members post within the same minutes of the hourly slots of their
    shift, beginning with its start; each member has two fixed days off a week. Texts
    are each member's own on the state line (the narrative's words among ordinary
    ones): no copies, no shared hashtags, links or reposts: only the clock ties them.
    """
    m = len(members)
    if n == 0 or m == 0:
        return new_block([], [])
    shift = rng.permutation(np.arange(m) % len(SHIFTS))
    off = np.array(SHIFT_DAYS_OFF)[rng.integers(0, len(SHIFT_DAYS_OFF), m)]
    duty_account, duty_open, duty_day, n_before = [], [], [], 0
    for k, hours in enumerate(SHIFTS):
        opens, weekday = daily_windows(nar.country, w.start, w.end, hours)
        # (member, day) pairs on duty: the member's shift, not one of its days off
        on = (shift[:, None] == k) & (weekday[None, :] != off[:, None])
        on &= weekday[None, :] != (off[:, None] + 1) % 7
        member, d = np.nonzero(on)
        duty_account.append(member)
        duty_open.append(opens[d])
        duty_day.append(d + n_before)
        n_before += len(opens)
    account, opens, day = (np.concatenate(x) for x in (duty_account, duty_open, duty_day))
    if len(account) == 0:
        return new_block([], [])
    # which slots the office works (the same for everyone on that shift and day): the
    # shift's start as often as the budget allows, then the other hours as far as it goes
    ratio = n / (SHIFT_JOIN * len(account))
    later = float(np.clip((ratio - 1) / (SHIFT_SLOTS - 1), 0, 1))
    n_days = int(day.max()) + 1
    active = rng.random((n_days, SHIFT_SLOTS)) < later
    active[:, 0] = rng.random(n_days) < ratio
    slots = active[day] & (rng.random((len(account), SHIFT_SLOTS)) < SHIFT_JOIN)
    duty, slot = np.nonzero(slots)
    k = len(duty)
    jitter = np.minimum(rng.gamma(2.0, 35.0, k), 15 * 60).astype(np.int64)
    ts = opens[duty] + slot * HOUR + jitter
    theme = np.unique(nar.talking_points.values)
    words = distinct_rows(
        rng, w.lex, themed_rows(rng, w.lex, text_lengths(rng, k, median=12), theme, SHIFT_THEME)
    )
    who = members[account[duty]]
    host, num, variant = w.organic_urls(rng, k, 0.05)
    block = new_block(
        who,
        ts,
        words=words,
        tags=tag_rows(rng, w.lex, k, 0.15, max_tags=1),
        url_host=host,
        url_num=num,
        url_variant=variant,
        appeal=w.appeal(rng, who),
    )
    return block.subset(np.flatnonzero(block.ts < w.end))


# ---------------------------------------------------------------------------------------
# One-afternoon storm.

#: Length of the storm and its local start hour.
STORM_SPAN = 4 * HOUR
STORM_HOUR = 14
#: Where the storm falls in the period (share of its days).
STORM_DAY = 0.8
#: Storm posts: hashtag posts, replies to its targets, reposts of its leaders' posts.
STORM_MIX = (0.6, 0.28, 0.12)
#: Reply targets of the raid, leaders whose opening posts the others repost.
STORM_TARGETS, STORM_LEADERS = 5, 3
#: Dormant members are silent for at least this long before the storm.
DORMANT_GAP = 14 * DAY


def storm_start(rng, w: World, country: Country) -> int:
    """The storm's first second: an afternoon late in the period (inside it in any case)."""
    day = min(round(STORM_DAY * w.days), w.days - 1)
    offset = utc_offset_seconds(country, _utc(w.start + day * DAY))
    start = w.start + day * DAY + STORM_HOUR * HOUR - offset + int(rng.integers(0, 30 * 60))
    return int(np.clip(start, w.start, max(w.start, w.end - STORM_SPAN)))


def storm_posts(
    rng,
    w: World,
    nar: Narrative,
    members: np.ndarray,
    kinds: np.ndarray,
    n: int,
    start: int,
    targets: Candidates,
    base: int,
) -> Block:
    """A hashtag storm and reply raid inside four hours of one afternoon, with no event
    behind it; before it, the dormant members' last posts weeks earlier.

    A few leaders open with the slogan; the others post near-identical slogans (three
    templates, lightly edited, half verbatim) with one to three of the storm's hashtags,
    reply to the same few popular posts of the day before, and repost the leaders.
    Activity peaks in the first hour and is over after four. ``base`` is the global index
    of the block's first post (the leaders' openings come first).
    """
    m = len(members)
    if n == 0 or m == 0:
        return new_block([], [])
    end = min(start + STORM_SPAN, w.end)
    n_lead = min(STORM_LEADERS, m)
    leaders = np.concatenate(
        [np.flatnonzero(kinds != STORM_DORMANT), np.flatnonzero(kinds == STORM_DORMANT)]
    )[:n_lead]
    slogans = nar.talking_points.take(np.arange(3))
    tags = nar.tags[: min(5, len(nar.tags))]
    link_host = nar.hosts[0] if len(nar.hosts) else -1
    link_num = int(rng.integers(10**6, 10**8))

    def storm_tags(size):
        extra = [np.where(rng.random(size) < p, tags[rng.integers(1, len(tags), size)], -1)
                 for p in (0.6, 0.3)]  # fmt: skip
        return Ragged.from_columns(np.full(size, tags[0]), *extra)

    opening_ts = start + rng.integers(0, 300, n_lead)
    openings = new_block(
        members[leaders],
        opening_ts,
        words=paraphrase(rng, w.lex, slogans.take(np.arange(n_lead) % 3), 0.05, 0.5),
        tags=storm_tags(n_lead),
        url_host=link_host,
        url_num=link_num,
        appeal=w.appeal(rng, members[leaders], boost=3.0),
    )
    # the raid's targets: popular posts of the day before
    lo, hi = np.searchsorted(targets.ts, [start - DAY, start])
    raid = np.empty(0, np.int64)
    if hi > lo:
        cum = targets.cum_appeal[lo:hi] - (targets.cum_appeal[lo - 1] if lo else 0.0)
        raid = targets.index[lo + np.unique(choice_cdf(rng, cum, STORM_TARGETS))]
    counts = 2 + rng.multinomial(max(n - n_lead - 2 * m, 0), np.full(m, 1 / m))
    who = np.repeat(np.arange(m), counts)
    k = len(who)
    ts = start + (rng.beta(1.6, 3.0, k) * (end - start)).astype(np.int64)
    kind = rng.choice(3, k, p=STORM_MIX)
    kind = np.where((kind == 1) & (len(raid) == 0), 0, kind)
    parts = [openings]
    rows = np.flatnonzero(kind == 0)
    r = len(rows)
    parts.append(
        new_block(
            members[who[rows]],
            ts[rows],
            words=paraphrase(rng, w.lex, slogans.take(rng.integers(0, 3, r)), 0.05, 0.5),
            tags=storm_tags(r),
            url_host=np.where(rng.random(r) < 0.25, link_host, -1),
            url_num=link_num,
        )
    )
    rows = np.flatnonzero(kind == 1)
    r = len(rows)
    if r:
        parts.append(
            new_block(
                members[who[rows]],
                ts[rows],
                kind=REPLY,
                target=raid[rng.integers(0, len(raid), r)],
                words=paraphrase(rng, w.lex, nar.rebuttals.take(rng.integers(0, 2, r)), 0.05, 0.5),
                tags=Ragged.from_columns(np.where(rng.random(r) < 0.7, tags[0], -1)),
            )
        )
    rows = np.flatnonzero(kind == 2)
    lead = rng.integers(0, n_lead, len(rows))
    rows_ts = np.maximum(ts[rows], opening_ts[lead] + 20 + rng.integers(0, 120, len(rows)))
    keep = (who[rows] != leaders[lead]) & (rows_ts < end)
    rows, lead, rows_ts = rows[keep], lead[keep], rows_ts[keep]
    first = unique_reposts(who[rows], lead)
    parts.append(
        new_block(members[who[rows[first]]], rows_ts[first], kind=REPOST, target=base + lead[first])
    )
    # before the storm: the dormant members' last posts weeks earlier, the ordinary-looking
    # members' posts now and then; the young ones have none
    offset = utc_offset_seconds(nar.country, _utc(w.start))
    before = []
    for kind_of, lo_ts, hi_ts in (
        (STORM_DORMANT, w.start, min(start - DORMANT_GAP, w.start + 5 * DAY)),
        (STORM_REGULAR, w.start, start - HOUR),
    ):
        ids = np.flatnonzero(kinds == kind_of)
        if len(ids) == 0 or hi_ts - lo_ts < DAY:
            continue
        per = rng.integers(1, 5, len(ids))
        who_before = np.repeat(ids, per)
        days = (hi_ts - lo_ts) // DAY
        day = rng.integers(0, days, len(who_before))
        t = lo_ts + day * DAY + local_seconds(rng, len(who_before), NEWSROOM_HOURS) - offset
        t = np.where(t < lo_ts, t + DAY, t)
        t = np.where(t >= hi_ts, t - DAY, t)
        size = len(t)
        before.append(
            new_block(
                members[who_before],
                t,
                words=zipf_rows(rng, w.lex, text_lengths(rng, size)),
                tags=tag_rows(rng, w.lex, size, 0.3),
                appeal=w.appeal(rng, members[who_before]),
            )
        )
    storm = Block.concat(parts)  # the openings are rows 0.. (reposts point at them)
    before = Block.concat(before)
    before = before.subset(np.flatnonzero((before.ts >= w.start) & (before.ts < start - HOUR)))
    return Block.concat([storm.subset(np.flatnonzero(storm.ts < end)), before])
