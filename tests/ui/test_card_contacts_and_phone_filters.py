"""A card shows how to reach the lead (e-mail, phone, "Ligar", "WhatsApp"); on a phone the filters fold behind one
button that counts them."""

import re
from html.parser import HTMLParser

from hypothesis import given, settings
from hypothesis import strategies as st
from ui_helpers import add_lead, board_of, sign_in, until

from lovedcrm_ui.services import leads
from lovedcrm_ui.ui.board.card import contact_html
from lovedcrm_ui.ui.board.contact_links import display_phone
from lovedcrm_ui.ui.i18n import translator
from models.lead import LeadUpdate

SAFE_HREF = ('mailto:', 'tel:', 'https://wa.me/')
CARD_TAGS = {'a', 'span', 'div', 'i'}


async def test_a_card_shows_email_phone_and_the_two_quick_actions(create_user, app_ctx, person):
    ana = await person('Ana Souza')
    await add_lead(app_ctx, ana, 'Acme Ltda', phone='(11) 98765-4321', email='compras.diretoria@acme.com.br')
    await add_lead(app_ctx, ana, 'Sem contato')
    ana_user = create_user()
    await sign_in(ana_user, ana)
    board = board_of(ana_user)

    content = board.card('Acme Ltda').content
    # the e-mail: a mailto link, cut by CSS with its whole text in the tooltip
    assert (
        '<a class="lead-email" title="compras.diretoria@acme.com.br" href="mailto:compras.diretoria@acme.com.br"'
        ' tabindex="-1">compras.diretoria@acme.com.br</a>'
    ) in content
    assert '<span class="lead-phone">(11) 98765-4321</span>' in content
    assert '<a class="lead-act" href="tel:11987654321" tabindex="-1">' in content
    assert 'call</i>Ligar</a>' in content
    assert (
        '<a class="lead-act" href="https://wa.me/5511987654321" target="_blank" rel="noopener noreferrer"'
        ' tabindex="-1">'
    ) in content
    assert 'chat</i>WhatsApp</a>' in content
    label = board.card('Acme Ltda').props['aria-label']
    assert 'telefone (11) 98765-4321' in label and 'e-mail compras.diretoria@acme.com.br' in label

    bare = board.card('Sem contato')
    assert 'lead-act' not in bare.content and 'lead-email' not in bare.content
    assert 'telefone' not in bare.props['aria-label']


async def test_a_phone_added_by_a_teammate_brings_the_links_live(create_user, app_ctx, person):
    ana = await person('Ana Souza')
    bruno = await person('Bruno Lima', team_of=ana)
    lead = await add_lead(app_ctx, ana, 'Acme Ltda')
    ana_user = create_user()
    await sign_in(ana_user, ana)
    card = board_of(ana_user).card('Acme Ltda')
    assert 'wa.me' not in card.content

    async with app_ctx.db.session(cross_org=True) as session:
        changes = LeadUpdate(phone='+1 415 555 0100', expected_version=1)
        await leads.update_lead(session, caller=bruno.caller(), lead_id=lead.id, changes=changes)
    await until(lambda: 'href="https://wa.me/14155550100"' in card.content, "the teammate's phone shows on the card")
    assert 'href="tel:+14155550100"' in card.content


async def test_hostile_contact_text_stays_text(create_user, app_ctx, person):
    ana = await person('Ana Souza')
    await add_lead(app_ctx, ana, 'Eve', phone='"><img src=x onerror=alert(1)>')
    ana_user = create_user()
    await sign_in(ana_user, ana)

    content = board_of(ana_user).card('Eve').content
    assert '<img' not in content
    assert '<span class="lead-phone">&quot;&gt;&lt;img src=x onerror=alert(1)&gt;</span>' in content
    assert 'class="lead-act"' not in content  # one digit is no number to call


class Markup(HTMLParser):
    """The elements and attributes of a card fragment, as a browser would parse them."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text = ''

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text += data


@settings(max_examples=40, deadline=None)
@given(email=st.text(max_size=60), phone=st.text(alphabet=st.characters(codec='utf-8'), max_size=50))
def test_any_contact_text_gives_only_safe_links_and_shows_as_text(email: str, phone: str) -> None:
    markup = Markup()
    markup.feed(contact_html({'email': email, 'phone': phone}, translator('pt-BR')))
    markup.close()
    for tag, attrs in markup.tags:
        assert tag in CARD_TAGS
        assert not any(name.startswith('on') for name in attrs)
        href = attrs.get('href')
        assert href is None or href.startswith(SAFE_HREF)
    # whatever was typed is shown as text, not markup: as typed, or a Brazilian number respelled with its digits
    assert email.strip() in markup.text
    shown = display_phone(phone)
    assert shown in markup.text
    assert shown == phone.strip() or re.sub(r'\D', '', shown) == re.sub(r'\D', '', phone)


async def test_the_filters_button_counts_the_filters_on_and_opens_the_bar(create_user, app_ctx, person):
    ana = await person('Ana Souza')
    await add_lead(app_ctx, ana, 'Acme Ltda', source='site')
    ana_user = create_user()
    await sign_in(ana_user, ana)
    board = board_of(ana_user).board
    toggle, bar = board.filters_toggle, board.filter_bar

    assert not toggle.badge.visible and toggle.props['aria-label'] == 'Filtros: nenhum ativo'
    assert toggle.props['aria-expanded'] == 'false' and 'filters-open' not in bar.classes
    ana_user.find(marker='filters-toggle').click()  # on a phone: the bar unfolds
    await until(lambda: 'filters-open' in bar.classes, 'the filter bar opens')
    assert toggle.props['aria-expanded'] == 'true'

    bar.source.value = 'site'
    await until(lambda: toggle.count == 1, 'one filter counted')
    assert toggle.badge.visible and toggle.badge.text == '1'
    assert toggle.props['aria-label'] == 'Filtros: 1 filtro ativo'
    bar.favorites.value = True  # and nothing is a favourite: the board says so
    await until(lambda: toggle.count == 2, 'two filters counted')
    assert toggle.props['aria-label'] == 'Filtros: 2 filtros ativos'
    await ana_user.should_see('Nenhum lead corresponde aos filtros.')

    ana_user.find(marker='filters-toggle').click()  # folded again, the filters stay on
    await until(lambda: 'filters-open' not in bar.classes, 'the filter bar closes')
    assert toggle.count == 2

    ana_user.find(marker='board-empty-clear').click()  # cleared from the no-result message
    await until(lambda: toggle.count == 0, 'no filter counted')
    assert not toggle.badge.visible
    await board_of(ana_user).shows('lead', ['Acme Ltda'])


async def test_a_filtered_address_opens_with_its_count(create_user, app_ctx, person):
    ana = await person('Ana Souza')
    await add_lead(app_ctx, ana, 'Acme Ltda', source='site', tags=['b2b'])
    ana_user = create_user()
    await sign_in(ana_user, ana)
    await ana_user.open('/pipeline?source=site&tag=b2b&min=10')
    await until(lambda: board_of(ana_user).board.filters_toggle.count == 3, 'three filters counted')
