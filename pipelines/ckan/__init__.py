"""Harvest and push: the catalogue talking to other CKAN portals, in both directions, with ``ckanapi``.

Why one package: both walk a portal through the same guarded client and end a run the same way
(``client.py``); both translate with the one mapping in ``catalog/ckan/shapes.py``, which the Action API
(``web/ckan/``) serves too.
"""
