"""Outgoing e-mail over SMTP (invite links), sent from a worker thread so the event loop never waits on it."""

import asyncio
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from ..config import Settings

SMTP_TIMEOUT_SECONDS = 15.0  # connect and every command; a slow mail server must not hold a worker thread long


class MailError(Exception):
    """The message could not be handed to the SMTP server (what failed is in the text)."""


@dataclass(frozen=True)
class Mail:
    """One plain-text message."""

    to: str
    subject: str
    body: str


def sender_address(settings: Settings) -> str:
    """SMTP_FROM, else the SMTP user name, else a local placeholder."""
    return settings.smtp_from.strip() or settings.smtp_username.strip() or 'lovedcrm@localhost'


def build_message(settings: Settings, mail: Mail) -> EmailMessage:
    """The RFC 5322 message for ``mail``."""
    message = EmailMessage()
    sender = sender_address(settings)
    message['From'] = sender
    message['To'] = mail.to
    message['Subject'] = mail.subject
    message['Date'] = formatdate(localtime=False)
    message['Message-ID'] = make_msgid(domain=sender.rsplit('@', 1)[-1] or None)
    message.set_content(mail.body)
    return message


def _deliver(settings: Settings, message: EmailMessage) -> None:
    with smtplib.SMTP(settings.smtp_host.strip(), settings.smtp_port, timeout=SMTP_TIMEOUT_SECONDS) as smtp:
        if settings.smtp_starttls:
            smtp.starttls(context=ssl.create_default_context())
        if settings.smtp_username:
            smtp.login(settings.smtp_username, settings.smtp_password)
        smtp.send_message(message)


async def send_mail(settings: Settings, mail: Mail) -> None:
    """Send one message through the configured SMTP server; raises MailError when it fails."""
    if not settings.mail_enabled:
        raise MailError('SMTP is not configured (SMTP_HOST is empty)')
    message = build_message(settings, mail)
    try:
        await asyncio.to_thread(_deliver, settings, message)
    except (smtplib.SMTPException, OSError, ValueError) as exc:  # OSError covers refused, unreachable, timeout
        raise MailError(f'{type(exc).__name__}: {exc}') from exc
