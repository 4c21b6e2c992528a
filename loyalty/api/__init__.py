"""The storefront REST API (DRF): authentication by API key, one error format,
throttling, idempotent POSTs and the endpoints of version 1. docs/api.md
describes it for storefront developers."""
