"""`steppe types`: TypeScript declarations and Python TypedDicts from a loaded project."""
