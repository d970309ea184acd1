"""Undo on the board: "Desfazer" after a move, a save or a delete — for everyone, never over a teammate's change."""

from datetime import timedelta
from decimal import Decimal

from ui_helpers import add_lead, all_handled, board_of, dialog_closed, dialog_opened, fire, sign_in, until

from lovedcrm_ui.services import activities, moves
from lovedcrm_ui.ui.board.undo import UndoBar
from lovedcrm_ui.ui.my_activities import MyActivities
from models import PipelineStage, utcnow
from models.activity import ActivityCreate, ActivityKind


def undo_bar(user) -> UndoBar:  # type: ignore[no-untyped-def]
    return board_of(user).board.undo.bar


async def offered(user, text: str) -> UndoBar:  # type: ignore[no-untyped-def]
    """Wait until the user's board offers "Desfazer" next to ``text``."""
    bar = undo_bar(user)
    await until(lambda: bar.visible and text in bar.message.text, f'the undo bar says {text!r}')
    assert bar.button.text == 'Desfazer'
    return bar


async def test_ana_undoes_a_drag_and_the_card_is_back_in_its_place_for_everyone(create_user, app_ctx, person):
    ana = await person('Ana Souza')
    bruno = await person('Bruno Lima', team_of=ana)
    for name in ('C', 'B', 'A'):  # new leads go on top: the column reads A, B, C
        await add_lead(app_ctx, ana, name)
    ana_user, bruno_user = create_user(), create_user()
    await sign_in(ana_user, ana)
    await sign_in(bruno_user, bruno)
    ana_board, bruno_board = board_of(ana_user), board_of(bruno_user)

    ana_board.drag('B', 'proposta', 0)
    await bruno_board.shows('proposta', ['B'])
    await offered(ana_user, 'B movido para Proposta')
    assert not undo_bar(bruno_user).visible  # the offer is Ana's alone

    ana_user.find(marker='undo-button').click()

    await bruno_board.shows('lead', ['A', 'B', 'C'])
    await ana_board.shows('lead', ['A', 'B', 'C'])
    assert ana_board.names('proposta') == bruno_board.names('proposta') == []
    await ana_user.should_see('B: desfeito.')
    assert not undo_bar(ana_user).visible  # one press undoes once


def keys(user, key: str, *, action: str = 'keydown', repeat: bool = False, **held: bool) -> None:  # type: ignore[no-untyped-def]
    """A key pressed on the board page, as NiceGUI's keyboard listener reports it (``ctrl=True``, ``meta=True``…)."""
    modifiers = {f'{name}Key': held.get(name, False) for name in ('alt', 'ctrl', 'meta', 'shift')}
    args = {'action': action, 'repeat': repeat, 'key': key, 'code': f'Key{key.upper()}', 'location': 0, **modifiers}
    fire(undo_bar(user).keys, 'key', args)


async def test_ana_undoes_a_keyboard_reorder_with_ctrl_z(create_user, app_ctx, person):
    ana = await person('Ana Souza')
    for name in ('C', 'B', 'A'):
        await add_lead(app_ctx, ana, name)
    ana_user = create_user()
    await sign_in(ana_user, ana)
    ana_board = board_of(ana_user)

    ana_board.press('A', 'down')
    await ana_board.shows('lead', ['B', 'A', 'C'])
    bar = await offered(ana_user, 'A movido para Lead, posição 2')
    # not an undo: a plain z, Ctrl+Shift+Z (redo elsewhere), Alt+Ctrl+Z, a held key's repeat, a key's release
    async with all_handled():
        for key, extra in (
            ('z', {}),
            ('Z', {'ctrl': True, 'shift': True}),
            ('z', {'ctrl': True, 'alt': True}),
            ('z', {'ctrl': True, 'repeat': True}),
            ('z', {'ctrl': True, 'action': 'keyup'}),
            ('y', {'ctrl': True}),
        ):
            keys(ana_user, key, **extra)
    assert bar.offered and ana_board.names('lead') == ['B', 'A', 'C']

    keys(ana_user, 'z', ctrl=True)  # the keyboard path all the way: Alt+↓, then Ctrl+Z

    await ana_board.shows('lead', ['A', 'B', 'C'])
    await ana_user.should_see('A: desfeito.')
    assert not bar.offered
    async with all_handled():
        keys(ana_user, 'z', meta=True)  # ⌘Z with nothing offered does nothing
    assert ana_board.names('lead') == ['A', 'B', 'C']

    ana_board.press('A', 'down')
    await offered(ana_user, 'A movido para Lead, posição 2')
    dialog = ana_board.board.lead_dialog
    ana_board.press('C', 'open')  # Enter on another card: its dialog is open
    await dialog_opened(dialog)
    async with all_handled():
        keys(ana_user, 'z', ctrl=True)  # a key pressed in the dialog is about the dialog, not the board behind it
    assert bar.offered and ana_board.names('lead') == ['B', 'A', 'C']
    dialog.close()
    await dialog_closed(dialog)

    keys(ana_user, 'z', meta=True)  # ⌘Z on a Mac
    await ana_board.shows('lead', ['A', 'B', 'C'])


