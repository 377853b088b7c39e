"""Building blocks of the synthetic generator: ragged arrays, post blocks, samplers, clocks.

Everything here works on whole numpy arrays; nothing loops over posts or accounts.
Timestamps are integer seconds since the Unix epoch (UTC) until the final assembly.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, fields
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays
import numpy as np

DAY = 86_400
HOUR = 3_600

# Post kinds.
ORIGINAL, REPOST, REPLY = 0, 1, 2


# ---------------------------------------------------------------------------------------
# Ragged arrays: one variable-length row of integers per post.


@dataclass
class Ragged:
    """Rows of variable length stored flat: ``values`` split by ``counts``."""

    counts: np.ndarray  # int64, one per row
    values: np.ndarray  # flat, concatenated rows

    @classmethod
    def empty(cls, n_rows: int, dtype=np.int32) -> Ragged:
        return cls(np.zeros(n_rows, np.int64), np.empty(0, dtype))

    @classmethod
    def from_row_ids(cls, row_ids: np.ndarray, values: np.ndarray, n_rows: int) -> Ragged:
        """Rows from (row id, value) pairs; ``row_ids`` must be sorted."""
        return cls(np.bincount(row_ids, minlength=n_rows).astype(np.int64), values)

    def __len__(self) -> int:
        return len(self.counts)

    @property
    def offsets(self) -> np.ndarray:
        offsets = np.zeros(len(self.counts) + 1, np.int64)
        np.cumsum(self.counts, out=offsets[1:])
        return offsets

    def row_ids(self) -> np.ndarray:
        return np.repeat(np.arange(len(self.counts)), self.counts)

    def take(self, rows: np.ndarray) -> Ragged:
        """The rows ``rows`` (any order, repeats allowed)."""
        counts = self.counts[rows]
        starts = self.offsets[:-1][rows]
        new_starts = np.zeros(len(rows), np.int64)
        np.cumsum(counts[:-1], out=new_starts[1:])
        index = np.repeat(starts - new_starts, counts) + np.arange(int(counts.sum()))
        return Ragged(counts, self.values[index])

    @classmethod
    def from_columns(cls, *columns: np.ndarray) -> Ragged:
        """Rows made of the non-negative entries of equal-length columns, in column order."""
        stacked = np.stack([np.asarray(c) for c in columns], axis=1)
        present = stacked >= 0
        return cls(present.sum(axis=1).astype(np.int64), stacked[present])

    @staticmethod
    def vstack(parts: list[Ragged]) -> Ragged:
        """Rows of ``parts`` one after the other."""
        return Ragged(
            np.concatenate([p.counts for p in parts]),
            np.concatenate([p.values for p in parts]),
        )


# ---------------------------------------------------------------------------------------
# Post blocks: what each role generator returns.


@dataclass
class Block:
    """Posts of one role as parallel arrays (global post index = block offset + row)."""

    account: np.ndarray  # int64 global account index
    ts: np.ndarray  # int64 seconds since epoch, UTC
    kind: np.ndarray  # int8 ORIGINAL / REPOST / REPLY
    target: np.ndarray  # int64 global post index reposted or replied to, -1 for none
    words: Ragged  # word ids of the body (empty for reposts)
    tags: Ragged  # hashtag ids (empty for reposts: copied from the target at assembly)
    url_host: np.ndarray  # int32 index of a URL prefix, -1 for no URL
    url_num: np.ndarray  # int64 article number in the URL
    url_variant: np.ndarray  # int8 index of a URL suffix (tracking parameters etc.)
    mention: np.ndarray  # int64 account mentioned in an original, -1 for none
    media: np.ndarray  # int64 63-bit perceptual hash of an attached image, -1 for none
    appeal: np.ndarray  # float64 weight as a repost or reply target (0: never a target)

    def __len__(self) -> int:
        return len(self.ts)

    @staticmethod
    def concat(blocks: list[Block]) -> Block:
        blocks = [b for b in blocks if len(b)]
        if not blocks:
            return new_block(np.empty(0, np.int64), np.empty(0, np.int64))
        out = {}
        for field in fields(Block):
            parts = [getattr(b, field.name) for b in blocks]
            if isinstance(parts[0], Ragged):
                out[field.name] = Ragged.vstack(parts)
            else:
                out[field.name] = np.concatenate(parts)
        return Block(**out)

    def subset(self, rows: np.ndarray) -> Block:
        """Rows ``rows`` of the block (targets are global indices and stay as they are)."""
        out = {}
        for field in fields(Block):
            value = getattr(self, field.name)
            out[field.name] = value.take(rows) if isinstance(value, Ragged) else value[rows]
        return Block(**out)


def new_block(
    account,
    ts,
    *,
    kind=ORIGINAL,
    target=None,
    words: Ragged | None = None,
    tags: Ragged | None = None,
    url_host=None,
    url_num=None,
    url_variant=None,
    mention=None,
    media=None,
    appeal=None,
) -> Block:
    """A block with defaults for whatever a role does not set."""
    n = len(ts)

    def full(value, default, dtype):
        if value is None:
            value = default
        return np.broadcast_to(np.asarray(value, dtype), (n,)).copy()

    return Block(
        account=full(account, -1, np.int64),
        ts=np.asarray(ts, np.int64),
        kind=full(kind, ORIGINAL, np.int8),
        target=full(target, -1, np.int64),
        words=words if words is not None else Ragged.empty(n),
        tags=tags if tags is not None else Ragged.empty(n),
        url_host=full(url_host, -1, np.int32),
        url_num=full(url_num, 0, np.int64),
        url_variant=full(url_variant, 0, np.int8),
        mention=full(mention, -1, np.int64),
        media=full(media, -1, np.int64),
        appeal=full(appeal, 0.0, np.float64),
    )


# ---------------------------------------------------------------------------------------
# Sampling helpers.


class TableSampler:
    """Constant-time sampling from a fixed discrete distribution via an inverse-CDF table.

    Probabilities are resolved to 2**-bits, plenty for vocabularies of tens of thousands.
    """

    def __init__(self, weights, bits: int = 20):
        cdf = np.cumsum(np.asarray(weights, np.float64))
        grid = (np.arange(1 << bits) + 0.5) / (1 << bits) * cdf[-1]
        self._table = np.searchsorted(cdf, grid, side="right").astype(np.int32)
        self._bits = bits

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        return self._table[rng.integers(0, 1 << self._bits, size, dtype=np.int32)]


def choice_cdf(rng: np.random.Generator, cdf: np.ndarray, size: int) -> np.ndarray:
    """Indices drawn with probability proportional to the increments of ``cdf``.

    On a large ``cdf`` the uniforms are drawn already sorted (normalised cumulative
    exponential spacings), which makes the binary searches cache friendly, then shuffled.
    """
    if len(cdf) <= 4096:
        picks = np.searchsorted(cdf, rng.random(size) * cdf[-1], side="right")
        return np.minimum(picks, len(cdf) - 1)
    spacings = np.cumsum(rng.exponential(size=size + 1))
    u = spacings[:-1] * (cdf[-1] / spacings[-1])
    picks = np.minimum(np.searchsorted(cdf, u, side="right"), len(cdf) - 1)
    return rng.permutation(picks)


def zipf_weights(n: int, exponent: float = 1.0, shift: float = 2.7) -> np.ndarray:
    """Zipf-Mandelbrot weights of ranks 0..n-1."""
    return 1.0 / (np.arange(n) + shift) ** exponent


def lognormal_int(rng, median: float, sigma: float, size, lo: int, hi: int) -> np.ndarray:
    """Rounded lognormal integers clipped to [lo, hi]."""
    return np.clip(np.rint(rng.lognormal(np.log(median), sigma, size)), lo, hi).astype(np.int64)


def random_hashes(rng: np.random.Generator, size: int) -> np.ndarray:
    """Random 63-bit image hashes (non-negative int64)."""
    return rng.integers(0, np.iinfo(np.int64).max, size, dtype=np.int64)


def flip_bits(rng: np.random.Generator, hashes: np.ndarray, max_bits: int) -> np.ndarray:
    """Near-duplicate images: flip up to ``max_bits`` random bits (of 63) of each hash."""
    out = hashes.copy()
    for _ in range(max_bits):
        flip = rng.random(len(out)) < 0.5
        bits = rng.integers(0, 63, int(flip.sum()), dtype=np.int64)
        out[flip] ^= np.left_shift(np.int64(1), bits)
    return out


# ---------------------------------------------------------------------------------------
# Clocks: diurnal schedules, countries, office hours.

#: Relative posting intensity of ordinary users by local hour of day.
ORGANIC_HOURS = np.array([
    0.9, 0.6, 0.4, 0.3, 0.3, 0.4, 0.8, 1.5, 2.2, 2.5, 2.6, 2.7,
    2.9, 2.8, 2.7, 2.7, 2.8, 3.0, 3.2, 3.4, 3.6, 3.5, 2.8, 1.8,
])  # fmt: skip
#: Relative posting intensity of a newsroom by local hour of day.
NEWSROOM_HOURS = np.array([
    0.2, 0.1, 0.1, 0.1, 0.1, 0.3, 1.0, 1.8, 2.2, 2.4, 2.4, 2.3,
    2.2, 2.3, 2.4, 2.4, 2.3, 2.2, 2.0, 1.8, 1.6, 1.3, 0.9, 0.5,
])  # fmt: skip


def local_seconds(rng: np.random.Generator, size: int, hour_weights) -> np.ndarray:
    """Seconds after local midnight, hour drawn from ``hour_weights`` (24 values)."""
    hour = choice_cdf(rng, np.cumsum(hour_weights), size)
    return hour * HOUR + rng.integers(0, HOUR, size)


def wrap_into(ts: np.ndarray, start: int, span: int) -> np.ndarray:
    """Fold seconds into [start, start + span); a whole number of days keeps the clock time."""
    return start + (ts - start) % span


@dataclass(frozen=True)
class Country:
    """Where a state line comes from: its clock, calendar and names."""

    code: str  # ISO 3166-1 alpha-2, as the holidays package and the reference list use
    name: str  # as in platform labels: "China state-affiliated media"
    timezone: str  # IANA name
    utc_offset: int  # minutes, standard time, used when the tz database is unavailable
    weekend: tuple[int, ...]  # weekdays off (Monday = 0)
    language: str
    capital: str


#: Countries a hidden campaign can be tied to. Weekends follow government offices; the
#: holidays package supplies holidays and weekend working days (e.g. China's make-up days).
COUNTRIES: dict[str, Country] = {
    c.code: c
    for c in [
        Country("CN", "China", "Asia/Shanghai", 480, (5, 6), "zh", "Beijing"),
        Country("RU", "Russia", "Europe/Moscow", 180, (5, 6), "ru", "Moscow"),
        Country("IR", "Iran", "Asia/Tehran", 210, (4,), "fa", "Tehran"),
        Country("KP", "North Korea", "Asia/Pyongyang", 540, (5, 6), "ko", "Pyongyang"),
        Country("VE", "Venezuela", "America/Caracas", -240, (5, 6), "es", "Caracas"),
        Country("SA", "Saudi Arabia", "Asia/Riyadh", 180, (4, 5), "ar", "Riyadh"),
        Country("AE", "United Arab Emirates", "Asia/Dubai", 240, (5, 6), "ar", "Abu Dhabi"),
        Country("EG", "Egypt", "Africa/Cairo", 120, (4, 5), "ar", "Cairo"),
        Country("TR", "Türkiye", "Europe/Istanbul", 180, (5, 6), "tr", "Ankara"),
        Country("BY", "Belarus", "Europe/Minsk", 180, (5, 6), "ru", "Minsk"),
        Country("CU", "Cuba", "America/Havana", -300, (5, 6), "es", "Havana"),
    ]
}


def _tzinfo(country: Country) -> dt.tzinfo:
    try:
        return ZoneInfo(country.timezone)
    except ZoneInfoNotFoundError:  # no tz database on this machine: standard time all year
        return dt.timezone(dt.timedelta(minutes=country.utc_offset))


def utc_offset_seconds(country: Country, when: dt.datetime) -> int:
    """The country's UTC offset in seconds at the UTC instant ``when``."""
    return int(when.astimezone(_tzinfo(country)).utcoffset().total_seconds())


