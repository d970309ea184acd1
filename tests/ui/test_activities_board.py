"""Activities (next steps) as teammates use them: the lead dialog's tab, the card's next step live on a teammate's
board, overdue and "none planned" flags, and the "Minhas atividades" page."""

from datetime import timedelta

from sqlalchemy import select
from ui_helpers import add_lead, board_of, fire, sign_in, the, until

from lovedcrm_ui.services import activities
from lovedcrm_ui.ui.my_activities import MyActivities
from models import LeadActivity, utcnow
from models.activity import ActivityCreate, ActivityKind


async def open_activities(user, name: str):  # type: ignore[no-untyped-def]
    """Click a card, wait for its dialog, and show its Activities tab."""
    board = board_of(user)
    board.click(name)
    dialog = board.board.lead_dialog
    await until(lambda: dialog.value and dialog.name.value == name and dialog.activities.lead_id is not None)
    user.find(marker='tab-activities').click()
    return dialog


def card_text(user, name: str) -> str:  # type: ignore[no-untyped-def]
    return str(board_of(user).card(name).content)


def card_label(user, name: str) -> str:  # type: ignore[no-untyped-def]
    return str(board_of(user).card(name).props['aria-label'])


async def plan(app_ctx, who, lead_id, title: str, due, **extra):  # type: ignore[no-untyped-def]
    """A teammate adds an activity elsewhere (the API's service)."""
    data = ActivityCreate(kind=extra.pop('kind', ActivityKind.CALL), title=title, due_at=due, **extra)
    async with app_ctx.db.session(organization_id=who.organization_id) as session:
        return await activities.add_activity(session, caller=who.caller(), lead_id=lead_id, data=data)


async def test_ana_plans_a_call_and_brunos_card_shows_the_next_step_live(create_user, app_ctx, person):  # type: ignore[no-untyped-def]
    ana = await person('Ana Souza')
    bruno = await person('Bruno Lima', team_of=ana)
    await add_lead(app_ctx, ana, 'Acme Ltda')
    ana_user, bruno_user = create_user(), create_user()
    await sign_in(ana_user, ana)
    await sign_in(bruno_user, bruno)
    assert 'Nenhuma atividade' in card_text(bruno_user, 'Acme Ltda')
    bruno_dialog = board_of(bruno_user).board.lead_dialog
    board_of(bruno_user).click('Acme Ltda')
    await until(lambda: bruno_dialog.value)
    bruno_dialog.phone.value = '+55 11 4000-1234'  # Bruno's pending edit

    dialog = await open_activities(ana_user, 'Acme Ltda')
    panel = dialog.activities
    await ana_user.should_see('Nenhuma atividade ainda.')
    tomorrow = (utcnow() + timedelta(days=1)).date().isoformat()
    panel.kind.value = 'call'
    panel.title.value = 'Confirmar proposta'
    panel.day.value = tomorrow
    panel.hour.value = '10:00'
    fire(the(ana_user, 'activity-add'), 'click')

    await until(lambda: 'Ligar amanhã 10:00' in card_text(bruno_user, 'Acme Ltda'))
    assert 'Próximo passo: Ligar amanhã 10:00, Confirmar proposta' in card_label(bruno_user, 'Acme Ltda')
    await until(lambda: [a.title for a in panel.items] == ['Confirmar proposta'])
    assert panel.items[0].assignee_name == 'Ana Souza'  # assigned to whoever adds it, by default
    # the form is ready for the next one (cleared once the add returns; the live event may draw the item first)
    await until(lambda: panel.title.value == '', 'the add form is cleared')

    panel.title.value = 'Reunião final'
    panel.kind.value = 'meeting'
    panel.day.value = (utcnow() + timedelta(days=30)).date().isoformat()
    fire(the(ana_user, 'activity-add'), 'click')
    await until(lambda: [a.title for a in panel.items] == ['Confirmar proposta', 'Reunião final'])

    toggles = [e for e in ana_user.client.elements.values() if 'activity-toggle' in e._markers]
    fire(toggles[0], 'click')  # the first one, done
    await until(lambda: 'Reunião' in card_text(bruno_user, 'Acme Ltda'))
    assert 'Ligar' not in card_text(bruno_user, 'Acme Ltda')
    await until(
        lambda: [(a.title, a.done) for a in panel.items] == [('Reunião final', False), ('Confirmar proposta', True)]
    )

    fire(bruno_dialog.save_button, 'click')  # the activities made no conflict of Bruno's edit
    await until(lambda: not bruno_dialog.value)
    assert not the(bruno_user, 'lead-conflict').visible


