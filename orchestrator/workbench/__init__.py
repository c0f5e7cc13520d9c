"""The workbench's pure parts (docs/reference.md §4, §8): the flow graph, saved layouts and the live
log feed. The page itself is plain ES modules, CSS and a hand-drawn SVG flow graph in
`static/`, served by `orchestrator.http.workbench_site`: no build step, no CDN.

Nothing here imports the HTTP layer (docs/architecture.md, layers)."""
