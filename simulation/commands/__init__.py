"""Command-line commands of run.py: each module has ``add_arguments(parser)`` and ``main(args)``."""
