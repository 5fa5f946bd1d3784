"""What one dialog update costs in our own code: the dialog engine and SQLite, without any platform.

The people of bench/telegram_throughput.py go through the same script (join with an invite code, a refused
name, name, birth year, two presses, /trogiup, /gioithieu, consent, a name, /huy), fed straight to
`Engine.handle` as a channel would, one person after another per step (as one process on SQLite handles
updates: one transaction at a time). A press is the payload of the shown button whose choice or label the
script names. Printed: updates per second of this process alone, CPU milliseconds per update (this process,
SQLite's worker thread included), SQL statements per update, and with `--profile` the top functions by own
CPU time and by cumulative CPU time.

    .venv/bin/python bench/engine_cost.py [--people 300] [--profile /tmp/engine.prof]
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import pstats
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from anywhere: `bench` is not installed


from bench.telegram_throughput import FIRST_USER, demo_app, script
from conversations.messages import Inbound, Reply


def pressed(replies: list[Reply], wanted: str) -> str:
    """Return the payload of the newest shown button whose choice (after its stamp) or label is `wanted`."""
    for reply in reversed(replies):
        for choice in reply.choices:
            if choice.payload.rsplit(".", 1)[-1] == wanted or choice.label == wanted:
                return choice.payload
    raise AssertionError(f"no button {wanted!r} was shown; the script drifted")


async def run(people: int, profile: Path | None) -> None:
    with tempfile.TemporaryDirectory() as folder:
        _, app, statements = await demo_app(folder)
        scripts = [script(person) for person in range(people)]
        shown: list[list[Reply]] = [[] for _ in range(people)]
        profiler = cProfile.Profile(time.process_time) if profile else None
        count = 0
        cpu_started, started = time.process_time(), time.perf_counter()
        if profiler:
            profiler.enable()
        try:
            for step in range(len(scripts[0])):
                for person in range(people):
                    kind, value = scripts[person][step]
                    user = str(FIRST_USER + person)
                    count += 1
                    inbound = Inbound(channel="telegram", user_id=user, chat_id=user, update_id=str(count),
                                      text=value if kind == "say" else None,
                                      choice=pressed(shown[person], value) if kind == "press" else None)
                    replies = await app.engine.handle(inbound)
                    shown[person] = replies or shown[person]
        finally:
            if profiler:
                profiler.disable()
            seconds, cpu = time.perf_counter() - started, time.process_time() - cpu_started
            await app.close()
    print(f"{people} people × {len(scripts[0])} updates = {count} updates through Engine.handle on SQLite")
    print(f"  {count / seconds:8.0f} updates/s   {cpu / count * 1000:6.2f} CPU ms/update   "
          f"{statements[0] / count:5.1f} SQL statements/update")
    if profiler and profile:
        profiler.dump_stats(profile)
        for order in ("tottime", "cumulative"):
            print(f"\ncProfile (CPU time), top 20 by {order}:")
            pstats.Stats(str(profile)).sort_stats(order).print_stats(20)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--people", type=int, default=300)
    parser.add_argument("--profile", type=Path, help="write cProfile stats here and print the top entries")
    args = parser.parse_args()
    asyncio.run(run(args.people, args.profile))


if __name__ == "__main__":
    main()
