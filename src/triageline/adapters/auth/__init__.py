"""Portal authentication adapters: argon2id, TOTP, portal tables and their unit of work."""
