"""Two people edit the same lead: nobody's save silently undoes the other's."""

from decimal import Decimal

import pytest
from sqlalchemy import select
from ui_helpers import add_lead, board_of, dialog_closed, fire, new_lead_dialog, sign_in, the, until

from lovedcrm_ui.services import leads, moves, positions
from models import Lead, PipelineEvent


async def open_dialog(user, name: str):  # type: ignore[no-untyped-def]
    """Click a card and wait until its dialog shows it."""
    board = board_of(user)
    board.click(name)
    dialog = board.board.lead_dialog
    await until(lambda: dialog.value and dialog.name.value == name)
    return dialog


async def stored(app_ctx, lead_id) -> Lead:  # type: ignore[no-untyped-def]
    async with app_ctx.db.session(read_only=True, cross_org=True) as session:
        return await leads.get_lead(session, organization_id=(await _org(app_ctx, lead_id)), lead_id=lead_id)


async def _org(app_ctx, lead_id):  # type: ignore[no-untyped-def]
    async with app_ctx.db.session(read_only=True, cross_org=True) as session:
        return await session.scalar(select(Lead.organization_id).where(Lead.id == lead_id))


async def test_a_stale_dialog_shows_the_teammates_change_and_keeps_it(create_user, app_ctx, person):
    ana = await person('Ana Souza')
    bruno = await person('Bruno Lima', team_of=ana)
    lead = await add_lead(app_ctx, ana, 'Acme Ltda', value='8000')
    ana_user, bruno_user = create_user(), create_user()
    await sign_in(ana_user, ana)
    await sign_in(bruno_user, bruno)
    ana_dialog = await open_dialog(ana_user, 'Acme Ltda')  # Ana's dialog shows 8.000,00 …

    bruno_dialog = await open_dialog(bruno_user, 'Acme Ltda')  # … while Bruno changes the value
    bruno_dialog.amount.value = '9999'
    fire(bruno_dialog.save_button, 'click')
    await dialog_closed(bruno_dialog)
    await until(lambda: board_of(ana_user).summary('lead') == '1 lead · R$ 9.999,00')

    ana_dialog.phone.value = '+55 11 4000-1234'
    fire(ana_dialog.save_button, 'click')
    conflict = the(ana_user, 'lead-conflict')
    await until(lambda: conflict.visible)
    assert ana_dialog.value  # still open: nothing was saved
    changes = [e.text for e in ana_user.client.elements.values() if 'lead-conflict-change' in e._markers]
    assert changes == ['Valor estimado (R$): agora R$ 9.999,00']
    after_refusal = await stored(app_ctx, lead.id)
    assert after_refusal.estimated_value == Decimal('9999.00') and after_refusal.phone is None

    fire(the(ana_user, 'lead-conflict-overwrite'), 'click')  # keep mine: only what Ana changed is written
    await dialog_closed(ana_dialog)
    saved = await stored(app_ctx, lead.id)
    assert (saved.estimated_value, saved.phone) == (Decimal('9999.00'), '+55 11 4000-1234')
    for user in (ana_user, bruno_user):
        assert board_of(user).summary('lead') == '1 lead · R$ 9.999,00'


async def test_reloading_after_a_conflict_shows_the_lead_as_it_is_now(create_user, app_ctx, person):
    ana = await person('Ana Souza')
    lead = await add_lead(app_ctx, ana, 'Acme Ltda', value='8000')
    ana_user = create_user()
    await sign_in(ana_user, ana)
    dialog = await open_dialog(ana_user, 'Acme Ltda')
    async with app_ctx.db.session(cross_org=True) as session:  # a teammate, through the API, renames it
        from models.lead import LeadUpdate

        await leads.update_lead(session, caller=ana.caller(), lead_id=lead.id, changes=LeadUpdate(name='Acme SA'))

    dialog.amount.value = '5000'
    fire(dialog.save_button, 'click')
    await until(lambda: the(ana_user, 'lead-conflict').visible)
    fire(the(ana_user, 'lead-conflict-reload'), 'click')

    assert not the(ana_user, 'lead-conflict').visible
    assert (dialog.name.value, dialog.amount.value) == ('Acme SA', '8.000,00')
    dialog.amount.value = '5000'
    fire(dialog.save_button, 'click')
    await dialog_closed(dialog)
    saved = await stored(app_ctx, lead.id)
    assert (saved.name, saved.estimated_value) == ('Acme SA', Decimal('5000.00'))


async def test_a_save_that_edits_and_moves_is_one_transaction(create_user, app_ctx, person, monkeypatch):
    ana = await person('Ana Souza')
    lead = await add_lead(app_ctx, ana, 'Acme Ltda', value='8000')
    ana_user = create_user()
    await sign_in(ana_user, ana)
    dialog = await open_dialog(ana_user, 'Acme Ltda')

    async def broken(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise RuntimeError('the database went away mid-save')

    monkeypatch.setattr(moves, 'position_at', broken)
    dialog.name.value = 'Acme Brasil'
    dialog.stage.value = 'proposta'
    with pytest.raises(RuntimeError):
        await dialog._save()
    half = await stored(app_ctx, lead.id)
    assert (half.name, half.stage, half.version) == ('Acme Ltda', 'lead', 1)  # nothing of the save was kept

    monkeypatch.setattr(moves, 'position_at', positions.position_at)
    fire(dialog.save_button, 'click')
    await dialog_closed(dialog)
    await board_of(ana_user).shows('proposta', ['Acme Brasil'])
    async with app_ctx.db.session(read_only=True, cross_org=True) as session:
        events = (
            await session.execute(
                select(PipelineEvent.seq, PipelineEvent.type)
                .where(PipelineEvent.organization_id == ana.organization_id)
                .order_by(PipelineEvent.seq)
            )
        ).all()
    assert [tuple(e) for e in events] == [(1, 'lead_created'), (2, 'lead_updated'), (3, 'lead_stage_changed')]
    assert board_of(ana_user).summary('proposta') == '1 lead · R$ 8.000,00'
    assert board_of(ana_user).summary('lead') == '0 leads · R$ 0,00'


async def test_saving_an_untouched_dialog_writes_nothing(create_user, app_ctx, person):
    ana = await person('Ana Souza')
    lead = await add_lead(app_ctx, ana, 'Acme Ltda', value='8000', assigned_user_id=ana.user_id, tags=['b2b'])
    ana_user = create_user()
    await sign_in(ana_user, ana)
    dialog = await open_dialog(ana_user, 'Acme Ltda')
    fire(dialog.save_button, 'click')
    await dialog_closed(dialog)
    assert (await stored(app_ctx, lead.id)).version == 1


async def test_a_double_click_on_save_creates_one_lead(create_user, app_ctx, person):
    ana = await person('Ana Souza')
    ana_user = create_user()
    await sign_in(ana_user, ana)
    board = board_of(ana_user)
    dialog = await new_lead_dialog(ana_user)
    dialog.name.value = 'Acme Ltda'

    fire(dialog.save_button, 'click')
    fire(dialog.save_button, 'click')  # the second click arrives while the first save runs
    await dialog_closed(dialog)
    await until(lambda: board.names('lead') == ['Acme Ltda'])

    async with app_ctx.db.session(read_only=True, cross_org=True) as session:
        names = list(await session.scalars(select(Lead.name).where(Lead.organization_id == ana.organization_id)))
    assert names == ['Acme Ltda']
