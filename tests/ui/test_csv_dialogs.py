"""The CSV import dialog and the export, as a person on the board uses them; teammates see the imported leads live.

The board's header buttons are wired by the board itself; here the dialog is opened the way those buttons do it:
``open_import_dialog(ctx, viewer)`` from within the board page.
"""

from collections.abc import Awaitable, Callable
from typing import Any

from nicegui import background_tasks, ui
from nicegui.testing import User
from ui_helpers import add_lead, board_of, sign_in, until

from lovedcrm_ui.services import lead_csv
from lovedcrm_ui.services.board import BoardFilter
from lovedcrm_ui.ui.board.board import PipelineBoard
from lovedcrm_ui.ui.board.csv_dialogs import CsvImportDialog, export_csv, open_import_dialog


def in_page(board: PipelineBoard, action: Callable[[], Awaitable[Any]]) -> Any:
    """Run what a header button's click would run, inside the board's page (a task, like a click handler)."""

    async def clicked() -> Any:
        with board:
            return await action()

    return background_tasks.create(clicked(), name='csv test click')


async def import_dialog(user: User) -> CsvImportDialog:
    """Wait until the user's page shows the import dialog."""
    assert user.client is not None
    client = user.client

    def shown() -> list[CsvImportDialog]:
        return [e for e in client.elements.values() if isinstance(e, CsvImportDialog) and e.value]

    # (a dialog is awaitable: ``until`` would await it if the condition returned it)
    await until(lambda: len(shown()) == 1, 'the import dialog opens')
    return shown()[0]


async def upload(dialog: CsvImportDialog, text: str, encoding: str = 'utf-8') -> None:
    """Choose a file in the dialog's upload element (what the browser sends when a file is picked)."""
    await dialog.upload.handle_uploads([ui.upload.SmallFileUpload('leads.csv', 'text/csv', text.encode(encoding))])


async def test_a_person_fixes_what_the_preview_shows_imports_and_teammates_see_the_leads(create_user, app_ctx, person):
    ana = await person('Ana Souza')
    bruno = await person('Bruno Lima', team_of=ana)
    ana_user, bruno_user = create_user(), create_user()
    await sign_in(bruno_user, bruno)
    await sign_in(ana_user, ana)
    board = board_of(ana_user).board
    opened = in_page(board, lambda: open_import_dialog(app_ctx, board.viewer))
    dialog = await import_dialog(ana_user)

    await upload(dialog, 'Nome;E-mail;Valor;Etapa\nAcme Ltda;compras@acme.com.br;R$ 1.234,56;Proposta\n'
                   'Beta SA;não é e-mail;10;lead\nGama ME;;dez reais;lead\n')  # fmt: skip
    await ana_user.should_see('Linha 3, coluna «E-mail»: E-mail inválido')
    await ana_user.should_see('Linha 4, coluna «Valor»: não é um valor (ex.: R$ 1.234,56)')
    await ana_user.should_see('2 problema(s) — corrija o arquivo ou o mapeamento das colunas:')
    assert not dialog.import_button.enabled

    with ana_user:
        dialog.selects['E-mail'].value = ''  # "Ignorar esta coluna": the e-mails are not needed after all
    await ana_user.should_not_see('Linha 3, coluna «E-mail»: E-mail inválido')
    await ana_user.should_see('Linha 4, coluna «Valor»: não é um valor (ex.: R$ 1.234,56)')
    assert not dialog.import_button.enabled

    await upload(
        dialog, 'Nome;Valor;Etapa\nAcme Ltda;R$ 1.234,56;Proposta\nBeta SA;10;lead\nGama ME;20;lead\n', 'latin-1'
    )
    await ana_user.should_see('Nenhum problema encontrado.')
    await until(lambda: dialog.import_button.enabled and dialog.import_button.text == 'Importar 3 leads')
    drawn: list[float] = []
    bar = dialog.progress
    bar.on_value_change(lambda e: drawn.append(e.value))

    ana_user.find(marker='csv-import').click()

    await ana_user.should_see('3 leads importados')
    assert await opened == 3
    assert drawn[-1] == 1.0  # the progress bar was driven to the end
    await until(lambda: dialog.is_deleted, 'the dialog closes')
    await board_of(ana_user).shows('lead', ['Beta SA', 'Gama ME'])
    await board_of(bruno_user).shows('lead', ['Beta SA', 'Gama ME'])
    await board_of(bruno_user).shows('proposta', ['Acme Ltda'])
    assert board_of(bruno_user).summary('proposta') == '1 lead · R$ 1.234,56'


