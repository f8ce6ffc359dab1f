"""Documents behind short-lived signed URLs."""

from __future__ import annotations

import strawberry

from resolvers.documents import DocumentLink


@strawberry.type(description="A file: open `url` within minutes, signed in as the same user.")
class Document:
    filename: str = strawberry.field(description="Suggested file name.")
    content_type: str = strawberry.field(description="MIME type, e.g. application/pdf.")
    url: str = strawberry.field(
        description="Signed URL, valid for a few minutes and only for the user it was issued to."
    )

    @classmethod
    def from_link(cls, link: DocumentLink) -> Document:
        return cls(filename=link.filename, content_type=link.content_type, url=link.url)
