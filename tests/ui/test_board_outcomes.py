"""Won or lost: Ana closes a deal on the board, says how it ended, and Bruno's board shows it at once."""

from test_dialog_conflicts import open_dialog
from ui_helpers import (
    add_lead,
    all_handled,
    board_of,
    choose,
    dialog_closed,
    dialog_opened,
    fire,
    new_lead_dialog,
    sign_in,
    the,
    until,
)
from waiting import eventually

from lovedcrm_ui.services import leads
from models.lead import LeadUpdate
from models.types import LeadOutcome


def badge_of(user, name):  # type: ignore[no-untyped-def]
    """What the card says about its outcome (its badge's text), or '' without a badge."""
    card = board_of(user).card(name)
    content = str(card.content)
    if 'lead-outcome' not in content:
        return ''
    return content.split('lead-outcome', 1)[1].split('>', 1)[1].split('</span>', 1)[0]


async def shows_badge(user, name, text):  # type: ignore[no-untyped-def]
    def check() -> None:
        assert badge_of(user, name) == text, f'{name} shows {badge_of(user, name)!r}, not {text!r}'
        if text:  # a screen reader hears it too
            assert text in board_of(user).card(name).props['aria-label']

    await eventually(check)


async def test_ana_marks_a_closed_deal_lost_and_bruno_sees_it_then_she_reopens_it(create_user, app_ctx, person):
    ana = await person('Ana Souza')
    bruno = await person('Bruno Lima', team_of=ana)
    await add_lead(app_ctx, ana, 'Acme Ltda', stage='negociacao', value='5000')
    ana_user, bruno_user = create_user(), create_user()
    await sign_in(ana_user, ana)
    await sign_in(bruno_user, bruno)

    board_of(ana_user).drag('Acme Ltda', 'fechado', 0)

    prompt = board_of(ana_user).board.outcome_dialog
    await dialog_opened(prompt)  # the move happened first: Bruno already sees the card closed, outcome unknown
    await board_of(bruno_user).shows('fechado', ['Acme Ltda'])
    await shows_badge(bruno_user, 'Acme Ltda', 'Sem resultado')
    ana_user.find(marker='outcome-lost').click()
    choose(ana_user, 'outcome-reasons', 'Preço')
    ana_user.find(marker='outcome-reason-text').type('acima do teto')
    ana_user.find(marker='outcome-save-lost').click()

    await dialog_closed(prompt)
    await shows_badge(bruno_user, 'Acme Ltda', 'Perdido · Preço — acima do teto')
    await shows_badge(ana_user, 'Acme Ltda', 'Perdido · Preço — acima do teto')
    assert board_of(bruno_user).summary('fechado') == '1 lead · R$ 5.000,00'  # the column's totals as before

    board_of(ana_user).drag('Acme Ltda', 'negociacao', 0)  # reopened

    await board_of(bruno_user).shows('negociacao', ['Acme Ltda'])
    await shows_badge(bruno_user, 'Acme Ltda', '')
    await shows_badge(ana_user, 'Acme Ltda', '')
    assert not prompt.value  # no prompt when leaving Fechado


async def test_closing_the_prompt_leaves_no_outcome_and_the_card_menu_sets_it_later(create_user, app_ctx, person):
    ana = await person('Ana Souza')
    await add_lead(app_ctx, ana, 'Beta SA', stage='proposta')
    ana_user = create_user()
    await sign_in(ana_user, ana)
    board = board_of(ana_user)

    board.press('Beta SA', 'right')  # the keyboard path: Alt+→, Proposta → Negociação
    await board.shows('negociacao', ['Beta SA'])
    board.press('Beta SA', 'right')  # Negociação → Fechado
    await dialog_opened(board.board.outcome_dialog)
    ana_user.find(marker='outcome-later').click()
    await dialog_closed(board.board.outcome_dialog)
    await shows_badge(ana_user, 'Beta SA', 'Sem resultado')

    board.press('Beta SA', 'menu')
    await dialog_opened(board.board.move_dialog)
    ana_user.find(marker='move-outcome').click()
    await dialog_opened(board.board.outcome_dialog)
    ana_user.find(marker='outcome-won').click()

    await shows_badge(ana_user, 'Beta SA', 'Ganho')


