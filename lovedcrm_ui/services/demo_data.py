"""The demo organization's leads and their stage history, as a plan (no database): services/demo.py writes it.

Sixty Brazilian prospects — companies and a few people — with +55 phone numbers, e-mails, values in reais,
sources, tags and notes, each created on a working day of the past eight weeks and moved forward on later
days (some back a stage, some closed). Every random draw comes from a generator seeded by the lead's number,
and every time is counted back from ``now``: two plans made at the same moment are equal, and one made later
has the same leads and the same history, shifted.
"""

import random
import unicodedata
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta, timezone
from decimal import Decimal

from models import STAGE_ORDER, PipelineStage
from models.organization import DEFAULT_LOST_REASONS
from models.types import LeadOutcome

SEED = 'lovedcrm-demo'
WEEKS = 8
BRASILIA = timezone(timedelta(hours=-3))  # business hours of the demo team (no daylight saving since 2019)
ANA, BRUNO = 0, 1  # the demo users, by index (services/demo.py: DEMO_ACCOUNTS)

# (lead name, contact person at the company; '' for a person, who is their own contact)
PROSPECTS: tuple[tuple[str, str], ...] = (
    ('Padaria Pão Dourado', 'Mariana Oliveira'),
    ('Construtora Horizonte', 'Ricardo Mendes'),
    ('Clínica Sorriso Vivo', 'Fernanda Lopes'),
    ('Transportadora Rota Sul', 'Paulo Henrique Dias'),
    ('Agropecuária Boa Safra', 'Sérgio Ramos'),
    ('Escola Pequeno Saber', 'Cláudia Nogueira'),
    ('Academia Corpo em Forma', 'Thiago Barbosa'),
    ('Restaurante Sabor Mineiro', 'Luciana Freitas'),
    ('Auto Peças São Jorge', 'Jorge Almeida'),
    ('Imobiliária Casa Nova', 'Patrícia Gomes'),
    ('Farmácia Bem Estar', 'André Carvalho'),
    ('Pet Shop Amigo Fiel', 'Camila Rocha'),
    ('Ótica Visão Clara', 'Roberto Teixeira'),
    ('Laticínios Serra Verde', 'Eduardo Pires'),
    ('Café Grão Nobre', 'Beatriz Moreira'),
    ('Hotel Praia Azul', 'Marcelo Cunha'),
    ('Contabilidade Exata', 'Renata Azevedo'),
    ('Martins & Rocha Advogados', 'Gabriel Martins'),
    ('Estúdio Foco Fotografia', 'Larissa Campos'),
    ('Gráfica Ponto Certo', 'Diego Fernandes'),
    ('Marcenaria Arte em Madeira', 'Antônio Souza'),
    ('Distribuidora Norte Bebidas', 'Raimundo Nascimento'),
    ('Lavanderia Bolha de Sabão', 'Vanessa Ribeiro'),
    ('Floricultura Jardim Secreto', 'Helena Duarte'),
    ('Tech Nordeste Sistemas', 'Felipe Cavalcanti'),
    ('Moda Bella Confecções', 'Isabela Costa'),
    ('Cervejaria Lúpulo Bravo', 'Rodrigo Schmidt'),
    ('Clínica Veterinária Quatro Patas', 'Aline Machado'),
    ('Colégio Novo Horizonte', 'Marta Vieira'),
    ('Mercado Bom Preço', 'José Carlos Lima'),
    ('Energia Solar Sol Nascente', 'Lucas Andrade'),
    ('Oficina Mecânica Turbo', 'Wellington Santos'),
    ('Salão Beleza Pura', 'Daniela Farias'),
    ('Frigorífico Campos Gerais', 'Gustavo Kowalski'),
    ('Expresso Paulista Logística', 'Carlos Eduardo Prado'),
    ('Papelaria Criativa', 'Juliana Matos'),
    ('Sorveteria Gelato Mio', 'Giovanni Russo'),
    ('Fala Fácil Idiomas', 'Priscila Araújo'),
    ('Dra. Helena Prado', ''),
    ('Móveis Aconchego', 'Fábio Monteiro'),
    ('Cooperativa Vale do Café', 'Sebastião Rezende'),
    ('Festa Certa Eventos', 'Tatiane Borges'),
    ('Vigilância Alerta Segurança', 'Márcio Tavares'),
    ('Vinícola Encosta Gaúcha', 'Bruna Zanella'),
    ('PagFácil Pagamentos', 'Leonardo Sato'),
    ('Hamburgueria Brasa Viva', 'Vinícius Correia'),
    ('Coworking Colmeia', 'Natália Batista'),
    ('Alicerce Materiais de Construção', 'Edson Moura'),
    ('Editora Letra Viva', 'Sílvia Guimarães'),
    ('Buffet Doce Sabor', 'Rosângela Pinto'),
    ('Clínica Fisio Movimento', 'Rafaela Coelho'),
    ('Agência Pixel Criativo', 'Bruno Castro'),
    ('Pousada Recanto da Serra', 'Elaine Fonseca'),
    ('Têxtil Fio de Ouro', 'Ronaldo Bezerra'),
    ('Açaí da Amazônia', 'Keila Sousa'),
    ('Studio Pilates Equilíbrio', 'Mônica Peixoto'),
    ('Barbearia Navalha de Ouro', 'Anderson Lima'),
    ('Rafael Cardoso', ''),
    ('Juliana Ferreira', ''),
    ('Condomínio Parque das Águas', 'Valéria Antunes'),
)
SOURCES = ('site', 'indicação', 'instagram', 'evento', 'outbound', 'linkedin', 'whatsapp')
SOURCE_WEIGHTS = (24, 20, 15, 12, 12, 9, 8)
TAGS = ('pme', 'grande conta', 'recorrente', 'urgente', 'retorno agendado', 'b2b', 'b2c', 'filial')
NOTES = (
    'Pediu orçamento para 10 usuários.',
    'Prefere contato por WhatsApp, à tarde.',
    'Conheceu a gente na feira do setor.',
    'Decisor é o sócio-diretor; orçamento aprovado para o trimestre.',
    'Usa planilha hoje; quer migrar até o fim do mês.',
    'Pediu uma demonstração para a equipe comercial.',
)
MOVE_NOTES = {
    PipelineStage.CONTATO: 'Primeira ligação feita.',
    PipelineStage.PROPOSTA: 'Proposta enviada por e-mail.',
    PipelineStage.NEGOCIACAO: 'Negociando prazo de pagamento.',
    PipelineStage.FECHADO: 'Contrato assinado.',
}
LOST_NOTES = {  # a lost deal's note on its move to fechado, by reason (models.organization.DEFAULT_LOST_REASONS)
    'Preço': 'Achou caro; pediu um desconto que não cabe.',
    'Concorrente': 'Fechou com outro fornecedor.',
    'Sem orçamento': 'Orçamento cortado neste ano.',
    'Sem resposta': 'Parou de responder depois da proposta.',
    'Momento errado': 'Pediu para voltar a falar no ano que vem.',
}
LOST_SHARE = 0.3  # about three in ten closed deals are lost
CHANNELS = ('whatsapp', 'email', 'telefone', 'reunião')
AREA_CODES = (11, 11, 11, 21, 21, 31, 41, 47, 48, 51, 61, 62, 71, 81, 85, 91, 92, 19, 27)
# how far each lead means to get (0 = lead … 4 = fechado), before time runs out
GOAL_WEIGHTS = (14, 18, 20, 18, 30)