async def test_bruno_moved_it_first_so_anas_undo_explains_and_changes_nothing(create_user, app_ctx, person):
    ana = await person('Ana Souza')
    bruno = await person('Bruno Lima', team_of=ana)
    lead = await add_lead(app_ctx, ana, 'Acme Ltda')
    ana_user, bruno_user = create_user(), create_user()
    await sign_in(ana_user, ana)
    await sign_in(bruno_user, bruno)
    ana_board, bruno_board = board_of(ana_user), board_of(bruno_user)

    ana_board.press('Acme Ltda', 'right')
    await offered(ana_user, 'Acme Ltda movido para Contato')
    async with app_ctx.db.session(cross_org=True) as session:
        await moves.move_lead(session, caller=bruno.caller(), lead_id=lead.id, stage=PipelineStage.PROPOSTA)
    await ana_board.shows('proposta', ['Acme Ltda'])

    ana_user.find(marker='undo-button').click()

    await ana_user.should_see('Bruno Lima alterou este lead depois; nada foi desfeito.')
    assert ana_board.names('proposta') == bruno_board.names('proposta') == ['Acme Ltda']
    assert ana_board.names('lead') == bruno_board.names('lead') == []
    assert ana_board.card('Acme Ltda').version == 3  # nothing was written


async def test_ana_undoes_a_save_and_only_the_fields_she_changed_go_back(create_user, app_ctx, person):
    ana = await person('Ana Souza')
    bruno = await person('Bruno Lima', team_of=ana)
    await add_lead(app_ctx, ana, 'Acme Ltda', value='500', tags=['vip'], notes='Ligar em maio')
    ana_user, bruno_user = create_user(), create_user()
    await sign_in(ana_user, ana)
    await sign_in(bruno_user, bruno)
    ana_board, bruno_board = board_of(ana_user), board_of(bruno_user)
    dialog = ana_board.board.lead_dialog

    ana_board.click('Acme Ltda')
    await dialog_opened(dialog)
    dialog.name.value = 'Acme Brasil'
    dialog.amount.value = '1.000'
    dialog.stage.value = 'proposta'
    fire(dialog.save_button, 'click')
    await dialog_closed(dialog)
    await bruno_board.shows('proposta', ['Acme Brasil'])
    await offered(ana_user, 'Acme Brasil salvo.')

    ana_user.find(marker='undo-button').click()

    await bruno_board.shows('lead', ['Acme Ltda'])
    await ana_board.shows('lead', ['Acme Ltda'])
    lead = bruno_board.card('Acme Ltda').lead
    assert (Decimal(str(lead['estimated_value'])), lead['tags'], lead['notes']) == (
        Decimal(500),
        ['vip'],
        'Ligar em maio',
    )
    assert bruno_board.summary('lead') == '1 lead · R$ 500,00'
    assert bruno_board.summary('proposta') == '0 leads · R$ 0,00'


async def test_ana_undoes_a_delete_and_bruno_sees_the_card_again(create_user, app_ctx, person):
    ana = await person('Ana Souza')
    bruno = await person('Bruno Lima', team_of=ana)
    lead = await add_lead(app_ctx, ana, 'Acme Ltda', stage='negociacao', value='750')
    ana_user, bruno_user = create_user(), create_user()
    await sign_in(ana_user, ana)
    await sign_in(bruno_user, bruno)
    ana_board, bruno_board = board_of(ana_user), board_of(bruno_user)
    dialog = ana_board.board.lead_dialog

    ana_board.click('Acme Ltda')
    await dialog_opened(dialog)
    fire(dialog.delete_button, 'click')
    await dialog_opened(dialog.confirm)
    dialog.confirm.submit(True)
    await bruno_board.shows('negociacao', [])
    await offered(ana_user, 'Acme Ltda excluído.')

    ana_user.find(marker='undo-button').click()

    await bruno_board.shows('negociacao', ['Acme Ltda'])
    await ana_board.shows('negociacao', ['Acme Ltda'])
    assert bruno_board.card('Acme Ltda').lead_id == lead.id  # the same lead: its history continues
    assert bruno_board.summary('negociacao') == '1 lead · R$ 750,00'


