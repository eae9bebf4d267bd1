"""The catalogue seen as CKAN: the mapping to CKAN's package and resource shapes, and the CKAN-only state.

Why in ``catalog/``: the Action API (``web/ckan/``) and harvest and push (``pipelines/ckan/``) all speak CKAN
through this one mapping, and ``catalog/`` is the layer both may import. Nothing here reads requests or files.
"""
