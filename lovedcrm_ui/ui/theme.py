"""Our colours, set once for every page (Quasar's brand colours and a few shared rules).

Chosen for contrast, measured by axe-core in tests/browser/test_accessibility_axe.py (WCAG 2.1 AA: 4.5:1 for
text): white text on each colour and each colour as text on white or on the columns' grey (#f1f3f6) pass.
Quasar's defaults did not (its primary #1976d2 in NiceGUI's shade #5898d4 gave 3.06:1, positive #21ba45 2.56:1,
info #31ccec 1.91:1). ``warning`` keeps Quasar's yellow: it is always drawn with dark text.
"""

from collections.abc import Callable

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


def stage_tint(color: str, share: float = TINT, base: str = '#ffffff') -> str:
    """``color`` at ``share`` on ``base`` (white; in dark mode the dark surface), as ``#rrggbb`` (a header's fill)."""
    channels = zip(
        (int(color[i : i + 2], 16) for i in (1, 3, 5)), (int(base[i : i + 2], 16) for i in (1, 3, 5)), strict=True
    )
    return '#' + ''.join(f'{round(c * share + b * (1 - share)):02x}' for c, b in channels)


# Dark mode (issue 18): Quasar's own dark mode (``body--dark``, every Quasar component follows it) with our surfaces
# (``dark``: cards, dialogs, menus; ``dark-page``: the page) and lighter brand colours. In dark, a brand colour is light
# text on a dark surface (#8ab4f8 on #1a2130: 7.4:1), and a button or notification filled with it takes dark text
# (#0b1220 on #8ab4f8: 8.7:1) — one colour cannot pass 4.5:1 against both white and a dark surface.
# The rules that restyle Quasar's classes sit in NiceGUI's ``overrides`` layer: Quasar's ``!important`` colours
# (``text-white``, ``text-grey-7`` …) are in a later layer, and an important declaration of an earlier layer wins
# (an unlayered one would lose).
DARK_SURFACES = {'dark': '#1a2130', 'dark-page': '#0f1420'}
DARK_BRAND = {
    'primary': '#8ab4f8',
    'secondary': '#a5b4c8',
    'accent': '#c4b5fd',
    'positive': '#4ade80',
    'negative': '#fca5a5',
    'info': '#67e8f9',
}
ON_DARK_BRAND = '#0b1220'

