"""The foundation every layer uses: errors, shared types, ids, paths, logs, traces."""