def is_workday(country: Country, day: dt.date, calendar) -> bool:
    """A government working day: not a holiday, not a weekend unless made a working day."""
    if day in calendar:
        return False
    return day.weekday() not in country.weekend or day in calendar.weekend_workdays


def office_windows(
    country: Country, start: int, end: int, hours: tuple[int, int]
) -> tuple[np.ndarray, np.ndarray]:
    """UTC [open, close) seconds of every office day of ``country`` inside [start, end).

    One window per local working day, from ``hours[0]`` to ``hours[1]`` o'clock local
    time. Loops over days (a few dozen), never over posts.
    """
    tz = _tzinfo(country)
    first = dt.datetime.fromtimestamp(start, dt.timezone.utc).date() - dt.timedelta(days=1)
    last = dt.datetime.fromtimestamp(end, dt.timezone.utc).date() + dt.timedelta(days=1)
    calendar = holidays.country_holidays(country.code, years=range(first.year, last.year + 1))
    windows = []
    for day in (first + dt.timedelta(days=i) for i in range((last - first).days + 1)):
        if is_workday(country, day, calendar):
            midnight = dt.datetime(day.year, day.month, day.day, tzinfo=tz)
            lo, hi = (int((midnight + dt.timedelta(hours=h)).timestamp()) for h in hours)
            if lo >= start and hi <= end:
                windows.append((lo, hi))
    windows = np.array(windows, np.int64).reshape(-1, 2)
    return windows[:, 0].copy(), windows[:, 1].copy()


