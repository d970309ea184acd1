"""Domain logic: the one layer between the UI/API and the models (no nicegui or fastapi imports)."""
