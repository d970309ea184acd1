"""Every refusal and validation message reaches people in their language, found by code, never by English text."""

import re
import string
import uuid
from decimal import Decimal

import pytest
from pydantic import ValidationError
from ui_helpers import add_lead, board_of, choose, dialog_opened, fire, new_lead_dialog, sign_in, until

from lovedcrm_ui.services.errors import DomainError, ErrorCode, Invalid, TooManyRequests
from lovedcrm_ui.ui.board.board import PipelineBoard
from lovedcrm_ui.ui.i18n import CATALOG, translator
from lovedcrm_ui.ui.refusals import CODE_KEYS, FIELD_LABELS, refusal, validation_messages
from models.invite import InviteCreate
from models.lead import LeadCreate, LeadUpdate
from models.organization import OrganizationUpdate

PT, EN = translator('pt-BR'), translator('en')
PYDANTIC_ENGLISH = re.compile(r'Decimal input|String should|Input should|value is not a valid|Value error', re.I)


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_every_error_code_has_a_catalog_entry_in_both_languages() -> None:
    assert set(CODE_KEYS) == set(ErrorCode)
    for code, key in CODE_KEYS.items():
        assert key in CATALOG, (code, key)
        pt, en = CATALOG[key]
        assert pt.strip() and en.strip(), key
        assert placeholders(pt) == placeholders(en), key


@pytest.mark.parametrize('code', list(ErrorCode))
def test_every_refusal_reads_as_a_sentence_in_either_language(code: ErrorCode) -> None:
    error = DomainError('English detail the UI must not show', code=code, headers={'Retry-After': '42'})

    for t in (PT, EN):
        text = refusal(error, t)
        assert text and '{' not in text, (code, text)
        assert 'English detail' not in text


def test_refusals_follow_the_code_not_the_detail_text() -> None:
    assert refusal(Invalid('anything at all', code=ErrorCode.ASSIGNEE_NOT_MEMBER), PT) == (
        'O responsável precisa ser membro da organização.'
    )
    assert refusal(DomainError('The last owner cannot be demoted'), PT) == 'Algo deu errado. Tente de novo.'
    assert refusal(TooManyRequests('x', headers={'Retry-After': '30'}), EN) == 'Too many attempts. Try again in 30 s.'


def test_the_field_labels_exist_in_the_catalog() -> None:
    assert all(key in CATALOG for key in FIELD_LABELS.values())


def errors_of(model: type, **values: object) -> ValidationError:
    with pytest.raises(ValidationError) as raised:
        model(**values)
    return raised.value


@pytest.mark.parametrize(
    ('model', 'values', 'pt', 'en'),
    [
        (
            LeadCreate,
            {'name': 'Acme', 'estimated_value': Decimal('12345678901234')},
            'O valor pode ter no máximo 10 dígitos antes da vírgula',
            'The amount can have at most 10 digits before the decimal point',
        ),
        (
            LeadUpdate,
            {'estimated_value': Decimal('12345678901')},
            'O valor pode ter no máximo 10 dígitos antes da vírgula',
            'The amount can have at most 10 digits before the decimal point',
        ),
        (LeadCreate, {'name': 'Acme', 'estimated_value': Decimal('-1')}, 'O valor não pode ser negativo', None),
        (LeadCreate, {'name': 'x' * 300}, 'Nome: no máximo 255 caracteres', 'Name: at most 255 characters'),
        (LeadCreate, {'name': 'Acme', 'phone': '1' * 51}, 'Telefone: no máximo 50 caracteres', None),
        (LeadCreate, {'name': 'Acme', 'email': 'not-an-email'}, 'E-mail inválido', 'Invalid e-mail'),
        (LeadCreate, {'name': '   '}, 'Nome: obrigatório', 'Name: required'),
        (LeadCreate, {'name': 'Acme', 'stage': 'nope'}, 'Etapa: valor inválido', 'Stage: invalid value'),
        (
            InviteCreate,
            {'email': 'a@example.com', 'message': 'short'},
            'Mensagem (opcional): pelo menos 10 caracteres',
            None,
        ),
        (OrganizationUpdate, {'idle_warning_days': 0}, 'Aviso após (dias): no mínimo 1', None),
    ],
)
def test_validation_messages_speak_the_viewers_language(model, values, pt, en) -> None:  # type: ignore[no-untyped-def]
    error = errors_of(model, **values)

    assert validation_messages(error, PT) == [pt]
    if en is not None:
        assert validation_messages(error, EN) == [en]


def test_a_field_without_a_label_still_gets_a_message_in_the_viewers_language() -> None:
    error = errors_of(LeadUpdate, expected_version=0)

    assert validation_messages(error, PT) == ['Alguns dados são inválidos. Confira o formulário.']


async def test_a_too_long_amount_in_the_lead_dialog_is_explained_in_portuguese(create_user, person):
    ana = await person('Ana Souza')
    ana_user = create_user()
    await sign_in(ana_user, ana)
    dialog = await new_lead_dialog(ana_user)
    dialog.name.value = 'Acme Ltda'
    dialog.amount.value = '12345678901234'
    fire(dialog.save_button, 'click')

    await until(lambda: dialog.error.text)
    assert dialog.value  # still open, nothing saved
    assert dialog.error.text == 'O valor pode ter no máximo 10 dígitos antes da vírgula'
    assert not PYDANTIC_ENGLISH.search(dialog.error.text)
    assert board_of(ana_user).names('lead') == []


async def test_an_english_viewer_editing_a_lead_reads_the_amount_rule_in_english(create_user, app_ctx, person):
    ana = await person('Ana Souza')
    ana_user = create_user()
    await sign_in(ana_user, ana)
    await ana_user.open('/profile')
    choose(ana_user, 'profile-language', 'en')
    ana_user.find(marker='profile-save').click()
    await ana_user.should_see('Your profile', retries=50)
    await ana_user.open('/pipeline')
    await ana_user.should_see(kind=PipelineBoard, retries=50)
    board = board_of(ana_user)
    await board.wait_loaded()
    await add_lead(app_ctx, ana, 'Acme Ltda', value='1000')
    await board.shows('lead', ['Acme Ltda'])
    dialog = board.board.lead_dialog

    board.click('Acme Ltda')
    await dialog_opened(dialog)
    dialog.amount.value = '12.345.678.901'
    fire(dialog.save_button, 'click')

    await until(lambda: dialog.error.text)
    assert dialog.value
    assert dialog.error.text == 'The amount can have at most 10 digits before the decimal point'
    assert board.card('Acme Ltda').lead['estimated_value'] == '1000.00'


def test_a_lead_name_refused_by_the_service_is_translated() -> None:
    error = Invalid('name cannot be empty', code=ErrorCode.LEAD_NAME_EMPTY)

    assert (refusal(error, PT), refusal(error, EN)) == ('Informe o nome do lead.', "Enter the lead's name.")


def test_unknown_ids_do_not_leak_into_messages() -> None:
    error = errors_of(LeadCreate, name='Acme', assigned_user_id=f'{uuid.uuid4()}-nope')

    assert validation_messages(error, EN) == ['Assignee: invalid value']