async def test_undoing_a_delete_brings_the_next_steps_back_to_the_card_and_to_brunos_list(create_user, app_ctx, person):  # type: ignore[no-untyped-def]
    ana = await person('Ana Souza')
    bruno = await person('Bruno Lima', team_of=ana)
    lead = await add_lead(app_ctx, ana, 'Acme Ltda', stage='proposta')
    call = ActivityCreate(
        kind=ActivityKind.CALL,
        title='Confirmar proposta',
        due_at=utcnow() + timedelta(days=3),
        assignee_user_id=bruno.user_id,
    )
    async with app_ctx.db.session(organization_id=ana.organization_id) as session:
        await activities.add_activity(session, caller=ana.caller(), lead_id=lead.id, data=call)
    ana_user, bruno_user = create_user(), create_user()
    await sign_in(ana_user, ana)
    await sign_in(bruno_user, bruno)
    await bruno_user.open('/activities')
    await bruno_user.should_see('Confirmar proposta')
    mine = next(e for e in bruno_user.client.elements.values() if isinstance(e, MyActivities))
    ana_board = board_of(ana_user)
    dialog = ana_board.board.lead_dialog
    assert 'Confirmar proposta' in str(ana_board.card('Acme Ltda').props['aria-label'])

    ana_board.click('Acme Ltda')
    await dialog_opened(dialog)
    fire(dialog.delete_button, 'click')
    await dialog_opened(dialog.confirm)
    dialog.confirm.submit(True)
    await until(lambda: mine.items == [], "the call leaves Bruno's list with the lead")
    await offered(ana_user, 'Acme Ltda excluído.')

    ana_user.find(marker='undo-button').click()

    await ana_board.shows('proposta', ['Acme Ltda'])
    await until(lambda: 'Confirmar proposta' in str(ana_board.card('Acme Ltda').props['aria-label']), 'the next step')
    await until(lambda: [a.title for a in mine.items] == ['Confirmar proposta'], "back in Bruno's list, live")
    assert mine.items[0].assignee_user_id == bruno.user_id


async def test_undo_of_a_delete_is_refused_when_bruno_restored_and_deleted_it_again(create_user, app_ctx, person):
    from lovedcrm_ui.services import leads, undo

    ana = await person('Ana Souza')
    bruno = await person('Bruno Lima', team_of=ana)
    lead = await add_lead(app_ctx, ana, 'Acme Ltda')
    ana_user = create_user()
    await sign_in(ana_user, ana)
    ana_board = board_of(ana_user)
    dialog = ana_board.board.lead_dialog
    ana_board.click('Acme Ltda')
    await dialog_opened(dialog)
    fire(dialog.delete_button, 'click')
    await dialog_opened(dialog.confirm)
    dialog.confirm.submit(True)
    await offered(ana_user, 'Acme Ltda excluído.')
    async with app_ctx.db.session(cross_org=True) as session:
        await undo.restore_lead(session, caller=bruno.caller(), lead_id=lead.id)
    async with app_ctx.db.session(cross_org=True) as session:
        await leads.delete_lead(session, caller=bruno.caller(), lead_id=lead.id)

    ana_user.find(marker='undo-button').click()

    await ana_user.should_see('Bruno Lima excluiu este lead depois; nada foi desfeito.')
    assert ana_board.names('lead') == []


async def test_a_viewer_never_gets_an_undo(create_user, app_ctx, person):
    ana = await person('Ana Souza')
    vera = await person('Vera Reis', team_of=ana, role='viewer')
    await add_lead(app_ctx, ana, 'Acme Ltda')
    ana_user, vera_user = create_user(), create_user()
    await sign_in(ana_user, ana)
    await sign_in(vera_user, vera)
    vera_board = board_of(vera_user)

    board_of(ana_user).press('Acme Ltda', 'right')
    await vera_board.shows('contato', ['Acme Ltda'])
    async with all_handled():
        vera_board.drag('Acme Ltda', 'fechado', 0)  # a forged drop: refused by the service
    await vera_board.announced('Não foi possível mover Acme Ltda')

    assert not undo_bar(vera_user).visible
    assert not undo_bar(vera_user).offered
