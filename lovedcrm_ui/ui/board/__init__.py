"""The pipeline board: columns of lead cards that move live for every teammate."""
