"""Work schedule of a cluster: the time zone of an office, and its holidays.

A government operation is staffed by employees: its posts fall in office hours on the
working days of one time zone, dip at lunch, and stop on that country's public holidays
(Linvill & Warren 2020 on the IRA's shifts; King, Pan & Roberts 2017 on the "50 cent
party" posting on workdays). Ordinary users post in their evenings and at weekends,
commercial botnets round the clock.

The inference, per cluster:

1. Posts are binned by half hour of the week in UTC. For every UTC offset from -12 to
   +14 hours in half-hour steps and every working week (``Mon-Fri``, ``Sun-Thu``,
   ``Sat-Thu``), ``office_share`` is the share of posts falling 09:00-18:00 local on a
   working day. The office region covers ``m`` of the week (``9/24 * days/7``); the
   offset and week with the largest Kullback-Leibler divergence ``KL(s || m)`` win (a
   six-day week always holds at least as many posts as a five-day one, and the
   divergence pays for its larger region). Ties go to the offset centring the posts,
   then to the shorter and more common week (``Mon-Fri`` first).
2. ``lunch_dip``: ``1 - r_lunch / r_office``, the posting rate 12:00-13:00 local over
   the rate in the other office hours of working days, clipped to [0, 1].
3. ``schedule``: ``excess * (0.85 + 0.15 * lunch_dip) * coverage`` where
   ``excess = (s - m) / (1 - m)`` (0 for posts spread evenly over the week, 1 for all in
   office hours) and ``coverage = min(1, active days / 10)``: one burst on one afternoon
   fits office hours for some offset, ten working days of it do not by chance.
4. Holidays: for every bundled calendar country
   (:func:`cib_detect.datasets.reference.calendar_countries`) whose capital's UTC offset at
   the cluster's median post time is within one hour of the inferred one, the public
   holidays (``holidays`` package) between the cluster's first and last local day that
   fall on that country's working days are compared with its other working days:
   ``silence = 1 - observed / expected`` posts, with ``expected`` the posts of an average
   other working day times the number of holiday working days, and
   ``holiday = silence * (1 - exp(-expected / 3))`` (three expected posts missing are weak
   evidence, thirty strong). The country with the largest ``holiday`` is reported, with the
   holiday dates that had no posts at all.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
from zoneinfo import ZoneInfo

import holidays as holidays_lib
import numpy as np
import polars as pl

from cib_detect.datasets.reference import calendar_countries

__all__ = ["OFFICE_HOURS", "WORKWEEKS", "cluster_schedule", "infer_schedule"]

#: Local office hours (start, end) assumed by the offset search.
OFFICE_HOURS = (9, 18)
#: Working weeks tried, as weekday numbers (Monday = 0).
WORKWEEKS = {
    "Mon-Fri": (0, 1, 2, 3, 4),
    "Sun-Thu": (6, 0, 1, 2, 3),
    "Sat-Thu": (5, 6, 0, 1, 2, 3),
}
_BINS = 7 * 48  # half hours of a week
_OFFSETS = np.arange(-24, 29)  # half hours: UTC-12 .. UTC+14
_LUNCH = (12, 13)
_MIN_DAYS = 10
_HOLIDAY_SCALE = 3.0
_COUNTRY_TOLERANCE = 1.0  # hours between inferred and a country's offset

_EMPTY_SCHEMA = {
    "cluster_id": pl.Int64,
    "utc_offset": pl.Float64,
    "workweek": pl.String,
    "office_share": pl.Float64,
    "lunch_dip": pl.Float64,
    "active_days": pl.Int64,
    "schedule": pl.Float64,
    "holiday_country": pl.String,
    "holiday_silence": pl.Float64,
    "holiday": pl.Float64,
    "quiet_dates": pl.String,
    "schedule_text": pl.String,
}


@functools.lru_cache(maxsize=1)
def _masks() -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Office-hour masks over local half hours of the week, one row per working week."""
    names = list(WORKWEEKS)
    office = np.zeros((len(names), _BINS), dtype=np.float64)
    lunch = np.zeros((len(names), _BINS), dtype=np.float64)
    start, end = OFFICE_HOURS
    for row, name in enumerate(names):
        for day in WORKWEEKS[name]:
            office[row, day * 48 + 2 * start : day * 48 + 2 * end] = 1.0
            lunch[row, day * 48 + 2 * _LUNCH[0] : day * 48 + 2 * _LUNCH[1]] = 1.0
    return office, lunch, names


