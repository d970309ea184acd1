"""UI strings of the account's sessions and of password reset (merged into ``i18n.CATALOG``)."""

# key: (pt-BR, en)
ACCOUNT_CATALOG: dict[str, tuple[str, str]] = {
    # "forgot my password" on the sign-in page
    'forgot.open': ('Esqueci minha senha', 'I forgot my password'),
    'forgot.title': ('Redefinir senha', 'Reset password'),
    'forgot.explain': (
        'Informe seu e-mail: se houver uma conta com ele, enviaremos um link para escolher uma nova senha.',
        'Enter your e-mail: if an account has it, we will send a link to choose a new password.',
    ),
    'forgot.submit': ('Enviar link', 'Send link'),
    'forgot.close': ('Fechar', 'Close'),
    'forgot.sent': (
        'Se houver uma conta para {email}, enviamos um link para ela. O link vale por {minutes} minutos.',
        'If an account exists for {email}, we sent it a link. The link works for {minutes} minutes.',
    ),
    'forgot.mail_off': (
        'Este servidor não envia e-mails. Peça a um administrador para redefinir sua senha.',
        'This server does not send e-mail. Ask an administrator to reset your password.',
    ),
    # the page the e-mailed link opens
    'reset.title': ('Escolha uma nova senha', 'Choose a new password'),
    'reset.effect': (
        'Ao salvar, todas as sessões da sua conta são encerradas.',
        'Saving signs out every session of your account.',
    ),
    'reset.submit': ('Salvar nova senha', 'Save new password'),
    'reset.done': ('Senha redefinida. Entre com a nova senha.', 'Password reset. Sign in with the new password.'),
    'reset.invalid_link': (
        'Este link de redefinição é inválido, já foi usado ou expirou. Peça um novo na página de entrada.',
        'This reset link is invalid, already used or expired. Ask for a new one on the sign-in page.',
    ),
    'reset.to_login': ('Ir para a página de entrada', 'Go to the sign-in page'),
    # the profile page's list of sessions
    'sessions.title': ('Sessões ativas', 'Active sessions'),
    'sessions.explain': ('Onde sua conta está conectada agora.', 'Where your account is signed in right now.'),
    'sessions.device': ('{browser} em {system}', '{browser} on {system}'),
    'sessions.unknown_device': ('Dispositivo desconhecido', 'Unknown device'),
    'sessions.this_device': ('Este dispositivo', 'This device'),
    'sessions.details': ('{address} · último uso em {when}', '{address} · last used {when}'),
    'sessions.unknown_address': ('endereço desconhecido', 'unknown address'),
    'sessions.end': ('Encerrar', 'Sign out'),
    'sessions.end_label': ('Encerrar a sessão {device}', 'Sign out the session {device}'),
    'sessions.end_others': ('Encerrar todas as outras', 'Sign out all others'),
    'sessions.ended': ('Sessão encerrada.', 'Session ended.'),
    'sessions.others_ended': ('Outras sessões encerradas: {n}.', 'Other sessions ended: {n}.'),
    'sessions.only_this': ('Nenhuma outra sessão ativa.', 'No other active session.'),
    'sessions.gone': ('Esta sessão já tinha sido encerrada.', 'This session had already ended.'),
}
