"""The e-mails people receive, in their language (pure text: used by the pages and by the API)."""

from datetime import datetime

from ..services import mail
from .i18n import Translate, format_date


def invite_link(base_url: str, token: str) -> str:
    """The link an invitee opens."""
    return f'{base_url.rstrip("/")}/invite/{token}'


def invite_mail(
    t: Translate,
    *,
    language: str,
    to: str,
    inviter: str,
    organization: str,
    role: str,
    message: str | None,
    link: str,
    expires_at: datetime,
) -> mail.Mail:
    """The invitation: who invites to which organization as what, the link, until when, and their message."""
    body = t(
        'mail.invite_body',
        inviter=inviter,
        organization=organization,
        role=t(f'role.{role}'),
        link=link,
        expires=format_date(expires_at, language),
    )
    if message:
        body += '\n\n' + t('mail.invite_message', message=message)
    return mail.Mail(to=to, subject=t('mail.invite_subject', organization=organization), body=body)