def _kl(s: np.ndarray, m: np.ndarray) -> np.ndarray:
    s = np.clip(s, 1e-12, 1 - 1e-12)
    return s * np.log(s / m) + (1 - s) * np.log((1 - s) / (1 - m))


def _half_hour_of_week(epoch_us: np.ndarray) -> np.ndarray:
    """UTC half hour of the week, Monday 00:00 = 0 (1970-01-01 was a Thursday)."""
    half_hours = np.floor_divide(epoch_us, 1_800_000_000)
    return ((half_hours + 3 * 48) % _BINS).astype(np.int64)


def _best_offset(histogram: np.ndarray) -> dict:
    """Offset and working week that best explain a half-hour-of-week histogram."""
    office, lunch, names = _masks()
    total = histogram.sum()
    # local[k, j] = histogram[(j - shift_k) % bins]: posts seen at local half hour j
    index = (np.arange(_BINS)[None, :] - _OFFSETS[:, None]) % _BINS
    local = histogram[index]  # offsets x bins
    shares = local @ office.T / total  # offsets x weeks
    regions = office.sum(axis=1) / _BINS
    kl = _kl(shares, regions[None, :])
    kl = np.where(shares > regions[None, :], kl, -kl)
    # centre of the local posting hours, for ties
    hours = (np.arange(_BINS) % 48) / 2 + 0.25
    centre = (local * hours[None, :]).sum(axis=1) / total
    distance = np.abs(centre - sum(OFFICE_HOURS) / 2)
    best = max(
        ((k, w) for k in range(len(_OFFSETS)) for w in range(len(names))),
        key=lambda kw: (
            round(kl[kw[0], kw[1]], 9),
            -distance[kw[0]],
            -len(WORKWEEKS[names[kw[1]]]),
            -kw[1],  # Mon-Fri first: Mon-Fri at UTC+14 looks like Sun-Thu at UTC-10
        ),
    )
    k, w = best
    row = local[k]
    in_office = row * office[w]
    in_lunch = row * lunch[w]
    lunch_hours = _LUNCH[1] - _LUNCH[0]
    office_hours = OFFICE_HOURS[1] - OFFICE_HOURS[0]
    other = (in_office.sum() - in_lunch.sum()) / (office_hours - lunch_hours)
    dip = 0.0 if other <= 0 else float(np.clip(1 - in_lunch.sum() / lunch_hours / other, 0, 1))
    share = float(shares[k, w])
    region = float(regions[w])
    return {
        "utc_offset": float(_OFFSETS[k]) / 2,
        "workweek": names[w],
        "office_share": share,
        "region": region,
        "lunch_dip": dip,
    }


def _zone_offset(zone: str, when: dt.datetime, standard: float) -> float:
    try:
        offset = when.astimezone(ZoneInfo(zone)).utcoffset()
    except Exception:  # no tz database on this machine
        return standard
    return offset.total_seconds() / 3600 if offset is not None else standard


@functools.lru_cache(maxsize=256)
def _calendar(country: str, years: tuple[int, ...]):
    return holidays_lib.country_holidays(country, years=list(years))


def _holiday_evidence(daily: dict[dt.date, int], country: str, workweek: str) -> dict | None:
    """Silence on a country's public holidays that fall on working days.

    A working day is one of the inferred working week that is not the country's weekend
    (make-up working days of the calendar count too).
    """
    first, last = min(daily), max(daily)
    years = tuple(range(first.year, last.year + 1))
    calendar = _calendar(country, years)
    week = set(WORKWEEKS[workweek])
    days = [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]
    holiday_days = [
        d
        for d in days
        if d in calendar and d.weekday() in week and d.weekday() not in calendar.weekend
    ]
    working = [d for d in days if d.weekday() in week and calendar.is_working_day(d)]
    if not holiday_days or not working:
        return None
    rate = sum(daily.get(d, 0) for d in working) / len(working)
    expected = rate * len(holiday_days)
    if expected <= 0:
        return None
    observed = sum(daily.get(d, 0) for d in holiday_days)
    silence = float(np.clip(1 - observed / expected, 0, 1))
    quiet = [d for d in days if d in calendar and daily.get(d, 0) == 0]
    counted = {d for d in holiday_days if daily.get(d, 0) == 0}
    return {
        "holiday_country": country,
        "holiday_silence": silence,
        "holiday": silence * (1 - math.exp(-expected / _HOLIDAY_SCALE)),
        "quiet_dates": _date_runs(quiet, calendar, counted),
    }


