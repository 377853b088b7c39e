"""`python -m cib_detect.demo`: the main job on an embedded synthetic default."""

import logging


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(message)s")


if __name__ == "__main__":
    main()
