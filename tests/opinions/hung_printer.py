"""A printing process that never answers (tests/opinions/test_report_printers.py)."""

import time

if __name__ == "__main__":
    time.sleep(600)
