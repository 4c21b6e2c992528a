"""The load benchmark (bench/README.md): its settings, its two baseline
endpoints and the model of the baseline write. Installed only by
``bench.settings``, never by the product's settings."""
