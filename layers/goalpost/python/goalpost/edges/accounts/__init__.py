"""Connected accounts' providers: read-only clients of Binance USD-M futures (signed endpoints) and Alpaca's
trading API v2, each turning its provider's wire format into ``goalpost.domain.accounts`` values and its
faults into ``KeysRefused`` or ``ProviderUnavailable``."""
