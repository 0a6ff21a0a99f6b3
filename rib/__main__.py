"""``python -m rib``: the same as the installed ``rib`` command."""
from rib_pipeline.cli import main

if __name__ == "__main__":
    main()
