"""Where state, accepted events and stream items are kept: each store's interface and its
memory and SQLite backends, on one SQLite writer thread (`setup.open_stores`)."""
