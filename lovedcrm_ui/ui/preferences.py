"""A user's display preferences (issue 18): language, time zone, board density and theme.

Stored on the user (``users.language``, ``timezone``, ``density``, ``theme``) through the same service as the profile
(services/users.py), so the API's ``PATCH /users/me`` and this form agree. The browser keeps the language and theme
too: the pages without a signed-in viewer (sign-in, register, invite) read them from there.
"""

from collections.abc import MutableMapping
from typing import Any

from nicegui import ui
from pydantic import ValidationError

from models.user import DENSITIES, THEMES, UserUpdate, time_zones

from ..context import AppContext
from ..services import users
from ..services.errors import DomainError
from .i18n import LANGUAGES, Translate
from .refusals import refusal
from .session import Viewer
from .theme import Appearance
from .widgets import StatusLine

THEME_ICONS = {'light': 'light_mode', 'dark': 'dark_mode', 'system': 'brightness_auto'}


async def save_preferences(
    ctx: AppContext, viewer: Viewer, storage: MutableMapping[str, Any], **changes: str
) -> str | None:
    """Save preferences through the profile service and mirror them on ``viewer``; a refusal in words, else None.

    ``storage``: the browser's ``app.storage.user`` captured when the page was built.
    """
    t = viewer.t
    try:
        update = UserUpdate.model_validate(changes)
    except ValidationError as exc:
        if any(error['loc'] and error['loc'][0] == 'timezone' for error in exc.errors()):
            return t('preferences.invalid_timezone')
        return t('error.invalid')
    try:
        async with ctx.db.session() as session:
            user = await users.update_profile(session, user_id=viewer.user_id, changes=update)
    except DomainError as exc:
        return refusal(exc, t)
    viewer.timezone, viewer.density, viewer.theme = user.timezone, user.density, user.theme
    storage['theme'] = user.theme
    if 'language' in changes:
        storage['language'] = user.language
    return None


class ThemeMenu(ui.button):
    """The header's theme switch: light, dark or the system's, saved as the viewer's preference."""

    def __init__(
        self, ctx: AppContext, viewer: Viewer, storage: MutableMapping[str, Any], appearance: Appearance
    ) -> None:
        t = viewer.t
        super().__init__(icon=THEME_ICONS.get(viewer.theme, 'light_mode'))
        self.ctx, self.viewer, self.storage, self.appearance = ctx, viewer, storage, appearance
        self.props(f'flat round dense color=white aria-label="{t("nav.theme")}"').mark('theme-menu')
        appearance.theme_followers.append(self._set_icon)  # also when the profile's form changes the theme
        with self, ui.menu():
            for theme in THEMES:
                item = ui.menu_item(t(f'preferences.theme_{theme}'), on_click=lambda c=theme: self.choose(c))
                item.props('role=menuitem').mark(f'theme-{theme}')  # Quasar's default (listitem) has no list

    async def choose(self, theme: str) -> None:
        """Apply at once, then save; a refusal is a notification."""
        self.appearance.set_theme(theme)
        problem = await save_preferences(self.ctx, self.viewer, self.storage, theme=theme)
        if problem is not None:
            ui.notify(problem, type='negative')

    def _set_icon(self, theme: str) -> None:
        self.props(f'icon={THEME_ICONS.get(theme, "light_mode")}')


def _options(t: Translate, prefix: str, values: tuple[str, ...]) -> dict[str, str]:
    return {value: t(f'{prefix}_{value}') for value in values}


class PreferencesForm(ui.card):
    """Language, time zone, density and theme; each applies as soon as it is chosen (a new language redraws)."""

    def __init__(
        self,
        ctx: AppContext,
        viewer: Viewer,
        storage: MutableMapping[str, Any],
        appearance: Appearance,
        on_timezone: Any = None,
    ) -> None:
        super().__init__()
        self.ctx, self.viewer, self.storage, self.appearance = ctx, viewer, storage, appearance
        self.on_timezone = on_timezone
        t = viewer.t
        self.classes('w-full max-w-xl gap-3 preferences-form').mark('preferences')
        with self:
            ui.label(t('preferences.title')).classes('text-h6')
            ui.label(t('preferences.explain')).classes('text-caption text-grey-7')
            self.language = ui.select(
                dict(LANGUAGES), value=viewer.language, label=t('profile.language'), on_change=self._language
            )
            self.language.props('outlined dense').classes('w-full').mark('profile-language')
            zones = sorted(time_zones())
            zone = viewer.timezone if viewer.timezone in time_zones() else 'UTC'
            self.timezone = ui.select(
                zones, value=zone, label=t('preferences.timezone'), with_input=True, on_change=self._timezone
            )
            self.timezone.props(f'outlined dense hint="{t("preferences.timezone_hint")}"').classes('w-full')
            self.timezone.mark('preferences-timezone')
            ui.button(t('preferences.browser_zone'), icon='my_location', on_click=self.use_browser_zone).props(
                'flat dense no-caps'
            ).classes('self-start').mark('preferences-browser-zone')
            self.density = ui.select(
                _options(t, 'preferences.density', DENSITIES),
                value=viewer.density,
                label=t('preferences.density'),
                on_change=self._density,
            )
            self.density.props('outlined dense').classes('w-full').mark('preferences-density')
            self.theme = ui.select(
                _options(t, 'preferences.theme', THEMES),
                value=viewer.theme,
                label=t('preferences.theme'),
                on_change=self._theme,
            )
            self.theme.props('outlined dense').classes('w-full').mark('preferences-theme')
            self.status = StatusLine().mark('preferences-status')

    async def _save(self, **changes: str) -> bool:
        self.status.reset()
        problem = await save_preferences(self.ctx, self.viewer, self.storage, **changes)
        if problem is not None:
            self.status.error(problem)
            return False
        self.status.success(self.viewer.t('preferences.saved'))
        return True

    async def _language(self) -> None:
        language = str(self.language.value or self.viewer.language)
        if language != self.viewer.language and await self._save(language=language):
            ui.navigate.reload()  # every text of the page in the new language

    async def _timezone(self) -> None:
        zone = str(self.timezone.value or '')
        if zone and zone != self.viewer.timezone and await self._save(timezone=zone) and self.on_timezone:
            await self.on_timezone()

    async def _density(self) -> None:
        density = str(self.density.value or 'comfortable')
        if density != self.viewer.density and await self._save(density=density):
            self.appearance.set_density(density)

    async def _theme(self) -> None:
        theme = str(self.theme.value or 'light')
        if theme != self.viewer.theme and await self._save(theme=theme):
            self.appearance.set_theme(theme)

    async def use_browser_zone(self) -> None:
        """Take the zone the browser reports (its ``Intl`` API: the one line of script NiceGUI cannot replace)."""
        try:
            zone = await ui.run_javascript('Intl.DateTimeFormat().resolvedOptions().timeZone')
        except TimeoutError:
            zone = None
        if not isinstance(zone, str) or zone not in time_zones():
            self.status.error(self.viewer.t('preferences.browser_zone_unknown'))
            return
        self.timezone.value = zone  # saves through _timezone
