"""UI strings of the CSV import dialog and the export (merged into ``i18n.CATALOG``)."""

# key: (pt-BR, en)
CSV_CATALOG: dict[str, tuple[str, str]] = {
    'csv.import_button': ('Importar CSV', 'Import CSV'),
    'csv.export_button': ('Exportar CSV', 'Export CSV'),
    'csv.import_title': ('Importar leads de um arquivo CSV', 'Import leads from a CSV file'),
    'csv.upload_hint': (
        'Um arquivo .csv com uma linha de cabeçalho (UTF-8 ou Latin-1, separado por vírgula ou ponto e vírgula), '
        'até {size} MB e 50.000 linhas. Nada é importado enquanto houver erros.',
        'A .csv file with a header row (UTF-8 or Latin-1, comma or semicolon separated), up to {size} MB and '
        '50,000 rows. Nothing is imported while there are errors.',
    ),
    'csv.upload_label': ('Escolher arquivo CSV', 'Choose a CSV file'),
    'csv.file_info': (
        '{name}: {rows} linhas · codificação {encoding} · separador «{delimiter}»',
        '{name}: {rows} rows · encoding {encoding} · separator "{delimiter}"',
    ),
    'csv.mapping_title': ('Colunas do arquivo → campos do lead', 'File columns → lead fields'),
    'csv.ignore': ('Ignorar esta coluna', 'Ignore this column'),
    'csv.preview_title': ('Prévia das primeiras linhas', 'Preview of the first rows'),
    'csv.row': ('Linha', 'Row'),
    'csv.errors_title': (
        '{n} problema(s) — corrija o arquivo ou o mapeamento das colunas:',
        '{n} problem(s) — fix the file or the column mapping:',
    ),
    'csv.errors_more': ('… e mais {n}.', '… and {n} more.'),
    'csv.row_error': ('Linha {row}, coluna «{column}»: {message}', 'Row {row}, column "{column}": {message}'),
    'csv.row_error_no_column': ('Linha {row}: {message}', 'Row {row}: {message}'),
    'csv.no_errors': ('Nenhum problema encontrado.', 'No problems found.'),
    'csv.import_n': ('Importar {n} leads', 'Import {n} leads'),
    'csv.import_one': ('Importar 1 lead', 'Import 1 lead'),
    'csv.importing': ('Importando… {done} de {total}', 'Importing… {done} of {total}'),
    'csv.imported': ('{n} leads importados', '{n} leads imported'),
    'csv.imported_one': ('1 lead importado', '1 lead imported'),
    'csv.close': ('Fechar', 'Close'),
    'csv.field.assignee': ('Responsável (e-mail ou nome)', 'Assignee (e-mail or name)'),
    'csv.field.estimated_value': ('Valor estimado', 'Estimated value'),
    # refusals of the whole file (by ErrorCode, ui/refusals.py)
    'csv.too_large': ('O arquivo é grande demais para importar.', 'The file is too large to import.'),
    'csv.too_many_rows': (
        'O arquivo tem linhas demais: no máximo 50.000 por importação.',
        'The file has too many rows: at most 50,000 per import.',
    ),
    'csv.empty': (
        'O arquivo está vazio: a primeira linha precisa ser o cabeçalho.',
        'The file is empty: its first row must be the header.',
    ),
    'csv.unreadable': (
        'Não foi possível ler este arquivo como CSV (é uma planilha .xlsx? Salve como CSV).',
        'This file cannot be read as CSV (is it an .xlsx workbook? Save it as CSV).',
    ),
    'csv.mapping_invalid': ('O mapeamento das colunas não é válido.', 'The column mapping is not valid.'),
    'csv.name_missing': (
        'Escolha a coluna com o nome do lead.',
        'Choose the column that holds the lead name.',
    ),
    'csv.no_rows': (
        'O arquivo não tem linhas de dados: nada a importar.',
        'The file has no data rows: nothing to import.',
    ),
    'csv.rows_invalid': (
        'Há linhas com problemas: nada foi importado.',
        'Some rows have problems: nothing was imported.',
    ),
    'csv.export_failed': ('Não foi possível exportar: {reason}', 'Could not export: {reason}'),
    # a cell the import could not convert (``code`` of a row error)
    'csv.err.value_not_number': ('não é um valor (ex.: R$ 1.234,56)', 'not an amount (e.g. 1,234.56)'),
    'csv.err.stage_unknown': (
        'etapa desconhecida (Lead, Contato, Proposta, Negociação ou Fechado)',
        'unknown stage (Lead, Contact, Proposal, Negotiation or Closed)',
    ),
    'csv.err.date_invalid': ('não é uma data (ex.: 31/01/2027)', 'not a date (e.g. 2027-01-31)'),
    'csv.err.assignee_unknown': (
        'nenhum membro da organização tem este e-mail ou nome',
        'no member of the organization has this e-mail or name',
    ),
    'csv.err.assignee_ambiguous': (
        'mais de um membro tem este nome: use o e-mail',
        'several members have this name: use the e-mail',
    ),
}
