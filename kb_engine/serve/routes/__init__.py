"""The service's routes, one module per group, each a thin layer over the library."""
