"""Domain rules and transactions, callable without a request."""
