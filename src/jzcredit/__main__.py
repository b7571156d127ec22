"""``python -m jzcredit`` runs the CLI."""

from jzcredit.cli.main import main

main()
