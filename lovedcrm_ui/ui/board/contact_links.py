"""The lead dialog's contact quick actions: "Ligar" (``tel:``), "E-mail" (``mailto:``) and "WhatsApp" (wa.me).

Each link is built from a fixed scheme plus what is left of the lead's value after a strict rule (the digits
of a phone, an e-mail address that validates, percent-encoded), so no stored value can make a
``javascript:`` link or leave the attribute; a value that gives nothing usable shows no link.
"""

import re
from urllib.parse import quote

from email_validator import EmailNotValidError, validate_email
from nicegui import ui

from ..i18n import Translate

MIN_DIGITS = 8  # fewer digits are no phone number anyone can call
BRAZIL = '55'
MAX_PHONE = 50  # the lead's phone field limit


def _digits(phone: str) -> str:
    return re.sub(r'\D', '', phone)


def tel_href(phone: str | None) -> str | None:
    """``tel:`` with the number's digits (and its leading +), or None when it has too few digits."""
    if not phone or len(phone) > MAX_PHONE:
        return None
    digits = _digits(phone)
    if len(digits) < MIN_DIGITS:
        return None
    return f'tel:{"+" if phone.strip().startswith("+") else ""}{digits}'


def whatsapp_number(phone: str | None) -> str | None:
    """The international digits wa.me wants: a Brazilian number without a country code (DDD + number) gets 55."""
    if not phone or len(phone) > MAX_PHONE:
        return None
    digits = _digits(phone)
    if not phone.strip().startswith('+'):
        digits = digits.lstrip('0')  # a trunk prefix (0 11 …, 0xx11 …) is not part of the number
        if len(digits) in (10, 11):  # DDD (2) + 8 or 9 digits: a Brazilian number written the local way
            digits = BRAZIL + digits
    return digits if len(digits) >= MIN_DIGITS else None


def _grouped(number: str) -> str:
    """A Brazilian subscriber number (8 or 9 digits) as people write it: 98765-4321, 3811-7495."""
    return f'{number[:-4]}-{number[-4:]}'


def display_phone(phone: str) -> str:
    """How a card shows a phone: a Brazilian number in its usual spelling whatever way it was typed
    (+55 11 98765-4321, or (11) 98765-4321 without the country code); anything else as typed."""
    typed = phone.strip()
    if not re.fullmatch(r'[\d\s()+.\-]+', typed):
        return typed
    digits = _digits(typed)
    if typed.startswith('+'):
        if digits.startswith(BRAZIL) and len(digits) in (12, 13):
            return f'+55 {digits[2:4]} {_grouped(digits[4:])}'
        return typed
    if len(digits) in (10, 11) and not digits.startswith('0'):
        return f'({digits[:2]}) {_grouped(digits[2:])}'
    return typed


def whatsapp_href(phone: str | None) -> str | None:
    """``https://wa.me/<digits>``, or None."""
    number = whatsapp_number(phone)
    return f'https://wa.me/{number}' if number else None


def mailto_href(email: str | None) -> str | None:
    """``mailto:`` with the address percent-encoded, or None when it is not a valid address."""
    if not email or not email.strip():
        return None
    try:
        valid = validate_email(email.strip(), check_deliverability=False)
    except EmailNotValidError:
        return None
    return 'mailto:' + quote(valid.normalized, safe='@.+-_')


class ContactActions(ui.row):
    """Links to call, e-mail or WhatsApp the lead, each shown only when the lead has what it needs."""

    def __init__(self, *, t: Translate) -> None:
        super().__init__()
        self._t = t
        self.classes('w-full gap-3 items-center contact-actions')
        with self:
            self.call = self._link(t('contact.call'), new_tab=False).mark('contact-call')
            self.email = self._link(t('contact.email'), new_tab=False).mark('contact-email')
            self.whatsapp = self._link(t('contact.whatsapp'), new_tab=True).mark('contact-whatsapp')
        self.show(email=None, phone=None)

    @staticmethod
    def _link(text: str, *, new_tab: bool) -> ui.link:
        link = ui.link(text, '#', new_tab=new_tab).classes('text-body2 contact-link')
        if new_tab:
            link.props['rel'] = 'noopener noreferrer'
        return link

    def show(self, *, email: str | None, phone: str | None) -> None:
        """Point the links at this lead's e-mail and phone (a link without a usable value is hidden)."""
        t = self._t
        links = (
            (self.call, tel_href(phone), t('contact.call_label', phone=phone or '')),
            (self.email, mailto_href(email), t('contact.email_label', email=email or '')),
            (self.whatsapp, whatsapp_href(phone), t('contact.whatsapp_label', phone=phone or '')),
        )
        for link, href, label in links:
            # dictionary assignment, not a props string: the value is never parsed, only set as the attribute
            link.props['href'] = href or '#'
            link.props['aria-label'] = label
            link.set_visibility(href is not None)
        self.set_visibility(any(href for _, href, _ in links))
