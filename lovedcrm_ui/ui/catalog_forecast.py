"""UI strings of the forecast: probabilities, expected close dates, weighted totals (merged into ``i18n.CATALOG``)."""

# key: (pt-BR, en)
FORECAST_CATALOG: dict[str, tuple[str, str]] = {
    'forecast.column_weighted': ('Ponderado: {value}', 'Weighted: {value}'),
    'forecast.weighted_hint': (
        'Soma do valor de cada lead vezes sua probabilidade de fechar',
        "Sum of each lead's value times its chance of closing",
    ),
    'forecast.board_shown': ('{shown} de {all} exibidos', '{shown} of {all} shown'),
    'forecast.board_total': ('Total {value}', 'Total {value}'),
    'forecast.board_weighted': ('Ponderado {value}', 'Weighted {value}'),
    'forecast.board_label': (
        '{shown} de {all} leads exibidos; valor total {total}; valor ponderado {weighted}',
        '{shown} of {all} leads shown; total value {total}; weighted value {weighted}',
    ),
    'forecast.probability': ('Probabilidade (%)', 'Probability (%)'),
    'forecast.probability_hint': (
        'Vazio: {percent}% da etapa {stage}',
        'Empty: {percent}% of the {stage} stage',
    ),
    'forecast.probability_outcome': (
        'Ganho conta 100%, perdido 0%',
        'Won counts 100%, lost 0%',
    ),
    'forecast.probability_invalid': (
        'A probabilidade é um número inteiro de 0 a 100.',
        'The probability is a whole number from 0 to 100.',
    ),
    'forecast.close_date': ('Previsão de fechamento', 'Expected close date'),
    'forecast.close_date_hint': ('dd/mm/aaaa', 'yyyy-mm-dd'),
    'forecast.close_date_invalid': (
        'Data de fechamento inválida: use {format}.',
        'Invalid close date: use {format}.',
    ),
    'forecast.pick_date': ('Escolher data', 'Pick a date'),
    'forecast.settings_title': ('Probabilidade por etapa', 'Probability per stage'),
    'forecast.settings_hint': (
        'Um lead sem probabilidade própria conta seu valor vezes a porcentagem da etapa nos totais ponderados.',
        "A lead without its own probability counts its value times its stage's percent in weighted totals.",
    ),
    'forecast.settings_stage': ('{stage} (%)', '{stage} (%)'),
    'forecast.settings_save': ('Salvar probabilidades', 'Save probabilities'),
    'forecast.settings_saved': ('Probabilidades salvas', 'Probabilities saved'),
    'forecast.settings_invalid': (
        'Cada probabilidade é um número inteiro de 0 a 100.',
        'Each probability is a whole number from 0 to 100.',
    ),
    'forecast.settings_read_only': (
        'Somente proprietários e administradores alteram as probabilidades.',
        'Only owners and admins change the probabilities.',
    ),
    'forecast.insights_title': ('Previsão', 'Forecast'),
    'forecast.insights_weighted': ('Pipeline ponderado', 'Weighted pipeline'),
    'forecast.insights_weighted_hint': (
        'Leads abertos: valor vezes probabilidade',
        'Open leads: value times probability',
    ),
    'forecast.months_caption': ('Fechamentos previstos por mês', 'Expected closes by month'),
    'forecast.col_month': ('Mês', 'Month'),
    'forecast.col_leads': ('Leads', 'Leads'),
    'forecast.col_value': ('Valor', 'Value'),
    'forecast.col_weighted': ('Ponderado', 'Weighted'),
    'forecast.insights_overdue': (
        '{n} leads abertos com previsão vencida, {undated} sem previsão',
        '{n} open leads past their expected close date, {undated} without one',
    ),
    'forecast.insights_overdue#one': (
        '1 lead aberto com previsão vencida, {undated} sem previsão',
        '1 open lead past its expected close date, {undated} without one',
    ),
}
