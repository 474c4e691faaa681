"""Administrative geography: division codes, boundary build and import, per-level GeoJSON."""
