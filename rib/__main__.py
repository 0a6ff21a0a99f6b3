"""``python -m rib``: the same as the installed ``rib`` command."""
from rib.pipeline.cli import main

if __name__ == "__main__":
    main()