def _date_runs(dates: list[dt.date], calendar, counted: set[dt.date]) -> str:
    """``"1-3 May (Labor Day); 9-10 May (Victory Day)"``: runs of consecutive quiet
    holidays that hold at least one holiday on a working day, with their names."""
    runs: list[list[dt.date]] = []
    for day in sorted(dates):
        if runs and (day - runs[-1][-1]).days == 1:
            runs[-1].append(day)
        else:
            runs.append([day])
    parts = []
    for run in runs:
        if not counted.intersection(run):
            continue
        a, b = run[0], run[-1]
        if a == b:
            span = f"{a.day} {a:%b}"
        elif a.month == b.month:
            span = f"{a.day}-{b.day} {a:%b}"
        else:
            span = f"{a.day} {a:%b}-{b.day} {b:%b}"
        names = []
        for day in run:
            for name in str(calendar.get(day)).split("; "):
                name = name.replace(" (observed)", "")
                if name.startswith("Day off"):
                    continue
                if name not in names:
                    names.append(name)
        parts.append(f"{span} ({', '.join(names)})" if names else span)
    return "; ".join(parts)


def _format_offset(offset: float) -> str:
    sign = "+" if offset >= 0 else "-"
    hours = int(abs(offset))
    minutes = round((abs(offset) - hours) * 60)
    return f"UTC{sign}{hours}" + (f":{minutes:02d}" if minutes else "")


def _schedule_text(row: dict) -> str:
    start, end = OFFICE_HOURS
    text = (
        f"{row['workweek']} {start:02d}:00-{end:02d}:00 {_format_offset(row['utc_offset'])} "
        f"({row['office_share']:.0%} of posts"
    )
    if row["lunch_dip"] >= 0.5:
        text += f", lunch dip {row['lunch_dip']:.0%}"
    text += ")"
    if row.get("holiday_country") and row.get("quiet_dates"):
        text += f", no posts on {row['quiet_dates']} ({row['holiday_country']} holidays)"
    return text


def infer_schedule(timestamps) -> dict:
    """Work schedule that best explains a set of posting times.

    Parameters
    ----------
    timestamps : polars.Series or sequence of datetime
        Posting times (UTC; naive values are taken as UTC).

    Returns
    -------
    dict
        ``utc_offset`` (hours), ``workweek``, ``office_share``, ``lunch_dip``,
        ``active_days``, ``schedule`` (score in [0, 1]), ``holiday_country``,
        ``holiday_silence``, ``holiday`` and ``quiet_dates`` (None when no calendar
        country matches), and ``schedule_text``.

    Examples
    --------
    >>> from datetime import datetime, timedelta, timezone
    >>> start = datetime(2024, 4, 15, 1, tzinfo=timezone.utc)  # 09:00 in Beijing, Monday
    >>> holidays = {16, 17, 18}  # 1-3 May
    >>> times = [start + timedelta(days=d, minutes=20 * i) for d in range(28)
    ...          if d % 7 < 5 and d not in holidays for i in range(27) if not 9 <= i < 12]
    >>> result = infer_schedule(times)
    >>> result["utc_offset"], result["workweek"], round(result["office_share"], 2)
    (8.0, 'Mon-Fri', 1.0)
    >>> result["holiday_country"], result["quiet_dates"]
    ('CN', '1-3 May (Labor Day)')
    """
    if isinstance(timestamps, pl.Series):
        series = timestamps.alias("timestamp")
    else:
        series = pl.Series("timestamp", list(timestamps))
    if series.dtype == pl.Datetime and series.dtype.time_zone is None:
        series = series.dt.replace_time_zone("UTC")
    frame = pl.DataFrame({"timestamp": series}).with_columns(cluster_id=pl.lit(0, pl.Int64))
    rows = _schedules(frame)
    if rows.height == 0:
        raise ValueError("infer_schedule: timestamps is empty; pass at least one posting time")
    return rows.drop("cluster_id").row(0, named=True)


