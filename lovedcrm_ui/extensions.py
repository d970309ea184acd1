"""Python extension points: plugins add lead fields, card actions, board filters and pages (docs/EXTENDING.md).

A plugin is an importable module named in the ``PLUGINS`` setting with one function, ``register(ext)``, that
declares what it adds on the ``Extensions`` it is given::

    def register(ext: Extensions) -> None:
        ext.add_field(LeadField('temperature', {'pt-BR': 'Temperatura', 'en': 'Temperature'}, choices=(...)))
        ext.add_action(CardAction('mark_hot', {'pt-BR': 'Marcar como quente'}, run=mark_hot))
        ext.add_filter(FieldFilter('temperature'))
        ext.add_page(PluginPage('/x/temperaturas', {'pt-BR': 'Temperaturas'}, build=temperature_page))

What a plugin adds goes through the product's own paths: field values live in the lead's ``custom_fields`` and
are written by the same versioned, evented services as every other field (so teammates see them live and the API
returns them), filters run the board's one rule in SQL and on live events, pages get the signed-in frame.
Nothing here runs plugin code while a request is validated except ``LeadField.check``'s own rules.
"""

import importlib
import re
import uuid
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from models import Lead
from models.lead import CUSTOM_TEXT_MAX
from models.types import is_plain_text

from .services.errors import ErrorCode, Invalid
from .services.leads import lead_public

Text = str | Mapping[str, str]  # one text, or one per language: {'pt-BR': 'Quente', 'en': 'Hot'}
KEY = re.compile(r'^[a-z][a-z0-9_]{0,39}$')  # a field's, action's or filter's key (the JSON key of custom_fields)
CHOICE = re.compile(r'^[a-z0-9][a-z0-9_]{0,39}$')  # a stored choice value
PAGE_PATH = re.compile(r'^/x/[a-z0-9][a-z0-9-]{0,39}$')  # plugin pages live under /x/ (never an API path)
TONES = ('grey', 'red', 'orange', 'amber', 'green', 'teal', 'blue', 'purple')  # chip colours (CSS classes, no styles)
NO_VALUE = '-'  # a field filter's choice "no value set" (never a stored choice: those start with a letter or digit)
DEFAULT_LANGUAGE = 'pt-BR'


class PluginError(Exception):
    """A plugin could not be loaded or declared something invalid (raised at start-up, never per request)."""


def localize(text: Text, language: str | None) -> str:
    """``text`` in ``language`` (then Portuguese, then any)."""
    if isinstance(text, str):
        return text
    return text.get(language or '') or text.get(DEFAULT_LANGUAGE) or next(iter(text.values()), '')


def _check_text(text: Text, what: str) -> None:
    texts = [text] if isinstance(text, str) else list(text.values())
    if not texts or not all(isinstance(t, str) and t.strip() for t in texts):
        raise PluginError(f'{what}: a non-empty text (or one per language) is required')


def _check_key(key: str, what: str, pattern: re.Pattern[str] = KEY) -> None:
    if not isinstance(key, str) or not pattern.match(key):
        raise PluginError(f'{what} {key!r} must match {pattern.pattern}')


def _check_tone(tone: str, what: str) -> None:
    if tone not in TONES:
        raise PluginError(f'{what}: tone {tone!r} is not one of {", ".join(TONES)}')


@dataclass(frozen=True)
class Chip:
    """What a card shows for a field value: short text on a coloured chip (``tone`` is one of ``TONES``)."""

    text: Text
    tone: str = 'grey'


@dataclass(frozen=True)
class Choice:
    """One value of a choice field: what is stored, what people read, the chip's colour."""

    value: str
    label: Text
    tone: str = 'grey'


