"""Dates and times as the viewer reads them (issue 18): one helper, per language and time zone, everywhere."""

import re
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from lovedcrm_ui.ui.i18n import MONTHS_EN, format_date, format_datetime, format_day
from models.user import time_zones

ZONES = sorted(time_zones())
PT_BR = re.compile(r'^(\d{2})/(\d{2})/(\d{4}) (\d{2}):(\d{2}) (\S+)$')
EN = re.compile(r'^([A-Z][a-z]{2}) (\d{2}), (\d{4}) (\d{2}):(\d{2}) (\S+)$')
moments = st.datetimes(min_value=datetime(1971, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC))


def test_the_same_moment_in_both_languages_and_a_viewers_zone() -> None:
    moment = datetime(2026, 12, 1, 2, 5, tzinfo=UTC)

    assert format_datetime(moment, 'pt-BR') == '01/12/2026 02:05 UTC'
    assert format_datetime(moment, 'en') == 'Dec 01, 2026 02:05 UTC'
    # in São Paulo it is still the evening before
    assert format_datetime(moment, 'pt-BR', 'America/Sao_Paulo') == '30/11/2026 23:05 -03'
    assert format_datetime(moment, 'en', 'America/Sao_Paulo') == 'Nov 30, 2026 23:05 -03'
    assert format_date(moment, 'en', 'America/Sao_Paulo') == 'Nov 30, 2026'
    assert format_date(date(2026, 1, 2), 'pt-BR') == '02/01/2026'
    assert format_day(date(2026, 1, 2), 'en') == 'Jan 02'


def test_an_unknown_zone_or_a_naive_moment_reads_as_utc() -> None:
    naive = datetime(2026, 7, 4, 18, 30)

    assert format_datetime(naive, 'en', 'Nowhere/Land') == 'Jul 04, 2026 18:30 UTC'
    assert format_datetime(naive.replace(tzinfo=UTC), 'pt-BR', None) == '04/07/2026 18:30 UTC'


@settings(max_examples=40, deadline=None)
@given(moment=moments, zone=st.sampled_from(ZONES))
def test_both_languages_show_the_same_local_day_and_time(moment: datetime, zone: str) -> None:
    local = moment.astimezone(ZoneInfo(zone))

    pt = PT_BR.match(format_datetime(moment, 'pt-BR', zone))
    en = EN.match(format_datetime(moment, 'en', zone))

    assert pt is not None and en is not None
    day, month, year, hour, minute, abbreviation = pt.groups()
    assert (int(day), int(month), int(year), int(hour), int(minute)) == (
        local.day,
        local.month,
        local.year,
        local.hour,
        local.minute,
    )
    name, day_en, year_en, hour_en, minute_en, abbreviation_en = en.groups()
    assert (MONTHS_EN.index(name) + 1, day_en, year_en, hour_en, minute_en) == (local.month, day, year, hour, minute)
    assert abbreviation == abbreviation_en == local.tzname()
    assert format_date(moment, 'pt-BR', zone) == f'{day}/{month}/{year}'