async def test_refusals_of_the_whole_file_are_shown_and_nothing_is_imported(create_user, app_ctx, person):
    ana = await person('Ana Souza')
    ana_user = create_user()
    await sign_in(ana_user, ana)
    board = board_of(ana_user).board
    opened = in_page(board, lambda: open_import_dialog(app_ctx, board.viewer))
    dialog = await import_dialog(ana_user)

    await upload(dialog, '')
    await ana_user.should_see('O arquivo está vazio: a primeira linha precisa ser o cabeçalho.')
    await upload(dialog, 'Código;Cidade\n17;Recife\n')
    await ana_user.should_see('Escolha a coluna com o nome do lead.')
    assert not dialog.import_button.enabled
    with ana_user:
        dialog.selects['Cidade'].value = 'name'
    await until(lambda: dialog.import_button.text == 'Importar 1 lead' and dialog.import_button.enabled)

    ana_user.find(marker='csv-close').click()
    assert await opened == 0
    assert board_of(ana_user).names('lead') == []


async def test_viewers_get_the_read_only_notice_instead_of_the_dialog(create_user, app_ctx, person):
    ana = await person('Ana Souza')
    vera = await person('Vera Viewer', team_of=ana, role='viewer')
    vera_user = create_user()
    await sign_in(vera_user, vera)
    board = board_of(vera_user).board

    assert await in_page(board, lambda: open_import_dialog(app_ctx, board.viewer)) == 0
    await vera_user.should_see('Você tem acesso somente leitura.')


async def test_the_export_downloads_the_filtered_board_in_the_viewers_language(create_user, app_ctx, person):
    ana = await person('Ana Souza')
    await add_lead(app_ctx, ana, 'Acme Ltda', 'negociacao', '1234.5')
    await add_lead(app_ctx, ana, 'Beta SA', 'lead', '10')
    ana_user = create_user()
    await sign_in(ana_user, ana)
    board = board_of(ana_user).board

    await in_page(board, lambda: export_csv(app_ctx, board.viewer, BoardFilter(text='acme')))

    response = await ana_user.download.next()
    text = response.content.decode('utf-8')
    assert text.startswith('\ufeffNome;E-mail;Telefone;Origem;Valor;Etapa;')
    assert text.splitlines()[1].startswith('Acme Ltda;;;web;1234,50;Negociação;')
    assert len(text.splitlines()) == 2


async def test_a_big_import_ends_right_on_a_teammates_open_board(create_user, app_ctx, person):
    ana = await person('Ana Souza')
    bruno = await person('Bruno Lima', team_of=ana)
    await add_lead(app_ctx, ana, 'Já no quadro', 'lead', '5')
    bruno_user = create_user()
    await sign_in(bruno_user, bruno)
    sheet = 'nome;valor\n' + ''.join(f'Empresa {i:04d};10\n' for i in range(1500))

    # Ana imports through the API (an integration, or her own board on another server): 1,500 events at once
    caller = ana.caller()
    async with app_ctx.db.session(read_only=True, organization_id=ana.organization_id) as session:
        plan = await lead_csv.prepare_import(session, caller=caller, data=sheet.encode(), max_bytes=10_000_000)
    async with app_ctx.db.session(organization_id=ana.organization_id) as session:
        await lead_csv.write_import(session, caller=caller, plan=plan)

    view = board_of(bruno_user)
    await until(lambda: view.summary('lead') == '1501 leads · R$ 15.005,00', 'the column counts every lead')
    first = [f'Empresa {i:04d}' for i in range(50)]
    await until(lambda: view.names('lead')[:50] == first, 'the top of the column is the file, in order')