async def test_a_stale_prompt_says_a_teammate_answered_first_and_the_next_answer_counts(create_user, app_ctx, person):
    ana = await person('Ana Souza')
    bruno = await person('Bruno Lima', team_of=ana)
    lead = await add_lead(app_ctx, ana, 'Gama ME', stage='negociacao')
    ana_user = create_user()
    await sign_in(ana_user, ana)
    board = board_of(ana_user)
    board.drag('Gama ME', 'fechado', 0)
    prompt = board.board.outcome_dialog
    await dialog_opened(prompt)

    async with app_ctx.db.session(organization_id=ana.organization_id) as session:  # Bruno, elsewhere, says won
        current = await leads.get_lead(session, organization_id=ana.organization_id, lead_id=lead.id)
        await leads.update_lead(
            session,
            caller=bruno.caller(),
            lead_id=lead.id,
            changes=LeadUpdate(outcome=LeadOutcome.WON, expected_version=current.version),
        )
    await shows_badge(ana_user, 'Gama ME', 'Ganho')
    async with all_handled():
        ana_user.find(marker='outcome-lost').click()
        choose(ana_user, 'outcome-reasons', 'Concorrente')
        ana_user.find(marker='outcome-save-lost').click()

    assert prompt.value  # still open, saying why
    assert 'Outra pessoa alterou Gama ME' in the(ana_user, 'outcome-message').text
    assert badge_of(ana_user, 'Gama ME') == 'Ganho'  # Bruno's answer was not overwritten unseen
    ana_user.find(marker='outcome-save-lost').click()  # she saw it, and answers again

    await dialog_closed(prompt)
    await shows_badge(ana_user, 'Gama ME', 'Perdido · Concorrente')


async def test_the_lead_dialog_sets_the_outcome_and_a_stale_one_shows_the_teammates_answer(
    create_user, app_ctx, person
):
    ana = await person('Ana Souza')
    bruno = await person('Bruno Lima', team_of=ana)
    await add_lead(app_ctx, ana, 'Delta Ltda', stage='proposta')
    ana_user, bruno_user = create_user(), create_user()
    await sign_in(ana_user, ana)
    await sign_in(bruno_user, bruno)

    ana_dialog = await open_dialog(ana_user, 'Delta Ltda')
    assert not ana_dialog.outcome_fields.visible  # no outcome for an open deal
    choose(ana_user, 'lead-outcome', 'won')  # hidden while not closed: the value waits for the stage
    ana_dialog.stage.value = 'fechado'  # closed and won in one save
    assert ana_dialog.outcome_fields.visible and not ana_dialog.outcome_fields.reason.visible
    fire(ana_dialog.save_button, 'click')
    await dialog_closed(ana_dialog)
    await shows_badge(bruno_user, 'Delta Ltda', 'Ganho')

    ana_dialog = await open_dialog(ana_user, 'Delta Ltda')  # Ana's dialog shows it won …
    bruno_dialog = await open_dialog(bruno_user, 'Delta Ltda')  # … while Bruno marks it lost
    bruno_dialog.outcome_fields.outcome.value = 'lost'
    bruno_dialog.outcome_fields.reason.value = 'Sem orçamento'
    fire(bruno_dialog.save_button, 'click')
    await dialog_closed(bruno_dialog)
    await shows_badge(ana_user, 'Delta Ltda', 'Perdido · Sem orçamento')

    ana_dialog.outcome_fields.outcome.value = ''  # Ana, on her stale dialog, clears it
    fire(ana_dialog.save_button, 'click')
    await until(lambda: the(ana_user, 'lead-conflict').visible)
    changes = [e.text for e in ana_user.client.elements.values() if 'lead-conflict-change' in e._markers]
    assert changes == ['Resultado: agora Perdido · você: —', 'Motivo da perda: agora Sem orçamento']
    await shows_badge(bruno_user, 'Delta Ltda', 'Perdido · Sem orçamento')  # nothing saved over it unseen


async def test_a_new_lead_added_in_fechado_gets_no_outcome_field_and_no_prompt(create_user, person):
    ana = await person('Ana Souza')
    ana_user = create_user()
    await sign_in(ana_user, ana)

    dialog = await new_lead_dialog(ana_user, 'fechado')

    assert not dialog.outcome_fields.visible  # said once the deal is closed, not when it is typed in
    dialog.name.value = 'Épsilon'
    fire(dialog.save_button, 'click')
    await dialog_closed(dialog)
    await board_of(ana_user).shows('fechado', ['Épsilon'])
    await shows_badge(ana_user, 'Épsilon', 'Sem resultado')
    assert not board_of(ana_user).board.outcome_dialog.value
