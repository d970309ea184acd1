"""UI strings of the card's contact lines and the phone layout's filter button (merged into ``i18n.CATALOG``)."""

# key: (pt-BR, en)
CARDS_CATALOG: dict[str, tuple[str, str]] = {
    'card.phone': ('telefone {phone}', 'phone {phone}'),
    'card.email': ('e-mail {email}', 'e-mail {email}'),
    'filter.toggle': ('Filtros', 'Filters'),
    'filter.toggle_label': ('Filtros: {n} filtros ativos', 'Filters: {n} filters on'),
    'filter.toggle_label#one': ('Filtros: 1 filtro ativo', 'Filters: 1 filter on'),
    'filter.toggle_none': ('Filtros: nenhum ativo', 'Filters: none on'),
}
