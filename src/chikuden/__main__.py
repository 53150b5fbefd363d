"""``python -m chikuden`` runs the command line."""

from chikuden.cli import main

if __name__ == "__main__":
    main()
