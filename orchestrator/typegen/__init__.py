"""`steppe types`: TypeScript declarations and Python TypedDicts from a loaded project.

Two files are written in the project root (`write.write_types`):

- `types.d.ts` (module `typescript`) declares the modules `'motia'` and `'@motia/core'`,
  so a step file that writes
  `export const handler: Handlers['CreateOrder'] = async (req, ctx) => …`
  gets the request body type (from `bodySchema`), the event `input` type, and an
  `emit` that takes only the step's declared topics, each with the data its
  subscribers' `input` schemas accept. The schema types themselves live in the
  global namespace `SteppeTypes`.
- `steppe_types.py` (module `python`, when the project has Python files) has a
  TypedDict for each step's `bodySchema`/`input` and each stream's item.

Both come from the configs as loaded (zod and pydantic already converted to JSON
Schema), so they say exactly what the orchestrator validates. `write_types` runs
in-process on a loaded `Project`, so a reloading server can call it too.

The schemas become types through one walk (`walk`) with a converter per language
(`schema_ts`, `schema_py`); the files' constant text is in `templates/`.
"""
