"""torchrun, its rendezvous store made without libuv where LibTorch offers
the choice.

LibTorch 2.4+ serves TCPStores with libuv by default, and torchrun's static
rendezvous (the one `--master_addr/--master_port` selects) asks for it
whatever USE_LIBUV says. Debian's LibTorch is built without libuv, so there
every torchrun launch fails with "use_libuv was requested but PyTorch was
build without libuv support" before a worker starts. This runs torchrun's own
main() with that store made with use_libuv=False; on LibTorch 1.13 (no such
switch) it is torchrun unchanged.

usage: torchrun_without_libuv.py TORCHRUN_ARGUMENTS...
"""
import functools
import sys

import torch.distributed as dist
from torch.distributed.elastic.rendezvous import static_tcp_rendezvous
from torch.distributed.run import main

if "use_libuv" in (dist.TCPStore.__init__.__doc__ or ""):
    static_tcp_rendezvous.TCPStore = functools.partial(dist.TCPStore, use_libuv=False)

if __name__ == "__main__":
    sys.exit(main())
