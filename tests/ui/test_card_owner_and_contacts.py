"""Who owns a lead, on its card; and the lead dialog's "Ligar", "E-mail" and "WhatsApp" links."""

import re

import pytest
from ui_helpers import add_lead, board_of, dialog_opened, sign_in, until

from lovedcrm_ui.services import leads
from lovedcrm_ui.ui.board.contact_links import display_phone, mailto_href, tel_href, whatsapp_href
from models.lead import LeadUpdate


async def test_the_card_shows_the_assignee_and_follows_a_change_live(create_user, app_ctx, person):
    ana = await person('Ana Souza')
    bruno = await person('Bruno Lima', team_of=ana)
    lead = await add_lead(app_ctx, ana, 'Acme Ltda', assigned_user_id=bruno.user_id)
    ana_user = create_user()
    await sign_in(ana_user, ana)
    card = board_of(ana_user).card('Acme Ltda')

    assert '<span class="lead-assignee" title="Bruno Lima" aria-hidden="true">BL</span>' in card.content
    assert 'material-icons">BL' not in card.content  # initials in the UI font, not the icon font
    assert 'Responsável: Bruno Lima' in card.props['aria-label']

    async def assign(user_id, version):  # type: ignore[no-untyped-def]
        changes = LeadUpdate(assigned_user_id=user_id, expected_version=version)
        async with app_ctx.db.session(cross_org=True) as session:
            await leads.update_lead(session, caller=bruno.caller(), lead_id=lead.id, changes=changes)

    await assign(ana.user_id, 1)
    await until(lambda: 'title="Ana Souza" aria-hidden="true">AS</span>' in card.content, 'the avatar shows AS')
    assert 'Responsável: Ana Souza' in card.props['aria-label']

    await assign(None, 2)
    await until(lambda: 'lead-assignee' not in card.content, 'the avatar goes away')
    assert 'Responsável' not in card.props['aria-label']


async def test_an_assignee_with_a_hostile_name_stays_text(create_user, app_ctx, person):
    ana = await person('Ana Souza')
    eve = await person('"><img src=x onerror=alert(1)> Eve', team_of=ana)
    await add_lead(app_ctx, ana, 'Acme Ltda', assigned_user_id=eve.user_id)
    ana_user = create_user()
    await sign_in(ana_user, ana)

    content = board_of(ana_user).card('Acme Ltda').content
    assert '<img' not in content
    assert 'title="&quot;&gt;&lt;img src=x onerror=alert(1)&gt; Eve"' in content


async def open_lead(user, name):  # type: ignore[no-untyped-def]
    board = board_of(user)
    board.click(name)
    await dialog_opened(board.board.lead_dialog)
    return board.board.lead_dialog


async def test_contact_links_for_a_brazilian_number_and_an_email(create_user, app_ctx, person):
    ana = await person('Ana Souza')
    await add_lead(app_ctx, ana, 'Acme Ltda', phone='(11) 98765-4321', email='compras@acme.com.br')
    await add_lead(app_ctx, ana, 'Sem contato')
    ana_user = create_user()
    await sign_in(ana_user, ana)

    dialog = await open_lead(ana_user, 'Acme Ltda')
    links = dialog.contact
    assert links.visible
    assert (links.call.props['href'], links.call.text, links.call.props['target']) == (
        'tel:11987654321',
        'Ligar',
        '_self',
    )
    assert links.email.props['href'] == 'mailto:compras@acme.com.br'
    assert links.whatsapp.props['href'] == 'https://wa.me/5511987654321'
    assert (links.whatsapp.props['target'], links.whatsapp.props['rel']) == ('_blank', 'noopener noreferrer')
    assert links.call.props['aria-label'] == 'Ligar para (11) 98765-4321'
    assert links.whatsapp.props['aria-label'] == 'Conversar no WhatsApp com (11) 98765-4321 (abre em nova aba)'
    assert links.email.props['aria-label'] == 'Enviar e-mail para compras@acme.com.br'
    dialog.close()

    dialog = await open_lead(ana_user, 'Sem contato')
    assert not dialog.contact.visible  # no phone, no e-mail: no links


async def test_hostile_phone_gives_no_script_link(create_user, app_ctx, person):
    ana = await person('Ana Souza')
    await add_lead(app_ctx, ana, 'Script', phone='javascript:alert(1)//')
    await add_lead(app_ctx, ana, 'Quote', phone='" onmouseover="alert(1)" 11 4000-1000')
    ana_user = create_user()
    await sign_in(ana_user, ana)

    dialog = await open_lead(ana_user, 'Script')
    assert not dialog.contact.call.visible and not dialog.contact.whatsapp.visible
    assert dialog.contact.call.props['href'] == '#'
    dialog.close()

    dialog = await open_lead(ana_user, 'Quote')
    # only digits survive: the quote cannot leave the attribute, the link stays a phone number
    assert dialog.contact.call.props['href'] == 'tel:11140001000'
    assert dialog.contact.whatsapp.props['href'] == 'https://wa.me/5511140001000'


@pytest.mark.parametrize(
    ('phone', 'tel', 'whatsapp'),
    [
        ('+55 (21) 3000-4000', 'tel:+552130004000', 'https://wa.me/552130004000'),
        ('21 3000-4000', 'tel:2130004000', 'https://wa.me/552130004000'),
        ('011 98765 4321', 'tel:011987654321', 'https://wa.me/5511987654321'),
        ('+1 415 555 0100', 'tel:+14155550100', 'https://wa.me/14155550100'),
        ('ramal 12', None, None),
        ('javascript:alert(document.cookie)', None, None),
        ('', None, None),
        (None, None, None),
    ],
)
def test_phone_links(phone, tel, whatsapp):  # type: ignore[no-untyped-def]
    assert tel_href(phone) == tel
    assert whatsapp_href(phone) == whatsapp


@pytest.mark.parametrize(
    ('email', 'href'),
    [
        ('compras@acme.com.br', 'mailto:compras@acme.com.br'),
        ('  Ana+crm@Example.com ', 'mailto:Ana+crm@example.com'),
        ('"><script>@x.com', None),
        ('javascript:alert(1)', None),
        ('a@b.com?cc=evil@x.com', None),
        (None, None),
    ],
)
def test_email_links(email, href):  # type: ignore[no-untyped-def]
    assert mailto_href(email) == href
    assert href is None or re.fullmatch(r'mailto:[A-Za-z0-9@.+\-_%]+', href)


@pytest.mark.parametrize(
    ('typed', 'shown'),
    [
        ('+5521988323411', '+55 21 98832-3411'),  # as an import left it
        ('+55 (11) 3811-7495', '+55 11 3811-7495'),
        ('+55 21 99751-7553', '+55 21 99751-7553'),
        ('11987654321', '(11) 98765-4321'),
        ('(11) 98765-4321', '(11) 98765-4321'),
        ('  21 3456.7890 ', '(21) 3456-7890'),
        ('+1 415 555 0100', '+1 415 555 0100'),  # not Brazilian: as typed
        ('011 98765-4321', '011 98765-4321'),  # a trunk prefix: as typed
        ('98765-4321 ramal 12', '98765-4321 ramal 12'),
        ('12345', '12345'),
    ],
)
def test_a_card_spells_brazilian_numbers_the_usual_way(typed, shown):  # type: ignore[no-untyped-def]
    assert display_phone(typed) == shown
