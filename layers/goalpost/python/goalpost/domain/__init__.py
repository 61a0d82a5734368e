"""Pure rules and models: no boto3, no I/O. Everything here is unit-testable without moto."""
