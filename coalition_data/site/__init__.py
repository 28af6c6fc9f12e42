"""The static provenance explorer: every row one click from its words in the Arabic article.

Needs Jinja2 (``pip install 'coalition-data[site]'``), imported only when a site is written.
"""

from coalition_data.site.build import PAGE_SIZE, write_site
from coalition_data.site.folder import SiteError

__all__ = ["PAGE_SIZE", "SiteError", "write_site"]
