"""UI strings of won / lost outcomes: the card badge, the prompt, the settings' lost reasons (merged into
``i18n.CATALOG``)."""

# key: (pt-BR, en)
OUTCOMES_CATALOG: dict[str, tuple[str, str]] = {
    'outcome.won': ('Ganho', 'Won'),
    'outcome.lost': ('Perdido', 'Lost'),
    'outcome.lost_because': ('Perdido · {reason}', 'Lost · {reason}'),
    'outcome.none': ('Sem resultado', 'No outcome'),
    'outcome.title': ('Como terminou {name}?', 'How did {name} end?'),
    'outcome.hint': (
        'Ganho ou perdido? Você pode responder depois pelo menu do cartão.',
        'Won or lost? You can answer later from the card menu.',
    ),
    'outcome.reason': ('Motivo da perda', 'Reason it was lost'),
    'outcome.reason_text': ('Detalhe (texto livre)', 'Details (free text)'),
    'outcome.save_lost': ('Marcar como perdido', 'Mark as lost'),
    'outcome.clear': ('Sem resultado', 'No outcome'),
    'outcome.later': ('Depois', 'Later'),
    'outcome.saved_won': ('{name} marcado como ganho', '{name} marked as won'),
    'outcome.saved_lost': ('{name} marcado como perdido', '{name} marked as lost'),
    'outcome.cleared': ('{name} ficou sem resultado', '{name} has no outcome now'),
    'outcome.reason_too_long': (
        'O motivo pode ter até {n} caracteres.',
        'The reason can have at most {n} characters.',
    ),
    'outcome.not_closed': (
        '{name} não está mais em Fechado.',
        '{name} is no longer in Closed.',
    ),
    'outcome.conflict': (
        'Outra pessoa alterou {name}. Confira o resultado e responda de novo.',
        'Someone else changed {name}. Check the outcome and answer again.',
    ),
    'outcome.field': ('Resultado', 'Outcome'),
    'move.outcome': ('Resultado…', 'Outcome…'),
    'error.outcome_needs_closed_stage': (
        'Só um lead em Fechado pode ser ganho ou perdido.',
        'Only a lead in Closed can be won or lost.',
    ),
    'error.lost_reason_needs_lost': (
        'Um motivo de perda só vale para um negócio perdido.',
        'A lost reason only applies to a lost deal.',
    ),
    'settings.lost_title': ('Motivos de perda', 'Lost reasons'),
    'settings.lost_hint': (
        'Oferecidos quando um negócio é marcado como perdido (até {n}).',
        'Offered when a deal is marked as lost (up to {n}).',
    ),
    'settings.lost_new': ('Novo motivo', 'New reason'),
    'settings.lost_reason': ('Motivo', 'Reason'),
    'settings.lost_add': ('Adicionar', 'Add'),
    'settings.lost_remove': ('Remover {reason}', 'Remove {reason}'),
    'settings.lost_save': ('Salvar motivos', 'Save reasons'),
    'settings.lost_saved': ('Motivos de perda salvos.', 'Lost reasons saved.'),
    'settings.lost_blank': ('Um motivo não pode ficar em branco.', 'A reason cannot be blank.'),
    'settings.lost_too_long': (
        'Cada motivo pode ter até {n} caracteres.',
        'Each reason can have at most {n} characters.',
    ),
    'settings.lost_too_many': ('No máximo {n} motivos.', 'At most {n} reasons.'),
    'settings.lost_duplicate': ('Esse motivo já está na lista.', 'That reason is already in the list.'),
    'insights.kpi.outcomes': ('Ganhos / perdidos', 'Won / lost'),
    'insights.kpi.outcomes_value': ('{won} / {lost}', '{won} / {lost}'),
    'insights.lost_reasons': ('Mais perdidos por: {reasons}', 'Lost most for: {reasons}'),
    'insights.lost_reasons_none': ('Nenhum negócio perdido com motivo.', 'No lost deal with a reason.'),
}
