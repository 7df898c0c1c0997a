#!/usr/bin/env python3
"""Summarises folded stacks (async-profiler's collapsed output, plain or .gz): the top frames by self
samples, and the share of samples whose stack holds each frame of interest (inclusive).

Usage: profile_summary.py PROFILE [--top 25] [--only-threads PATTERN]
Profiles taken with the threads option start each stack with the thread; by default only samples
of Vert.x event loop threads count (the hit path); --only-threads '' counts all.
"""
import argparse
import collections
import gzip
import re

INTEREST = [
    "io/vertx/ext/web/impl/RouterImpl.handle",
    "cachegate/http/CachedRouteHandler.handle",
    "cachegate/http/AccessLog.handle",
    "cachegate/engine/CacheEngine.get",
    "cachegate/http/QueryString.parse",
    "cachegate/engine/Route.key",
    "cachegate/http/CacheStatus.of",
    "io/netty/channel/nio/AbstractNioChannel.newDirectBuffer",
    "io/netty/buffer/AdaptivePoolingAllocator.allocateFallback",
    "io/netty/handler/codec/http/HttpObjectEncoder.encode",
    "io/netty/handler/codec/http/HttpHeadersEncoder.encoderHeader",
    "io/netty/handler/codec/http/HttpObjectDecoder.decode",
    "sun/nio/ch/SocketChannelImpl.write",
    "sun/nio/ch/SocketChannelImpl.read",
    "io/netty/channel/nio/NioEventLoop.select",
    "cachegate/store/RedisStore.get",
    "cachegate/store/EntryCodec.decode",
    "cachegate/engine/ResponseBody.identity",
    "cachegate/store/MemoryStore.put",
    "java/util/zip/Inflater.inflate",
    "com/github/benmanes/caffeine",
    "io/lettuce",
]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("profile")
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--only-threads", default="vert.x-eventloop")
    args = parser.parse_args()
    opener = gzip.open if args.profile.endswith(".gz") else open
    self_counts = collections.Counter()
    inclusive = collections.Counter()
    total = 0
    with opener(args.profile, "rt") as f:
        for line in f:
            stack, _, count = line.rstrip("\n").rpartition(" ")
            if not stack:
                continue
            if args.only_threads and not re.search(args.only_threads, stack.split(";", 1)[0]):
                continue
            n = int(count)
            total += n
            frames = stack.split(";")
            self_counts[frames[-1]] += n
            for name in INTEREST:
                if name in stack:
                    inclusive[name] += n
    print(f"{total} samples" + (f" on threads matching {args.only_threads!r}" if args.only_threads else ""))
    print(f"\nTop {args.top} frames by self samples:")
    for frame, n in self_counts.most_common(args.top):
        print(f"  {100 * n / total:5.1f} %  {frame}")
    print("\nSamples under (inclusive):")
    for name in INTEREST:
        if inclusive[name]:
            print(f"  {100 * inclusive[name] / total:5.1f} %  {name}")


if __name__ == "__main__":
    main()
