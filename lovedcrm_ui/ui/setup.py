"""Registers every page; called by the composition root (never by import side effects)."""

from ..context import AppContext
from .pages.account import register_account_pages
from .pages.pipeline import register_pipeline_page


def register_pages(ctx: AppContext) -> None:
    """Add all NiceGUI pages for this app context."""
    register_account_pages(ctx)
    register_pipeline_page(ctx)
