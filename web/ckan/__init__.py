"""CKAN's Action API served by the catalogue: one room for the blueprint and its actions.

Why a package: the API is one feature with several concerns (transport and dispatch in ``views.py``, the action
registry and lookups in ``api.py``, CKAN's errors, read and write actions, ``package_search`` with its own query
language, the datastore); each is a module here, and the mapping they serve is ``catalog/ckan/shapes.py``.
"""
