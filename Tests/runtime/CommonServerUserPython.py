"""Customer-defined shared code: empty on a fresh XSOAR server, and empty here."""
