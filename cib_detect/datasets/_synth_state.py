"""Posts of the governmental roles: disclosed state media and hidden state campaigns."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from cib_detect.datasets._synth_base import (
    DAY,
    NEWSROOM_HOURS,
    REPLY,
    REPOST,
    Block,
    Country,
    Ragged,
    choice_cdf,
    flip_bits,
    in_windows,
    local_seconds,
    new_block,
    next_window_time,
    office_hour_weights,
    office_windows,
    random_hashes,
    sample_in_windows,
    utc_offset_seconds,
    wrap_into,
)
from cib_detect.datasets._synth_roles import Candidates, World, unique_reposts
from cib_detect.datasets._synth_text import paraphrase, tag_rows, text_lengths, zipf_rows

_TAG_STEMS = ["truthabout", "standwith", "stop", "handsoff", "support", "no", "real", "peace"]
N_TALKING_POINTS = 8
N_REBUTTALS = 4
#: How a hidden campaign spends its posts: amplifying state media, pushing talking points,
#: brigading replies, and uncoordinated filler that makes the personas look ordinary.
CAMPAIGN_MIX = {"amplify": 0.45, "talking_point": 0.30, "reply": 0.10, "filler": 0.15}


@dataclass
class Narrative:
    """A country's state line: talking points, rebuttals, hashtags, images, outlets."""

    country: Country
    talking_points: Ragged  # N_TALKING_POINTS template rows of word ids
    rebuttals: Ragged  # N_REBUTTALS template rows used in reply brigades
    point_tags: np.ndarray  # (N_TALKING_POINTS, 2) hashtag ids
    tags: np.ndarray  # all hashtag ids of the narrative
    images: np.ndarray  # an image hash per talking point
    hosts: np.ndarray  # URL host ids of the country's state-media sites
    domains: list[str]
    accounts: np.ndarray  # state media account ids (empty when the role is excluded)
    account_hosts: np.ndarray  # the URL host of each state media account


def make_narrative(rng, w: World, country: Country, outlets, stems=_TAG_STEMS) -> Narrative:
    """Talking points drawn from distinctive mid-frequency words and the frequent head;
    hashtags from ``stems`` and distinctive words."""

    def templates(k):
        counts = rng.integers(14, 23, k)
        rows = Ragged(counts, rng.integers(170, 6000, int(counts.sum())).astype(np.int32))
        common = rng.random(len(rows.values)) < 0.35
        rows.values[common] = w.lex.filler.sample(rng, int(common.sum()))
        return rows

    stems = rng.permutation(stems)[:6]
    words = rng.integers(600, 6000, 6)
    tags = w.tags.add([f"{stem}{w.lex.words[i]}" for stem, i in zip(stems, words, strict=True)])
    point_tags = np.stack(
        [np.full(N_TALKING_POINTS, tags[0]), tags[1 + rng.integers(0, 5, N_TALKING_POINTS)]],
        axis=1,
    )
    media = [o for o in outlets if o[2] == "state media"]
    domains = [o[0] for o in media[:3]]
    hosts = w.hosts.add([f"https://{d}/news/" for d in domains])
    return Narrative(
        country=country,
        talking_points=templates(N_TALKING_POINTS),
        rebuttals=templates(N_REBUTTALS),
        point_tags=point_tags,
        tags=tags,
        images=random_hashes(rng, N_TALKING_POINTS),
        hosts=hosts,
        domains=domains,
        accounts=np.empty(0, np.int64),
        account_hosts=np.empty(0, np.int32),
    )


def state_media_outlets(outlets):
    """The accounts a country's state media get: two leading outlets, one government site."""
    media = [o for o in outlets if o[2] == "state media"]
    government = [o for o in outlets if o[2] == "government"]
    return media[:2] + government[:1]


@dataclass
class StatePosts:
    """State media posts of one country, for the campaigns that amplify them."""

    index: np.ndarray  # global post index
    ts: np.ndarray
    point: np.ndarray  # talking point, -1 for general news
    host: np.ndarray
    num: np.ndarray


