"""Configuration: the TOML file as validated objects, every problem collected with its path (internal)."""
