"""What the PyTorch side of every bench shares: the common options, the runtime settings they imply, and
the line protocol CnnVis.Bench speaks with a script started with --serve (one JSON line per reply)."""
import argparse
import json
import os
import sys

import torch


def argument_parser(description):
    """A parser with the options every bench script takes: --threads, --serve."""
    parser = argparse.ArgumentParser(description=description, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--threads", type=int, required=True)
    parser.add_argument("--serve", action="store_true", help="answer commands on stdin (what CnnVis.Bench uses)")
    return parser


def apply_runtime(args):
    """Sets what the common options ask for: libtorch's thread count. The allocator policy is glibc's environment
    (MALLOC_MMAP_THRESHOLD_, MALLOC_TRIM_THRESHOLD_), set by CnnVis.Bench when it wants CnnVis's setting here too."""
    torch.set_num_threads(args.threads)


def reply(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


def serve(ready, commands, maxsplit=-1):
    """Says it is ready (with `ready`'s fields), then answers each line on stdin until "quit": the first word
    names one of `commands`, which gets the remaining words and returns the reply."""
    malloc = {k: os.environ[k] for k in ("MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_") if k in os.environ}
    reply({"ready": True, "threads": torch.get_num_threads(), "torch_version": torch.__version__, "malloc_env": malloc, **ready})
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
