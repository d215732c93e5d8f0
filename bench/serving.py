"""What the PyTorch side of every bench shares: the common options, the runtime settings they imply, and
the line protocol CnnVis.Bench speaks with a script started with --serve (one JSON line per reply)."""
import argparse
import ctypes
import json
import sys

import torch


def argument_parser(description):
    """A parser with the options every bench script takes: --threads, --serve, --keep-freed-memory."""
    parser = argparse.ArgumentParser(description=description, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--threads", type=int, required=True)
    parser.add_argument("--serve", action="store_true", help="answer commands on stdin (what CnnVis.Bench uses)")
    parser.add_argument("--keep-freed-memory", action="store_true",
                        help="diagnostic: glibc never trims the heap and serves blocks up to 32 MiB from it")
    return parser


def apply_runtime(args):
    """Sets what the common options ask for: the allocator policy and libtorch's thread count."""
    if args.keep_freed_memory:
        keep_freed_memory()
    torch.set_num_threads(args.threads)


def keep_freed_memory():
    """The glibc policy CnnVis.Bench's --keep-freed-memory sets (M_TRIM_THRESHOLD, M_MMAP_THRESHOLD)."""
    libc = ctypes.CDLL("libc.so.6")
    if libc.mallopt(-1, 2**31 - 1) != 1 or libc.mallopt(-3, 32 * 1024 * 1024) != 1:
        raise RuntimeError("glibc's mallopt refused the trim or mmap threshold")


def reply(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


def serve(ready, commands, maxsplit=-1):
    """Says it is ready (with `ready`'s fields), then answers each line on stdin until "quit": the first word
    names one of `commands`, which gets the remaining words and returns the reply."""
    reply({"ready": True, "threads": torch.get_num_threads(), "torch_version": torch.__version__, **ready})
    for line in sys.stdin:
        words = line.split(maxsplit=maxsplit) if maxsplit >= 0 else line.split()
        if not words:
            continue
        if words[0] == "quit":
            break
        handler = commands.get(words[0])
        try:
            reply(handler(words[1:]) if handler else {"error": f"unknown command '{words[0]}'"})
        except Exception as e:  # the C# side reports it, naming the command
            reply({"error": f"{type(e).__name__}: {e}"})