def state_media_posts(rng, w: World, narratives: list[Narrative], n: int, base: int):
    """Labelled outlets posting news around the clock and the state line with their links.

    Returns the block and, per narrative, the :class:`StatePosts` campaigns amplify.
    """
    accounts = np.concatenate([nar.accounts for nar in narratives])
    hosts = np.concatenate([nar.account_hosts for nar in narratives])
    owner = np.repeat(np.arange(len(narratives)), [len(nar.accounts) for nar in narratives])
    offset = np.array(
        [utc_offset_seconds(nar.country, _utc(w.start)) for nar in narratives], np.int64
    )
    who = rng.integers(0, len(accounts), n)
    nar = owner[who]
    day = rng.integers(0, w.days, n)
    ts = wrap_into(
        w.start + day * DAY + local_seconds(rng, n, NEWSROOM_HOURS) - offset[nar],
        w.start,
        w.span,
    )
    on_line = rng.random(n) < 0.65
    point = np.where(on_line, rng.integers(0, N_TALKING_POINTS, n), -1)
    all_points = Ragged.vstack([x.talking_points for x in narratives])
    line = paraphrase(
        rng,
        w.lex,
        all_points.take((nar * N_TALKING_POINTS + point)[on_line]),
        w.paraphrase / 2,
        0.3,
    )
    news = zipf_rows(rng, w.lex, text_lengths(rng, int((~on_line).sum()), median=14))
    order = np.argsort(np.concatenate([np.flatnonzero(on_line), np.flatnonzero(~on_line)]))
    words = Ragged.vstack([line, news]).take(order)
    point_tags = np.stack([x.point_tags for x in narratives])  # (countries, points, 2)
    tagged = point_tags[nar, np.maximum(point, 0)]
    news_tags = tag_rows(rng, w.lex, n, 0.3, max_tags=1)
    news_tag = np.full(n, -1)
    news_tag[news_tags.counts > 0] = news_tags.values
    tags = Ragged.from_columns(
        np.where(on_line, tagged[:, 0], news_tag), np.where(on_line, tagged[:, 1], -1)
    )
    images = np.stack([x.images for x in narratives])[nar, np.maximum(point, 0)]
    media = np.where(on_line & (rng.random(n) < 0.3), images, -1)
    media = np.where(~on_line & (rng.random(n) < 0.2), random_hashes(rng, n), media)
    num = rng.integers(10**6, 10**8, n)
    block = new_block(
        accounts[who],
        ts,
        words=words,
        tags=tags,
        url_host=hosts[who],
        url_num=num,
        url_variant=np.where(rng.random(n) < 0.1, 2, 0),
        media=media,
        appeal=w.appeal(rng, accounts[who]),
    )
    posts = [
        StatePosts(base + rows, ts[rows], point[rows], hosts[who][rows], num[rows])
        for rows in (np.flatnonzero(nar == i) for i in range(len(narratives)))
    ]
    return block, posts


def _utc(ts: int) -> dt.datetime:
    return dt.datetime.fromtimestamp(ts, dt.timezone.utc)


