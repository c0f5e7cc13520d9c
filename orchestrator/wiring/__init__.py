"""The wiring: which services a running orchestrator has, and how their lifetimes nest
(`runtime.open_runtime` for the runners and the loaded project, `server.open_services`
for everything `dev` and `start` serve)."""
