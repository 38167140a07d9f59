"""Subcommand not yet implemented."""


def add_arguments(parser):
    pass


def run(options, out) -> int:
    out.write("not implemented\n")
    return 2
