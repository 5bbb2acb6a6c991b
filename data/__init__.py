"""Bundled corridor data (GeoJSON, TOML); see README.md in this folder."""
