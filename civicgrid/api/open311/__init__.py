"""Open311 GeoReport v2 at /open311/v2/ (docs/open311.md): services from the category
catalogue, service requests from cases, XML and JSON in the spec's shapes."""
