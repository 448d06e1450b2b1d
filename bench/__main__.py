import importlib
import sys

BENCHMARKS = {"incident_list": "bench.incident_list",
              "incident_visibility": "bench.incident_visibility",
              "fanout": "bench.fanout",
              "approvals": "bench.approvals",
              "status_page": "bench.status_page",
              "delivery": "bench.delivery",
              "monitoring": "bench.monitoring",
              "review": "bench.review",
              "room_browser": "bench.room_browser",
              "load": "bench.load"}


def main() -> None:
    if len(sys.argv) < 2 or sys.argv[1] not in BENCHMARKS:
        print("usage: python -m bench {" + "|".join(BENCHMARKS) + "} [options]")
        sys.exit(2)
    importlib.import_module(BENCHMARKS[sys.argv[1]]).main(sys.argv[2:])


if __name__ == "__main__":
    main()
