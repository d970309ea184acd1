"""UI strings of undo, the assignee on the card and the lead's contact actions (merged into ``i18n.CATALOG``)."""

# key: (pt-BR, en)
UNDO_CATALOG: dict[str, tuple[str, str]] = {
    'undo.button': ('Desfazer', 'Undo'),
    'undo.dismiss': ('Fechar', 'Dismiss'),
    'undo.shortcut': ('Ctrl+Z (⌘Z no Mac) também desfaz', 'Ctrl+Z (⌘Z on a Mac) undoes too'),
    'undo.done': ('{name}: desfeito.', '{name}: undone.'),
    'undo.changed_since': (
        '{actor} alterou este lead depois; nada foi desfeito.',
        '{actor} changed this lead afterwards; nothing was undone.',
    ),
    'undo.deleted_since': (
        '{actor} excluiu este lead depois; nada foi desfeito.',
        '{actor} deleted this lead afterwards; nothing was undone.',
    ),
    'undo.changed_since_you': (
        'Você alterou este lead depois (em outra ação ou aba); nada foi desfeito.',
        'You changed this lead afterwards (another action or tab); nothing was undone.',
    ),
    'undo.changed_since_someone': (
        'Este lead foi alterado depois; nada foi desfeito.',
        'This lead was changed afterwards; nothing was undone.',
    ),
    'undo.lead_exists': (
        'Este lead já está de volta; nada foi desfeito.',
        'This lead is already back; nothing was undone.',
    ),
    'undo.failed': ('Não foi possível desfazer ({name}): {reason}', 'Could not undo ({name}): {reason}'),
    'card.assignee': ('Responsável: {name}', 'Assignee: {name}'),
    'contact.call': ('Ligar', 'Call'),
    'contact.email': ('E-mail', 'E-mail'),
    'contact.whatsapp': ('WhatsApp', 'WhatsApp'),
    'contact.call_label': ('Ligar para {phone}', 'Call {phone}'),
    'contact.email_label': ('Enviar e-mail para {email}', 'Send an e-mail to {email}'),
    'contact.whatsapp_label': (
        'Conversar no WhatsApp com {phone} (abre em nova aba)',
        'Chat on WhatsApp with {phone} (opens in a new tab)',
    ),
}
