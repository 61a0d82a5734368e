"""The read-only client of a connected account's provider, chosen by the account's provider."""

from __future__ import annotations

from goalpost.domain.accounts import ApiCredentials, Provider
from goalpost.edges.accounts.alpaca_trading import AlpacaTradingClient
from goalpost.edges.accounts.binance_futures import BinanceFuturesClient

AccountClient = BinanceFuturesClient | AlpacaTradingClient


def client_for(provider: Provider, credentials: ApiCredentials, *, paper: bool = False) -> AccountClient:
    if provider == Provider.BINANCE_FUTURES:
        return BinanceFuturesClient(credentials)
    return AlpacaTradingClient(credentials, paper=paper)
