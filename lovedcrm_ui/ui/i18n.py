"""Every UI string, in pt-BR (default) and English, behind one translation function."""

from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .catalog_account import ACCOUNT_CATALOG
from .catalog_activities import ACTIVITIES_CATALOG
from .catalog_cards import CARDS_CATALOG
from .catalog_csv import CSV_CATALOG
from .catalog_forecast import FORECAST_CATALOG
from .catalog_insights import INSIGHTS_CATALOG
from .catalog_outcomes import OUTCOMES_CATALOG
from .catalog_plural import PLURAL_CATALOG
from .catalog_preferences import PREFERENCES_CATALOG
from .catalog_team import TEAM_CATALOG
from .catalog_undo import UNDO_CATALOG

DEFAULT_LANGUAGE = 'pt-BR'
LANGUAGES = {'pt-BR': 'Português (Brasil)', 'en': 'English'}

# key: (pt-BR, en)
CATALOG: dict[str, tuple[str, str]] = {
    'app.title': ('LovedCRM Pipeline', 'LovedCRM Pipeline'),
    'app.tagline': ('O funil de vendas da sua equipe, ao vivo', "Your team's sales pipeline, live"),
    'stage.lead': ('Lead', 'Lead'),
    'stage.contato': ('Contato', 'Contact'),
    'stage.proposta': ('Proposta', 'Proposal'),
    'stage.negociacao': ('Negociação', 'Negotiation'),
    'stage.fechado': ('Fechado', 'Closed'),
    'login.title': ('Entrar', 'Sign in'),
    'login.email': ('E-mail', 'E-mail'),
    'login.password': ('Senha', 'Password'),
    'login.submit': ('Entrar', 'Sign in'),
    'login.no_account': ('Não tem conta? Cadastre-se', 'No account? Register'),
    'login.invalid': ('E-mail ou senha inválidos.', 'Invalid e-mail or password.'),
    'login.too_many': (
        'Muitas tentativas. Tente de novo em {seconds} s.',
        'Too many attempts. Try again in {seconds} s.',
    ),
    'login.expired': ('Sua sessão terminou. Entre novamente.', 'Your session ended. Please sign in again.'),
    'register.title': ('Criar conta', 'Create account'),
    'register.full_name': ('Nome completo', 'Full name'),
    'register.terms': ('Aceito os termos de uso', 'I accept the terms of use'),
    'register.submit': ('Criar conta e organização', 'Create account and organization'),
    'register.have_account': ('Já tem conta? Entrar', 'Already registered? Sign in'),
    'register.terms_required': ('Aceite os termos para continuar.', 'Accept the terms to continue.'),
    'register.organization_name': ('Organização de {name}', "{name}'s organization"),
    'register.email_taken': ('Este e-mail já está cadastrado.', 'This e-mail is already registered.'),
    'register.password_rule': (
        'A senha precisa de 8 caracteres, um número, uma letra maiúscula e uma minúscula.',
        'The password needs 8 characters, a digit, an upper- and a lower-case letter.',
    ),
    'register.name_markup': ('O nome não pode conter HTML.', 'The name cannot contain HTML.'),
    'register.name_too_long': (
        'O nome pode ter no máximo 255 caracteres.',
        'The name can have at most 255 characters.',
    ),
    'form.required': ('Obrigatório', 'Required'),
    'form.invalid_email': ('E-mail inválido', 'Invalid e-mail'),
    'form.too_long': ('Máximo de {n} caracteres', 'At most {n} characters'),
    'form.invalid_value': ('Valor inválido (ex.: 1.234,56)', 'Invalid amount (e.g. 1,234.56)'),
    'form.negative_value': ('O valor não pode ser negativo', 'The amount cannot be negative'),
    'form.value_whole_digits': (
        'O valor pode ter no máximo {n} dígitos antes da vírgula',
        'The amount can have at most {n} digits before the decimal point',
    ),
    'form.field_required': ('{field}: obrigatório', '{field}: required'),
    'form.field_too_long': ('{field}: no máximo {n} caracteres', '{field}: at most {n} characters'),
    'form.field_too_short': ('{field}: pelo menos {n} caracteres', '{field}: at least {n} characters'),
    'form.field_min': ('{field}: no mínimo {n}', '{field}: at least {n}'),
    'form.field_max': ('{field}: no máximo {n}', '{field}: at most {n}'),
    'form.field_invalid': ('{field}: valor inválido', '{field}: invalid value'),
    'form.text_invalid': (
        'O texto contém um caractere inválido (NUL).',
        'The text contains a character that is not allowed (NUL).',
    ),
    'form.field_text_invalid': (
        '{field}: contém um caractere inválido (NUL)',
        '{field}: contains a character that is not allowed (NUL)',
    ),
    'nav.pipeline': ('Pipeline', 'Pipeline'),
    'nav.logout': ('Sair', 'Sign out'),
    'nav.language': ('Idioma', 'Language'),
    'nav.online': ('Online agora', 'Online now'),
    'nav.connected': ('Conectado', 'Connected'),
    'nav.offline': ('Sem conexão — reconectando…', 'Offline — reconnecting…'),
    'nav.catching_up': ('Atualizando o quadro…', 'Catching up…'),
    'nav.restarting': ('Servidor reiniciando — reconectando…', 'Server restarting — reconnecting…'),
    'nav.you': ('você', 'you'),
    'board.add': ('Adicionar lead em {stage}', 'Add lead to {stage}'),
    'board.load_more': ('Carregar mais ({n} restantes)', 'Load more ({n} left)'),
    'board.count': ('{n} leads', '{n} leads'),
    'board.count_one': ('1 lead', '1 lead'),
    'board.empty': ('Nenhum lead', 'No leads'),
    'board.empty_title': ('Seu pipeline está vazio', 'Your pipeline is empty'),
    'board.empty_hint': (
        'Crie o primeiro lead ou importe uma planilha (CSV). Sua equipe vê cada lead aqui na hora.',
        'Create the first lead or import a spreadsheet (CSV). Your team sees every lead here at once.',
    ),
    'board.empty_viewer': (
        'Ainda não há leads nesta organização. Quando alguém criar um, ele aparece aqui na hora.',
        'There are no leads in this organization yet. When someone creates one, it shows here at once.',
    ),
    'board.empty_filtered': ('Nenhum lead corresponde aos filtros.', 'No lead matches the filters.'),
    'board.days': ('{n} d', '{n} d'),
    'board.days_long': ('{n} dias nesta etapa', '{n} days in this stage'),
    'board.idle_warning': ('parado há {n} dias', 'idle for {n} days'),
    'board.idle_alert': ('parado há {n} dias — atenção', 'idle for {n} days — attention'),
    'board.favorite': ('Favorito', 'Favourite'),
    'board.unassigned': ('Sem responsável', 'Unassigned'),
    'board.viewer_notice': ('Você tem acesso somente leitura.', 'You have read-only access.'),
    'board.card_label': (
        '{name}, {stage}, {value}. Enter abre; M move; Alt+setas movem.',
        '{name}, {stage}, {value}. Enter opens; M moves; Alt+arrows move.',
    ),
    'board.moved_live': ('{actor} moveu {name} para {stage}', '{actor} moved {name} to {stage}'),
    'board.moved_self': (
        '{name} movido para {stage}, posição {position}',
        '{name} moved to {stage}, position {position}',
    ),
    'board.conflict': (
        'Outra pessoa alterou {name}. O cartão voltou para onde está agora.',
        'Someone else changed {name}. The card went back to where it is now.',
    ),
    'board.move_failed': ('Não foi possível mover {name}: {reason}', 'Could not move {name}: {reason}'),
    'board.lead_gone': ('{name} foi excluído por outra pessoa.', '{name} was deleted by someone else.'),
    'board.resynced': ('Quadro atualizado.', 'Board refreshed.'),
    'board.role_viewer': (
        'Seu papel agora é leitor: o quadro ficou somente leitura.',
        'Your role is now viewer: the board is read-only.',
    ),
    'board.role_writer': ('Seu papel mudou: você já pode editar.', 'Your role changed: you can edit now.'),
    'move.title': ('Mover para…', 'Move to…'),
    'move.actions': ('Ações', 'Actions'),
    'action.failed': ('{action} não foi feito: {reason}', '{action} was not done: {reason}'),
    'lead.custom_field_invalid': (
        'Um campo de extensão tem um valor que não é aceito.',
        'A plugin field has a value that is not accepted.',
    ),
    'filter.no_value': ('Sem valor', 'Not set'),
    'move.top': ('No topo', 'At the top'),
    'move.bottom': ('No fim', 'At the bottom'),
    'move.cancel': ('Cancelar', 'Cancel'),
    'filter.search': ('Buscar nome, e-mail ou telefone', 'Search name, e-mail or phone'),
    'filter.source': ('Origem', 'Source'),
    'filter.assignee': ('Responsável', 'Assignee'),
    'filter.tags': ('Etiquetas', 'Tags'),
    'filter.favorites': ('Só favoritos', 'Favourites only'),
    'filter.value_min': ('Valor mín.', 'Min value'),
    'filter.value_max': ('Valor máx.', 'Max value'),
    'filter.clear': ('Limpar filtros', 'Clear filters'),
    'lead.new': ('Novo lead', 'New lead'),
    'lead.edit': ('Editar lead', 'Edit lead'),
    'lead.name': ('Nome', 'Name'),
    'lead.email': ('E-mail', 'E-mail'),
    'lead.phone': ('Telefone', 'Phone'),
    'lead.value': ('Valor estimado (R$)', 'Estimated value (R$)'),
    'lead.source': ('Origem', 'Source'),
    'lead.tags': ('Etiquetas', 'Tags'),
    'lead.assignee': ('Responsável', 'Assignee'),
    'lead.notes': ('Notas', 'Notes'),
    'lead.stage': ('Etapa', 'Stage'),
    'lead.save': ('Salvar', 'Save'),
    'lead.cancel': ('Cancelar', 'Cancel'),
    'lead.delete': ('Excluir', 'Delete'),
    'lead.delete_confirm': (
        'Excluir {name}? Esta ação não pode ser desfeita.',
        'Delete {name}? This cannot be undone.',
    ),
    'lead.deleted': ('{name} excluído.', '{name} deleted.'),
    'lead.saved': ('{name} salvo.', '{name} saved.'),
    'lead.conflict_title': (
        'Outra pessoa alterou este lead enquanto você editava. Nada foi salvo ainda:',
        'Someone else changed this lead while you were editing. Nothing was saved yet:',
    ),
    'lead.conflict_field': ('{field}: agora {value}', '{field}: now {value}'),
    'lead.conflict_yours': ('você: {value}', 'yours: {value}'),
    'lead.conflict_reload': ('Recarregar o lead', 'Reload the lead'),
    'lead.conflict_overwrite': ('Manter as minhas e salvar', 'Keep mine and save'),
    'lead.conflict_gone': ('Este lead foi excluído por outra pessoa.', 'This lead was deleted by someone else.'),
    'lead.yes': ('sim', 'yes'),
    'lead.no': ('não', 'no'),
    'lead.created': ('{name} criado.', '{name} created.'),
    'notes.tab': ('Notas', 'Notes'),
    'notes.note': ('Nota', 'Note'),
    'notes.placeholder': ('Escreva uma nota…', 'Write a note…'),
    'notes.add': ('Adicionar', 'Add'),
    'notes.empty': ('Nenhuma nota ainda.', 'No notes yet.'),
    'notes.earlier': ('Nota anterior', 'Earlier note'),
    'notes.edited': ('editado', 'edited'),
    'notes.edit': ('Editar nota', 'Edit note'),
    'notes.delete': ('Excluir nota', 'Delete note'),
    'notes.delete_confirm': ('Excluir esta nota?', 'Delete this note?'),
    'notes.just_now': ('agora', 'just now'),
    'notes.minutes_ago': ('há {n} min', '{n} min ago'),
    'notes.hours_ago': ('há {n} h', '{n} h ago'),
    'notes.days_ago': ('há {n} d', '{n} d ago'),
    'notes.gone': ('Esta nota não existe mais.', 'This note no longer exists.'),
    'notes.author_only': (
        'Só quem escreveu a nota pode alterá-la ou excluí-la.',
        "Only the note's author can change or delete it.",
    ),
    'changes.tab': ('Histórico', 'History'),
    'changes.edited': ('{actor} editou', '{actor} edited'),
    'changes.favorited': ('{actor} marcou como favorito', '{actor} starred it'),
    'changes.unfavorited': ('{actor} desmarcou como favorito', '{actor} unstarred it'),
    'changes.last_contact_at': ('Último contato', 'Last contact'),
    'changes.last_contact_channel': ('Canal do último contato', 'Last contact channel'),
    'lead.history_created': ('{actor} criou em {stage}', '{actor} created it in {stage}'),
    'lead.history_moved': (
        '{actor} moveu de {from_stage} para {to_stage}',
        '{actor} moved it from {from_stage} to {to_stage}',
    ),
    'lead.not_member': (
        'O responsável precisa ser membro da organização.',
        'The assignee must be a member of the organization.',
    ),
    'lead.read_only': ('Somente leitura', 'Read-only'),
    'lead.name_required': ('Informe o nome do lead.', "Enter the lead's name."),
    'lead.notes_too_long': (
        'As notas podem ter no máximo 10.000 caracteres.',
        'The notes can have at most 10,000 characters.',
    ),
    'error.forbidden': ('Você não tem permissão para isso.', 'You are not allowed to do that.'),
    'error.not_found': ('Não encontrado.', 'Not found.'),
    'error.generic': ('Algo deu errado. Tente de novo.', 'Something went wrong. Please try again.'),
    'error.invalid': ('Alguns dados são inválidos. Confira o formulário.', 'Some values are invalid. Check the form.'),
    'error.version_conflict': (
        'Outra pessoa alterou este lead. Recarregue para ver a versão atual.',
        'Someone else changed this lead. Reload to see the current version.',
    ),
    'error.busy': (
        'O servidor está ocupado agora. Tente de novo em alguns segundos.',
        'The server is busy right now. Try again in a few seconds.',
    ),
    'error.too_many_connections': (
        'Há conexões demais abertas. Feche outras abas e tente de novo.',
        'Too many open connections. Close other tabs and try again.',
    ),
    'noaccess.title': ('Sem acesso', 'No access'),
    'noaccess.body': (
        'Você não faz mais parte desta organização. Fale com um administrador.',
        'You are no longer a member of this organization. Ask an administrator.',
    ),
    'noaccess.login': ('Entrar com outra conta', 'Sign in with another account'),
    'presence.joined': ('{name} abriu o quadro', '{name} opened the board'),
    'a11y.board': ('Quadro do pipeline', 'Pipeline board'),
    'a11y.column': ('Coluna {stage}: {count} leads, {total}', 'Column {stage}: {count} leads, {total}'),
    # the database cannot be reached (db_health.py): the board's banner, the header icon, refused actions
    'error.database_unavailable': (
        'Sem conexão com o banco de dados — tentando novamente. Tente de novo em instantes.',
        'No connection to the database — retrying. Try again in a moment.',
    ),
    'nav.database_down': (
        'Sem conexão com o banco de dados — tentando novamente',
        'No connection to the database — retrying',
    ),
    'board.database_down': (
        'Sem conexão com o banco de dados — tentando novamente. Os cards não podem ser movidos até a conexão voltar.',
        'No connection to the database — retrying. Cards cannot be moved until it is back.',
    ),
    'board.database_back': ('Conexão com o banco de dados restabelecida.', 'Connection to the database restored.'),
}
CATALOG.update(TEAM_CATALOG)
CATALOG.update(ACCOUNT_CATALOG)
CATALOG.update(CSV_CATALOG)
CATALOG.update(INSIGHTS_CATALOG)
CATALOG.update(UNDO_CATALOG)
CATALOG.update(PLURAL_CATALOG)
CATALOG.update(OUTCOMES_CATALOG)
CATALOG.update(PREFERENCES_CATALOG)
CATALOG.update(ACTIVITIES_CATALOG)
CATALOG.update(CARDS_CATALOG)
CATALOG.update(FORECAST_CATALOG)

