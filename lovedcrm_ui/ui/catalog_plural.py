"""Singular forms: ``t(key, n=1)`` (or ``count``/``rows``/``days`` = 1) reads ``key + '#one'`` when it exists.

So a count never reads "1 leads" or "1 dias" — on screen or in what a screen reader hears — and callers need no
``if n == 1`` of their own. (Older keys still have an explicit ``…_one`` twin; both work.)
"""

PLURAL_CATALOG: dict[str, tuple[str, str]] = {
    'board.count#one': ('1 lead', '1 lead'),
    'board.load_more#one': ('Carregar mais (1 restante)', 'Load more (1 left)'),
    'board.days_long#one': ('1 dia nesta etapa', '1 day in this stage'),
    'board.idle_warning#one': ('parado há 1 dia', 'idle for 1 day'),
    'board.idle_alert#one': ('parado há 1 dia — atenção', 'idle for 1 day — attention'),
    'a11y.column#one': ('Coluna {stage}: 1 lead, {total}', 'Column {stage}: 1 lead, {total}'),
    'form.too_long#one': ('Máximo de 1 caractere', 'At most 1 character'),
    'form.field_too_long#one': ('{field}: no máximo 1 caractere', '{field}: at most 1 character'),
    'form.field_too_short#one': ('{field}: pelo menos 1 caractere', '{field}: at least 1 character'),
    'csv.file_info#one': (
        '{name}: 1 linha · codificação {encoding} · separador «{delimiter}»',
        '{name}: 1 row · encoding {encoding} · separator "{delimiter}"',
    ),
    'csv.errors_title#one': (
        '1 problema — corrija o arquivo ou o mapeamento das colunas:',
        '1 problem — fix the file or the column mapping:',
    ),
    'csv.import_n#one': ('Importar 1 lead', 'Import 1 lead'),
    'csv.imported#one': ('1 lead importado', '1 lead imported'),
    'insights.scope.days#one': (
        'Leads criados no último dia que passam pelos filtros; tempos medidos dentro do período.',
        'Leads created in the last day that pass the filters; times measured within the period.',
    ),
    'insights.kpi.open_hint#one': ('1 lead em aberto', '1 open lead'),
    'insights.kpi.closed_hint#one': ('1 lead fechado', '1 closed lead'),
    'insights.kpi.idle_hint#one': ('1 dia ou mais na mesma etapa', '1 day or more in the same stage'),
    'insights.days#one': ('1 dia', '1 day'),
    'insights.chart.moves_window#one': ('Último dia', 'Last day'),
    'outcome.reason_too_long#one': ('O motivo pode ter até 1 caractere.', 'The reason can have at most 1 character.'),
    'settings.lost_too_long#one': (
        'Cada motivo pode ter até 1 caractere.',
        'Each reason can have at most 1 character.',
    ),
    'settings.lost_too_many#one': ('No máximo 1 motivo.', 'At most 1 reason.'),
}
