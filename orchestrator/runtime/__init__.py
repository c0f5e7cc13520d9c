"""Runner processes: starting them, supervising them, and invoking steps on them."""
