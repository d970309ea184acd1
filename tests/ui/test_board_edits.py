"""Creating, editing, starring and deleting leads on the board; every teammate sees it."""

from ui_helpers import (
    add_lead,
    all_handled,
    board_of,
    dialog_closed,
    dialog_opened,
    fire,
    new_lead_dialog,
    sign_in,
    until,
)


async def test_quick_add_then_edit_star_and_delete_propagate(create_user, app_ctx, person):
    ana = await person('Ana Souza')
    bruno = await person('Bruno Lima', team_of=ana)
    ana_user, bruno_user = create_user(), create_user()
    await sign_in(ana_user, ana)
    await sign_in(bruno_user, bruno)
    ana_board, bruno_board = board_of(ana_user), board_of(bruno_user)
    dialog = ana_board.board.lead_dialog

    fire(ana_board.board.columns['proposta'].add_button, 'click')
    await dialog_opened(dialog)
    dialog.name.value = 'Acme Ltda'
    dialog.amount.value = '12.345,67'
    dialog.email.value = 'contato@acme.com.br'
    dialog.tags.value = ['b2b']
    fire(dialog.save_button, 'click')
    await dialog_closed(dialog)
    await bruno_board.shows('proposta', ['Acme Ltda'])
    assert bruno_board.summary('proposta') == '1 lead · R$ 12.345,67'

    ana_board.click('Acme Ltda')
    await dialog_opened(dialog)
    dialog.name.value = 'Acme Brasil'
    dialog.amount.value = '1000'
    fire(dialog.save_button, 'click')
    await dialog_closed(dialog)
    await bruno_board.shows('proposta', ['Acme Brasil'])
    assert bruno_board.summary('proposta') == '1 lead · R$ 1.000,00'

    ana_board.click('Acme Brasil', on_star=True)
    await until(lambda: 'aria-pressed="true">star</i>' in bruno_board.card('Acme Brasil').content)

    ana_board.click('Acme Brasil')
    await dialog_opened(dialog)
    fire(dialog.delete_button, 'click')
    await dialog_opened(dialog.confirm)
    dialog.confirm.submit(True)
    await bruno_board.shows('proposta', [])
    assert bruno_board.summary('proposta') == '0 leads · R$ 0,00'


async def test_dialog_refuses_bad_input_with_visible_messages(create_user, app_ctx, person):
    ana = await person('Ana Souza')
    ana_user = create_user()
    await sign_in(ana_user, ana)
    board = board_of(ana_user)
    dialog = await new_lead_dialog(ana_user)

    dialog.name.value = '   '
    dialog.email.value = 'not-an-email'
    dialog.amount.value = '-5'
    async with all_handled():
        fire(dialog.save_button, 'click')

    assert dialog.value  # still open
    assert dialog.name.error == 'Obrigatório'
    assert dialog.email.error == 'E-mail inválido'
    assert dialog.amount.error == 'O valor não pode ser negativo'
    dialog.amount.value = '1.234'  # Brazilian thousands separator
    dialog.amount.validate()
    assert dialog.amount.error is None
    dialog.amount.value = '12,345'
    assert not dialog.amount.validate()
    assert dialog.amount.error == 'Valor inválido (ex.: 1.234,56)'
    assert board.names('lead') == []


async def test_lead_names_with_html_are_text(create_user, app_ctx, person):
    ana = await person('Ana Souza')
    await add_lead(app_ctx, ana, '<img src=x onerror=alert(1)><b>Bold</b>')
    ana_user = create_user()
    await sign_in(ana_user, ana)
    card = board_of(ana_user).card('<img src=x onerror=alert(1)><b>Bold</b>')
    assert '<img' not in card.content
    assert '&lt;img src=x onerror=alert(1)&gt;&lt;b&gt;Bold&lt;/b&gt;' in card.content


async def test_a_card_costs_one_element_and_no_listeners(create_user, app_ctx, person):
    ana = await person('Ana Souza')
    await add_lead(app_ctx, ana, 'Acme Ltda')
    ana_user = create_user()
    await sign_in(ana_user, ana)
    card = board_of(ana_user).card('Acme Ltda')
    assert list(card.descendants()) == []  # name, star and everything else are its escaped HTML
    assert card._event_listeners == {}  # clicks and keys are heard once for the whole board
