"""Page functions, registered by ``register_pages`` (called from the composition root)."""
