"""The organization made at sign-up is named in the language of the person: "Organização de Ana", not "Ana's ..."."""

import pytest
from nicegui.testing import User
from sqlalchemy import select
from ui_helpers import board_of, shown

from models import Organization


def field(user: User, label: str):  # type: ignore[no-untyped-def]
    return next(iter(user.find(label).elements))


@pytest.mark.parametrize(
    ('language', 'labels', 'expected'),
    [
        ('Português (Brasil)',
         ('Nome completo', 'E-mail', 'Senha', 'Aceito os termos de uso', 'Criar conta e organização'),
         'Organização de Ana Souza'),
        ('English',
         ('Full name', 'E-mail', 'Password', 'I accept the terms of use', 'Create account and organization'),
         "Ana Souza's organization"),
    ],
)  # fmt: skip
async def test_sign_up_names_the_organization_in_the_person_s_language(user: User, app_ctx, language, labels, expected):  # type: ignore[no-untyped-def]
    name, email, password, terms, submit = labels
    await user.open('/login')
    user.find(language).click()
    await user.open('/register')
    field(user, name).value = 'Ana Souza'
    field(user, email).value = 'ana.nome@example.com'
    field(user, password).value = 'Secret123'
    user.find(terms).click()
    user.find(submit).click()

    await user.should_see(marker='organization-name', retries=100)
    await board_of(user).wait_loaded()
    assert shown(user, 'organization-name') == expected
    async with app_ctx.db.session(read_only=True, cross_org=True) as session:
        assert (await session.scalars(select(Organization.name))).all() == [expected]


async def test_the_api_keeps_the_lovedcrm_contract_name(api):  # type: ignore[no-untyped-def]
    body = {'email': 'ana.api@example.com', 'password': 'Secret123', 'full_name': 'Ana Souza', 'terms_accepted': True}
    response = await api.post('/auth/register', json=body)
    assert response.json()['organization']['name'] == "Ana Souza's Organization"