@dataclass(frozen=True)
class LeadField:
    """A field on every lead: a select when it has ``choices``, else one line of text up to ``max_length``.

    The value is stored in the lead's ``custom_fields[key]`` (``null`` or absent: not set). ``on_card``: the card
    shows it as a chip (the choice's label and tone, or ``chip(value)`` when given).
    """

    key: str
    label: Text
    choices: Sequence[Choice] = ()
    max_length: int = 100
    on_card: bool = True
    chip: Callable[[Any], Chip | None] | None = None

    def validate_declaration(self) -> None:
        """Refuse a declaration the product could not show or store."""
        _check_key(self.key, 'field key')
        _check_text(self.label, f'field {self.key} label')
        if not 1 <= self.max_length <= CUSTOM_TEXT_MAX:
            raise PluginError(f'field {self.key}: max_length must be 1..{CUSTOM_TEXT_MAX}')
        values = [choice.value for choice in self.choices]
        if len(set(values)) != len(values):
            raise PluginError(f'field {self.key}: choice values repeat')
        for choice in self.choices:
            _check_key(choice.value, f'field {self.key} choice', CHOICE)
            _check_text(choice.label, f'field {self.key} choice {choice.value}')
            _check_tone(choice.tone, f'field {self.key} choice {choice.value}')

    def check(self, value: Any) -> Any:
        """A value a client sent for this field, cleaned (``None`` removes it); ``ValueError`` when it is not one."""
        if value is None:
            return None
        if not isinstance(value, str):
            raise ValueError('must be text')
        if self.choices:
            if value not in {choice.value for choice in self.choices}:
                allowed = ', '.join(choice.value for choice in self.choices)
                raise ValueError(f'must be one of: {allowed}')
            return value
        cleaned = value.strip()
        if len(cleaned) > self.max_length:
            raise ValueError(f'must be at most {self.max_length} characters')
        if not is_plain_text(cleaned):
            raise ValueError('must not contain NUL or lone surrogate characters')
        return cleaned or None

    def choice(self, value: Any) -> Choice | None:
        """The choice stored as ``value``, if this is a choice field and it is one."""
        return next((choice for choice in self.choices if choice.value == value), None)

    def chip_for(self, value: Any) -> Chip | None:
        """The card's chip for a stored value (None: nothing shown)."""
        if value is None or not self.on_card:
            return None
        if self.chip is not None:
            chip = self.chip(value)
            return chip if chip is None or chip.tone in TONES else Chip(chip.text)
        choice = self.choice(value)
        if choice is not None:
            return Chip(choice.label, choice.tone)
        return Chip(str(value)) if not self.choices else None

    def display(self, value: Any, language: str | None) -> str:
        """A stored value as people read it (a choice's label; ``—`` for none)."""
        if value is None or value == '':
            return '—'
        choice = self.choice(value)
        return localize(choice.label, language) if choice else str(value)


class ActionRefused(Exception):
    """What ``ActionContext.update`` raises when the write was refused; ``message`` is in the viewer's language."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class ActionContext:
    """What a card action gets: the lead as the card shows it, who acts, and ways to write and to tell."""

    lead: dict[str, Any]  # the card's snapshot (API shape; ``custom_fields`` included)
    user_id: uuid.UUID
    user_name: str
    organization_id: uuid.UUID
    role: str
    language: str
    # set plugin fields (and/or lead fields such as 'tags') with the version the card showed: one lead_updated event
    update: Callable[[dict[str, Any]], Awaitable[dict[str, Any]]]
    notify: Callable[[str, str], None]  # (message, kind: 'positive' | 'negative' | 'warning' | 'info')

    def text(self, text: Text) -> str:
        """A plugin text in the viewer's language."""
        return localize(text, self.language)


