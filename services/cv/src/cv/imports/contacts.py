"""How a CV's contact details are recognised: e-mail addresses, phone numbers, web addresses
(with or without "https://") and the profiles of the networks CVs link to, with the user name
each keeps in its path."""

import re
from urllib.parse import unquote, urlsplit

EMAIL = re.compile(r"[\w.%+'-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
# A phone number: an optional + or 00, then digits with the spacing people use. Only read in a
# CV's header, where a run of 7 to 15 digits is a phone number and not an amount.
PHONE = re.compile(r"(?<![\w+])(?:\+|00)?\(?\d[\d\s().\-/]{5,22}\d(?![\w])")
_URL = re.compile(
    r"(?:https?://|www\.)[^\s<>\"'|]+"
    r"|(?<![\w@.-])(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,12}(?:/[^\s<>\"'|]*)?(?![\w@])",
    re.IGNORECASE,
)
_TRAILING_PUNCTUATION = ".,;:!?)]}»”’'\""

# Network name as JSON Resume examples write it, by host; and how the user name sits in the path
# (the segment after one of `after`, else the first segment).
_NETWORKS: dict[str, tuple[str, tuple[str, ...]]] = {
    "linkedin.com": ("LinkedIn", ("in", "pub")),
    "github.com": ("GitHub", ()),
    "gitlab.com": ("GitLab", ()),
    "bitbucket.org": ("Bitbucket", ()),
    "twitter.com": ("Twitter", ()),
    "x.com": ("X", ()),
    "stackoverflow.com": ("Stack Overflow", ("users",)),
    "xing.com": ("XING", ("profile",)),
    "medium.com": ("Medium", ()),
    "behance.net": ("Behance", ()),
    "dribbble.com": ("Dribbble", ()),
    "instagram.com": ("Instagram", ()),
    "facebook.com": ("Facebook", ()),
    "youtube.com": ("YouTube", ()),
    "kaggle.com": ("Kaggle", ()),
    "orcid.org": ("ORCID", ()),
    "researchgate.net": ("ResearchGate", ("profile",)),
    "codeberg.org": ("Codeberg", ()),
    "hub.docker.com": ("Docker Hub", ("u",)),
}


def find_emails(text: str) -> list[str]:
    return [match.rstrip(".") for match in EMAIL.findall(text)]


def find_phones(text: str) -> list[str]:
    phones = []
    for match in PHONE.finditer(text):
        candidate = match.group().strip()
        digits = sum(char.isdigit() for char in candidate)
        # Nine digits or a leading + / 0 tells a phone number from "2019 - 2021" or a postcode.
        if 7 <= digits <= 15 and (digits >= 9 or candidate[0] in "+0("):
            phones.append(candidate)
    return phones


def find_urls(text: str) -> list[str]:
    """Web addresses in free text, each as an https?:// URL. Addresses inside e-mail addresses
    are not web addresses."""
    without_emails = EMAIL.sub(" ", text)
    urls = []
    for match in _URL.finditer(without_emails):
        url = web_url(match.group())
        if url:
            urls.append(url)
    return urls


def web_url(text: str) -> str | None:
    """An http(s) URL made of what a CV wrote ("github.com/zoeln", "www.x.dev/",
    "https://x.dev."), or None when it is not one (mailto:, javascript:, no host)."""
    text = text.strip().rstrip(_TRAILING_PUNCTUATION)
    if not text or any(char.isspace() for char in text):
        return None
    if not re.match(r"https?://", text, re.IGNORECASE):
        if re.match(r"[a-z][a-z0-9+.-]*:", text, re.IGNORECASE) and not text.lower().startswith(
                "www."):
            return None  # another scheme (mailto:, tel:, javascript:): not a web address
        text = "https://" + text
    try:
        parts = urlsplit(text)
        host = parts.hostname
    except ValueError:
        return None
    if not host or "." not in host:
        return None
    return text


def url_key(url: str) -> str:
    """A web address as compared: no scheme, no "www.", no trailing slash, lower case."""
    return re.sub(r"^https?://(www\.)?", "", url.strip().lower()).rstrip("/")


def profile(url: str) -> dict | None:
    """A JSON Resume profile ({network, username, url}) when the URL is a person's page on a
    network CVs link to (not a repository or a post), else None."""
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower().removeprefix("www.")
    except ValueError:
        return None
    domain = next((domain for domain in _NETWORKS
                   if host == domain or host.endswith("." + domain)), None)
    if domain is None:
        return None
    network, after = _NETWORKS[domain]
    segments = [unquote(segment) for segment in parts.path.split("/") if segment]
    if after:
        if len(segments) < 2 or segments[0].lower() not in after:
            return None
        username = segments[1]
        rest = segments[2:]
        # Stack Overflow's path is /users/<id>/<name>: the name is the user's.
        if network == "Stack Overflow" and rest:
            username, rest = rest[0], rest[1:]
    else:
        if not segments:
            return None
        username, rest = segments[0].removeprefix("@"), segments[1:]
    if rest:
        return None  # a repository, a post or a photo: a link, not the person's profile
    return {"network": network, "username": username, "url": url}
