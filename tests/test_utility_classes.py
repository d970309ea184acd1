"""Every layout utility class the UI names exists: in Quasar's stylesheet or in ``ui/utilities.py``.

NiceGUI's in-browser Tailwind compiler is off (main.py), so a Tailwind-style class that neither
Quasar nor our stylesheet defines would silently do nothing.
"""

import re
from pathlib import Path

import nicegui

from lovedcrm_ui.ui.utilities import utilities_css, utility_rules

UI_CODE = Path(__file__).resolve().parent.parent / 'lovedcrm_ui'
QUASAR_CSS = Path(nicegui.__file__).parent / 'static'
# what a Tailwind utility looks like (our own semantic classes, e.g. "lead-card" or "member-row", do not)
UTILITY = re.compile(
    r'^(w|h|min-w|max-w|min-h|max-h|gap|p|px|py|pt|pb|pl|pr|m|mx|my|mt|mb|ml|mr|text|font|opacity|grow|shrink|'
    r'flex|rounded|border|bg|items|justify|self|leading|tracking|space-x|space-y|z|top|left|right|bottom|'
    r'underline|no-underline|truncate|overflow|whitespace|break|cursor|shadow|order|col|row)(-.*)?$'
)


def class_names_in_ui_code() -> set[str]:
    names: set[str] = set()
    for path in UI_CODE.rglob('*.py'):
        for literal in re.findall(r"""classes\(\s*f?(['"])(.*?)\1""", path.read_text()):
            names.update(name for name in literal[1].split() if '{' not in name)
    return names


def quasar_classes() -> set[str]:
    css = ''.join(p.read_text() for p in QUASAR_CSS.glob('quasar.*.prod.css'))
    return set(re.findall(r'\.(-?[A-Za-z][\w-]*)', css))


def test_every_utility_class_the_ui_uses_is_defined() -> None:
    used = {name for name in class_names_in_ui_code() if UTILITY.match(name)}
    assert len(used) > 20  # the scan found the UI's classes
    known = quasar_classes() | set(utility_rules())
    assert sorted(used - known) == []


def test_the_stylesheet_escapes_arbitrary_values() -> None:
    assert r'.min-w-\[9rem\]{min-width:9rem}' in utilities_css()
