"""An empty board says how to start; a filter that hides everything says so and offers to clear it."""

from ui_helpers import add_lead, board_of, sign_in, until

from lovedcrm_ui.ui.board.dialogs import LeadDialog


def visible(user, marker: str) -> bool:  # type: ignore[no-untyped-def]
    """Whether the element with this marker and every element around it are shown."""
    found = [e for e in user.client.elements.values() if marker in e._markers]
    assert len(found) == 1, f'{len(found)} elements marked {marker}'
    element = found[0]
    while element is not None:
        if not element.visible:
            return False
        element = element.parent_slot.parent if element.parent_slot else None
    return True


async def test_an_empty_board_shows_how_to_start_and_goes_away_with_the_first_lead(create_user, app_ctx, person):
    ana = await person('Ana Souza')
    bruno = await person('Bruno Lima', team_of=ana)
    ana_user = create_user()
    await sign_in(ana_user, ana)
    board = board_of(ana_user)

    await ana_user.should_see('Seu pipeline está vazio')
    await ana_user.should_see('Crie o primeiro lead ou importe uma planilha (CSV).', retries=1)
    assert visible(ana_user, 'board-empty-new') and visible(ana_user, 'board-empty-import')
    assert visible(ana_user, 'board-new-lead')  # and the board's own "Novo lead", there whether empty or not
    assert not visible(ana_user, 'board-empty-filtered')

    ana_user.find(marker='board-empty-new').click()  # the big button opens the new-lead dialog
    dialog = next(e for e in ana_user.client.elements.values() if isinstance(e, LeadDialog))
    await until(lambda: dialog.value, 'the new-lead dialog opens')
    dialog.close()

    await add_lead(app_ctx, bruno, 'Acme Ltda')  # a teammate's first lead: the message goes, live
    await board.shows('lead', ['Acme Ltda'])
    await until(lambda: not visible(ana_user, 'board-empty-start'), 'the empty state hides')


async def test_filters_that_hide_every_lead_say_so_and_clear_in_one_click(create_user, app_ctx, person):
    ana = await person('Ana Souza')
    await add_lead(app_ctx, ana, 'Acme Ltda', source='site')
    ana_user = create_user()
    await sign_in(ana_user, ana)
    board = board_of(ana_user)
    await board.shows('lead', ['Acme Ltda'])
    assert not visible(ana_user, 'board-empty-filtered')

    board.board.filter_bar.text.value = 'nada-assim'
    await board.shows('lead', [])
    await until(lambda: visible(ana_user, 'board-empty-filtered'), '"no lead matches the filters"')
    await ana_user.should_see('Nenhum lead corresponde aos filtros.')
    assert not visible(ana_user, 'board-empty-start')  # not "your pipeline is empty": it is not

    ana_user.find(marker='board-empty-clear').click()
    await board.shows('lead', ['Acme Ltda'])
    await until(lambda: not visible(ana_user, 'board-empty-filtered'), 'the message goes with the filter')
    assert board.board.filter_bar.text.value == ''


async def test_a_viewer_of_an_empty_board_is_told_without_buttons_to_write(create_user, app_ctx, person):
    ana = await person('Ana Souza')
    carla = await person('Carla Dias', team_of=ana, role='viewer')
    carla_user = create_user()
    await sign_in(carla_user, carla)

    await carla_user.should_see('Ainda não há leads nesta organização.')
    assert not visible(carla_user, 'board-empty-new') and not visible(carla_user, 'board-empty-import')
    assert not visible(carla_user, 'board-new-lead')
