"""The lead dialog's notes feed and change log, as teammates use them at the same time."""

from decimal import Decimal

from sqlalchemy import select
from ui_helpers import add_lead, all_handled, answer_confirmation, board_of, dialog_closed, fire, sign_in, the, until

from lovedcrm_ui.services import leads, moves, notes
from models import Lead, LeadNote, PipelineStage
from models.lead import LeadUpdate


async def open_dialog(user, name: str):  # type: ignore[no-untyped-def]
    """Click a card and wait until its dialog shows it with its notes."""
    board = board_of(user)
    board.click(name)
    dialog = board.board.lead_dialog
    await until(lambda: dialog.value and dialog.name.value == name and dialog.feed.lead_id is not None)
    return dialog


def note_texts(dialog) -> list[str]:  # type: ignore[no-untyped-def]
    """The notes the feed shows, top to bottom."""
    return [note.body for note in dialog.feed.notes]


async def stored(app_ctx, lead_id) -> Lead:  # type: ignore[no-untyped-def]
    async with app_ctx.db.session(read_only=True, cross_org=True) as session:
        lead = await session.scalar(select(Lead).where(Lead.id == lead_id))
        assert lead is not None
        return lead


async def test_ana_adds_a_note_and_brunos_open_dialog_shows_it_live(create_user, app_ctx, person):  # type: ignore[no-untyped-def]
    ana = await person('Ana Souza')
    bruno = await person('Bruno Lima', team_of=ana)
    lead = await add_lead(app_ctx, ana, 'Acme Ltda')
    ana_user, bruno_user = create_user(), create_user()
    await sign_in(ana_user, ana)
    await sign_in(bruno_user, bruno)
    bruno_dialog = await open_dialog(bruno_user, 'Acme Ltda')
    await bruno_user.should_see('Nenhuma nota ainda.')
    ana_dialog = await open_dialog(ana_user, 'Acme Ltda')

    ana_dialog.feed.input.value = 'Pediu proposta até sexta'
    fire(ana_dialog.feed.input, 'keydown.enter')

    await bruno_user.should_see('Pediu proposta até sexta')
    await bruno_user.should_see('Ana Souza')
    await bruno_user.should_not_see('Nenhuma nota ainda.')
    await until(lambda: note_texts(ana_dialog) == ['Pediu proposta até sexta'])
    assert ana_dialog.feed.input.value == ''
    assert bruno_dialog.value and not the(bruno_user, 'lead-conflict').visible
    assert (await stored(app_ctx, lead.id)).notes == 'Pediu proposta até sexta'

    async with all_handled():
        fire(the(bruno_user, 'note-add'), 'click')  # an empty input adds nothing
    bruno_dialog.feed.input.value = 'Mandei o contrato'
    async with all_handled():
        fire(the(bruno_user, 'note-add'), 'click')
        fire(the(bruno_user, 'note-add'), 'click')  # a double click adds it once
    await until(lambda: note_texts(ana_dialog) == ['Mandei o contrato', 'Pediu proposta até sexta'])
    assert note_texts(bruno_dialog) == ['Mandei o contrato', 'Pediu proposta até sexta']


async def test_a_third_persons_note_makes_no_conflict_of_a_pending_edit(create_user, app_ctx, person):  # type: ignore[no-untyped-def]
    ana = await person('Ana Souza')
    bruno = await person('Bruno Lima', team_of=ana)
    carla = await person('Carla Dias', team_of=ana)
    lead = await add_lead(app_ctx, ana, 'Acme Ltda', value='1000')
    ana_user, bruno_user = create_user(), create_user()
    await sign_in(ana_user, ana)
    await sign_in(bruno_user, bruno)
    ana_dialog = await open_dialog(ana_user, 'Acme Ltda')
    bruno_dialog = await open_dialog(bruno_user, 'Acme Ltda')
    bruno_dialog.amount.value = '2500'  # Bruno is editing while Ana's dialog is open, with edits of her own
    ana_dialog.phone.value = '+55 11 4000-1234'

    async with app_ctx.db.session(organization_id=ana.organization_id) as session:  # Carla, through the API
        await notes.add_note(session, caller=carla.caller(), lead_id=lead.id, body='Cliente ligou de novo')

    await bruno_user.should_see('Cliente ligou de novo')
    await ana_user.should_see('Cliente ligou de novo')
    assert bruno_dialog.amount.value == '2500' and ana_dialog.phone.value == '+55 11 4000-1234'  # edits kept
    fire(bruno_dialog.save_button, 'click')
    await dialog_closed(bruno_dialog)  # saved: no conflict
    saved = await stored(app_ctx, lead.id)
    assert (saved.estimated_value, saved.notes, saved.version) == (Decimal('2500.00'), 'Cliente ligou de novo', 2)
    assert ana_dialog.value and not the(ana_user, 'lead-conflict').visible


