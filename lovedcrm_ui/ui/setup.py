"""Registers every page; called by the composition root (never by import side effects)."""

from ..context import AppContext
from .pages.account import register_account_pages
from .pages.activities import register_activities_page
from .pages.insights import register_insights_page
from .pages.invite import register_invite_page
from .pages.password_reset import register_password_reset_page
from .pages.pipeline import register_pipeline_page
from .pages.plugins import register_plugin_pages
from .pages.profile import register_profile_page
from .pages.settings import register_settings_page
from .pages.team import register_team_page
from .utilities import add_utilities


def register_pages(ctx: AppContext) -> None:
    """Add all NiceGUI pages for this app context."""
    add_utilities()
    register_account_pages(ctx)
    register_pipeline_page(ctx)
    register_insights_page(ctx)
    register_activities_page(ctx)
    register_team_page(ctx)
    register_invite_page(ctx)
    register_settings_page(ctx)
    register_profile_page(ctx)
    register_password_reset_page(ctx)
    register_plugin_pages(ctx)  # PLUGINS' own pages, under /x/ (extensions.py)
