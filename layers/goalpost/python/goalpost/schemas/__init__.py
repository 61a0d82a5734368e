"""The API contract's shapes: request models (strict: unknown fields are 422) and response models."""