@dataclass(frozen=True)
class DemoStep:
    """One point of a lead's history: its creation (the first step) or a move to ``stage``."""

    at: datetime
    stage: PipelineStage
    actor: int  # index of the demo user who did it
    note: str | None = None


@dataclass(frozen=True)
class DemoLead:
    """A lead of the demo and its history (steps in time order, the first one its creation)."""

    name: str
    email: str
    phone: str
    source: str
    estimated_value: Decimal | None
    tags: list[str]
    notes: str | None
    assignee: int | None
    is_favorite: bool
    last_contact_channel: str | None
    steps: list[DemoStep]
    outcome: LeadOutcome | None = None  # how a deal that reached fechado ended, said with its move there
    lost_reason: str | None = None


def ascii_words(text: str) -> list[str]:
    """Lower-case ASCII words of a text ('Pão Dourado' → ['pao', 'dourado'])."""
    plain = unicodedata.normalize('NFKD', text).encode('ascii', 'ignore').decode().lower()
    return [''.join(c for c in word if c.isalnum()) for word in plain.replace('&', ' ').split() if word.strip('.&')]


def phone_number(rng: random.Random) -> str:
    """A Brazilian number in one of the usual +55 spellings (mobile numbers start with 9)."""
    area = rng.choice(AREA_CODES)
    if rng.random() < 0.75:
        number = f'9{rng.randint(6000, 9999)}-{rng.randint(0, 9999):04d}'
    else:
        number = f'{rng.randint(2, 5)}{rng.randint(100, 999)}-{rng.randint(0, 9999):04d}'
    return rng.choice((f'+55 ({area}) {number}', f'+55 {area} {number}', f'+55{area}{number.replace("-", "")}'))


