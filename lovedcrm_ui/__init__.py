"""LovedCRM Pipeline: a self-hostable, multi-tenant CRM pipeline board."""

__version__ = '0.1.0'
