"""Files uploaded to Stripe (dispute evidence, identity documents, reports) and the links
that share them. Their metadata only: the contents are on files.stripe.com."""

from __future__ import annotations

from tap_stripe_readonly.client import StripeStream
from tap_stripe_readonly.permissions import FILE_READ


class FilesStream(StripeStream):
    """A file never changes once uploaded: new ones come with ``file.created``."""

    name = "files"
    path = "/v1/files"
    stripe_class = "File"
    object_name = "file"
    permission = FILE_READ
    event_types = ("file.created",)


class FileLinksStream(StripeStream):
    name = "file_links"
    path = "/v1/file_links"
    stripe_class = "FileLink"
    object_name = "file_link"
    permission = FILE_READ
    relisted_in_full = True  # no events; a link's `expired` changes with time