async def test_the_change_log_lists_a_field_edit_with_old_and_new_values(create_user, app_ctx, person):  # type: ignore[no-untyped-def]
    ana = await person('Ana Souza')
    bruno = await person('Bruno Lima', team_of=ana)
    lead = await add_lead(app_ctx, ana, 'Acme Ltda', value='1000', tags=['feira'])
    async with app_ctx.db.session(organization_id=ana.organization_id) as session:
        changes = LeadUpdate(estimated_value=Decimal('2500.5'), tags=['feira', 'vip'], name='Acme SA')
        await leads.update_lead(session, caller=bruno.caller(), lead_id=lead.id, changes=changes)
    async with app_ctx.db.session(organization_id=ana.organization_id) as session:
        await leads.set_favorite(session, caller=ana.caller(), lead_id=lead.id, is_favorite=True)
    ana_user = create_user()
    await sign_in(ana_user, ana)

    await open_dialog(ana_user, 'Acme SA')
    ana_user.find(marker='tab-changes').click()

    await ana_user.should_see('Ana Souza marcou como favorito')
    await ana_user.should_see('Bruno Lima editou')
    await ana_user.should_see('Nome: Acme Ltda → Acme SA')
    await ana_user.should_see('Valor estimado (R$): R$ 1.000,00 → R$ 2.500,50')
    await ana_user.should_see('vip')  # the tags as chips
    await ana_user.should_see('Ana Souza criou em Lead')
    titles = [e.text for e in ana_user.client.elements.values() if 'change-title' in e._markers]
    assert titles == ['Ana Souza marcou como favorito', 'Bruno Lima editou', 'Ana Souza criou em Lead']

    # the log is live: Bruno moves the lead while Ana's dialog is open; her form keeps what she typed
    dialog = board_of(ana_user).board.lead_dialog
    dialog.phone.value = '+55 11 4000-1234'
    async with app_ctx.db.session(organization_id=ana.organization_id) as session:
        await moves.move_lead(session, caller=bruno.caller(), lead_id=lead.id, stage=PipelineStage.PROPOSTA)
    await ana_user.should_see('Bruno Lima moveu de Lead para Proposta')
    assert dialog.value and dialog.phone.value == '+55 11 4000-1234' and dialog.name.value == 'Acme SA'


async def test_people_edit_and_delete_only_their_own_notes(create_user, app_ctx, person):  # type: ignore[no-untyped-def]
    ana = await person('Ana Souza')
    bruno = await person('Bruno Lima', team_of=ana)
    lead = await add_lead(app_ctx, ana, 'Acme Ltda')
    async with app_ctx.db.session(organization_id=ana.organization_id) as session:
        await notes.add_note(session, caller=bruno.caller(), lead_id=lead.id, body='Nota do Bruno')
    async with app_ctx.db.session(organization_id=ana.organization_id) as session:
        session.add(
            LeadNote(
                organization_id=ana.organization_id,
                lead_id=lead.id,
                body='Texto antigo',
                created_at=lead.created_at,
                updated_at=lead.created_at,
            )
        )
        await session.commit()
    async with app_ctx.db.session(organization_id=ana.organization_id) as session:
        await notes.add_note(session, caller=ana.caller(), lead_id=lead.id, body='Minha nota')
    ana_user = create_user()
    await sign_in(ana_user, ana)
    dialog = await open_dialog(ana_user, 'Acme Ltda')

    await ana_user.should_see('Nota anterior')  # the old free-text notes, without an author
    assert note_texts(dialog) == ['Minha nota', 'Nota do Bruno', 'Texto antigo']
    fire(the(ana_user, 'note-edit'), 'click')  # only one note is Ana's: one edit button
    editor = the(ana_user, 'note-editor')
    editor.value = 'Minha nota, corrigida'
    fire(the(ana_user, 'note-save'), 'click')
    await ana_user.should_see('Minha nota, corrigida')
    await ana_user.should_see('editado')

    fire(the(ana_user, 'note-delete'), 'click')
    await answer_confirmation(ana_user, yes=False)
    assert note_texts(dialog)[0] == 'Minha nota, corrigida'
    fire(the(ana_user, 'note-delete'), 'click')
    await answer_confirmation(ana_user, yes=True)
    await until(lambda: note_texts(dialog) == ['Nota do Bruno', 'Texto antigo'])
    assert (await stored(app_ctx, lead.id)).notes == 'Nota do Bruno'


async def test_a_hostile_note_is_refused_with_a_message_and_kept_to_fix(create_user, app_ctx, person):  # type: ignore[no-untyped-def]
    ana = await person('Ana Souza')
    lead = await add_lead(app_ctx, ana, 'Acme Ltda')
    ana_user = create_user()
    await sign_in(ana_user, ana)
    dialog = await open_dialog(ana_user, 'Acme Ltda')

    dialog.feed.input.value = 'ligar\x00 depois'
    fire(dialog.feed.input, 'keydown.enter')

    await ana_user.should_see('Nota: contém um caractere inválido (NUL)')
    assert dialog.feed.input.value == 'ligar\x00 depois' and dialog.feed.notes == []
    assert (await stored(app_ctx, lead.id)).notes is None


async def test_a_viewer_reads_the_notes_but_cannot_write_one(create_user, app_ctx, person):  # type: ignore[no-untyped-def]
    ana = await person('Ana Souza')
    vera = await person('Vera Viewer', team_of=ana, role='viewer')
    lead = await add_lead(app_ctx, ana, 'Acme Ltda')
    async with app_ctx.db.session(organization_id=ana.organization_id) as session:
        await notes.add_note(session, caller=ana.caller(), lead_id=lead.id, body='Só leitura para a Vera')
    vera_user = create_user()
    await sign_in(vera_user, vera)

    dialog = await open_dialog(vera_user, 'Acme Ltda')

    await vera_user.should_see('Só leitura para a Vera')
    assert not dialog.feed.composer.visible
    assert not [e for e in vera_user.client.elements.values() if 'note-edit' in e._markers]
