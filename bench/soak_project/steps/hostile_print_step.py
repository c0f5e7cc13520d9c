# Hostile: prints one 5 MB line (output is capped and truncated, never held whole), and
# forks a child that outlives the call for a moment (0.2 s) (the runner's process group is
# killed with it on restart).
import os
import time

config = {"type": "api", "name": "HostilePrint", "method": "GET", "path": "/hostile/print", "emits": []}


async def handler(req, context):
    print("x" * 5_000_000)
    if os.fork() == 0:
        time.sleep(0.2)
        os._exit(0)
    return {"status": 200, "body": {"printed": 5_000_000}}
