"""Every setting as an operator reads it, generated from ``Settings``: ``main.py --help`` and docs/CONFIGURATION.md.

The meaning of a setting is its field's docstring in config.py (``use_attribute_docstrings``); name, default and
accepted values come from the field itself, so the two outputs cannot drift from the code
(tests/test_configuration_docs.py checks the committed docs/CONFIGURATION.md).
"""

import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, get_args, get_origin

import annotated_types
from pydantic.fields import FieldInfo

from .config import Settings

COMPUTED = None  # a default worked out at start (the field's docstring says how)


@dataclass(frozen=True)
class SettingDoc:
    """One environment variable: its name, default (``''`` empty, ``None`` computed), accepted values, meaning."""

    name: str
    default: str | None
    accepts: str
    meaning: str


# read by main.py, NiceGUI or uvicorn, not by Settings; listed with the settings so that one place names them all
OTHER_VARIABLES = (
    SettingDoc(
        'LOVEDCRM_SKIP_MIGRATIONS',
        '',
        '`1`',
        '`1`: start without upgrading the database schema, like `main.py --skip-migrations` (deployments that '
        'migrate separately, with `python -m lovedcrm_ui migrate`).',
    ),
    SettingDoc(
        'LOVEDCRM_DEMO',
        '',
        '`1`',
        '`1`: demo mode, like `main.py --demo`: seeds a demo organization with two users once and prints how to '
        'sign in. Never for real data: the demo accounts have a published password.',
    ),
    SettingDoc(
        'NICEGUI_STORAGE_PATH',
        '.nicegui',
        'path',
        "Where NiceGUI keeps each browser's server-side storage, which holds who is signed in (relative to the "
        'working directory; the Docker image sets `/data/.nicegui`). Replicas behind one proxy share it, so that a '
        'browser moved to another replica stays signed in (docs/DEPLOY.md).',
    ),
    SettingDoc(
        'NICEGUI_REDIS_URL',
        '',
        'URL',
        "NiceGUI's storage in Redis instead of files, for replicas on several hosts (needs `pip install "
        "'nicegui[redis]'`, not one of this project's dependencies).",
    ),
    SettingDoc(
        'FORWARDED_ALLOW_IPS',
        '127.0.0.1,::1',
        'addresses, or `*`',
        'Proxies whose `X-Forwarded-For` and `X-Forwarded-Proto` uvicorn believes. List the reverse proxy (or `*` '
        "when nothing but the proxy reaches the app), or every client gets the proxy's address and shares its "
        'login and registration limits (docs/SECURITY.md).',
    ),
)


def setting_docs() -> list[SettingDoc]:
    """Every field of ``Settings``, in the order config.py declares them."""
    return [_field_doc(field) for field in Settings.model_fields.values()]


def undocumented_settings() -> list[str]:
    """Environment names of the settings whose field has no docstring (the reference would have no meaning)."""
    return [str(f.alias) for f in Settings.model_fields.values() if not (f.description or '').strip()]


def markdown_table(docs: list[SettingDoc]) -> str:
    """A Markdown table of ``docs``: variable, default, accepted values, meaning."""
    rows = ['| Variable | Default | Accepts | Meaning |', '|---|---|---|---|']
    for doc in docs:
        cells = (f'`{doc.name}`', _markdown_default(doc.default), doc.accepts, doc.meaning)
        rows.append('| ' + ' | '.join(cell.replace('|', '\\|') for cell in cells) + ' |')
    return '\n'.join(rows)


def help_epilog(width: int = 100) -> str:
    """The ``--help`` epilog: each variable with its default, accepted values and meaning."""
    lines = ['environment variables (all optional; the same list: docs/CONFIGURATION.md):']
    for doc in [*setting_docs(), *OTHER_VARIABLES]:
        default = '(empty)' if doc.default == '' else '(computed)' if doc.default is None else doc.default
        lines.append(f'  {doc.name} = {default}    [{_plain(doc.accepts)}]')
        lines += textwrap.wrap(_plain(doc.meaning), width, initial_indent=' ' * 6, subsequent_indent=' ' * 6)
    return '\n'.join(lines)


def _field_doc(field: FieldInfo) -> SettingDoc:
    """The reference entry of one settings field."""
    meaning = ' '.join((field.description or '').split())
    if field.default_factory is not None:
        default: str | None = COMPUTED
    else:
        default = _default_text(field.default)
    return SettingDoc(str(field.alias), default, _accepts(field), meaning)


def _default_text(value: Any) -> str:
    """A default as an operator would write it in the environment."""
    if isinstance(value, bool):
        return 'true' if value else 'false'
    if isinstance(value, Path) and not value.is_absolute():
        return f'./{value}'
    return str(value)


def _accepts(field: FieldInfo) -> str:
    """The values a field takes: its choices, or its type and bounds."""
    kind = field.annotation
    if get_origin(kind) is Literal:
        return ', '.join('*(empty)*' if choice == '' else f'`{choice}`' for choice in get_args(kind))
    if kind is bool:
        return '`true` / `false`'
    names: dict[Any, str] = {int: 'integer', float: 'number', str: 'text', Path: 'path'}
    text = names.get(kind, 'text')
    bounds = []
    for rule in field.metadata:
        for attribute, sign in (('ge', '≥'), ('gt', '>'), ('le', '≤'), ('lt', '<')):
            if isinstance(rule, getattr(annotated_types, attribute.capitalize())):
                bounds.append(f'{sign} {getattr(rule, attribute)}')
    return f'{text} {", ".join(bounds)}' if bounds else text


def _markdown_default(default: str | None) -> str:
    """A default as a Markdown cell."""
    if default is None:
        return '*(computed)*'
    return f'`{default}`' if default else '*(empty)*'


def _plain(text: str) -> str:
    """Markdown cell text as plain text (for --help)."""
    return text.replace('`', '').replace('*(empty)*', '(empty)')
