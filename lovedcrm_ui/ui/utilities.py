"""The few layout utility classes the pages use, as plain CSS (NiceGUI's Tailwind runtime is off).

NiceGUI compiles Tailwind in the browser on every page load by default; measured on the 10,000-lead
board that cost ~150-200 ms of each open (``ui.run(tailwind=False)`` in ``main.py``). Quasar already
provides the flex helpers (``items-center``, ``justify-between``, ``no-wrap``, ``self-end``), the
typography (``text-h6``, ``text-caption``) and the colours we use; the rest is here, in the
``utilities`` layer NiceGUI reserves for them (above Quasar's and NiceGUI's own defaults, such as a
row's 1rem gap). Values follow Tailwind's scale (1 unit = 0.25rem), so the markup reads the same.
A class used in the UI that is in neither Quasar nor this list has no effect:
``tests/ui/test_utility_classes.py`` checks every class the UI code names.
"""

from nicegui import Client, ui

SPACING = {'0': '0', '1': '.25rem', '2': '.5rem', '3': '.75rem', '4': '1rem'}
WIDTHS = {'28': '7rem', '36': '9rem', '40': '10rem', '44': '11rem'}
MAX_WIDTHS = {'sm': '24rem', 'md': '28rem', 'xl': '36rem', '2xl': '42rem', '4xl': '56rem'}
MIN_WIDTHS = {'0': '0', '[8rem]': '8rem', '[9rem]': '9rem', '[14rem]': '14rem'}
TEXT = {'sm': ('.875rem', '1.25rem'), 'lg': ('1.125rem', '1.75rem'), '2xl': ('1.5rem', '2rem')}


def _escape(name: str) -> str:
    return name.replace('[', r'\[').replace(']', r'\]')


def utility_rules() -> dict[str, str]:
    """Class name → CSS declarations."""
    rules = {
        'w-full': 'width:100%',
        'mx-auto': 'margin-left:auto;margin-right:auto',
        'grow': 'flex-grow:1',
        'font-bold': 'font-weight:700',
        'font-medium': 'font-weight:500',
        'opacity-90': 'opacity:.9',
        'no-underline': 'text-decoration-line:none',
        'p-2': 'padding:.5rem',
        'p-4': 'padding:1rem',
        'px-3': 'padding-left:.75rem;padding-right:.75rem',
        'py-1': 'padding-top:.25rem;padding-bottom:.25rem',
        # Quasar has these too, but NiceGUI's own row/column rules (a later layer) would win over Quasar's
        'items-center': 'align-items:center',
        'items-start': 'align-items:flex-start',
    }
    rules.update({f'gap-{k}': f'gap:{v}' for k, v in SPACING.items()})
    rules.update({f'w-{k}': f'width:{v}' for k, v in WIDTHS.items()})
    rules.update({f'max-w-{k}': f'max-width:{v}' for k, v in MAX_WIDTHS.items()})
    rules.update({f'min-w-{k}': f'min-width:{v}' for k, v in MIN_WIDTHS.items()})
    rules.update({f'text-{k}': f'font-size:{size};line-height:{line}' for k, (size, line) in TEXT.items()})
    return rules


def utilities_css() -> str:
    """The stylesheet, in NiceGUI's ``utilities`` layer."""
    body = ''.join(f'.{_escape(name)}{{{declarations}}}' for name, declarations in utility_rules().items())
    # Tailwind's reset also took the browser's list margin off Quasar's timeline (a <ul>)
    return f'<style>@layer utilities{{{body}}}@layer base{{ul.q-timeline{{margin:0}}}}</style>'


def add_utilities() -> None:
    """Add the stylesheet to every page (once, however often the app is built)."""
    css = utilities_css()
    if css not in Client.shared_head_html:
        ui.add_head_html(css, shared=True)
