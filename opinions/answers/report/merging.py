"""One tagged PDF from tagged parts (PDF/UA): the pages, the bookmarks and the tags of each.

A consultation report on 20,000 comments is thousands of pages. WeasyPrint lays out and
writes one document in time and memory that grow faster than its length (every page's
boxes are kept until the file is written, and the tagging looks each page up again for
every tagged element), so the report is rendered in parts and the parts are joined here,
with pikepdf (qpdf): it copies thousands of pages in a second and writes object streams, so
the joined file is no bigger than the parts (pypdf took as long as the rendering and wrote
a file four times the size).

qpdf copies a stream's dictionary at once but reads its data from the part only when the
joined file is saved, so every part had to stay open until then: with its tens of thousands
of parsed objects (a part of 500 comments holds some 13,000 tag elements), some 55 MB a
part, 2 GB for 20,000 comments. Each part's streams are copied into the joined file right
away instead (a part's streams are well under a megabyte, compressed), and the part is
closed before the next is opened.

Copying pages copies neither the bookmarks nor the tags: the catalog of each part holds
its outline and its structure tree. WeasyPrint's tree is flat at the top (a /Document
element whose kids are each page's elements, every one pointing at its page with /Pg), so
the parts' kids are moved under one /Document element, and the parent tree (the map from
a page's marked content, and from an annotation, to its element) is renumbered: each
page's /StructParents and each annotation's /StructParent get the next free key. qpdf
copies each object of a part once, so an element's /Pg is the page copied before it.

The first part gives the catalog what PDF/UA asks of it: /Lang, /MarkInfo, the XMP
metadata and /ViewerPreferences (DisplayDocTitle), and the document information (title).
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from typing import cast

import pikepdf
from pikepdf import Array, Dictionary, Name, OutlineItem, Pdf

CATALOG_KEYS = ("/Lang", "/MarkInfo", "/ViewerPreferences", "/Metadata")


class _Tree:
    """The merged structure tree being filled, part by part."""

    def __init__(self, pdf: Pdf) -> None:
        self.pdf = pdf
        self.root = pdf.make_indirect(Dictionary(Type=Name.StructTreeRoot))
        self.document = pdf.make_indirect(
            Dictionary(Type=Name.StructElem, S=Name.Document, P=self.root, K=Array())
        )
        self.root.K = Array([self.document])
        self.nums = Array()
        self.next_key = 0

    def add_part(self, part: Pdf, first_page: int) -> None:
        if Name.StructTreeRoot not in part.Root:
            raise ValueError("a part of the PDF is not tagged")
        part_root = self.pdf.copy_foreign(part.Root.StructTreeRoot)
        kids = self.document.K
        for element in _kids(part_root):
            element.P = self.document
            kids.append(element)
        keys = self._renumber(part_root.ParentTree.Nums)
        for page in self.pdf.pages[first_page:]:
            if Name.StructParents in page.obj:
                page.obj.StructParents = keys[int(page.obj.StructParents)]
            for annotation in page.obj.get(Name.Annots, Array()):
                if Name.StructParent in annotation:
                    annotation.StructParent = keys[int(annotation.StructParent)]

    def _renumber(self, nums: pikepdf.Object) -> dict[int, int]:
        keys: dict[int, int] = {}
        for index in range(0, len(nums), 2):
            keys[int(nums[index])] = self.next_key
            self.nums.append(self.next_key)
            self.nums.append(nums[index + 1])
            self.next_key += 1
        return keys

    def finish(self) -> None:
        self.root.ParentTree = self.pdf.make_indirect(Dictionary(Nums=self.nums))
        self.root.ParentTreeNextKey = self.next_key
        self.pdf.Root.StructTreeRoot = self.root


def _kids(struct_root: pikepdf.Object) -> list[pikepdf.Object]:
    """The elements under the part's /Document element."""
    top = struct_root.K
    top = top[0] if isinstance(top, Array) else top
    kids = top.get(Name.K, Array())
    return list(kids) if isinstance(kids, Array) else [kids]


def _copy_outline(
    items: Iterable[OutlineItem], pages: dict[tuple[int, int], int], offset: int
) -> list[OutlineItem]:
    """A part's bookmarks pointing at its pages in the joined file."""
    copied = []
    for item in items:
        destination = item.destination
        new = OutlineItem(item.title)
        if isinstance(destination, Array) and len(destination) >= 4:
            target = pages.get(destination[0].objgen)
            if target is not None:
                # WeasyPrint points at the heading itself: [page /XYZ left top zoom].
                new = OutlineItem(
                    item.title,
                    offset + target,
                    page_location=str(destination[1]).lstrip("/"),
                    left=float(destination[2]),
                    top=float(destination[3]),
                )
        new.children.extend(_copy_outline(item.children, pages, offset))
        copied.append(new)
    return copied


def _copied(pdf: Pdf, part: Pdf, value: pikepdf.Object) -> pikepdf.Object:
    """A value of the part's catalog, in the joined file."""
    if isinstance(value, pikepdf.String):
        return pikepdf.String(str(value))
    # qpdf copies indirect objects only: a direct one (/MarkInfo) is made indirect first.
    return pdf.copy_foreign(value if value.is_indirect else part.make_indirect(value))


def merge_tagged_pdfs(parts: Iterable[bytes]) -> bytes:
    """The parts, in order, as one tagged PDF with all their bookmarks."""
    pdf = Pdf.new()
    tree = _Tree(pdf)
    outline: list[OutlineItem] = []
    for index, data in enumerate(parts):
        with Pdf.open(io.BytesIO(data)) as part:
            _add_part(pdf, tree, outline, part, first=index == 0)
    tree.finish()
    with pdf.open_outline() as merged_outline:
        merged_outline.root.extend(outline)
    out = io.BytesIO()
    pdf.save(out, object_stream_mode=pikepdf.ObjectStreamMode.generate)
    return out.getvalue()


def _add_part(pdf: Pdf, tree: _Tree, outline: list[OutlineItem], part: Pdf, *, first: bool) -> None:
    """The part's pages, tags and bookmarks added to the joined file, which owns its streams'
    data afterwards (the part can be closed)."""
    first_page = len(pdf.pages)
    pdf.pages.extend(part.pages)
    tree.add_part(part, first_page)
    with part.open_outline() as part_outline:
        pages = {page.obj.objgen: number for number, page in enumerate(part.pages)}
        outline.extend(_copy_outline(part_outline.root, pages, first_page))
    if first:
        for key in CATALOG_KEYS:
            if key in part.Root:
                pdf.Root[key] = _copied(pdf, part, part.Root[key])
        pdf.trailer.Info = pdf.copy_foreign(part.docinfo)
    _own_stream_data(pdf, part)


def _own_stream_data(pdf: Pdf, part: Pdf) -> None:
    """Every stream copied from the part gets its data, still encoded, in the joined file."""
    for obj in part.objects:
        if isinstance(obj, pikepdf.Stream):
            # A stream copied before is found again, not copied twice (qpdf maps each
            # part's objects to their copies); one nothing referred to is copied here and
            # left out when saving.
            copied = pdf.copy_foreign(obj)
            copied.write(
                obj.read_raw_bytes(),
                filter=cast("Name | Array | None", copied.get(Name.Filter)),
                decode_parms=cast("Dictionary | Array | None", copied.get(Name.DecodeParms)),
            )
