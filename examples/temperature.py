"""Lead temperature: a field, a card chip, a card action, a board filter and a page — in Python only.

Load it with ``PLUGINS=examples.temperature python main.py`` (from the repository root). What it adds:

- a "Temperatura" field on every lead (quente / morna / fria), shown on the card as a coloured chip and chosen in the
  lead dialog; stored in the lead's ``custom_fields`` (so the API reads and writes it too);
- "Marcar como quente" in each card's menu (right-click or the M key) for leads that are not hot yet: one versioned
  write that teammates see on their boards at once;
- a "Temperatura" select in the board's filter bar (and in the address, ``cf.temperature=quente``);
- a page, ``/x/temperaturas``, counting the organization's leads by temperature and value, live.
"""

from collections import Counter
from decimal import Decimal
from typing import Any

from nicegui import ui

from lovedcrm_ui.extensions import (
    ActionContext,
    CardAction,
    Choice,
    Extensions,
    FieldFilter,
    LeadField,
    PageContext,
    PluginPage,
)

HOT = 'quente'
TEMPERATURE = LeadField(
    key='temperature',
    label={'pt-BR': 'Temperatura', 'en': 'Temperature'},
    choices=(
        Choice(HOT, {'pt-BR': 'Quente', 'en': 'Hot'}, tone='red'),
        Choice('morna', {'pt-BR': 'Morna', 'en': 'Warm'}, tone='amber'),
        Choice('fria', {'pt-BR': 'Fria', 'en': 'Cold'}, tone='blue'),
    ),
)


def temperature_of(lead: dict[str, Any]) -> str | None:
    """The lead's temperature (a choice value), if set."""
    return (lead.get('custom_fields') or {}).get(TEMPERATURE.key)


async def mark_hot(action: ActionContext) -> None:
    """Set the lead's temperature to hot (with the version its card showed: a teammate's change first is refused)."""
    lead = await action.update({'custom_fields': {TEMPERATURE.key: HOT}})
    action.notify(action.text({'pt-BR': f'{lead["name"]} está quente', 'en': f'{lead["name"]} is hot'}), 'positive')


def money(lead: dict[str, Any]) -> Decimal:
    """The lead's estimated value (0 when empty)."""
    return Decimal(str(lead.get('estimated_value') or 0))


async def temperature_page(page: PageContext) -> None:
    """Leads and value per temperature in a table that follows every change of the organization's leads."""
    labels = {choice.value: page.text(choice.label) for choice in TEMPERATURE.choices}
    none = page.text({'pt-BR': 'Sem temperatura', 'en': 'No temperature'})
    columns = [
        {'name': 'temperature', 'label': page.text(TEMPERATURE.label), 'field': 'temperature', 'align': 'left'},
        {'name': 'leads', 'label': 'Leads', 'field': 'leads'},
        {'name': 'value', 'label': page.text({'pt-BR': 'Valor (R$)', 'en': 'Value (R$)'}), 'field': 'value'},
    ]
    table = ui.table(columns=columns, rows=[], row_key='temperature').classes('w-full max-w-xl')
    table.mark('temperature-table')

    async def refresh(_event: Any = None) -> None:
        leads = await page.leads()
        counts: Counter[str | None] = Counter(temperature_of(lead) for lead in leads)
        values: dict[str | None, Decimal] = {}
        for lead in leads:
            values[temperature_of(lead)] = values.get(temperature_of(lead), Decimal(0)) + money(lead)
        order: list[str | None] = [*labels, None]
        table.rows = [
            {
                'temperature': labels.get(key, none) if key else none,
                'leads': counts[key],
                'value': f'{values.get(key, 0):.2f}',
            }
            for key in order
        ]
        table.update()

    await refresh()
    page.on_lead_event(refresh)


def register(ext: Extensions) -> None:
    """Declare the field, the card action, the filter and the page."""
    ext.add_field(TEMPERATURE)
    ext.add_action(
        CardAction(
            key='mark_hot',
            label={'pt-BR': 'Marcar como quente', 'en': 'Mark as hot'},
            icon='local_fire_department',
            run=mark_hot,
            available=lambda lead: temperature_of(lead) != HOT,
        )
    )
    ext.add_filter(FieldFilter(TEMPERATURE.key))
    ext.add_page(
        PluginPage(
            '/x/temperaturas',
            {'pt-BR': 'Temperaturas', 'en': 'Temperatures'},
            build=temperature_page,
            icon='thermostat',
        )
    )
