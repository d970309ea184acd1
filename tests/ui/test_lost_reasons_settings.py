"""Ana keeps her organization's lost reasons on the Settings page; the won/lost prompt offers them as typed."""

from ui_helpers import add_lead, all_handled, board_of, dialog_opened, fire, shown, sign_in, until

from lovedcrm_ui.ui.pages.lost_reasons import LostReasonsEditor

DEFAULTS = ['Preço', 'Concorrente', 'Sem orçamento', 'Sem resposta', 'Momento errado']


def editor(user):  # type: ignore[no-untyped-def]
    found = [e for e in user.client.elements.values() if isinstance(e, LostReasonsEditor)]
    assert found, 'no lost reasons on this page'
    return found[0]


def typed(user):  # type: ignore[no-untyped-def]
    """The reasons in the page's inputs, top to bottom."""
    return [field.value for field in editor(user).inputs]


async def test_ana_adds_renames_and_removes_reasons_and_the_prompt_offers_them(create_user, app_ctx, person):
    ana = await person('Ana Souza')
    await add_lead(app_ctx, ana, 'Acme Ltda', stage='negociacao')
    ana_user = create_user()
    await sign_in(ana_user, ana)
    await ana_user.open('/settings')
    await ana_user.should_see(kind=LostReasonsEditor)
    await until(lambda: typed(ana_user) == DEFAULTS)

    ana_user.find(marker='lost-reason-new').type('Fechou com a matriz')
    ana_user.find(marker='lost-reason-add').click()
    fields = editor(ana_user).inputs
    with ana_user.client:  # type: ignore[union-attr]
        next(f for f in fields if f.value == 'Preço').value = 'Preço alto'  # renamed in place
    remove = next(
        button
        for button in ana_user.find(marker='lost-reason-remove').elements
        if 'Remover Concorrente' in button.props['aria-label']
    )
    async with all_handled():
        fire(remove, 'click')
    ana_user.find(marker='lost-reasons-save').click()
    await ana_user.should_see('Motivos de perda salvos.')
    expected = ['Preço alto', 'Sem orçamento', 'Sem resposta', 'Momento errado', 'Fechou com a matriz']
    assert typed(ana_user) == expected

    await ana_user.open('/pipeline')
    await board_of(ana_user).wait_loaded()
    board_of(ana_user).drag('Acme Ltda', 'fechado', 0)
    prompt = board_of(ana_user).board.outcome_dialog
    await dialog_opened(prompt)
    ana_user.find(marker='outcome-lost').click()
    await until(lambda: ana_user.find(marker='outcome-reasons').elements.pop().options == expected)


async def test_bad_reasons_get_a_visible_message_and_nothing_is_saved(create_user, person):
    ana = await person('Ana Souza')
    ana_user = create_user()
    await sign_in(ana_user, ana)
    await ana_user.open('/settings')
    await until(lambda: typed(ana_user) == DEFAULTS)
    fields = editor(ana_user).inputs
    cases = [
        ('', 'Um motivo não pode ficar em branco.'),
        ('x' * 61, 'Cada motivo pode ter até 60 caracteres.'),
        ('concorrente', 'Esse motivo já está na lista.'),
    ]
    first = next(f for f in fields if f.value == 'Preço')
    for value, message in cases:
        choose_value(ana_user, first, value)
        async with all_handled():
            ana_user.find(marker='lost-reasons-save').click()
        assert message in shown(ana_user, 'lost-reasons-status')
    await ana_user.open('/settings')
    await until(lambda: typed(ana_user) == DEFAULTS)  # nothing of it was saved


def choose_value(user, element, value):  # type: ignore[no-untyped-def]
    with user.client:
        element.value = value


async def test_members_read_the_reasons_but_cannot_change_them(create_user, person):
    ana = await person('Ana Souza')
    bruno = await person('Bruno Lima', team_of=ana)
    bruno_user = create_user()
    await sign_in(bruno_user, bruno)
    await bruno_user.open('/settings')
    await until(lambda: typed(bruno_user) == DEFAULTS)

    assert not any(field.enabled for field in bruno_user.find(marker='lost-reason').elements)
    await bruno_user.should_not_see(marker='lost-reasons-save')
    await bruno_user.should_not_see(marker='lost-reason-add')
