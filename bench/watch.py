#!/usr/bin/env python3
"""bench/watch.sh's clock: the time from saving a file to a page serving what was saved.

    watch.py FILE URL TOKEN [LIMIT]

Writes TOKEN (and a newline) to FILE, then asks URL every 20 ms until the page holds TOKEN,
and prints the milliseconds from the file's close to that answer. Refused connections and
errors (a container being recreated) are asked again. Exits 1 after LIMIT seconds (default
60) without TOKEN: the change was missed.
"""

import sys
import time
import urllib.request


def main() -> int:
    path, url, token = sys.argv[1:4]
    limit = float(sys.argv[4]) if len(sys.argv) > 4 else 60.0
    with open(path, "w", encoding="utf-8") as f:
        f.write(token + "\n")
    saved = time.monotonic()
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as answer:
                if token in answer.read().decode("utf-8", "replace"):
                    break
        except OSError:
            pass
        if time.monotonic() - saved > limit:
            print(f"{url} did not serve {token} within {limit:.0f}s", file=sys.stderr)
            return 1
        time.sleep(0.02)
    print(round((time.monotonic() - saved) * 1000))
    return 0


if __name__ == "__main__":
    sys.exit(main())
