"""Imported by the fork server first (``PRELOAD``): it dies with the command.

The fork server is a process of its own whose only code is what it preloads; this
module's import is the hook that gives it its death signal.
"""

from scanner.run.lifeline import die_with_parent

die_with_parent()