def office_hour_weights(hours: tuple[int, int]) -> np.ndarray:
    """Activity by hour inside office hours: slow first and last hour, a lunch dip 12-13."""
    weights = np.ones(hours[1] - hours[0])
    weights[0] = weights[-1] = 0.7
    if hours[0] <= 12 < hours[1]:
        weights[12 - hours[0]] = 0.3
    return weights


def sample_in_windows(
    rng: np.random.Generator, size: int, starts: np.ndarray, hour_weights: np.ndarray
) -> np.ndarray:
    """Times inside random office windows, following ``hour_weights`` within a day."""
    window = rng.integers(0, len(starts), size)
    return starts[window] + local_seconds(rng, size, hour_weights)


def in_windows(ts: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """Whether each time lies inside one of the sorted windows [starts, ends)."""
    if len(starts) == 0:
        return np.zeros(len(ts), bool)
    i = np.searchsorted(starts, ts, side="right") - 1
    return (i >= 0) & (ts < ends[np.maximum(i, 0)])


def next_window_time(
    rng: np.random.Generator, ts: np.ndarray, starts: np.ndarray, ends: np.ndarray, margin: int
) -> np.ndarray:
    """``ts`` when it lies in a window at least ``margin`` seconds before the window's end;
    otherwise a random time in the first 90 minutes of the next window; -1 when none is left.
    """
    out = np.full(len(ts), -1, np.int64)
    if len(starts) == 0:
        return out
    i = np.searchsorted(ends - margin, ts, side="right")
    ok = i < len(starts)
    j = np.minimum(i, len(starts) - 1)
    inside = ok & (ts >= starts[j])
    later = ok & ~inside
    out[inside] = ts[inside]
    out[later] = starts[j[later]] + rng.integers(0, 90 * 60, int(later.sum()))
    return out


def daily_windows(
    country: Country, start: int, end: int, hours: tuple[int, int]
) -> tuple[np.ndarray, np.ndarray]:
    """UTC opening time and local weekday (Monday = 0) of the window from ``hours[0]`` to
    ``hours[1]`` o'clock local time of every day whose window lies inside [start, end),
    working day or not. Loops over days, never over posts."""
    tz = _tzinfo(country)
    first = dt.datetime.fromtimestamp(start, dt.timezone.utc).date() - dt.timedelta(days=1)
    last = dt.datetime.fromtimestamp(end, dt.timezone.utc).date() + dt.timedelta(days=1)
    opens, weekdays = [], []
    for day in (first + dt.timedelta(days=i) for i in range((last - first).days + 1)):
        midnight = dt.datetime(day.year, day.month, day.day, tzinfo=tz)
        lo, hi = (int((midnight + dt.timedelta(hours=h)).timestamp()) for h in hours)
        if lo >= start and hi <= end:
            opens.append(lo)
            weekdays.append(day.weekday())
    return np.array(opens, np.int64), np.array(weekdays, np.int64)
