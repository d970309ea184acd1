"""Small pieces the team, invite, settings and profile pages share."""

from collections.abc import Iterator
from contextlib import contextmanager

from nicegui import app, ui

from .i18n import LANGUAGES, Translate


class StatusLine(ui.label):
    """A form's outcome in words: refusals as an alert, successes and warnings as a polite status."""

    def __init__(self) -> None:
        super().__init__()
        self.classes('text-body2 status-line')
        self.set_visibility(False)

    def _show(self, text: str, color: str, role: str) -> None:
        self.classes(remove='text-negative text-positive text-orange-10', add=color)
        self.props(f'role={role} aria-live={"assertive" if role == "alert" else "polite"}')
        self.text = text
        self.set_visibility(True)

    def error(self, text: str) -> None:
        """A refusal or a mistake to fix."""
        self._show(text, 'text-negative', 'alert')

    def warn(self, text: str) -> None:
        """Done, but something the person should know went wrong."""
        self._show(text, 'text-orange-10', 'alert')

    def success(self, text: str) -> None:
        """Done."""
        self._show(text, 'text-positive', 'status')

    def reset(self) -> None:
        """Nothing to say."""
        self.text = ''
        self.set_visibility(False)


class ConfirmDialog(ui.dialog):
    """Asks a yes/no question before something that cannot be undone."""

    def __init__(self, *, cancel_label: str) -> None:
        super().__init__()
        with self, ui.card().classes('gap-3'):
            self.question = ui.label().classes('text-body1')
            with ui.row().classes('w-full justify-end gap-2'):
                ui.button(cancel_label, on_click=lambda: self.submit(False)).props('flat').mark('confirm-no')
                self.confirm = ui.button(color='negative', on_click=lambda: self.submit(True)).mark('confirm-yes')

    async def ask(self, question: str, confirm_label: str) -> bool:
        """Show the question and wait for the answer (closing the dialog means no)."""
        self.question.text = question
        self.confirm.text = confirm_label
        return bool(await self)


class LinkField(ui.row):
    """A link to hand over: a read-only field (select it and copy by hand) and a copy button."""

    def __init__(self, *, t: Translate, label: str) -> None:
        super().__init__()
        self._t = t
        self.classes('w-full items-center no-wrap gap-2 link-field')
        with self:
            self.field = ui.input(label).props('readonly outlined dense').classes('grow').mark('invite-link')
            self.copy_button = ui.button(icon='content_copy', on_click=self.copy).props(
                f'flat round aria-label="{t("invite.copy")}"'
            )
            self.copy_button.tooltip(t('invite.copy'))
        self.set_visibility(False)

    def show(self, link: str) -> None:
        """Show a new link."""
        self.field.value = link
        self.set_visibility(True)

    def copy(self) -> None:
        """Put the link on the clipboard."""
        ui.clipboard.write(self.field.value or '')
        ui.notify(self._t('invite.copied'), type='positive')


class LanguageSwitch(ui.row):
    """pt-BR / English buttons for pages without the header (sign-in, invite)."""

    def __init__(self) -> None:
        super().__init__()
        self.classes('gap-2 self-end')
        with self:
            for code, label in LANGUAGES.items():
                ui.button(label, on_click=lambda c=code: self.choose(c)).props('flat dense no-caps size=sm')

    @staticmethod
    def choose(language: str) -> None:
        """Remember the language for this browser and redraw the page in it."""
        app.storage.user['language'] = language
        ui.navigate.reload()


@contextmanager
def entry_card(t: Translate) -> Iterator[ui.card]:
    """The frame of the pages before signing in (sign-in, sign-up, new password): one card on our colour, with the
    language switch, the product's name and what it is; the page's own heading and form go inside."""
    with ui.element('div').classes('entry-page'), ui.card().classes('entry-card w-full gap-3') as card:
        LanguageSwitch()
        with ui.column().classes('gap-0'):
            ui.label(t('app.title')).classes('text-2xl font-bold text-primary')
            ui.label(t('app.tagline')).classes('text-body2 text-grey-8')
        yield card
