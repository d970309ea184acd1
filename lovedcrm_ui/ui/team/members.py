"""The organization's members: role per person; owners and admins change roles and remove people."""

import uuid
from dataclasses import dataclass

from nicegui import ui
from nicegui.events import ValueChangeEventArguments

from models import Role
from models.user import initials

from ...context import AppContext
from ...services import organizations
from ...services.errors import DomainError
from ..refusals import refusal
from ..session import Viewer
from ..theme import initials_avatar
from ..widgets import ConfirmDialog, StatusLine

ROLES = (Role.OWNER, Role.ADMIN, Role.MEMBER, Role.VIEWER)


@dataclass(frozen=True)
class MemberInfo:
    """What the list shows of one member (copied out of the session)."""

    user_id: uuid.UUID
    name: str
    email: str
    role: str


class MemberRow(ui.row):
    """One member: avatar, name, e-mail, role (a select for managers), remove."""

    def __init__(self, member: MemberInfo, members: 'MemberList') -> None:
        super().__init__()
        viewer = members.viewer
        t = viewer.t
        self.member = member
        self.classes('w-full items-center gap-3 py-1 member-row').mark(f'member-{member.email}')
        editable = viewer.can_manage and (member.role != Role.OWNER or viewer.role == Role.OWNER)
        with self:
            initials_avatar(initials(member.name), label=member.name, color='indigo-7')
            # on a phone the role and the remove button go to a second line instead of over the name
            with ui.column().classes('gap-0 list-row-text'):
                you = f' ({t("nav.you")})' if member.user_id == viewer.user_id else ''
                ui.label(member.name + you).classes('font-medium ellipsis')
                ui.label(member.email).classes('text-caption text-grey-7 ellipsis')
            self.role: ui.select | None = None
            if editable:
                # what the viewer may grant (the service's rule), plus the member's current role to show it
                grantable = organizations.grantable_roles(viewer.role)
                choices = [r for r in ROLES if r in grantable or r == member.role]
                self.role = ui.select(
                    {r.value: t(f'role.{r.value}') for r in choices},
                    value=member.role,
                    label=t('team.role'),
                    on_change=lambda e: members.change_role(self, e),
                )
                self.role.props('outlined dense options-dense').classes('w-36').mark(f'role-{member.email}')
                remove = ui.button(icon='person_remove', on_click=lambda: members.remove_member(member))
                remove.props('flat round color=negative').mark(f'remove-{member.email}')
                # a person's name is set as a value, never parsed: in a props string a quote in it would end the
                # label and add props (a ":prop" is evaluated as JavaScript in every manager's browser)
                yourself = member.user_id == viewer.user_id
                remove.props['aria-label'] = t('team.leave') if yourself else t('team.remove_label', name=member.name)
                if members.sole_owner(member):
                    remove.tooltip(t('team.last_owner_leave' if yourself else 'team.last_owner_remove'))
            else:
                ui.label(t(f'role.{member.role}')).classes('text-body2 member-role').mark(f'role-{member.email}')


class MemberList(ui.column):
    """Every active member, owners first; redrawn after each change (a team is a few dozen rows)."""

    def __init__(self, ctx: AppContext, viewer: Viewer, status: StatusLine) -> None:
        super().__init__()
        self.ctx = ctx
        self.viewer = viewer
        self.status = status
        self.members: list[MemberInfo] = []
        self.classes('w-full gap-0 member-list')
        self.confirm = ConfirmDialog(cancel_label=viewer.t('lead.cancel'))

    async def reload(self) -> None:
        """Re-read the members and draw them."""
        async with self.ctx.db.session(read_only=True, organization_id=self.viewer.organization_id) as session:
            rows = await organizations.list_members(session, organization_id=self.viewer.organization_id)
        self.members = [
            MemberInfo(m.user.id, m.user.full_name or m.user.email, m.user.email, m.role.value) for m in rows
        ]
        if self.is_deleted:
            return
        self.clear()
        with self:
            for member in self.members:
                MemberRow(member, self)
                ui.separator()

    async def change_role(self, row: MemberRow, event: ValueChangeEventArguments) -> None:
        """Give a member the chosen role; a refusal is shown and the select goes back."""
        member, t = row.member, self.viewer.t
        if event.value == member.role or event.value is None:
            return
        try:
            async with self.ctx.db.session(organization_id=self.viewer.organization_id) as session:
                caller = await self.viewer.fresh_caller(session)
                await organizations.change_role(session, caller=caller, user_id=member.user_id, role=Role(event.value))
        except DomainError as exc:
            self.status.error(refusal(exc, t))
            if row.role is not None:
                row.role.value = member.role  # back to the role the member still has
            return
        self.status.success(t('team.role_changed', name=member.name, role=t(f'role.{event.value}')))
        await self.reload()

    def sole_owner(self, member: MemberInfo) -> bool:
        """Whether ``member`` is the organization's only owner (who can be neither removed nor demoted)."""
        return member.role == Role.OWNER and sum(m.role == Role.OWNER for m in self.members) == 1

    async def remove_member(self, member: MemberInfo) -> None:
        """Ask, then remove; the member's open boards and sockets close at once."""
        t = self.viewer.t
        yourself = member.user_id == self.viewer.user_id
        if self.sole_owner(member):  # said before asking: a confirmation that can only end in a refusal misleads
            self.status.error(t('team.last_owner_leave' if yourself else 'team.last_owner_remove'))
            return
        if yourself:
            question = t('team.leave_confirm', organization=self.viewer.organization_name)
            if not await self.confirm.ask(question, t('team.leave')):
                return
        elif not await self.confirm.ask(t('team.remove_confirm', name=member.name), t('team.remove')):
            return
        try:
            async with self.ctx.db.session(organization_id=self.viewer.organization_id) as session:
                caller = await self.viewer.fresh_caller(session)
                await organizations.remove_member(session, caller=caller, user_id=member.user_id)
        except DomainError as exc:
            self.status.error(refusal(exc, t))
            return
        self.status.success(t('team.removed', name=member.name))
        if member.user_id != self.viewer.user_id:  # removing oneself leaves the page (AccessWatch)
            await self.reload()