# Our own colours as CSS custom properties: every page's rules (frame.py) use them, dark mode swaps them.
# Links in the primary colour (NiceGUI's own is a light blue, 3.67:1 on white); avatars show initials in the UI font;
# a notification naming a very long lead keeps to three lines; buttons in sentence case everywhere ("Salvar",
# "Novo lead"), not Quasar's capitals on some and not others; the pages before signing in are one card on the
# column colour (widgets.entry_card).
_FILLED = ','.join(f'.body--dark .bg-{name}:is(.text-white,.q-badge)' for name in DARK_BRAND)
SHARED_CSS = (
    """<style>
:root{--lc-surface:#fff;--lc-dialog:#fff;--lc-column:#f1f3f6;--lc-border:rgba(0,0,0,.12);--lc-muted:#555;
  --lc-money:#1b5e20;--lc-alert:#c62828;--lc-alert-edge:#d32f2f;--lc-alert-surface:#fff5f5;--lc-idle:#b26a00;
  --lc-idle-warning-edge:#f2a900;--lc-flash:#fff3b0;--lc-star:#ffa000;--lc-focus:#1976d2;--lc-tag-bg:#e3f2fd;
  --lc-tag-fg:#0d47a1;--lc-link:#1e3a8a;--lc-ink2:#374151}
body.body--dark{"""
    + ''.join(f'--q-{name}:{colour} !important;' for name, colour in DARK_BRAND.items())
    + f"""--lc-surface:#222b3d;--lc-dialog:{DARK_SURFACES['dark']};--lc-column:#171e2c;
  --lc-border:rgba(255,255,255,.14);--lc-muted:#b6c0cf;--lc-money:#86efac;--lc-alert:#fca5a5;--lc-alert-edge:#f87171;--lc-alert-surface:#2e1f29;
  --lc-idle:#fcd34d;--lc-idle-warning-edge:#fbbf24;--lc-flash:#4a4215;--lc-star:#fcd34d;--lc-focus:#8ab4f8;
  --lc-tag-bg:#1e3a5f;--lc-tag-fg:#cfe3ff;--lc-link:#a9c7fb;--lc-ink2:#cbd5e1}}
@layer overrides{{
{_FILLED}{{color:{ON_DARK_BRAND} !important}}
.body--dark .q-header.bg-primary.text-white{{background:{DARK_SURFACES['dark']} !important;color:#fff !important;
  border-bottom:1px solid rgba(255,255,255,.12)}}
.body--dark .text-grey-7,.body--dark .text-grey-8{{color:#b6c0cf !important}}
.body--dark .text-orange-10{{color:#fdba74 !important}}
.body--dark .bg-grey-2,.body--dark .bg-amber-1{{background:#2a3346 !important}}
}}
.body--dark .tone-grey{{background:#2c3444;color:#e2e8f0}}.body--dark .tone-red{{background:#3f1d24;color:#fecaca}}
.body--dark .tone-orange{{background:#3d2616;color:#fed7aa}}.body--dark .tone-amber{{background:#3a2f12;color:#fde68a}}
.body--dark .tone-green{{background:#173322;color:#bbf7d0}}.body--dark .tone-teal{{background:#123331;color:#99f6e4}}
.body--dark .tone-blue{{background:#1e3a5f;color:#cfe3ff}}.body--dark .tone-purple{{background:#33224a;color:#e9d5ff}}
.body--dark .chart-canvas{{background:#fff;border-radius:6px}}
"""
    + """.nicegui-link{color:var(--q-primary)}
.q-btn{text-transform:none}
.entry-page{--pad:var(--nicegui-default-padding);min-height:100vh;margin:calc(-1 * var(--pad));
  width:calc(100% + 2 * var(--pad));padding:var(--pad);display:flex;align-items:center;justify-content:center;
  background:var(--lc-column)}
.entry-card{max-width:26rem;padding:1.5rem}
.initials{font-family:inherit;font-weight:600;letter-spacing:.02em;line-height:1}
.q-notification__message{display:-webkit-box;-webkit-box-orient:vertical;-webkit-line-clamp:3;overflow:hidden;
  overflow-wrap:anywhere}
</style>"""
)


def install_theme() -> None:
    """Brand colours for Quasar, no ajax loading bar, the shared rules in every page's head (idempotent)."""
    app.config.quasar_config['brand'] = {**BRAND, **DARK_SURFACES}
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


def dark_value(theme: str | None) -> bool | None:
    """Quasar's dark mode for a theme preference: on, off, or ``None`` (follow the browser's prefers-color-scheme)."""
    return {'light': False, 'dark': True}.get(theme or 'light')


class Appearance:
    """One page's look as the viewer prefers it: light, dark or the system's theme, and the board's density.

    The theme is Quasar's dark mode (``ui.dark_mode``: ``body--dark`` and every Quasar component); the density is a
    class on ``body`` (``density-compact``) that the board's rules (frame.py) follow. Both change in place.
    """

    def __init__(self, theme: str | None, density: str | None = None) -> None:
        self.dark = ui.dark_mode(dark_value(theme))
        self.body = ui.query('body')
        self.theme = theme or 'light'
        self.density = 'comfortable'
        self.theme_followers: list[Callable[[str], None]] = []  # e.g. the header's theme icon
        if density is not None:
            self.set_density(density)

    def set_theme(self, theme: str) -> None:
        """Light, dark or system, at once."""
        self.theme = theme
        self.dark.value = dark_value(theme)
        for follower in self.theme_followers:
            follower(theme)

    def set_density(self, density: str) -> None:
        """Comfortable or compact cards and columns, at once."""
        self.density = density
        if density == 'compact':
            self.body.classes(add='density-compact')
        else:
            self.body.classes(remove='density-compact')


def browser_theme() -> Appearance:
    """The look of a page without a signed-in viewer (sign-in, register, invite): the theme this browser last used."""
    return Appearance(str(app.storage.user.get('theme') or 'light'))
