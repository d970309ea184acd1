"""The card's next-step line: relative day words per language, in the viewer's time zone, overdue said."""

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from lovedcrm_ui.ui.board.next_step import NextStep, relative_when
from lovedcrm_ui.ui.i18n import translator, zone_of

ZONES = ['UTC', 'America/Sao_Paulo', 'Asia/Tokyo']
NOW = datetime(2026, 12, 3, 15, 0, tzinfo=UTC)  # a Thursday; 12:00 in São Paulo


def lead(due: datetime | None, stage: str = 'lead', kind: str = 'call') -> dict[str, object]:
    if due is None:
        return {'stage': stage, 'next_activity': None}
    step = {'id': '1', 'kind': kind, 'title': 'Confirmar <b>', 'due_at': due.isoformat(), 'assignee_user_id': None}
    return {'stage': stage, 'next_activity': step}


def test_the_words_follow_the_language_and_the_zone() -> None:
    pt = NextStep(translator('pt-BR'), 'pt-BR', zone_of('America/Sao_Paulo'))
    en = NextStep(translator('en'), 'en', zone_of('UTC'))
    tomorrow_ten = datetime(2026, 12, 4, 13, 0, tzinfo=UTC)  # 10:00 in São Paulo

    html, spoken = pt(lead(tomorrow_ten), NOW)
    assert '>Ligar amanhã 10:00<' in html and 'title="Confirmar &lt;b&gt;"' in html
    assert spoken == 'Próximo passo: Ligar amanhã 10:00, Confirmar <b>'
    assert '>Call tomorrow 13:00<' in en(lead(tomorrow_ten), NOW)[0]
    assert 'Call Mon 09:00' in en(lead(datetime(2026, 12, 7, 9, 0, tzinfo=UTC)), NOW)[0]
    assert 'Reunião 24/12/2026 09:00' in pt(lead(datetime(2026, 12, 24, 12, 0, tzinfo=UTC), kind='meeting'), NOW)[0]


def test_overdue_none_and_closed() -> None:
    pt = NextStep(translator('pt-BR'), 'pt-BR', zone_of('UTC'))
    html, spoken = pt(lead(NOW - timedelta(hours=1)), NOW)
    assert 'lead-next-overdue' in html and spoken.startswith('Atrasada: Ligar hoje 14:00')
    assert pt(lead(None), NOW) == ('<div class="lead-next lead-next-none">Nenhuma atividade</div>', '')
    assert pt(lead(None, stage='fechado'), NOW) == ('', '')
    assert zone_of('Not/AZone') == zone_of('UTC')


@settings(max_examples=40, deadline=None)
@given(
    minutes=st.integers(-60 * 24 * 400, 60 * 24 * 400), zone=st.sampled_from(['UTC', 'America/Sao_Paulo', 'Asia/Tokyo'])
)
def test_every_due_time_reads_as_a_day_and_its_local_time(minutes: int, zone: str) -> None:
    due = NOW + timedelta(minutes=minutes)
    text = relative_when(due, t=translator('en'), zone=zone_of(zone), language='en', now=NOW)
    day, time = text.rsplit(' ', 1)
    assert time == due.astimezone(zone_of(zone)).strftime('%H:%M')
    days = (due.astimezone(zone_of(zone)).date() - NOW.astimezone(zone_of(zone)).date()).days
    assert (day in ('today', 'tomorrow', 'yesterday')) == (days in (0, 1, -1)), (day, days)
    assert day == {0: 'today', 1: 'tomorrow', -1: 'yesterday'}.get(days, day)
    assert day and '{' not in day
