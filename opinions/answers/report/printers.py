"""The consultation report's PDF parts, printed two at a time by helper processes.

A part's page numbers start where the pages of the part before it end, so a part can only be
laid out (WeasyPrint's `render`, some 57 % of a part's time) once the part before it is: the
layouts are a chain. Writing a laid-out part (drawing its pages, tagging, compressing: the
other 43 %) is not. So while one printer writes part n, the other lays out part n + 1, and
a report in many parts is printed in the time of its layouts and one write, not of all its
layouts and writes. More printers would wait: only one part at a time can be laid out.

The printers are Python processes of their own (`python -m opinions.answers.report.printers`)
started for one report and stopped after it. Python's multiprocessing is no help here: the
Celery worker's pool processes are daemons, which multiprocessing forbids to have children,
and forking a process that holds database connections and other threads is not safe. Each
printer sets Django up once, then takes parts over a pipe: it answers with the part's page
count as soon as the part is laid out, then with its PDF.

A report of one part, or a machine with one CPU, is printed in this process, the same way.
"""

from __future__ import annotations

import gc
import os
import subprocess
import sys
import traceback
from collections.abc import Callable, Generator, Iterator
from contextlib import ExitStack, contextmanager, suppress
from multiprocessing.connection import Connection, wait
from typing import Any

PRINTERS = 2
MODULE = "opinions.answers.report.printers"
# A printer lays out or writes a part of 500 comments in seconds; one that has not answered
# in this long is hung (a loop in a layout, a machine out of memory) and fails the build,
# rather than holding the worker until the task's time limit.
REPLY_TIMEOUT = 15 * 60
# Seconds a printer asked to stop is given to finish, before it is killed.
STOP_TIMEOUT = 5

# The HTML of one part, given the part's index and the number of its first page.
PartHtml = Callable[[int, int], str]


class PrintingFailed(RuntimeError):
    """A part could not be printed (its error, or the printer stopped)."""


def printed_parts(html_for: PartHtml, count: int, *, base_url: str) -> Generator[bytes, None, None]:
    """The PDF of each of `count` parts, in order."""
    printers = min(PRINTERS, usable_cpus(), count)
    if printers < 2:
        yield from _printed_here(html_for, count, base_url=base_url)
        return
    with ExitStack() as stack:
        started = [stack.enter_context(_Printer()) for _ in range(printers)]
        yield from _printed_by(started, html_for, count, base_url=base_url)


def usable_cpus() -> int:
    """The CPUs this process may run on (a container's or taskset's share, not the host's)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


@contextmanager
def cyclic_gc_off() -> Iterator[None]:
    """Python's cycle collector off while parts are laid out: it walks the hundreds of
    thousands of boxes of a part again and again (some 15 % of the time). A part's cycles
    are collected with `gc.collect()` once it is written."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def print_part(html: str, base_url: str) -> tuple[Any, Callable[[], bytes]]:
    """A part laid out (the document, whose `pages` are known) and how to write it."""
    from opinions.printing import PDF_VARIANT, pdf_document

    document = pdf_document(html, base_url=base_url)
    return document, lambda: bytes(document.write_pdf(pdf_variant=PDF_VARIANT))


def _printed_here(html_for: PartHtml, count: int, *, base_url: str) -> Iterator[bytes]:
    next_page = 1
    for index in range(count):
        document, write = print_part(html_for(index, next_page), base_url)
        next_page += len(document.pages)
        data = write()
        # The part's boxes go now, not with the next part's: they are most of the memory.
        del document, write
        gc.collect()
        yield data


