"""The example plugin (examples/temperature.py) loaded through PLUGINS, used by two teammates and a viewer.

Its field, card chip, card action, filter and page go through the product's own paths: what one person does reaches
the other's board live, a stale action is refused, the filter agrees with live events, the page follows changes.
"""

import pytest
from nicegui.testing import User
from ui_helpers import (
    add_lead,
    all_handled,
    board_of,
    dialog_closed,
    dialog_opened,
    fire,
    new_lead_dialog,
    sign_in,
    the,
    until,
)

from lovedcrm_ui.config import Settings
from lovedcrm_ui.services import leads
from models.lead import LeadUpdate


@pytest.fixture
def ui_env(ui_env: Settings, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """main.py with the example plugin."""
    monkeypatch.setenv('PLUGINS', 'examples.temperature')
    return ui_env


def chips(board, name: str) -> str:  # type: ignore[no-untyped-def]
    """The chips part of a card's HTML."""
    content = board.card(name).content
    return content[content.index('<div class="lead-tags">') : content.index('<div class="lead-foot">')]


def action_buttons(board) -> list[str]:  # type: ignore[no-untyped-def]
    """The card actions the open card menu offers (their labels)."""
    dialog = board.board.move_dialog
    if not dialog.action_part.visible:
        return []
    return [button.text for button in dialog.action_buttons.descendants() if hasattr(button, 'text') and button.text]


async def test_field_chip_action_and_filter_reach_the_teammate_live(create_user, app_ctx, person):
    ana = await person('Ana Souza')
    bruno = await person('Bruno Lima', team_of=ana)
    ana_user, bruno_user = create_user(), create_user()
    await sign_in(ana_user, ana)
    await sign_in(bruno_user, bruno)
    ana_board, bruno_board = board_of(ana_user), board_of(bruno_user)

    # Ana creates a lead with a temperature in the dialog: Bruno's card shows the chip in its colour
    dialog = await new_lead_dialog(ana_user, 'contato')
    assert set(dialog.custom) == {'temperature'}
    dialog.name.value = 'Padaria Pão Quente'
    dialog.custom['temperature'].value = 'morna'
    fire(dialog.save_button, 'click')
    await dialog_closed(dialog)
    await bruno_board.shows('contato', ['Padaria Pão Quente'])
    assert 'lead-chip tone-amber">Morna<' in chips(bruno_board, 'Padaria Pão Quente')
    spoken = bruno_board.card('Padaria Pão Quente').props['aria-label']
    assert spoken.startswith('Padaria Pão Quente, Contato, —, Morna.')

    # Bruno opens the card's menu (M) and marks it hot: Ana sees the chip turn red, and the action is gone
    bruno_board.press('Padaria Pão Quente', 'menu')
    await dialog_opened(bruno_board.board.move_dialog)
    assert action_buttons(bruno_board) == ['Marcar como quente']
    fire(the(bruno_user, 'card-action-mark_hot'), 'click')
    await until(lambda: 'tone-red">Quente<' in chips(ana_board, 'Padaria Pão Quente'), 'Ana sees it hot')
    async with app_ctx.db.session(cross_org=True) as session:
        stored = await leads.get_lead(
            session, organization_id=ana.organization_id, lead_id=ana_board.card('Padaria Pão Quente').lead_id
        )
    assert stored.custom_fields == {'temperature': 'quente'}
    assert stored.version == 2  # one versioned write
    ana_board.press('Padaria Pão Quente', 'menu')
    await dialog_opened(ana_board.board.move_dialog)
    assert action_buttons(ana_board) == []  # already hot: not offered
    ana_board.board.move_dialog.close()

    # Ana filters on "Quente": only hot leads; a lead Bruno marks hot arrives live, counts follow
    await add_lead(app_ctx, bruno, 'Oficina Fria', stage='contato', value='500', custom_fields={'temperature': 'fria'})
    await ana_board.shows('contato', ['Oficina Fria', 'Padaria Pão Quente'])
    with ana_user.client:
        ana_board.board.filter_bar.fields['temperature'].value = 'quente'
    await ana_board.shows('contato', ['Padaria Pão Quente'])
    assert ana_board.summary('contato').startswith('1 lead')
    bruno_board.press('Oficina Fria', 'menu')
    await dialog_opened(bruno_board.board.move_dialog)
    fire(the(bruno_user, 'card-action-mark_hot'), 'click')
    await ana_board.shows('contato', ['Oficina Fria', 'Padaria Pão Quente'])
    assert ana_board.summary('contato') == '2 leads · R$ 500,00'
    # "not set" is a choice too
    with ana_user.client:
        ana_board.board.filter_bar.fields['temperature'].value = '-'
    await ana_board.shows('contato', [])


async def test_a_stale_card_action_is_refused_and_a_stale_dialog_lists_the_field(create_user, app_ctx, person):
    ana = await person('Ana Souza')
    bruno = await person('Bruno Lima', team_of=ana)
    lead = await add_lead(app_ctx, ana, 'Mercado Central', custom_fields={'temperature': 'fria'})
    ana_user = create_user()
    await sign_in(ana_user, ana)
    ana_board = board_of(ana_user)

    # Ana's dialog is open on the lead while Bruno sets it to warm; her save of another field lists his change
    ana_board.click('Mercado Central')
    dialog = ana_board.board.lead_dialog
    await dialog_opened(dialog)
    assert dialog.custom['temperature'].value == 'fria'
    async with app_ctx.db.session(cross_org=True) as session:
        await leads.update_lead(
            session,
            caller=bruno.caller(),
            lead_id=lead.id,
            changes=LeadUpdate(custom_fields={'temperature': 'morna'}, expected_version=1),
        )
    dialog.phone.value = '11 99999-0000'
    fire(dialog.save_button, 'click')
    await until(lambda: dialog.conflict.visible, 'the conflict is shown')
    changes = [label.text for label in dialog.conflict_changes.descendants() if hasattr(label, 'text')]
    assert 'Temperatura: agora Morna' in ' '.join(changes)
    fire(the(ana_user, 'lead-conflict-overwrite'), 'click')  # keeps her phone, does not touch his temperature
    await dialog_closed(dialog)
    async with app_ctx.db.session(cross_org=True) as session:
        stored = await leads.get_lead(session, organization_id=ana.organization_id, lead_id=lead.id)
    assert stored.custom_fields == {'temperature': 'morna'} and stored.phone == '11 99999-0000'

    # the card action carries the version the card showed: a write in between (not yet drawn) is refused
    card = ana_board.card('Mercado Central')
    card.lead = {**card.lead, 'version': 1}  # as if Ana's board had not yet received the last events
    ana_board.press('Mercado Central', 'menu')
    await dialog_opened(ana_board.board.move_dialog)
    async with all_handled():
        fire(the(ana_user, 'card-action-mark_hot'), 'click')
    async with app_ctx.db.session(cross_org=True) as session:
        stored = await leads.get_lead(session, organization_id=ana.organization_id, lead_id=lead.id)
    assert stored.custom_fields == {'temperature': 'morna'}  # nothing overwritten


async def test_a_viewer_sees_the_chip_but_not_the_action(create_user, app_ctx, person):
    ana = await person('Ana Souza')
    vera = await person('Vera Dias', team_of=ana, role='viewer')
    await add_lead(app_ctx, ana, 'Loja Azul', custom_fields={'temperature': 'quente'})
    vera_user = create_user()
    await sign_in(vera_user, vera)
    board = board_of(vera_user)
    assert 'tone-red">Quente<' in chips(board, 'Loja Azul')
    async with all_handled():
        board.press('Loja Azul', 'menu')
    assert not board.board.move_dialog.value  # nothing to offer a viewer: the read-only notice instead
    await vera_user.should_see('Você tem acesso somente leitura.')


async def test_the_plugin_page_counts_live_and_is_in_the_navigation(create_user, app_ctx, person):
    ana = await person('Ana Souza')
    await add_lead(app_ctx, ana, 'Loja Azul', value='1000', custom_fields={'temperature': 'quente'})
    ana_user: User = create_user()
    await sign_in(ana_user, ana)
    await ana_user.should_see('Temperaturas')  # the header link
    await ana_user.open('/x/temperaturas')
    table = the(ana_user, 'temperature-table')
    await until(lambda: table.rows and table.rows[0] == {'temperature': 'Quente', 'leads': 1, 'value': '1000.00'})
    await add_lead(app_ctx, ana, 'Loja Verde', value='250', custom_fields={'temperature': 'quente'})
    await until(lambda: table.rows[0] == {'temperature': 'Quente', 'leads': 2, 'value': '1250.00'}, 'the page follows')
    assert table.rows[-1] == {'temperature': 'Sem temperatura', 'leads': 0, 'value': '0.00'}


async def test_the_plugin_page_needs_a_signed_in_person(user: User):
    await user.open('/x/temperaturas')
    await user.should_see('Entrar')