def hidden_state_posts(
    rng,
    w: World,
    nar: Narrative,
    members: np.ndarray,
    n: int,
    state: StatePosts | None,
    reply_targets: Candidates,
    hour_weights: np.ndarray | None = None,
) -> Block:
    """A hidden campaign tasked from the capital, in office hours of its workdays only.

    Tasks are released in office hours: amplify a state-media post (released when the post
    appears, or at the start of the next office day), push a talking point (paraphrased
    template, the narrative's hashtags, a state-media link, often the same image), or
    brigade an organic post with paraphrased replies. Each member takes part in a task
    with its own probability and reacts after its own delay (seconds to a few minutes).
    Filler posts (random content) at office times make the personas look ordinary. Every
    post outside the country's office hours, weekends or holidays is dropped.
    ``hour_weights`` (one per office hour) shape the working day; by default
    :func:`office_hour_weights`.
    """
    starts, ends = office_windows(nar.country, w.start, w.end, w.office_hours)
    if len(starts) == 0 or n == 0:
        return new_block([], [])
    hours = office_hour_weights(w.office_hours) if hour_weights is None else hour_weights
    m = len(members)
    join = rng.beta(6, 4, m)
    speed = rng.lognormal(np.log(25), 0.7, m)
    per_task = join.sum()
    budget = {k: v * n for k, v in CAMPAIGN_MIX.items()}
    if state is None or len(state.index) == 0:
        budget["talking_point"] += budget.pop("amplify")
    n_task = {k: round(v / per_task) for k, v in budget.items() if k != "filler"}

    # amplification: state-media posts on the line are the likeliest tasks
    n_amp = n_task.get("amplify", 0)
    release, kind, detail = [], [], []
    if n_amp:
        # each state post is amplified once (while there are enough of them)
        weights = np.where(state.point >= 0, 3.0, 1.0)
        if n_amp <= len(weights):
            amp = rng.choice(len(weights), n_amp, replace=False, p=weights / weights.sum())
        else:
            amp = choice_cdf(rng, np.cumsum(weights), n_amp)
        amp_release = next_window_time(
            rng, state.ts[amp] + rng.integers(5, 60, n_amp), starts, ends, margin=600
        )
        ok = amp_release >= 0
        release.append(amp_release[ok])
        kind.append(np.full(int(ok.sum()), 0))
        detail.append(amp[ok])
    n_tp = n_task["talking_point"]
    release.append(_office_times(rng, n_tp, starts, ends, hours))
    kind.append(np.full(n_tp, 1))
    detail.append(rng.integers(0, N_TALKING_POINTS, n_tp))
    n_rep = n_task["reply"]
    release.append(_office_times(rng, n_rep, starts, ends, hours))
    kind.append(np.full(n_rep, 2))
    detail.append(rng.integers(0, N_REBUTTALS, n_rep))
    release, kind, detail = map(np.concatenate, (release, kind, detail))
    n_tasks = len(release)

    # each task: its link and image (talking points), its reply target (brigades)
    url_host, url_num = _task_links(rng, nar, state, kind, detail, release)
    image = nar.images[np.where(kind == 1, detail, 0)]
    target = np.full(n_tasks, -1)
    if kind.size:
        target = _reply_target(rng, reply_targets, release)
        target = np.where(kind == 2, target, -1)
    if n_amp:
        target = np.where(kind == 0, state.index[np.where(kind == 0, detail, 0)], target)
    usable = (kind != 2) | (target >= 0)

    task, who = np.nonzero((rng.random((n_tasks, m)) < join) & usable[:, None])
    k = kind[task]
    lag = speed[who] * rng.lognormal(0, 0.5, len(task)) * np.array([1.0, 3.0, 4.0])[k]
    ts = release[task] + 1 + lag.astype(np.int64)
    account = members[who]
    parts = []
    rows = np.flatnonzero(k == 0)
    rows = rows[unique_reposts(account[rows], target[task[rows]])]
    parts.append(new_block(account[rows], ts[rows], kind=REPOST, target=target[task[rows]]))
    rows = np.flatnonzero(k == 1)
    t = task[rows]
    extra = np.where(rng.random(len(rows)) < 0.3, w.lex.tag_sampler.sample(rng, len(rows)), -1)
    linked = rng.random(len(rows)) < 0.7
    parts.append(
        new_block(
            account[rows],
            ts[rows],
            words=paraphrase(rng, w.lex, nar.talking_points.take(detail[t]), w.paraphrase, 0.1),
            tags=Ragged.from_columns(*nar.point_tags[detail[t]].T, extra),
            url_host=np.where(linked, url_host[t], -1),
            url_num=url_num[t],
            url_variant=rng.choice(4, len(rows), p=[0.6, 0.1, 0.2, 0.1]),
            media=np.where(rng.random(len(rows)) < 0.3, flip_bits(rng, image[t], 3), -1),
            appeal=w.appeal(rng, account[rows]),
        )
    )
    rows = np.flatnonzero(k == 2)
    t = task[rows]
    parts.append(
        new_block(
            account[rows],
            ts[rows],
            kind=REPLY,
            target=target[t],
            words=paraphrase(rng, w.lex, nar.rebuttals.take(detail[t]), w.paraphrase, 0.1),
            tags=Ragged.from_columns(np.where(rng.random(len(rows)) < 0.5, nar.tags[0], -1)),
        )
    )
    n_filler = round(budget["filler"])
    account = members[choice_cdf(rng, np.cumsum(join), n_filler)]
    parts.append(
        new_block(
            account,
            _office_times(rng, n_filler, starts, ends, hours),
            words=zipf_rows(rng, w.lex, text_lengths(rng, n_filler)),
            tags=tag_rows(rng, w.lex, n_filler, 0.2),
            appeal=w.appeal(rng, account),
        )
    )
    block = Block.concat(parts)
    return block.subset(np.flatnonzero(in_windows(block.ts, starts, ends)))


