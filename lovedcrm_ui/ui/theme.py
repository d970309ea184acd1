"""Our colours, set once for every page (Quasar's brand colours and a few shared rules).

Chosen for contrast, measured by axe-core in tests/browser/test_accessibility_axe.py (WCAG 2.1 AA: 4.5:1 for
text): white text on each colour and each colour as text on white or on the columns' grey (#f1f3f6) pass.
Quasar's defaults did not (its primary #1976d2 in NiceGUI's shade #5898d4 gave 3.06:1, positive #21ba45 2.56:1,
info #31ccec 1.91:1). ``warning`` keeps Quasar's yellow: it is always drawn with dark text.
"""

from nicegui import Client, app, ui

BRAND = {
    'primary': '#2456b8',  # 6.8:1 with white
    'secondary': '#475569',
    'accent': '#6d28d9',
    'positive': '#15803d',
    'negative': '#b91c1c',
    'info': '#0e7490',
}

# each stage's colour on the board (its column header): (brand colour, ink). The header is the colour at 12 % on white
# (``stage_tint``) with its name in the ink, 6.1:1 or more (contato and fechado need an ink darker than their colour)
STAGE_COLORS = {
    'lead': (BRAND['secondary'], '#334155'),
    'contato': (BRAND['info'], '#155e75'),
    'proposta': (BRAND['primary'], '#1e3a8a'),
    'negociacao': (BRAND['accent'], '#5b21b6'),
    'fechado': (BRAND['positive'], '#166534'),
}
TINT = 0.12


def stage_tint(color: str, share: float = TINT) -> str:
    """``color`` at ``share`` on white, as ``#rrggbb`` (a header's background)."""
    channels = (int(color[i : i + 2], 16) for i in (1, 3, 5))
    return '#' + ''.join(f'{round(c * share + 255 * (1 - share)):02x}' for c in channels)


# links in the primary colour (NiceGUI's own is a light blue, 3.67:1 on white); avatars show initials in the UI font;
# a notification naming a very long lead keeps to three lines
SHARED_CSS = """<style>
.nicegui-link{color:var(--q-primary)}
.initials{font-family:inherit;font-weight:600;letter-spacing:.02em;line-height:1}
.q-notification__message{display:-webkit-box;-webkit-box-orient:vertical;-webkit-line-clamp:3;overflow:hidden;
  overflow-wrap:anywhere}
</style>"""


def install_theme() -> None:
    """Brand colours for Quasar, no ajax loading bar, the shared rules in every page's head (idempotent)."""
    app.config.quasar_config['brand'] = dict(BRAND)
    # Quasar's bar over every XHR would flicker with each long-poll and has no accessible name
    app.config.quasar_config['loadingBar'] = {**app.config.quasar_config.get('loadingBar', {}), 'skipHijack': True}
    if SHARED_CSS not in Client.shared_head_html:
        Client.shared_head_html += SHARED_CSS + '\n'


def initials_avatar(
    initials: str, *, label: str, color: str = 'secondary', text_color: str = 'white', size: str = '32px'
) -> ui.avatar:
    """A person as a round avatar with their initials, named for screen readers (an image of that person).

    The initials are a label inside the avatar, not its icon: as an icon they were set in ``material-icons`` and the
    browser fell back to a serif face.
    """
    avatar = ui.avatar(color=color, text_color=text_color).props(f'size={size}')
    # a name is set as a value, never parsed from a props string (a quote in it would add props)
    avatar.props['role'] = 'img'
    avatar.props['aria-label'] = label
    avatar.props['title'] = label
    with avatar:
        ui.label(initials).classes('initials').props('aria-hidden=true')
    return avatar