def e_mail(name: str, contact: str, rng: random.Random) -> str:
    """The contact's address at the company's domain, or a person's own address."""
    if not contact:  # a person: a personal mailbox
        first, *rest = ascii_words(name.removeprefix('Dra. '))
        return f'{first}.{rest[-1]}@{rng.choice(("gmail.com", "outlook.com", "uol.com.br"))}'
    words = [w for w in ascii_words(name) if w not in ('de', 'da', 'do', 'das', 'dos', 'e', 'em')]
    domain = ''.join(words[:3]) + '.com.br'
    first = ascii_words(contact)[0]
    return f'{first}@{domain}' if rng.random() < 0.5 else f'{first}.{ascii_words(contact)[-1]}@{domain}'


def working_day(day: date) -> date:
    """``day``, or the Monday after it when it falls on a weekend."""
    return day + timedelta(days=max(0, 7 - day.weekday())) if day.weekday() >= 5 else day


def working_moment(day: date, fraction: float) -> datetime:
    """The moment ``fraction`` (0 to 1) of the way from 9:00 to 18:00 (Brasília) of ``day``."""
    minutes = int(fraction * 9 * 60)
    local = datetime.combine(day, time(9), tzinfo=BRASILIA) + timedelta(minutes=minutes)
    return local.astimezone(UTC)


def history(rng: random.Random, now: datetime, assignee: int | None) -> list[DemoStep]:
    """A creation on a working day of the past weeks, then moves on later days until the goal or now.

    Most leads go forward one stage at a time; about one in five goes back a stage once (a proposal
    reopened, a negotiation back to proposal) and then on again.
    """
    today = now.astimezone(BRASILIA).date()
    first_rank = 1 if rng.random() < 0.1 else 0  # a referral sometimes starts at "contato"
    goal = max(first_rank, rng.choices(range(len(STAGE_ORDER)), weights=GOAL_WEIGHTS)[0])
    setback = rng.random() < 0.22
    gaps = [rng.randint(1, 6) for _ in range(8)]  # drawn in full so the draws never depend on ``now``
    moments = [rng.random() for _ in range(len(gaps) + 1)]
    actors = [assignee if assignee is not None and rng.random() < 0.8 else rng.choice((ANA, BRUNO)) for _ in moments]
    day = working_day(today - timedelta(days=rng.randint(1, WEEKS * 7 - 1)))
    created = working_moment(day, moments[0])
    steps = [DemoStep(created, STAGE_ORDER[first_rank], actors[0])]
    rank, went_back = first_rank, False
    for gap, moment, actor in zip(gaps, moments[1:], actors[1:], strict=True):
        if rank >= goal:
            break
        day = working_day(day + timedelta(days=gap))
        at = working_moment(day, moment)
        if at >= now:
            break
        if setback and not went_back and rank >= 2:
            rank, went_back = rank - 1, True
        else:
            rank += 1
        stage = STAGE_ORDER[rank]
        steps.append(DemoStep(at, stage, actor, MOVE_NOTES.get(stage) if moment < 0.3 else None))
    return steps


def demo_leads(now: datetime) -> list[DemoLead]:
    """The demo's leads with their histories, as of ``now``."""
    leads = []
    for number, (name, contact) in enumerate(PROSPECTS):
        rng = random.Random(f'{SEED}-{number}')
        assignee = rng.choices((ANA, BRUNO, None), weights=(45, 45, 10))[0]
        value = None if rng.random() < 0.1 else Decimal(rng.randint(15, 2500) * 100)
        steps = history(rng, now, assignee)
        lead = DemoLead(
            name=name,
            email=e_mail(name, contact, rng),
            phone=phone_number(rng),
            source=rng.choices(SOURCES, weights=SOURCE_WEIGHTS)[0],
            estimated_value=value,
            tags=rng.sample(TAGS, k=rng.choice((0, 1, 1, 2, 2, 3))),
            notes=(f'Contato: {contact}. ' if contact else '') + rng.choice(NOTES) if rng.random() < 0.6 else None,
            assignee=assignee,
            is_favorite=rng.random() < 0.1,
            last_contact_channel=rng.choice(CHANNELS) if len(steps) > 1 else None,
            steps=steps,
        )
        leads.append(closed(rng, lead))
    return leads


def closed(rng: random.Random, lead: DemoLead) -> DemoLead:
    """A lead that ended in fechado with its outcome: won, or lost with a reason and a note on that move saying why.

    Drawn after everything else, so the other fields of every lead stay as they were.
    """
    if lead.steps[-1].stage != PipelineStage.FECHADO:
        return lead
    if rng.random() >= LOST_SHARE:
        return replace(lead, outcome=LeadOutcome.WON)
    reason = rng.choice(DEFAULT_LOST_REASONS)
    last = replace(lead.steps[-1], note=LOST_NOTES[reason])
    return replace(lead, steps=[*lead.steps[:-1], last], outcome=LeadOutcome.LOST, lost_reason=reason)
