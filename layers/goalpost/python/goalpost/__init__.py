"""Goalpost: serverless tracking of financial goals, portfolios and trading positions.

The package ships as our Lambda layer. Rooms: ``domain`` (pure rules), ``services`` (use cases),
``data`` (DynamoDB repositories) and ``edges`` (SNS, market data, HTTP resolver setup).
"""

__version__ = "0.1.0"
