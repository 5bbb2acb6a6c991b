"""The ``corridors`` command line (click). Thin: parses options, calls the core, prints results."""
