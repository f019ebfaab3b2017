"""Opening an uploaded ZIP (a DOCX, LinkedIn's export) without trusting it: the number of
members and their unpacked sizes are bounded before anything is unpacked, so a ZIP bomb is
refused instead of filling memory. Members are only ever read into memory by name, never
written to disk, so a path in the archive ("../../etc/passwd") has nothing to traverse."""

import io
import zipfile

from cv.imports.errors import ImportFailed

MAX_MEMBERS = 5000
MAX_MEMBER_BYTES = 32 * 1024 * 1024
# Python's zipfile stops at a member's declared size (and then fails its CRC), so the declared
# sizes bound what reading can take.
MAX_TOTAL_BYTES = 128 * 1024 * 1024
# A real document compresses maybe 10:1; a bomb, 1000:1 and more.
MAX_RATIO = 200


def open_zip(data: bytes, what: str) -> zipfile.ZipFile:
    """The archive, once its table of contents has been checked. `what` names the kind of
    file in messages ("Word document"). Raises ImportFailed."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError) as exc:
        raise ImportFailed(f"the {what} is damaged or not a ZIP archive") from exc
    if len(members) > MAX_MEMBERS:
        raise ImportFailed(f"the {what} holds too many files ({len(members)})")
    return archive


def check_sizes(members: list[zipfile.ZipInfo], what: str) -> None:
    """Refuse the archive if these members together would unpack to too much, or one of them
    is packed like a bomb."""
    total = 0
    for member in members:
        total += member.file_size
        packed = max(member.compress_size, 1)
        if member.file_size > MAX_MEMBER_BYTES or (
                member.file_size > 1024 * 1024 and member.file_size / packed > MAX_RATIO):
            raise ImportFailed(f"the {what} unpacks to more than a CV can hold (a ZIP bomb?)")
    if total > MAX_TOTAL_BYTES:
        raise ImportFailed(f"the {what} unpacks to more than a CV can hold (a ZIP bomb?)")


def read_member(archive: zipfile.ZipFile, member: zipfile.ZipInfo, what: str) -> bytes:
    """One member's bytes (sizes checked first, with `check_sizes`)."""
    check_sizes([member], what)
    try:
        with archive.open(member) as stream:
            data = stream.read(MAX_MEMBER_BYTES + 1)
    except (zipfile.BadZipFile, NotImplementedError, RuntimeError, ValueError, OSError) as exc:
        # RuntimeError: an encrypted member; NotImplementedError: an unknown compression.
        raise ImportFailed(f"the {what} is damaged or encrypted") from exc
    if len(data) > MAX_MEMBER_BYTES:
        raise ImportFailed(f"the {what} unpacks to more than a CV can hold (a ZIP bomb?)")
    return data
