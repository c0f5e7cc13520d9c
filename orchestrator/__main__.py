"""`python -m orchestrator` is the `steppe` command."""

from orchestrator.cli.main import main

if __name__ == "__main__":
    main()
