"""The ``jzcredit`` command line (Typer): one module per command group."""