@dataclass(frozen=True)
class CardAction:
    """An entry in a card's menu (right-click, the M key, or the card's menu button) that runs ``run``.

    ``available(lead)`` hides it for leads it does not apply to; ``writes``: only people who may edit leads see it.
    """

    key: str
    label: Text
    run: Callable[[ActionContext], Awaitable[None]]
    icon: str = 'bolt'
    available: Callable[[dict[str, Any]], bool] = field(default=lambda lead: True)
    writes: bool = True

    def validate_declaration(self) -> None:
        """Refuse a declaration the product could not show."""
        _check_key(self.key, 'action key')
        _check_text(self.label, f'action {self.key} label')
        if not re.match(r'^[a-z0-9_]{1,60}$', self.icon):
            raise PluginError(f'action {self.key}: icon must be a Material icon name')


@dataclass(frozen=True)
class FieldFilter:
    """A filter-bar select over one plugin field with choices: leads with a chosen value, or with none.

    The condition is the board's own (``services.board.BoardFilter``): the same rule in SQL and on live events.
    """

    field: str
    label: Text | None = None  # default: the field's label

    def validate_declaration(self) -> None:
        """Refuse a filter on nothing."""
        _check_key(self.field, 'filter field')


@dataclass
class PageContext:
    """What a plugin page's ``build`` gets: who is looking, the database scoped to their organization, live events."""

    user_id: uuid.UUID
    user_name: str
    organization_id: uuid.UUID
    role: str
    language: str
    # ``async with page.session() as s`` — a read-only session under the organization's row-level security
    session: Callable[[], Any]
    # ``page.on_lead_event(callback)``: callback(event) for each lead event of the organization, while the page is open
    on_lead_event: Callable[[Callable[[Any], Awaitable[None] | None]], None]
    leads: Callable[[], Awaitable[list[dict[str, Any]]]]  # every lead of the organization (API shape)

    def text(self, text: Text) -> str:
        """A plugin text in the viewer's language."""
        return localize(text, self.language)


@dataclass(frozen=True)
class PluginPage:
    """A signed-in page at ``path`` (under ``/x/``) in the app's frame, with a header link when ``nav``."""

    path: str
    title: Text
    build: Callable[[PageContext], Awaitable[None] | None]
    icon: str = 'extension'
    nav: bool = True

    @property
    def key(self) -> str:
        """The page's name in the navigation (``x-`` and the last part of its path)."""
        return 'x-' + self.path.rsplit('/', 1)[-1]

    def validate_declaration(self) -> None:
        """Refuse a page outside /x/ or without a title."""
        if not PAGE_PATH.match(self.path):
            raise PluginError(f'page path {self.path!r} must match {PAGE_PATH.pattern}')
        _check_text(self.title, f'page {self.path} title')