def _office_times(rng, size, starts, ends, hours) -> np.ndarray:
    """Times in office windows, leaving ten minutes before closing for reactions."""
    ts = sample_in_windows(rng, size, starts, hours)
    window = np.searchsorted(starts, ts, side="right") - 1
    return np.where(ts >= ends[window] - 600, ts - 600, ts)


def _task_links(rng, nar: Narrative, state, kind, detail, release):
    """A talking point's link: a state-media article on that point published before the
    task when there is one, else a fresh article on one of the country's outlets."""
    n = len(kind)
    host = nar.hosts[rng.integers(0, len(nar.hosts), n)] if len(nar.hosts) else np.full(n, -1)
    num = rng.integers(10**6, 10**8, n)
    if state is not None and len(state.index):
        order = np.lexsort((state.ts, state.point))
        point, ts = state.point[order], state.ts[order]
        lo = np.searchsorted(point, detail, side="left")
        hi = np.searchsorted(point, detail, side="right")
        # articles sorted by (point, time): count those of the task's point before it
        key = point.astype(np.int64) << 34 | ts
        earlier = np.searchsorted(key, detail.astype(np.int64) << 34 | release) - lo
        earlier = np.clip(earlier, 0, hi - lo)
        has = (kind == 1) & (earlier > 0)
        pick = lo + (rng.random(n) * np.maximum(earlier, 1)).astype(np.int64)
        pick = order[np.minimum(pick, len(order) - 1)]
        host = np.where(has, state.host[pick], host)
        num = np.where(has, state.num[pick], num)
    return host, num


def _reply_target(rng, targets: Candidates, release: np.ndarray) -> np.ndarray:
    """A popular post of the six hours before each release (-1 if none); ``targets`` are
    sorted by time."""
    hi = np.searchsorted(targets.ts, release, side="left")
    lo = np.searchsorted(targets.ts, release - 6 * 3600, side="left")
    cum = np.concatenate([[0.0], targets.cum_appeal])
    u = cum[lo] + rng.random(len(release)) * (cum[hi] - cum[lo])
    pick = np.clip(np.searchsorted(targets.cum_appeal, u, side="right"), lo, np.maximum(hi - 1, 0))
    return np.where(hi > lo, targets.index[np.minimum(pick, len(targets.index) - 1)], -1)


#: Share of a campaign aimed abroad that posts the videos the others boost.
ABROAD_LEADS = 0.1
#: Share of its posts written by the leads.
ABROAD_LEAD_POSTS = 0.25


def abroad_hour_weights(hours: tuple[int, int]) -> np.ndarray:
    """A state office's day with a long lunch break (12:00-13:30, Beijing style)."""
    weights = office_hour_weights(hours)
    if hours[0] <= 12 < hours[1]:
        weights[12 - hours[0]] = 0.05
    if hours[0] <= 13 < hours[1]:
        weights[13 - hours[0]] = 0.6
    return weights


def abroad_posts(rng, w: World, nar: Narrative, members, n: int, targets, base: int):
    """A state campaign aimed abroad: a few leads post the narrative's videos (talking
    points, its own hashtags and images, no state-media links) in office hours of the
    capital; the other members boost them within seconds to minutes, push the same
    talking points, brigade replies and post filler, like :func:`hidden_state_posts`.
    Returns the leads' block (global indices from ``base``) and the members' block."""
    k = max(2, round(ABROAD_LEADS * len(members)))
    leads, crowd = members[:k], members[k:]
    hours = abroad_hour_weights(w.office_hours)
    n_leads = round(ABROAD_LEAD_POSTS * n)
    lead_block = hidden_state_posts(rng, w, nar, leads, n_leads, None, targets, hours)
    own = np.flatnonzero((lead_block.kind == 0) & (lead_block.target < 0))
    boosted = StatePosts(
        base + own,
        lead_block.ts[own],
        np.full(len(own), -1),
        np.full(len(own), -1, np.int32),
        np.zeros(len(own), np.int64),
    )
    crowd_block = hidden_state_posts(rng, w, nar, crowd, n - n_leads, boosted, targets, hours)
    return lead_block, crowd_block
