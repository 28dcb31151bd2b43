"""`python -m dsec`: the same command line as `dsec`."""
from dsec.compiler.cli import main

if __name__ == "__main__":
    main()
