"""What every test account shares (tests/ is on ``sys.path``: ``from accounts import PASSWORD``)."""

PASSWORD = 'Secret123'  # meets the password policy (8+ characters, a digit, upper and lower case)