Translate = Callable[..., str]


PLURAL_VARIABLES = ('n', 'count', 'rows', 'days')  # the number a text's noun agrees with (catalog_plural.py)


def translator(language: str | None) -> Translate:
    """The translation function for one language (falls back to pt-BR)."""
    index = 1 if language == 'en' else 0

    def t(key: str, **values: object) -> str:
        if any(values.get(name) == 1 for name in PLURAL_VARIABLES) and f'{key}#one' in CATALOG:
            key = f'{key}#one'
        text = CATALOG[key][index]
        return text.format(**values) if values else text

    return t


MONTHS_EN = ('Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec')


def zone_of(timezone: str | None) -> ZoneInfo:
    """The viewer's time zone by its IANA name; UTC for none or a name this machine does not know."""
    try:
        return ZoneInfo(timezone or 'UTC')
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo('UTC')


def _local(value: datetime, timezone: str | None) -> datetime:
    # a naive value is a UTC moment (SQLite hands some back without their zone)
    aware = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    return aware.astimezone(zone_of(timezone))


def format_day(value: date, language: str | None) -> str:
    """A calendar day without its year, as on a chart axis: ``31/12`` in pt-BR, ``Dec 31`` in English."""
    return f'{MONTHS_EN[value.month - 1]} {value.day:02d}' if language == 'en' else f'{value.day:02d}/{value.month:02d}'