@dataclass
class Extensions:
    """Everything the loaded plugins declared; one per app (``AppContext.extensions``)."""

    fields: dict[str, LeadField] = field(default_factory=dict)
    actions: dict[str, CardAction] = field(default_factory=dict)
    filters: dict[str, FieldFilter] = field(default_factory=dict)
    pages: dict[str, PluginPage] = field(default_factory=dict)
    plugins: list[str] = field(default_factory=list)  # module names, in load order

    def add_field(self, lead_field: LeadField) -> None:
        """A field on every lead: cards, the lead dialog, the API's ``custom_fields``."""
        lead_field.validate_declaration()
        if lead_field.key in self.fields:
            raise PluginError(f'field {lead_field.key!r} is declared twice')
        self.fields[lead_field.key] = lead_field

    def add_action(self, action: CardAction) -> None:
        """An entry in every card's menu."""
        action.validate_declaration()
        if action.key in self.actions:
            raise PluginError(f'action {action.key!r} is declared twice')
        self.actions[action.key] = action

    def add_filter(self, field_filter: FieldFilter) -> None:
        """A select in the board's filter bar (the field must be declared first and have choices)."""
        field_filter.validate_declaration()
        lead_field = self.fields.get(field_filter.field)
        if lead_field is None or not lead_field.choices:
            raise PluginError(f'filter on {field_filter.field!r}: declare that field, with choices, first')
        if field_filter.field in self.filters:
            raise PluginError(f'filter on {field_filter.field!r} is declared twice')
        self.filters[field_filter.field] = field_filter

    def add_page(self, page: PluginPage) -> None:
        """A signed-in page under /x/."""
        page.validate_declaration()
        if page.path in self.pages:
            raise PluginError(f'page {page.path!r} is declared twice')
        self.pages[page.path] = page

    def filter_label(self, field_filter: FieldFilter, language: str | None) -> str:
        """The filter's label: its own, or its field's."""
        return localize(field_filter.label or self.fields[field_filter.field].label, language)

    def filter_choices(self, field_key: str, language: str | None, none_label: str) -> dict[str, str]:
        """A field filter's options: each choice by label, then "no value"."""
        lead_field = self.fields[field_key]
        options = {choice.value: localize(choice.label, language) for choice in lead_field.choices}
        options[NO_VALUE] = none_label
        return options

    def filter_values(self) -> dict[str, set[str]]:
        """Each field filter's accepted values (its field's choices and ``NO_VALUE``), by field key."""
        return {key: {c.value for c in self.fields[key].choices} | {NO_VALUE} for key in self.filters}

    def check_values(self, values: Mapping[str, Any] | None) -> dict[str, Any] | None:
        """``custom_fields`` as a client sent them, each value checked by its field; 422 on an unknown key or value.

        ``None`` (nothing sent) stays ``None``; a ``None`` value stays (it removes the key on update).
        """
        if values is None:
            return None
        cleaned: dict[str, Any] = {}
        for key, value in values.items():
            lead_field = self.fields.get(key)
            if lead_field is None:
                known = ', '.join(sorted(self.fields)) or 'none are installed'
                raise Invalid(
                    f'custom_fields.{key} is not a field of this server (fields: {known})',
                    code=ErrorCode.CUSTOM_FIELD_UNKNOWN,
                )
            try:
                cleaned[key] = lead_field.check(value)
            except ValueError as exc:
                raise Invalid(f'custom_fields.{key} {exc}', code=ErrorCode.CUSTOM_FIELD_INVALID) from exc
        return cleaned

    def chips(self, lead: Mapping[str, Any], language: str | None) -> list[tuple[str, str]]:
        """(text, tone) for each plugin field the card shows, in declaration order."""
        values = lead.get('custom_fields') or {}
        shown: list[tuple[str, str]] = []
        for key, lead_field in self.fields.items():
            chip = lead_field.chip_for(values.get(key))
            if chip is not None:
                shown.append((localize(chip.text, language), chip.tone))
        return shown

    def nav_items(self, language: str | None) -> list[tuple[str, str, str, str]]:
        """(key, path, icon, label) of each page that wants a header link."""
        return [(p.key, p.path, p.icon, localize(p.title, language)) for p in self.pages.values() if p.nav]


def load_plugins(names: Iterable[str]) -> Extensions:
    """Import each named module and call its ``register(ext)``; a failure stops start-up with the plugin's name."""
    ext = Extensions()
    for name in names:
        try:
            module = importlib.import_module(name)
        except Exception as exc:  # the operator's typo or the plugin's own import error: say which
            raise PluginError(f'plugin {name!r} could not be imported: {exc}') from exc
        register = getattr(module, 'register', None)
        if not callable(register):
            raise PluginError(f'plugin {name!r} has no register(ext) function')
        try:
            register(ext)
        except PluginError as exc:
            raise PluginError(f'plugin {name!r}: {exc}') from exc
        ext.plugins.append(name)
    return ext


async def read_leads(session: AsyncSession, organization_id: uuid.UUID) -> list[dict[str, Any]]:
    """Every lead of one organization in API shape (a plugin page's ``leads()``)."""
    rows = await session.execute(
        select(Lead).where(col(Lead.organization_id) == organization_id).order_by(col(Lead.created_at))
    )
    return [lead_public(lead).model_dump(mode='json') for lead in rows.scalars()]
