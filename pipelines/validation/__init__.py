"""The validator, by concept: field types, descriptor checks, and the two-pass engine in small modules.

Why a package: validating a table is one feature made of many concepts (each Table Schema type, each
descriptor rule, the fast and the exact pass, keys, the report). Each lives in its own module so that a
contributor fixing dates reads ``fields/date.py``, not nine functions spread over two big files.
The public entry points stay ``pipelines.validate`` (``validate_file``, ``validate_package``, ``Validation``)
and ``pipelines.tableschema`` (``check_schema``, ``duckdb_type``, ``make_reader``).

- ``fields/``: one module per Table Schema type (descriptor check, reference reader, exact SQL, fast SQL,
  DuckDB type) and the registry that maps a type name to it;
- ``schema``, ``descriptor_keys``, ``constraints``, ``checklist``: descriptor checks by concept;
- ``header``: labels paired with fields; ``cells``: the per-cell SQL of the exact pass;
- ``engine`` with ``fast``, ``exact``, ``keys``, ``errors`` and ``progress``: the two-pass engine;
- ``package``: resources of a datapackage.json.
"""
