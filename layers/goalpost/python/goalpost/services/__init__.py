"""Use cases: load through ``data``, decide through ``domain``, save through ``data``, publish through
``edges``. Handlers and jobs call exactly one function from here."""
