"""Market data: price providers (Alpaca stocks, Binance USD-M futures) behind one small interface
(``models``), and the router that sends each symbol to its provider: ``router.market_data().fetch_all(symbols)``
is what the jobs call.

Import from the modules: the connected accounts' clients use the HTTP machinery (``http``) alone, and
importing it must not load the price providers and the router (~10 ms of the account sync worker's cold
start)."""
