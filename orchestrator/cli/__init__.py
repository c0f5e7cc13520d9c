"""The `steppe` command: argument parsing, the serve loop, and what each command prints."""