async def test_an_overdue_step_is_flagged_and_said_and_closed_leads_need_none(create_user, app_ctx, person):  # type: ignore[no-untyped-def]
    ana = await person('Ana Souza')
    lead = await add_lead(app_ctx, ana, 'Acme Ltda')
    await add_lead(app_ctx, ana, 'Fechada SA', stage='fechado')
    await plan(app_ctx, ana, lead.id, 'Retornar ligação', utcnow() - timedelta(days=3))
    ana_user = create_user()
    await sign_in(ana_user, ana)

    assert 'lead-next-overdue' in card_text(ana_user, 'Acme Ltda')
    assert 'Atrasada: Ligar' in card_label(ana_user, 'Acme Ltda')
    assert 'lead-next' not in card_text(ana_user, 'Fechada SA')


async def test_my_activities_groups_marks_done_and_follows_teammates(create_user, app_ctx, person):  # type: ignore[no-untyped-def]
    ana = await person('Ana Souza')
    bruno = await person('Bruno Lima', team_of=ana)
    acme = await add_lead(app_ctx, ana, 'Acme Ltda')
    beta = await add_lead(app_ctx, ana, 'Beta SA')
    await plan(app_ctx, ana, acme.id, 'Atrasada da Ana', utcnow() - timedelta(hours=30))
    await plan(app_ctx, ana, beta.id, 'Proposta da Beta', utcnow() + timedelta(days=3))
    await plan(app_ctx, ana, beta.id, 'Do Bruno', utcnow() + timedelta(days=1), assignee_user_id=bruno.user_id)
    ana_user = create_user()
    await sign_in(ana_user, ana)

    await ana_user.open('/activities')
    await ana_user.should_see('Minhas atividades')
    await ana_user.should_see('Atrasadas')
    await ana_user.should_see('Atrasada da Ana')
    await ana_user.should_see('Próximas')
    await ana_user.should_see('Proposta da Beta')
    await ana_user.should_not_see('Do Bruno')
    links = [e for e in ana_user.client.elements.values() if 'my-activity-lead' in e._markers]
    assert {e.props['href'] for e in links} == {f'/pipeline?lead={acme.id}', f'/pipeline?lead={beta.id}'}

    await plan(app_ctx, bruno, acme.id, 'Bruno pediu à Ana', utcnow() + timedelta(days=2), assignee_user_id=ana.user_id)
    await ana_user.should_see('Bruno pediu à Ana')  # live

    view = next(e for e in ana_user.client.elements.values() if isinstance(e, MyActivities))
    done = [e for e in ana_user.client.elements.values() if 'my-activity-done' in e._markers]
    fire(done[0], 'click')  # the overdue one, first
    await until(lambda: [a.title for a in view.items] == ['Bruno pediu à Ana', 'Proposta da Beta'])
    await ana_user.should_not_see('Atrasadas')
    assert view.announcer.text == 'Atividade concluída: Atrasada da Ana'
    async with app_ctx.db.session(read_only=True, cross_org=True) as session:
        finished = await session.scalar(select(LeadActivity).where(LeadActivity.title == 'Atrasada da Ana'))
    assert finished is not None and finished.done


async def test_a_link_opens_the_lead_on_the_board_and_an_activity_can_be_edited_and_deleted(
    create_user, app_ctx, person
):  # type: ignore[no-untyped-def]
    ana = await person('Ana Souza')
    acme = await add_lead(app_ctx, ana, 'Acme Ltda')
    await plan(app_ctx, ana, acme.id, 'Ligar', utcnow() + timedelta(days=2))
    ana_user = create_user()
    await sign_in(ana_user, ana)

    await ana_user.open(f'/pipeline?lead={acme.id}')
    dialog = board_of(ana_user).board.lead_dialog
    await until(lambda: dialog.value and dialog.activities.items)
    ana_user.find(marker='tab-activities').click()
    fire(the(ana_user, 'activity-edit'), 'click')
    assert dialog.activities.title.value == 'Ligar'
    dialog.activities.title.value = 'Ligar para o diretor'
    fire(the(ana_user, 'activity-add'), 'click')
    await until(lambda: [a.title for a in dialog.activities.items] == ['Ligar para o diretor'])
    assert dialog.activities.items[0].version == 2

    fire(the(ana_user, 'activity-delete'), 'click')
    await until(lambda: dialog.activities.confirm.value, 'the confirmation opens')
    fire(dialog.activities.confirm.confirm, 'click')
    await until(lambda: dialog.activities.items == [], 'deleted')
    await until(lambda: 'Nenhuma atividade' in card_text(ana_user, 'Acme Ltda'))
