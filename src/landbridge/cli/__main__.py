"""`python -m landbridge.cli`: the same as the `landbridge` command."""

from landbridge.cli import main

main()
