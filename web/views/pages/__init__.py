"""The HTML pages: home, search and organisations, dataset, table explorer; one module each, one blueprint.

Every page is also JSON on the same URL (``?format=json`` or ``Accept: application/json``), Datasette-style: the
view builds one dict of what the page shows and either renders it or returns it (``common.page``). The pages
work without JavaScript; forms that only read use GET. The stable program interface is the REST API
(``web/views/api.py``); these JSON variants mirror the pages. Importing the modules registers their routes on
``bp``, whose endpoints keep the names ``pages.<view>``.
"""

from web.views.pages import citebox, dataset, explore, home, maps, search, values, versions
from web.views.pages.common import bp
from web.views.pages.explore import OPERATORS
from web.views.pages.search import SORT_LABELS

__all__ = ["OPERATORS", "SORT_LABELS", "bp", "citebox", "dataset", "explore", "home", "maps", "search", "values",
           "versions"]
