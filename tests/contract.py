"""Facts of the API contract that tests state literally (derived from the code, a test could not catch a change)."""

STAGES = ['lead', 'contato', 'proposta', 'negociacao', 'fechado']  # API-CONTRACT: the five stages, in board order
