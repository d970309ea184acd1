"""``python -m lovedcrm_ui <command>``: the admin commands (lovedcrm_ui/cli; ``--help`` lists them)."""

import sys

from .cli import main

if __name__ == '__main__':
    sys.exit(main())
