"""UI strings of a user's display preferences and the header's theme menu (merged into ``i18n.CATALOG``)."""

# key: (pt-BR, en)
PREFERENCES_CATALOG: dict[str, tuple[str, str]] = {
    'preferences.title': ('Preferências', 'Preferences'),
    'preferences.explain': (
        'Valem na hora, em todas as páginas, e ficam salvas na sua conta.',
        'They apply at once, on every page, and are saved to your account.',
    ),
    'preferences.timezone': ('Fuso horário', 'Time zone'),
    'preferences.timezone_hint': (
        'Horários de notas, histórico e sessões aparecem neste fuso.',
        'Times of notes, history and sessions are shown in this zone.',
    ),
    'preferences.browser_zone': ('Usar o fuso deste navegador', "Use this browser's time zone"),
    'preferences.browser_zone_unknown': (
        'O navegador não informou um fuso horário conhecido.',
        'The browser did not report a known time zone.',
    ),
    'preferences.density': ('Densidade do quadro', 'Board density'),
    'preferences.density_comfortable': ('Confortável', 'Comfortable'),
    'preferences.density_compact': ('Compacta', 'Compact'),
    'preferences.theme': ('Tema', 'Theme'),
    'preferences.theme_light': ('Claro', 'Light'),
    'preferences.theme_dark': ('Escuro', 'Dark'),
    'preferences.theme_system': ('Igual ao sistema', 'Same as the system'),
    'preferences.saved': ('Preferências salvas.', 'Preferences saved.'),
    'preferences.invalid_timezone': ('Escolha um fuso horário da lista.', 'Choose a time zone from the list.'),
    'nav.theme': ('Tema', 'Theme'),
}
