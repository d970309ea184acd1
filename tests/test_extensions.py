"""Declaring extensions: what a plugin may declare, and how a broken one stops the start with its name."""

import subprocess
import sys
import types
from pathlib import Path

import pytest

from lovedcrm_ui.extensions import (
    NO_VALUE,
    CardAction,
    Chip,
    Choice,
    Extensions,
    FieldFilter,
    LeadField,
    PluginError,
    PluginPage,
    load_plugins,
    localize,
)
from lovedcrm_ui.services.errors import Invalid

ROOT = Path(__file__).resolve().parents[1]


async def nothing(_context: object) -> None:
    return None


def temperature() -> LeadField:
    return LeadField('temperature', 'Temperatura', choices=(Choice('quente', 'Quente', 'red'), Choice('fria', 'Fria')))


def test_the_example_plugin_declares_one_of_each() -> None:
    ext = load_plugins(['examples.temperature'])
    assert ext.plugins == ['examples.temperature']
    assert list(ext.fields) == ['temperature']
    assert list(ext.actions) == ['mark_hot']
    assert list(ext.filters) == ['temperature']
    assert list(ext.pages) == ['/x/temperaturas']
    assert ext.nav_items('en') == [('x-temperaturas', '/x/temperaturas', 'thermostat', 'Temperatures')]
    assert ext.filter_values() == {'temperature': {'quente', 'morna', 'fria', NO_VALUE}}


@pytest.mark.parametrize(
    ('declare', 'message'),
    [
        (lambda ext: ext.add_field(LeadField('Temperatura', 'x')), 'field key'),
        (lambda ext: ext.add_field(LeadField('t', '')), 'non-empty text'),
        (lambda ext: ext.add_field(LeadField('t', {'pt-BR': ' '})), 'non-empty text'),
        (lambda ext: ext.add_field(LeadField('t', 'T', max_length=501)), 'max_length'),
        (lambda ext: ext.add_field(LeadField('t', 'T', choices=(Choice('a', 'A'), Choice('a', 'B')))), 'repeat'),
        (lambda ext: ext.add_field(LeadField('t', 'T', choices=(Choice('-', 'A'),))), 'choice'),
        (lambda ext: ext.add_field(LeadField('t', 'T', choices=(Choice('a', 'A', 'pink'),))), 'tone'),
        (lambda ext: [ext.add_field(temperature()), ext.add_field(temperature())], 'twice'),
        (lambda ext: ext.add_action(CardAction('go', 'Go', run=nothing, icon='<b>')), 'icon'),
        (lambda ext: ext.add_filter(FieldFilter('temperature')), 'declare that field'),
        (lambda ext: [ext.add_field(LeadField('note', 'N')), ext.add_filter(FieldFilter('note'))], 'with choices'),
        (lambda ext: ext.add_page(PluginPage('/crm/leads', 'Leads', build=nothing)), 'page path'),
        (lambda ext: ext.add_page(PluginPage('/x/../admin', 'Admin', build=nothing)), 'page path'),
    ],
)
def test_a_bad_declaration_is_refused_at_start(declare, message) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(PluginError, match=message):
        declare(Extensions())


def test_values_are_checked_by_their_field() -> None:
    ext = Extensions()
    ext.add_field(temperature())
    ext.add_field(LeadField('nickname', 'Apelido', max_length=5))
    assert ext.check_values(None) is None
    assert ext.check_values({'temperature': 'quente', 'nickname': '  Zé  '}) == {
        'temperature': 'quente',
        'nickname': 'Zé',
    }
    assert ext.check_values({'temperature': None, 'nickname': '   '}) == {'temperature': None, 'nickname': None}
    for bad in ({'temperature': 'morna'}, {'temperature': 3}, {'nickname': 'longer'}, {'other': 'x'}):
        with pytest.raises(Invalid):
            ext.check_values(bad)


def test_chips_follow_the_declaration_order_and_language() -> None:
    ext = Extensions()
    ext.add_field(LeadField('size', 'Porte', chip=lambda v: Chip({'pt-BR': f'Porte {v}', 'en': f'Size {v}'}, 'teal')))
    ext.add_field(LeadField('temperature', 'T', choices=(Choice('quente', {'pt-BR': 'Quente', 'en': 'Hot'}, 'red'),)))
    ext.add_field(LeadField('hidden', 'H', on_card=False))
    lead = {'custom_fields': {'temperature': 'quente', 'size': 'G', 'hidden': 'x'}}
    assert ext.chips(lead, 'en') == [('Size G', 'teal'), ('Hot', 'red')]
    assert ext.chips({'custom_fields': {}}, 'en') == []
    assert ext.chips({'custom_fields': {'temperature': 'gone'}}, 'en') == []  # a choice no longer declared
    assert localize({'en': 'Hot'}, 'pt-BR') == 'Hot'


def test_a_plugin_that_cannot_load_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(PluginError, match="'no_such_plugin' could not be imported"):
        load_plugins(['no_such_plugin'])
    monkeypatch.setitem(sys.modules, 'plugin_without_register', types.ModuleType('plugin_without_register'))
    with pytest.raises(PluginError, match='no register'):
        load_plugins(['plugin_without_register'])
    broken = types.ModuleType('plugin_broken')
    broken.register = lambda ext: ext.add_page(PluginPage('/pipeline', 'P', build=nothing))  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, 'plugin_broken', broken)
    with pytest.raises(PluginError, match="plugin 'plugin_broken': page path"):
        load_plugins(['plugin_broken'])


def test_main_refuses_to_start_with_a_missing_plugin(tmp_path: Path) -> None:
    env = {
        'PATH': '/usr/bin:/bin',
        'LOVEDCRM_DATA_DIR': str(tmp_path),
        'PLUGINS': 'examples.temperature, examples.nope',
        'PORT': '0',
    }
    done = subprocess.run(
        [sys.executable, 'main.py'], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 1
    assert "did not start: plugin 'examples.nope' could not be imported" in done.stderr