def format_date(value: date, language: str | None, timezone: str | None = None) -> str:
    """A day as people write it: ``31/12/2026`` in pt-BR, ``Dec 31, 2026`` in English.

    A ``datetime`` is a moment: its day is the one in ``timezone`` (the viewer's; UTC when none is given). The
    month names are ours, not the process locale's (``%b`` would follow whatever locale the server runs in).
    """
    if isinstance(value, datetime):
        value = _local(value, timezone).date()
    return (
        f'{format_day(value, language)}, {value.year}'
        if language == 'en'
        else f'{format_day(value, language)}/{value.year}'
    )


def format_datetime(value: datetime, language: str | None, timezone: str | None = None) -> str:
    """A moment in the viewer's time zone: ``31/12/2026 11:05 -03`` in pt-BR, ``Dec 31, 2026 11:05 -03`` in English.

    The zone's abbreviation follows the time (``UTC``, ``BST``, ``-03``), so a reader never guesses the zone.
    """
    local = _local(value, timezone)
    return f'{format_date(local.date(), language)} {local:%H:%M} {local.tzname() or ""}'.rstrip()


def format_brl(value: Decimal | float | str | None) -> str:
    """Money as Brazilians write it: ``R$ 12.345,67`` (the same in both languages)."""
    amount = Decimal(str(value or 0)).quantize(Decimal('0.01'))
    sign = '-' if amount < 0 else ''
    integer, cents = f'{abs(amount):.2f}'.split('.')
    groups = f'{int(integer):,}'.replace(',', '.')
    return f'{sign}R$ {groups},{cents}'


def parse_brl(text: str | None) -> Decimal | None:
    """A BRL amount typed by a person (``1.234,56``, ``1234.56``, ``R$ 10``); None when empty.

    Raises ValueError for anything that is not an amount with at most two decimals.
    """
    raw = (text or '').replace('R$', '').replace(' ', '').strip()
    if not raw:
        return None
    if ',' in raw and '.' in raw and raw.rindex('.') > raw.rindex(','):  # English: 1,234.56
        raw = raw.replace(',', '')
    elif ',' in raw:  # Brazilian: dots group thousands, the comma marks cents
        raw = raw.replace('.', '').replace(',', '.')
    elif raw.count('.') > 1 or (raw.count('.') == 1 and len(raw.split('.')[1]) == 3):
        raw = raw.replace('.', '')  # "1.234" or "1.234.567": thousands separators
    try:
        value = Decimal(raw)
    except ArithmeticError as exc:
        raise ValueError(text) from exc
    if not value.is_finite() or value.as_tuple().exponent < -2:  # type: ignore[operator]
        raise ValueError(text)
    return value
