"""``python -m fogwalk``: the same entry point as the ``fogwalk`` command."""

from .cli import main

raise SystemExit(main())
