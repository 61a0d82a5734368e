"""The outside world: the SNS publisher, market-data clients and the shared HTTP resolver setup."""
