"""The public SQL sandbox: read-only SQL over the published datasets, in a pool of locked DuckDB processes.

Anyone can send SQL here, so this is the catalogue's main attack surface. Three layers hold together:

1. a fresh in-memory, locked DuckDB per query whose only files are the published Parquet parts (``sandbox``),
2. exactly one SELECT, checked with DuckDB's own parser, with no function that reveals settings (``guard``),
3. worker processes with an address-space cap, a clean environment, a timer that interrupts the query and a
   hard kill-and-replace after a grace period (the only cure for CPU burnt in the optimizer), bounded
   concurrency (busy → ``QueryError('busy')``, HTTP 429) (``limits``, ``pool``, ``worker``).

One module per concept: ``engine`` (what the web calls), ``tables`` (which tables a query sees), ``pool`` (the
worker processes), ``worker`` (what runs inside one), ``sandbox`` and ``guard`` (the locked connection and the
statement check), ``messages`` (error codes and public wording), ``limits`` (settings and OS limits). This
``__init__`` imports nothing, so a worker process loads only what it runs.
"""
