import os

# OpenMP threads sleep instead of spinning while they wait: when other processes share the cores, spinning
# threads steal the time the working ones need (torch slows down 5-50x). Set before torch loads; a user's
# own OMP_WAIT_POLICY wins.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

from .cli import main  # noqa: E402

main()
