"""UI strings of the team, invite, settings and profile pages (merged into ``i18n.CATALOG``).

Kept apart so the catalog module stays readable; ``t(key)`` looks them up exactly like the others.
"""

# key: (pt-BR, en)
TEAM_CATALOG: dict[str, tuple[str, str]] = {
    'nav.team': ('Equipe', 'Team'),
    'nav.settings': ('Configurações', 'Settings'),
    'nav.profile': ('Perfil', 'Profile'),
    'nav.menu': ('Menu', 'Menu'),
    'nav.switch': ('Trocar de organização', 'Switch organization'),
    'noaccess.other_organizations': ('Você ainda faz parte de:', 'You are still a member of:'),
    'role.owner': ('Proprietário', 'Owner'),
    'role.admin': ('Administrador', 'Admin'),
    'role.member': ('Membro', 'Member'),
    'role.viewer': ('Leitor', 'Viewer'),
    # team page
    'team.title': ('Equipe — {organization}', 'Team — {organization}'),
    'team.read_only': (
        'Só proprietários e administradores gerenciam a equipe; você vê quem faz parte dela.',
        'Only owners and admins manage the team; you can see who is in it.',
    ),
    'team.members': ('Membros', 'Members'),
    'team.invites': ('Convites', 'Invites'),
    'team.no_invites': ('Nenhum convite ainda.', 'No invites yet.'),
    'team.role': ('Papel', 'Role'),
    'team.role_changed': ('{name} agora tem o papel {role}.', '{name} now has the role {role}.'),
    'team.remove': ('Remover', 'Remove'),
    'team.remove_label': ('Remover {name}', 'Remove {name}'),
    'team.remove_confirm': (
        'Remover {name} da organização? A pessoa perde o acesso ao quadro na hora.',
        'Remove {name} from the organization? They lose access to the board at once.',
    ),
    'team.removed': ('{name} foi removido da organização.', '{name} was removed from the organization.'),
    'team.last_owner_demote': (
        'A organização precisa de um proprietário: promova outra pessoa antes de mudar este papel.',
        'The organization needs an owner: make someone else an owner before changing this role.',
    ),
    'team.last_owner_remove': (
        'O último proprietário não pode ser removido. Promova outra pessoa a proprietário primeiro.',
        'The last owner cannot be removed. Make someone else an owner first.',
    ),
    'team.last_owner_leave': (
        'Você é o único proprietário: promova outra pessoa a proprietário antes de sair da organização.',
        'You are the only owner: make someone else an owner before you leave the organization.',
    ),
    'team.leave': ('Sair da organização', 'Leave the organization'),
    'team.leave_confirm': (
        'Sair de {organization}? Você perde o acesso a este quadro na hora; só um novo convite traz você de volta.',
        'Leave {organization}? You lose access to this board at once; only a new invite brings you back.',
    ),
    'team.owner_only': (
        'Só um proprietário pode dar, mudar ou tirar o papel de proprietário.',
        'Only an owner can grant, change or remove the owner role.',
    ),
    'team.admin_owner_only': (
        'Só um proprietário pode tornar alguém administrador.',
        'Only an owner can make someone an admin.',
    ),
    'team.managers_only': (
        'Só proprietários e administradores podem fazer isso.',
        'Only owners and admins can do this.',
    ),
    'team.member_gone': ('Esta pessoa não faz mais parte da organização.', 'This person is no longer a member.'),
    # invite form and list
    'invite.title': ('Convidar alguém', 'Invite someone'),
    'invite.email': ('E-mail da pessoa', 'Their e-mail'),
    'invite.message': ('Mensagem (opcional)', 'Message (optional)'),
    'invite.message_hint': (
        'Se escrever uma mensagem, use de 10 a 500 caracteres.',
        'If you write a message, use 10 to 500 characters.',
    ),
    'invite.message_length': (
        'A mensagem precisa ter de 10 a 500 caracteres (ou ficar em branco).',
        'The message must have 10 to 500 characters (or be left empty).',
    ),
    'invite.email_required': ('Informe o e-mail da pessoa convidada.', "Enter the invitee's e-mail."),
    'invite.submit': ('Criar convite', 'Create invite'),
    'invite.link': ('Link do convite', 'Invite link'),
    'invite.copy': ('Copiar link', 'Copy link'),
    'invite.copied': ('Link copiado.', 'Link copied.'),
    'invite.created': (
        'Convite criado para {email}. Envie a pessoa o link abaixo.',
        'Invite created for {email}. Send them the link below.',
    ),
    'invite.mail_sending': ('Enviando o convite para {email}…', 'Sending the invite to {email}…'),
    'invite.mail_sent': ('Convite enviado por e-mail para {email}.', 'Invite e-mailed to {email}.'),
    'invite.mail_failed': (
        'Não foi possível enviar o e-mail para {email}. O convite vale: copie o link e envie você mesmo.',
        'The e-mail to {email} could not be sent. The invite is valid: copy the link and send it yourself.',
    ),
    'invite.no_owner_role': ('Convites não podem dar o papel de proprietário.', 'Invites cannot grant the owner role.'),
    'invite.admin_owner_only': ('Só proprietários podem convidar administradores.', 'Only owners can invite admins.'),
    'invite.already_member': ('Esta pessoa já faz parte da organização.', 'This person is already a member.'),
    'invite.already_pending': (
        'Já existe um convite pendente para este e-mail.',
        'There is already a pending invite for this e-mail.',
    ),
    'invite.gone': ('Este convite não existe mais.', 'This invite no longer exists.'),
    'invite.already_answered': (
        'Este convite já foi respondido ou cancelado.',
        'This invite was already answered or cancelled.',
    ),
    'invite.cancelled': ('Convite para {email} cancelado.', 'Invite to {email} cancelled.'),
    'invite.cancel': ('Cancelar o convite para {email}', 'Cancel the invite to {email}'),
    'invite.show_link': ('Mostrar e copiar o link do convite de {email}', 'Show and copy the invite link of {email}'),
    'invite.dates': ('enviado em {sent}, vale até {expires}', 'sent {sent}, valid until {expires}'),
    'invite.status_pending': ('Pendente', 'Pending'),
    'invite.status_accepted': ('Aceito', 'Accepted'),
    'invite.status_rejected': ('Recusado', 'Declined'),
    'invite.status_expired': ('Expirado', 'Expired'),
    'invite.status_cancelled': ('Cancelado', 'Cancelled'),
    # the invite link's page
    'invite.heading': ('Convite para {organization}', 'Invitation to {organization}'),
    'invite.summary': (
        '{inviter} convidou você para a equipe como {role}.',
        '{inviter} invited you to the team as {role}.',
    ),
    'invite.sent_to': ('Enviado para {email} · vale até {expires}', 'Sent to {email} · valid until {expires}'),
    'invite.accept': ('Entrar em {organization}', 'Join {organization}'),
    'invite.decline': ('Recusar convite', 'Decline invite'),
    'invite.decline_confirm': (
        'Recusar o convite para {organization}? O link deixará de funcionar.',
        'Decline the invitation to {organization}? The link will stop working.',
    ),
    'invite.new_account': ('Sou novo aqui', "I'm new here"),
    'invite.register_join': ('Criar conta e entrar na equipe', 'Create account and join'),
    'invite.have_account': ('Já tenho conta com este e-mail', 'I already have an account with this e-mail'),
    'invite.login_join': ('Entrar e aceitar o convite', 'Sign in and join'),
    'invite.email_has_account': (
        'Este e-mail já tem conta: use "Já tenho conta com este e-mail".',
        'This e-mail already has an account: use "I already have an account with this e-mail".',
    ),
    'invite.wrong_account': (
        'Você está conectado como {current}, mas este convite é para {invited}. Saia para aceitá-lo com a conta certa.',
        'You are signed in as {current}, but this invite is for {invited}. '
        'Sign out to accept it with the right account.',
    ),
    'invite.sign_out': ('Sair desta conta', 'Sign out of this account'),
    'invite.unknown': (
        'Este link de convite não é válido. Confira se ele foi copiado inteiro.',
        'This invite link is not valid. Check that it was copied completely.',
    ),
    'invite.closed_expired': (
        'Este convite expirou. Peça um novo a {inviter}.',
        'This invite has expired. Ask {inviter} for a new one.',
    ),
    'invite.closed_cancelled': (
        'Este convite foi cancelado pela organização.',
        'This invite was cancelled by the organization.',
    ),
    'invite.closed_rejected': (
        'Este convite foi recusado e não pode mais ser usado.',
        'This invite was declined and can no longer be used.',
    ),
    'invite.closed_accepted': (
        'Este convite já foi usado. Entre com sua conta para abrir o quadro.',
        'This invite has already been used. Sign in to open the board.',
    ),
    'invite.not_pending': ('Este convite não está mais disponível.', 'This invite is no longer available.'),
    'invite.expired_now': ('Este convite expirou.', 'This invite has expired.'),
    'invite.other_email': (
        'Este convite foi enviado para outro e-mail.',
        'This invite was sent to a different e-mail address.',
    ),
    'invite.account_disabled': ('Esta conta está desativada.', 'This account is disabled.'),
    'invite.register_first': (
        'Ainda não existe conta para o e-mail convidado: crie a conta primeiro.',
        'There is no account for the invited e-mail yet: register first.',
    ),
    'invite.to_login': ('Ir para a página de entrada', 'Go to the sign-in page'),
    # the invite e-mail (in the inviter's language)
    'mail.invite_subject': ('Convite para {organization} no LovedCRM', 'Invitation to {organization} on LovedCRM'),
    'mail.invite_body': (
        '{inviter} convidou você para a organização {organization} no LovedCRM Pipeline, como {role}.\n\n'
        'Abra este link para aceitar:\n{link}\n\nO convite vale até {expires}.',
        '{inviter} invited you to the organization {organization} on LovedCRM Pipeline, as {role}.\n\n'
        'Open this link to accept:\n{link}\n\nThe invite is valid until {expires}.',
    ),
    'mail.invite_message': ('Mensagem:\n{message}', 'Message:\n{message}'),
    # settings
    'settings.title': ('Configurações da organização', 'Organization settings'),
    'settings.read_only': (
        'Só proprietários e administradores alteram as configurações.',
        'Only owners and admins change the settings.',
    ),
    'settings.name': ('Nome', 'Name'),
    'settings.description': ('Descrição', 'Description'),
    'settings.website': ('Site', 'Website'),
    'settings.idle_title': ('Leads parados', 'Idle leads'),
    'settings.idle_hint': (
        'O quadro destaca leads que estão na mesma etapa há este número de dias.',
        'The board highlights leads that have stayed in one stage for this many days.',
    ),
    'settings.idle_warning': ('Aviso após (dias)', 'Warning after (days)'),
    'settings.idle_alert': ('Alerta após (dias)', 'Alert after (days)'),
    'settings.save': ('Salvar', 'Save'),
    'settings.saved': ('Configurações salvas.', 'Settings saved.'),
    'settings.name_length': ('O nome precisa ter de 2 a 255 caracteres.', 'The name must have 2 to 255 characters.'),
    'settings.description_length': (
        'A descrição pode ter até 2000 caracteres.',
        'The description can have up to 2000 characters.',
    ),
    'settings.website_invalid': (
        'Endereço do site inválido. Exemplo: https://empresa.com.br',
        'Invalid website address. Example: https://company.com',
    ),
    'settings.website_length': ('O site pode ter até 255 caracteres.', 'The website can have up to 255 characters.'),
    'settings.idle_range': (
        'Os dias de aviso e de alerta precisam ser números inteiros de 1 a 365.',
        'Warning and alert days must be whole numbers from 1 to 365.',
    ),
    'settings.idle_order': (
        'O alerta não pode vir antes do aviso: use o mesmo número de dias ou mais.',
        'The alert cannot come before the warning: use the same number of days or more.',
    ),
    # profile
    'profile.title': ('Seu perfil', 'Your profile'),
    'profile.language': ('Idioma', 'Language'),
    'profile.save': ('Salvar perfil', 'Save profile'),
    'profile.saved': ('Perfil salvo.', 'Profile saved.'),
    'profile.name_invalid': ('Informe seu nome (até 255 caracteres).', 'Enter your name (up to 255 characters).'),
    'profile.password_title': ('Trocar senha', 'Change password'),
    'profile.current_password': ('Senha atual', 'Current password'),
    'profile.new_password': ('Nova senha', 'New password'),
    'profile.repeat_password': ('Repita a nova senha', 'Repeat the new password'),
    'profile.password_effect': (
        'Trocar a senha encerra todas as suas outras sessões; esta continua conectada.',
        'Changing the password signs out all your other sessions; this one stays signed in.',
    ),
    'profile.password_submit': ('Trocar senha', 'Change password'),
    'profile.password_required': ('Preencha a senha atual e a nova.', 'Fill in the current and the new password.'),
    'profile.password_mismatch': (
        'A nova senha e a repetição não são iguais.',
        'The new password and its repetition differ.',
    ),
    'profile.current_wrong': ('A senha atual está incorreta.', 'The current password is incorrect.'),
    'profile.password_changed': (
        'Senha trocada. Suas outras sessões foram encerradas.',
        'Password changed. Your other sessions were signed out.',
    ),
    'password.short': ('A senha precisa ter pelo menos 8 caracteres.', 'The password needs at least 8 characters.'),
    'password.digit': ('A senha precisa de pelo menos um número.', 'The password needs at least one digit.'),
    'password.upper': (
        'A senha precisa de pelo menos uma letra maiúscula.',
        'The password needs at least one upper-case letter.',
    ),
    'password.lower': (
        'A senha precisa de pelo menos uma letra minúscula.',
        'The password needs at least one lower-case letter.',
    ),
}
