"""A count of one reads as one ("1 lead", "1 dia"), on screen and in what a screen reader hears, in both languages."""

import re
import string

import pytest
from ui_helpers import add_lead, board_of, sign_in, until

from lovedcrm_ui.ui.i18n import CATALOG, PLURAL_VARIABLES, translator

PLURAL_AFTER_ONE = re.compile(r'\b1 (leads|dias|days|linhas|rows|caracteres|characters|restantes|motivos|reasons)\b')
SINGULARS = sorted(key for key in CATALOG if key.endswith('#one'))


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


@pytest.mark.parametrize('key', SINGULARS)
def test_each_singular_form_matches_its_plural_text(key: str) -> None:
    plural = key.removesuffix('#one')
    assert plural in CATALOG, f'{key} has no plural text {plural}'
    pairs = zip(CATALOG[key], CATALOG[plural], strict=True)
    for language, (singular_text, plural_text) in zip(('pt-BR', 'en'), pairs, strict=True):
        counted = placeholders(plural_text) & set(PLURAL_VARIABLES)
        assert len(counted) == 1, f'{plural} ({language}) counts nothing'
        # the singular keeps every other value the plural shows and writes the number out as "1"
        assert placeholders(singular_text) == placeholders(plural_text) - counted, key
        assert re.search(r'\b1\b|último|last', singular_text, re.IGNORECASE), key


@pytest.mark.parametrize('language', ['pt-BR', 'en'])
def test_no_text_says_one_with_a_plural_noun(language: str) -> None:
    t = translator(language)
    for key in CATALOG:
        if key.endswith('#one'):
            continue
        names = placeholders(CATALOG[key][0]) | placeholders(CATALOG[key][1])
        counted = names & set(PLURAL_VARIABLES)
        if len(counted) != 1:
            continue
        text = t(key, **{name: 1 if name in counted else 'X' for name in names})
        assert not PLURAL_AFTER_ONE.search(text), (key, text)
        assert 'problema(s)' not in text and 'problem(s)' not in text, (key, text)


async def test_a_column_with_one_lead_says_one_lead_to_eyes_and_ears(create_user, app_ctx, person):
    ana = await person('Ana Souza')
    await add_lead(app_ctx, ana, 'Acme Ltda', stage='proposta', value='1500')
    user = create_user()
    await sign_in(user, ana)
    board = board_of(user)
    await board.shows('proposta', ['Acme Ltda'])

    assert board.summary('proposta') == '1 lead · R$ 1.500,00'
    assert board.board.columns['proposta'].props['aria-label'] == 'Coluna Proposta: 1 lead, R$ 1.500,00'

    await add_lead(app_ctx, ana, 'Beta SA', stage='proposta', value='500')  # a teammate adds a second: plural again
    await until(lambda: board.summary('proposta') == '2 leads · R$ 2.000,00')
    assert board.board.columns['proposta'].props['aria-label'] == 'Coluna Proposta: 2 leads, R$ 2.000,00'