def _printed_by(
    printers: list[_Printer], html_for: PartHtml, count: int, *, base_url: str
) -> Iterator[bytes]:
    """The parts handed to the printers in order, each as soon as its first page is known
    (the part before it laid out) and a printer is free; yielded in order as they come."""
    idle = list(printers)
    written: dict[int, bytes] = {}
    next_page = 1
    sent = given = 0
    laying_out = False  # a part is being laid out: the next one's first page is not known yet
    while given < count:
        if sent < count and not laying_out and idle:
            idle.pop().send((sent, html_for(sent, next_page), base_url))
            sent += 1
            laying_out = True
        elif given in written:
            yield written.pop(given)
            given += 1
        else:
            for printer in _answered([p for p in printers if p not in idle]):
                kind, index, value = printer.receive()
                if kind == "pages":
                    next_page += value
                    laying_out = False
                elif kind == "pdf":
                    written[index] = value
                    idle.append(printer)
                else:
                    raise PrintingFailed(f"part {index + 1} of the PDF: {value}")


def _answered(busy: list[_Printer]) -> list[_Printer]:
    """The busy printers that have answered, once one has (PrintingFailed if none does in
    REPLY_TIMEOUT seconds)."""
    ready = wait([printer.replies for printer in busy], timeout=REPLY_TIMEOUT)
    if not ready:
        raise PrintingFailed(f"no printing process answered in {REPLY_TIMEOUT} s")
    return [printer for printer in busy if printer.replies in ready]


class _Printer:
    """One printing process and the two pipes to it."""

    def __init__(self) -> None:
        from django.conf import settings

        to_child, from_parent = os.pipe()
        to_parent, from_child = os.pipe()
        try:
            # This interpreter running this module: no input from anyone else in the command.
            self.process = subprocess.Popen(  # noqa: S603
                [sys.executable, "-m", MODULE, str(to_child), str(from_child)],
                pass_fds=(to_child, from_child),
                cwd=settings.BASE_DIR,
                stdin=subprocess.DEVNULL,
            )
        except BaseException:
            for fd in (from_parent, to_parent):
                os.close(fd)
            raise
        finally:
            os.close(to_child)
            os.close(from_child)
        self.requests = Connection(from_parent, readable=False)
        self.replies = Connection(to_parent, writable=False)

    def __enter__(self) -> _Printer:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    def send(self, request: tuple[int, str, str]) -> None:
        try:
            self.requests.send(request)
        except OSError:  # the pipe is broken: the printer has stopped
            raise self._stopped() from None

    def receive(self) -> tuple[str, int, Any]:
        try:
            reply: tuple[str, int, Any] = self.replies.recv()
        except EOFError:
            raise self._stopped() from None
        return reply

    def _stopped(self) -> PrintingFailed:
        code = self.process.wait()
        return PrintingFailed(f"a printing process stopped (exit code {code})")

    def stop(self) -> None:
        """Asked to stop (it finishes no part after this); killed if it does not."""
        with suppress(OSError):
            self.requests.send(None)
        self.requests.close()
        self.replies.close()
        try:
            self.process.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


# --- The printing process --------------------------------------------------------------------


def main(requests_fd: int, replies_fd: int) -> None:
    """Print the parts sent until asked to stop or the parent goes."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lublin2030.settings")
    django.setup()
    requests = Connection(requests_fd, writable=False)
    replies = Connection(replies_fd, readable=False)
    try:
        with cyclic_gc_off():
            while (request := requests.recv()) is not None:
                _print(request, replies)
                # The part's boxes, gone with _print's frame, are collected before the next.
                gc.collect()
    except (EOFError, BrokenPipeError):
        return  # the report's process has gone: nobody waits for the part


def _print(request: tuple[int, str, str], replies: Connection) -> None:
    index, html, base_url = request
    try:
        document, write = print_part(html, base_url)
        pages = len(document.pages)
    except Exception as error:
        replies.send(("error", index, _reason(error)))
        return
    replies.send(("pages", index, pages))
    try:
        data = write()
    except Exception as error:
        replies.send(("error", index, _reason(error)))
        return
    replies.send(("pdf", index, data))


def _reason(error: Exception) -> str:
    """The error first (a failed build keeps 2,000 characters of it), then where it was."""
    what = "".join(traceback.format_exception_only(error)).strip()
    where = "".join(traceback.format_tb(error.__traceback__, limit=-5))
    return f"{what}\n{where}"


if __name__ == "__main__":
    main(int(sys.argv[1]), int(sys.argv[2]))
