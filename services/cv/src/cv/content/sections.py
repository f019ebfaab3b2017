"""The sections of a CV's content as models: JSON Resume v1.0.0's (basics, work, volunteer,
education, awards, certificates, publications, skills, languages, interests, references,
projects) with their own field names, plus `custom` sections, `meta` (order and visibility)
and `photo`. Unknown fields are kept (schema.py bounds them)."""

from typing import Annotated

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    model_validator,
)

from cv.content.fields import (
    BODY_SECTIONS,
    CUSTOM_ID,
    CUSTOM_REF_PREFIX,
    CUSTOM_SECTIONS,
    ENTRIES,
    KEYWORDS,
    PROFILES,
    Email,
    EndDate,
    FieldError,
    Highlights,
    Keywords,
    Long,
    Markdown,
    Name,
    PartialDate,
    Short,
    Url,
    bounded_list,
    files_id,
)


class _Model(BaseModel):
    # Unknown fields are kept (and bounded by validate_content's walk over them).
    model_config = ConfigDict(extra="allow")


def _starts_after_end(start: str | None, end: str | None) -> bool:
    if not start or not end or end == "present":
        return False
    # Compare at the precision both have: "2019-05" is not after "2019".
    start_parts = [int(part) for part in start.split("-")]
    end_parts = [int(part) for part in end.split("-")]
    common = min(len(start_parts), len(end_parts))
    return start_parts[:common] > end_parts[:common]


class _Dated(_Model):
    startDate: PartialDate | None = None
    endDate: EndDate | None = None

    @model_validator(mode="after")
    def _start_not_after_end(self) -> "_Dated":
        if _starts_after_end(self.startDate, self.endDate):
            raise FieldError("startDate", f"must not be after the end date ({self.endDate})")
        return self


class Location(_Model):
    address: Long | None = None
    postalCode: Short | None = None
    city: Name | None = None
    countryCode: Short | None = None
    region: Name | None = None


class Profile(_Model):
    network: Name | None = None
    username: Name | None = None
    url: Url | None = None


class Basics(_Model):
    name: Name | None = None
    label: Name | None = None
    image: Url | None = None
    email: Email | None = None
    phone: Short | None = None
    url: Url | None = None
    summary: Markdown | None = None
    location: Location | None = None
    profiles: bounded_list(Profile, PROFILES) | None = None


class Work(_Dated):
    name: Name | None = None
    location: Name | None = None
    description: Markdown | None = None
    position: Name | None = None
    url: Url | None = None
    summary: Markdown | None = None
    highlights: Highlights | None = None


class Volunteer(_Dated):
    organization: Name | None = None
    position: Name | None = None
    url: Url | None = None
    summary: Markdown | None = None
    highlights: Highlights | None = None


class Education(_Dated):
    institution: Name | None = None
    url: Url | None = None
    area: Name | None = None
    studyType: Name | None = None
    score: Short | None = None
    courses: bounded_list(Name, ENTRIES) | None = None


class Award(_Model):
    title: Name | None = None
    date: PartialDate | None = None
    awarder: Name | None = None
    summary: Markdown | None = None


class Certificate(_Model):
    name: Name | None = None
    date: PartialDate | None = None
    url: Url | None = None
    issuer: Name | None = None


class Publication(_Model):
    name: Name | None = None
    publisher: Name | None = None
    releaseDate: PartialDate | None = None
    url: Url | None = None
    summary: Markdown | None = None


class Skill(_Model):
    name: Name | None = None
    level: Short | None = None
    keywords: Keywords | None = None


class Language(_Model):
    language: Name | None = None
    fluency: Short | None = None


class Interest(_Model):
    name: Name | None = None
    keywords: Keywords | None = None


class Reference(_Model):
    name: Name | None = None
    reference: Long | None = None


class Project(_Dated):
    name: Name | None = None
    description: Markdown | None = None
    highlights: Highlights | None = None
    keywords: Keywords | None = None
    url: Url | None = None
    roles: bounded_list(Name, KEYWORDS) | None = None
    entity: Name | None = None
    type: Name | None = None


class CustomItem(_Dated):
    title: Name | None = None
    subtitle: Name | None = None
    date: PartialDate | None = None
    summary: Markdown | None = None
    highlights: Highlights | None = None
    url: Url | None = None


def _custom_id(value: str) -> str:
    if not CUSTOM_ID.fullmatch(value):
        raise ValueError("must be 1 to 64 letters, digits, '-' or '_'")
    return value


class CustomSection(_Model):
    id: Annotated[str, AfterValidator(_custom_id)]
    title: Name | None = None
    items: bounded_list(CustomItem, ENTRIES) | None = None


def _unique_custom_ids(sections: list[CustomSection]) -> list[CustomSection]:
    first: dict[str, int] = {}
    for index, section in enumerate(sections):
        if section.id in first:
            raise FieldError(
                f"[{index}].id", f"{section.id!r} is already the id of custom[{first[section.id]}]"
            )
        first[section.id] = index
    return sections


def _section_ref(value: str) -> str:
    custom_id = value.removeprefix(CUSTOM_REF_PREFIX)
    if value in BODY_SECTIONS or (custom_id != value and CUSTOM_ID.fullmatch(custom_id)):
        return value
    raise ValueError(f"must be one of {', '.join(BODY_SECTIONS)} or custom:<id>")


def _unique(values: list[str]) -> list[str]:
    for index, value in enumerate(values):
        if value in values[:index]:
            raise FieldError(f"[{index}]", f"{value!r} is listed twice")
    return values


SectionRefs = Annotated[
    list[Annotated[str, Field(max_length=80), AfterValidator(_section_ref)]],
    Field(max_length=len(BODY_SECTIONS) + CUSTOM_SECTIONS),
    AfterValidator(_unique),
]


class Meta(_Model):
    canonical: Url | None = None
    version: Short | None = None
    lastModified: Short | None = None
    # Custom sections named here that no longer exist are tolerated (a PATCH of `custom`
    # must not invalidate `meta`); section_names_in_order skips them.
    sectionOrder: SectionRefs | None = None
    hidden: SectionRefs | None = None


class Content(_Model):
    basics: Basics | None = None
    work: bounded_list(Work, ENTRIES) | None = None
    volunteer: bounded_list(Volunteer, ENTRIES) | None = None
    education: bounded_list(Education, ENTRIES) | None = None
    awards: bounded_list(Award, ENTRIES) | None = None
    certificates: bounded_list(Certificate, ENTRIES) | None = None
    publications: bounded_list(Publication, ENTRIES) | None = None
    skills: bounded_list(Skill, ENTRIES) | None = None
    languages: bounded_list(Language, ENTRIES) | None = None
    interests: bounded_list(Interest, ENTRIES) | None = None
    references: bounded_list(Reference, ENTRIES) | None = None
    projects: bounded_list(Project, ENTRIES) | None = None
    custom: Annotated[
        list[CustomSection], Field(max_length=CUSTOM_SECTIONS), AfterValidator(_unique_custom_ids)
    ] | None = None
    meta: Meta | None = None
    photo: Annotated[str, Field(max_length=36), AfterValidator(files_id)] | None = None