def cluster_schedule(posts: pl.DataFrame, clusters: pl.DataFrame) -> pl.DataFrame:
    """Work schedule of every cluster (see the module docstring for the method).

    Parameters
    ----------
    posts : polars.DataFrame
        ``account_id`` and ``timestamp`` (Datetime, UTC).
    clusters : polars.DataFrame
        ``account_id``, ``cluster_id`` (-1 = none).

    Returns
    -------
    polars.DataFrame
        ``cluster_id``, ``utc_offset``, ``workweek``, ``office_share``, ``lunch_dip``,
        ``active_days``, ``schedule``, ``holiday_country``, ``holiday_silence``,
        ``holiday``, ``quiet_dates`` and ``schedule_text``, sorted by ``cluster_id``.

    Examples
    --------
    >>> import polars as pl
    >>> from datetime import datetime, timedelta, timezone
    >>> start = datetime(2024, 4, 15, 6, tzinfo=timezone.utc)  # 09:00 in Moscow
    >>> holidays = {14, 15, 16, 24}  # 29 April-1 May, 9 May
    >>> times = [start + timedelta(days=d, minutes=30 * i) for d in range(26)
    ...          if d % 7 < 5 and d not in holidays for i in range(18) if i not in (6, 7)]
    >>> posts = pl.DataFrame({"account_id": ["a", "b"] * (len(times) // 2),
    ...                       "timestamp": times[: len(times) // 2 * 2]})
    >>> clusters = pl.DataFrame({"account_id": ["a", "b"], "cluster_id": [0, 0]})
    >>> cluster_schedule(posts, clusters)["schedule_text"][0]
    'Mon-Fri 09:00-18:00 UTC+3 (100% of posts, lunch dip 100%), no posts on ...'
    """
    members = clusters.filter(pl.col("cluster_id") >= 0)
    frame = posts.select("account_id", "timestamp").join(members, on="account_id", how="inner")
    return _schedules(frame)


def _schedules(frame: pl.DataFrame) -> pl.DataFrame:
    """Schedule rows for ``cluster_id``, ``timestamp`` rows."""
    if frame.height == 0:
        return pl.DataFrame(schema=_EMPTY_SCHEMA)
    frame = frame.with_columns(pl.col("timestamp").dt.epoch("us").alias("us")).sort(
        "cluster_id", "us"
    )
    ids = frame.get_column("cluster_id").to_numpy()
    us = frame.get_column("us").to_numpy()
    bins = _half_hour_of_week(us)
    bounds = np.flatnonzero(np.diff(ids)) + 1
    starts = np.concatenate([[0], bounds])
    ends = np.concatenate([bounds, [len(ids)]])
    countries = calendar_countries().rows(named=True)
    rows = []
    for a, b in zip(starts, ends, strict=True):
        histogram = np.bincount(bins[a:b], minlength=_BINS).astype(np.float64)
        best = _best_offset(histogram)
        local_days = (us[a:b] + int(best["utc_offset"] * 3600e6)) // 86_400_000_000
        day_numbers, counts = np.unique(local_days, return_counts=True)
        epoch = dt.date(1970, 1, 1)
        daily = {
            epoch + dt.timedelta(days=int(d)): int(c)
            for d, c in zip(day_numbers, counts, strict=True)
        }
        s, m = best["office_share"], best.pop("region")
        excess = float(np.clip((s - m) / (1 - m), 0, 1))
        coverage = min(1.0, len(daily) / _MIN_DAYS)
        row = {
            "cluster_id": int(ids[a]),
            **best,
            "active_days": len(daily),
            "schedule": excess * (0.85 + 0.15 * best["lunch_dip"]) * coverage,
            "holiday_country": None,
            "holiday_silence": None,
            "holiday": None,
            "quiet_dates": None,
        }
        median = dt.datetime.fromtimestamp(float(np.median(us[a:b])) / 1e6, tz=dt.timezone.utc)
        found = []
        for country in countries:
            offset = _zone_offset(country["timezone"], median, country["standard_offset"])
            if abs(offset - best["utc_offset"]) <= _COUNTRY_TOLERANCE:
                evidence = _holiday_evidence(daily, country["country"], best["workweek"])
                if evidence is not None:
                    found.append((evidence["holiday"], -abs(offset - best["utc_offset"]), evidence))
        if found:
            found.sort(key=lambda f: (f[0], f[1]), reverse=True)
            row.update(found[0][2])
        row["schedule_text"] = _schedule_text(row)
        rows.append(row)
    return pl.DataFrame(rows, schema=_EMPTY_SCHEMA)
