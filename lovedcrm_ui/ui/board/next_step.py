"""A card's next step: "Ligar amanhã 10:00" from the lead's ``next_activity``, in the viewer's time zone.

Kept apart from card.py: ``next_step(lead, ...)`` returns the card's HTML fragment (escaped text only) and what a
screen reader hears, so the card only places the two. Overdue (due before now) is styled and said; an open lead
without any open activity gets a subtle "Nenhuma atividade"; a lead in Fechado needs none.
"""

import html
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Any

from models.types import PipelineStage, utcnow

from ..i18n import Translate, format_date


def parse_moment(value: Any) -> datetime | None:
    """A datetime from a snapshot's ISO text (or a datetime)."""
    if isinstance(value, datetime):
        return value
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            return None
    return None


def relative_when(due: datetime, *, t: Translate, zone: tzinfo, language: str | None, now: datetime) -> str:
    """ "hoje 10:00", "amanhã 10:00", "ontem 10:00", "qui 10:00" (within a week), else "31/12/2026 10:00"."""
    local, today = due.astimezone(zone), now.astimezone(zone).date()
    time = local.strftime('%H:%M')
    days = (local.date() - today).days
    if days == 0:
        return t('activity.when.today', time=time)
    if days == 1:
        return t('activity.when.tomorrow', time=time)
    if days == -1:
        return t('activity.when.yesterday', time=time)
    if 1 < days < 7:
        return t('activity.when.day', day=t('activity.weekdays').split(',')[local.weekday()], time=time)
    return t('activity.when.day', day=format_date(local.date(), language), time=time)


@dataclass(frozen=True)
class NextStep:
    """How a board draws next steps: the viewer's language and time zone."""

    t: Translate
    language: str | None
    zone: tzinfo

    def __call__(self, lead: dict[str, Any], now: datetime | None = None) -> tuple[str, str]:
        """The card's fragment and spoken text ('' and '' when the lead needs no next step; no spoken text for none)."""
        now = now or utcnow()
        t = self.t
        step = lead.get('next_activity')
        due = parse_moment(step.get('due_at')) if isinstance(step, dict) else None
        if not isinstance(step, dict) or due is None:
            if lead.get('stage') == PipelineStage.FECHADO:
                return '', ''
            # not said in the card's label: a label without "Próximo passo" already tells it, and every card of a
            # team that plans no activities would say it again
            return f'<div class="lead-next lead-next-none">{html.escape(t("activity.none"))}</div>', ''
        what = t(f'activity.verb.{step.get("kind")}') if step.get('kind') in KINDS else ''
        when = relative_when(due, t=t, zone=self.zone, language=self.language, now=now)
        title = str(step.get('title') or '')
        overdue = due < now
        text = t('activity.next', what=what, when=when)
        spoken = t('activity.overdue_spoken' if overdue else 'activity.next_spoken', what=what, when=when, title=title)
        classes = 'lead-next lead-next-overdue' if overdue else 'lead-next'
        return (
            f'<div class="{classes}" title="{html.escape(title)}">{html.escape(text)}</div>',
            spoken,
        )


KINDS = ('call', 'meeting', 'email', 'task')
