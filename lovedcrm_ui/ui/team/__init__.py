"""The Team page's pieces: the member list and the invites (form and list)."""
