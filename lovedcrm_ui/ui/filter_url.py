"""The board's filter in the page address, so a filtered view can be bookmarked and shared.

``/pipeline`` and ``/insights`` read and write the same query parameters, so following the header link from a
filtered board to the insights (or back) keeps the filter:

``q`` (text), ``source``, ``assignee`` (a user id), ``tag`` (repeated), ``favorites=1``, ``min`` and ``max``
(amounts as a person types them, ``1.500,00`` or ``1500``), and ``cf.<field>`` for a plugin field filter (a choice's
value, or ``-`` for "not set"; docs/EXTENDING.md).

A parameter that does not parse (an edited or truncated link) is left out rather than refused: the page opens with
the rest of the filter and the filter bar shows what is actually applied.
"""

import json
import uuid
from collections.abc import Callable, Collection, Mapping, Sequence
from decimal import Decimal
from urllib.parse import urlencode

from nicegui import Client, ui

from models.types import is_plain_text

from ..services.board import BoardFilter
from .frame import Navigation
from .i18n import parse_brl

MAX_TEXT = 200  # the filter bar's search never needs more; a longer ``q`` is cut
MAX_TAGS = 50


def _amount(raw: str | None) -> Decimal | None:
    try:
        value = parse_brl(raw)
    except ValueError:
        return None
    return value if value is not None and value >= 0 else None


def _text(raw: str | None) -> str:
    text = (raw or '').strip()[:MAX_TEXT]
    return text if is_plain_text(text) else ''


FIELD_PREFIX = 'cf.'


def filter_from_query(
    params: Mapping[str, str], tags: Sequence[str] = (), field_choices: Mapping[str, Collection[str]] | None = None
) -> BoardFilter:
    """The filter a page address asks for (``tags``: every ``tag`` value of the address).

    ``field_choices``: the plugin field filters installed, each with the values it offers; ``cf.`` parameters for
    anything else are left out.
    """
    assignee: uuid.UUID | None
    try:
        assignee = uuid.UUID(params.get('assignee', ''))
    except ValueError:
        assignee = None
    low, high = _amount(params.get('min')), _amount(params.get('max'))
    if low is not None and high is not None and low > high:
        low, high = high, low
    clean_tags = tuple(dict.fromkeys(t for t in (_text(tag) for tag in tags[:MAX_TAGS]) if t))
    return BoardFilter(
        text=_text(params.get('q')),
        source=_text(params.get('source')) or None,
        assignee_id=assignee,
        tags=clean_tags,
        favorites_only=params.get('favorites') in ('1', 'true'),
        value_min=low,
        value_max=high,
        fields=tuple(
            (key, params[FIELD_PREFIX + key])
            for key, offered in sorted((field_choices or {}).items())
            if params.get(FIELD_PREFIX + key) in offered
        ),
    )


def amount_text(value: Decimal) -> str:
    """An amount as the address writes it: ``1500``, ``99.9`` (no trailing zeros, no exponent)."""
    text = f'{value:f}'
    return text.rstrip('0').rstrip('.') if '.' in text else text


def query_pairs(board_filter: BoardFilter) -> list[tuple[str, str]]:
    """The address parameters of a filter (none for the empty filter)."""
    pairs: list[tuple[str, str]] = []
    if board_filter.text:
        pairs.append(('q', board_filter.text))
    if board_filter.source:
        pairs.append(('source', board_filter.source))
    if board_filter.assignee_id:
        pairs.append(('assignee', str(board_filter.assignee_id)))
    pairs.extend(('tag', tag) for tag in board_filter.tags)
    if board_filter.favorites_only:
        pairs.append(('favorites', '1'))
    if board_filter.value_min is not None:
        pairs.append(('min', amount_text(board_filter.value_min)))
    if board_filter.value_max is not None:
        pairs.append(('max', amount_text(board_filter.value_max)))
    pairs.extend((FIELD_PREFIX + key, value) for key, value in board_filter.fields)
    return pairs


def page_url(path: str, board_filter: BoardFilter, extra: Sequence[tuple[str, str]] = ()) -> str:
    """``path`` with the filter (and ``extra`` parameters) in its query string."""
    pairs = [*query_pairs(board_filter), *extra]
    return f'{path}?{urlencode(pairs)}' if pairs else path


def follow_filter(path: str, navigation: Navigation) -> Callable[[BoardFilter], None]:
    """What a filtered page calls on every filter change: the address and the header links follow it.

    The address is replaced, not pushed: "back" leaves the page instead of stepping through every keystroke.
    """

    client = ui.context.client  # captured: a change may be applied outside the page's own event handlers

    def keep(board_filter: BoardFilter) -> None:
        navigation.carry_query(urlencode(query_pairs(board_filter)))
        replace_address(client, page_url(path, board_filter))

    return keep


def replace_address(client: Client, url: str) -> None:
    """Show ``url`` in the browser's address bar without a new history entry (``url`` is JSON-quoted: no injection)."""
    client.run_javascript(f'history.replaceState(history.state, "", {json.dumps(url)})')
