"""What the words of a text are, for ATS analysis and matching: text folded (case, Latin
diacritics, typographic variants), split into tokens inside runs that punctuation does not
cross, the skills it names (`skills_vocabulary`, every spelling: "k8s" is Kubernetes), the
index a CV's text is searched in, and the terms of a job ad that matter, weighted by how often
and where the ad names them. English, Spanish, German and French; other scripts are tokenised
by their word characters (a Japanese phrase without spaces is one token)."""

import math
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import pairwise

from cv.analysis.skills_vocabulary import AMBIGUOUS, SKILLS

# Letters NFKD does not decompose into a base letter and a mark.
# (Dotless i, left quotation mark and modifier apostrophe escaped: they look like others.)
_LETTERS = str.maketrans({"ł": "l", "ø": "o", "đ": "d", "ħ": "h", "\u0131": "i", "æ": "ae",
                          "œ": "oe", "þ": "th", "ð": "d", "’": "'", "\u2018": "'",
                          "\u02bc": "'"})
# Only the Latin/Greek/Cyrillic combining marks: Japanese voicing marks and Indic vowel signs
# are part of their letters.
_MARKS = re.compile("[\u0300-\u036f]")

# Kana, CJK ideographs and Hangul syllables: written without spaces, and next to Latin
# words ("Pythonを使う"), so a run of them is a token of its own.
_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af"
# A token: a run of CJK, or other word characters with the inner "." and "&" of "node.js",
# "asp.net", "r&d", the trailing "+" / "#" of "c++", "c#", and a leading "." only before a
# letter (".net").
TOKEN = re.compile(rf"[{_CJK}]+|(?<![\w.])\.(?=[^\W\d_{_CJK}])[^\W{_CJK}]+"
                   rf"|[^\W{_CJK}]+(?:[.&][^\W{_CJK}]+)*[+#]*")
# Where a run of words ends: what separates list items, clauses and sentences. A phrase
# ("machine learning") or a pair of words is only ever read inside one run, so "Python, Go"
# is no phrase and the order of a comma-separated list changes nothing.
_RUN_BREAK = re.compile(r"[,;:!?()\[\]{}|<>\"“”„«»•·▪◦…。、「」『』【】・]|\.(?!\w)|\s[-–—]+\s|\n")

_STOP_WORDS = """
    a an the and or nor but if then else of to in on at by for with from into onto over under
    as is are was were be been being am do does did done have has had having can could will
    would shall should may might must not no yes so too very just only also than that this
    these those there here it its i me my we us our ours you your yours he him his she her
    they them their what which who whom whose when where why how all any both each few more
    most other some such own same about above below up down out off again once per via etc
    between during before after while
    e.g i.e s t d ll re ve m o y
    el la los las un una unos unas y o u de del al en con por para sin sobre entre es son ser
    estar está esta este estos estas ese esa lo le les se su sus nuestro nuestra tu tus que
    como mas pero muy tambien ya si no ni nos te mi mis cuando donde cual quien
    der die das den dem des ein eine einer eines einem einen und oder aber auch als am an auf
    aus bei bis durch für fur im in ist sind war wird werden wurde mit nach nicht noch nur
    ob ohne sich sie er es wir ihr ihre ihr unser unsere dein deine du euch uns vom von vor
    wie zu zum zur dass so sehr wenn
    le la les un une des du de d l et ou mais donc car ni en au aux avec pour par sur sous
    dans est sont etre avoir a ont ce cet cette ces il elle ils elles nous vous on leur leurs
    son sa ses mon ma mes ton ta tes notre nos votre vos qui que quoi dont ou plus tres aussi
    ne pas se sa j n qu c m
"""
STOP_WORDS: frozenset[str] = frozenset(_STOP_WORDS.split())

# What every job ad says whatever the job: words that repeat without naming a requirement.
# Not stop words, since a CV's text keeps them.
_AD_WORDS = """
    experience experienced team teams work working role roles company companies job jobs
    position candidate candidates opportunity opportunities looking join joining help
    ability able strong good great excellent solid proven deep knowledge understanding skill
    skills year years month months day days time new including include includes well within
    across using use used based like make making get every etc ideally preferably plus bonus
    nice required requirement requirements responsibility responsibilities must need needs
    want apply application benefits benefit offer offers salary environment culture people
    world part full fulltime remote hybrid office location contract permanent hours week
    level senior junior mid lead principal staff head please
    build builds building built write writes writing run runs running own owns owning take
    takes make makes drive drives deliver delivers create creates develop develops support
    supports manage manages improve improves operate operates ensure ensures evolve keep
    keeps share shares learn learns grow grows move moves set sets want wants love enjoy care
    thrive collaborate collaborates contribute contributes review reviews design designs
    clear simple small large big fast easy hard high low best better many much lot lots real
    really exactly reliable reliably quickly every each various multiple several similar
    related relevant key core main modern first one two three hiring conversation change
    experiencia equipo empresa trabajo puesto buscamos años ano anos conocimiento conocimientos
    erfahrung team unternehmen aufgaben jahre jahren kenntnisse suchen bieten
    experience equipe entreprise poste annees ans connaissance connaissances recherchons
"""
_AD_WORD_SET: frozenset[str] = frozenset(_AD_WORDS.split())


def fold(text: str) -> str:
    """Text as compared: lower case, Latin diacritics dropped ("Zoë Łukasiewicz" ->
    "zoe lukasiewicz"), compatibility forms unified (full-width letters, ligatures, "ß" as
    "ss", curly apostrophes); other scripts keep their marks."""
    if text.isascii():
        return text.lower()
    text = unicodedata.normalize("NFKD", text.casefold().translate(_LETTERS))
    return unicodedata.normalize("NFC", _MARKS.sub("", text))


def runs(text: str) -> list[list[str]]:
    """The folded tokens of `text`, in runs that punctuation ends."""
    return [tokens for part in _RUN_BREAK.split(fold(text)) if (tokens := TOKEN.findall(part))]


def singular(token: str) -> str:
    """An English plural's singular, roughly ("databases" -> "database", "technologies" ->
    "technology"); enough that a job's "systems" finds a CV's "system"."""
    if len(token) > 4 and token.endswith("s") and not token.endswith(("ss", "us", "is")):
        return token[:-3] + "y" if token.endswith("ies") else token[:-1]
    return token


def _phrase(name: str) -> tuple[str, ...]:
    return tuple(TOKEN.findall(fold(name)))


def _vocabulary() -> tuple[dict[tuple[str, ...], str], dict[str, str]]:
    skill_of: dict[tuple[str, ...], str] = {}
    names: dict[str, str] = {}
    for block in SKILLS.values():
        for line in block.strip().splitlines():
            spellings = [spelling.strip() for spelling in line.split("|")]
            key = " ".join(_phrase(spellings[0]))
            names[key] = spellings[0]
            for spelling in spellings:
                # A spelling shared by two skills would make the result depend on line order.
                if skill_of.setdefault(_phrase(spelling), key) != key:
                    raise ValueError(f"{spelling!r} names two skills in skills_vocabulary")
    return skill_of, names


_SKILL_OF, SKILL_NAMES = _vocabulary()
# The longest phrase starting with each token, so a token that starts none costs one lookup.
_LONGEST: dict[str, int] = {}
for _spelling in _SKILL_OF:
    _LONGEST[_spelling[0]] = max(_LONGEST.get(_spelling[0], 0), len(_spelling))
# How an ambiguous spelling must be written in a job ad to count (see AMBIGUOUS).
_AMBIGUOUS: dict[tuple[str, ...], re.Pattern[str]] = {}
for _cased in sorted(AMBIGUOUS):
    if _phrase(_cased) not in _SKILL_OF:
        raise ValueError(f"{_cased!r} in AMBIGUOUS is no spelling in skills_vocabulary")
    _AMBIGUOUS[_phrase(_cased)] = re.compile(rf"(?<![\w.+#]){re.escape(_cased)}(?![\w+#])")
_SENTENCE_START = ".!?•*-–—·▪"


def skill_key(name: str) -> str:
    """How a skill someone named is compared: its vocabulary key for a known spelling
    ("K8s" -> "kubernetes", "Postgres" -> "postgresql"), else its words folded and singular
    ("Kafka Streams" -> "kafka stream"), as `TextIndex` keeps pairs of words."""
    phrase = _phrase(name)
    if not phrase:
        return ""
    key = _SKILL_OF.get(phrase) or _SKILL_OF.get((*phrase[:-1], singular(phrase[-1])))
    return key or " ".join(singular(token) for token in phrase)


def skill_name(key: str) -> str:
    """A skill key as shown: the vocabulary's spelling ("PostgreSQL"), else the key."""
    return SKILL_NAMES.get(key, key)


def skill_spans(run: list[str]) -> list[tuple[int, int, str]]:
    """The vocabulary's skills in a run, longest spelling first: "machine learning" is one
    skill, not "machine" and "learning"."""
    spans = []
    index = 0
    while index < len(run):
        longest = _LONGEST.get(run[index])
        if longest is None:  # no spelling starts with it; it may be a plural ("databases")
            if run[index][-1] == "s" and (key := _SKILL_OF.get((singular(run[index]),))):
                spans.append((index, index + 1, key))
            index += 1
            continue
        found = None
        for size in range(min(longest, len(run) - index), 0, -1):
            phrase = tuple(run[index:index + size])
            key = _SKILL_OF.get(phrase) or _SKILL_OF.get((*phrase[:-1], singular(phrase[-1])))
            if key:
                found = (index, index + size, key)
                break
        if found:
            spans.append(found)
            index = found[1]
        else:
            index += 1
    return spans


def _times_written_as_skill(phrase: tuple[str, ...], raw_line: str, names_another: bool) -> int:
    times = 0
    for written in _AMBIGUOUS[phrase].finditer(raw_line):
        before = raw_line[:written.start()].rstrip()
        alone = raw_line.strip(_SENTENCE_START + " \t:;,") == written[0]  # "- Go" in a list
        if names_another or alone or (before and before[-1] not in _SENTENCE_START):
            times += 1
    return times


def line_skills(raw_line: str, *, strict: bool) -> list[str]:
    """The skill keys a line names, once per mention. `strict` (a job ad's text) counts an
    ambiguous spelling only where it is written as a skill (see skills_vocabulary.AMBIGUOUS)."""
    found: list[str] = []
    ambiguous: Counter[tuple[str, ...]] = Counter()
    for run in runs(raw_line):
        for start, end, key in skill_spans(run):
            phrase = tuple(run[start:end])
            if strict and phrase in _AMBIGUOUS:
                ambiguous[phrase] += 1
            else:
                found.append(key)
    for phrase, mentions in sorted(ambiguous.items()):
        written = _times_written_as_skill(phrase, raw_line, names_another=bool(found))
        found += [_SKILL_OF[phrase]] * min(mentions, written)
    return found


def _is_content_word(token: str) -> bool:
    return len(token) > 2 and not token.isdigit() and token not in STOP_WORDS


class TextIndex:
    """What a text can be found to name: its skills (every spelling, ambiguous ones too), its
    words and its pairs of adjacent words (both singular, stop words left out). `key in index`
    for a skill key, a word, a pair "payment system", or a longer folded phrase, found when
    each of its adjacent pairs is."""

    def __init__(self, texts: Iterable[str]) -> None:
        self.skills: set[str] = set()
        self.words: set[str] = set()
        for text in texts:
            for run in runs(text):
                self.skills.update(key for _, _, key in skill_spans(run))
                stems = [singular(token) if token[-1] == "s" else token for token in run]
                self.words.update(stems)
                self.words.update(f"{first} {second}" for first, second in pairwise(stems)
                                  if first not in STOP_WORDS and second not in STOP_WORDS)

    def __contains__(self, key: object) -> bool:
        if not isinstance(key, str) or not key:
            return False
        if key in self.skills or key in self.words:
            return True
        parts = key.split(" ")
        return len(parts) > 2 and all(f"{first} {second}" in self.words
                                      for first, second in pairwise(parts))


@dataclass(frozen=True)
class Term:
    """A term of a job ad that a CV should name."""
    key: str  # as compared: "kubernetes", "payment system"
    name: str  # as shown: "Kubernetes", "payment system"
    weight: float
    skill: bool  # a skill from the vocabulary (else a word or pair the ad repeats)
    required: bool  # named where the ad states what it requires (or in the job title)


# What the lines under a heading are worth. Requirements count double, and what the company
# offers half: a skill in "What we offer" ("a MacBook, Slack, Notion") is not asked of anyone.
_CONTEXT_FACTOR = {"required": 2.0, "duties": 1.5, "stack": 1.5, "none": 1.0, "bonus": 1.0,
                   "offer": 0.5}
# A bullet under no known heading is most often a requirement.
_BULLET_FACTOR = 1.5
_REQUIRED_FACTOR = 2.0
_HEADINGS = {
    "required": """
        requirements | requirement | required | required skills | must have | must haves |
        qualifications | minimum qualifications | what you bring | what you'll bring |
        what you will bring | you have | you bring | about you | your profile | who you are |
        what we're looking for | what we are looking for | what we look for | skills |
        skills and experience | your skills | requisitos | requisitos minimos | imprescindible |
        perfil | tu perfil | lo que buscamos | que buscamos | anforderungen | voraussetzungen |
        dein profil | ihr profil | das bringst du mit | das bringen sie mit | was du mitbringst |
        was sie mitbringen | qualifikationen | profil recherche | exigences | votre profil |
        competences requises | ce que nous recherchons | qualifications requises
    """,
    "duties": """
        responsibilities | key responsibilities | what you'll do | what you will do | your role |
        the role | role | tasks | your tasks | your mission | the job | day to day |
        responsabilidades | funciones | tus funciones | tareas | aufgaben | deine aufgaben |
        ihre aufgaben | deine rolle | missions | vos missions | vos responsabilites |
        responsabilites | le poste | descriptif du poste
    """,
    "stack": """
        tech stack | our stack | our tech stack | stack | technologies | our technologies |
        tools | tools and technologies | technology | tecnologias | stack tecnologico |
        techstack | technologien | unser stack | technologies utilisees | notre stack
    """,
    "bonus": """
        nice to have | nice-to-have | nice to haves | bonus | bonus points | preferred |
        preferred qualifications | pluses | a plus | good to have | deseable | se valorara |
        valorable | wunschenswert | von vorteil | plus | un plus | atouts | serait un plus
    """,
    "offer": """
        what we offer | we offer | benefits | perks | perks and benefits | why us | why join us |
        about us | about the company | who we are | our culture | compensation |
        ofrecemos | que ofrecemos | beneficios | sobre nosotros | wir bieten | was wir bieten |
        uber uns | nous offrons | ce que nous offrons | avantages | a propos de nous |
        qui sommes-nous | qui sommes nous
    """,
}
_HEADING_OF = {" ".join(TOKEN.findall(fold(heading))): kind
               for kind, headings in _HEADINGS.items() for heading in headings.split("|")}
# Words in a line that make it a requirement, or only a wish, whatever heading it is under.
_REQUIRED_WORDS = re.compile(
    r"\b(?:must|required|requirement|mandatory|essential|you have|you bring|experience (?:with|in)"
    r"|proficien\w*|knowledge of|familiar\w* with|hands-on|expert\w*|years of"
    r"|imprescindible|requisito\w*|experiencia (?:en|con)|conocimientos? de"
    r"|erfahrung (?:mit|in)|kenntnisse (?:in|von)|voraussetzung|zwingend"
    r"|experience (?:en|avec|de)|maitrise|obligatoire|exige)\b")
_BONUS_WORDS = re.compile(
    r"\b(?:nice to have|a plus|is a plus|bonus|preferred|desirable|se valorara"
    r"|deseable|von vorteil|wunschenswert|un plus|apprecie)\b")
_BULLET = re.compile(r"\s*(?:[-*+•·▪◦‣⁃–]|\d{1,2}[.)])\s+")
_DECORATION = re.compile(r"^[\W_]+|[\W_]+$")
# Caps on what one ad can list, so a long ad's tail of rare words does not drown its skills.
_MAX_SKILL_TERMS = 40
_MAX_OTHER_TERMS = 20
# A named skill is the strongest evidence; a repeated pair of words next, a repeated word last.
_KIND_FACTOR = {"skill": 1.0, "pair": 0.75, "word": 0.5}


def _heading(line: str) -> tuple[str | None, str | None]:
    """(the kind of a known heading, the text after it: "" for a heading alone, "Python, Go"
    for "Requirements: Python, Go"), or (None, the line) for other text."""
    head, _, rest = line.partition(":")
    key = " ".join(TOKEN.findall(fold(_DECORATION.sub("", head))))
    if key in _HEADING_OF:
        return _HEADING_OF[key], rest.strip()
    return None, line


def _starts_unknown_part(raw: str, line: str) -> bool:
    """A heading the table does not know ("How we work", "Our team:"): a short line that is no
    bullet, no sentence and no list of skills ("Python" alone on a line under "Requirements").
    What follows it is no longer under the heading before."""
    if len(line.split()) > 5 or _BULLET.match(raw):
        return False
    return line.endswith(":") or (not any(mark in line for mark in ".,;!?")
                                  and not line_skills(line, strict=False))


@dataclass
class _Tally:
    count: int = 0
    factor: float = 0.0
    title: bool = False

    def add(self, factor: float, title: bool = False) -> None:
        self.count += 1
        self.factor = max(self.factor, factor)
        self.title = self.title or title


def job_terms(text: str, title: str = "") -> tuple[Term, ...]:
    """The terms of a job ad a CV should name, heaviest first (ties by key, so the order in
    which the ad lists things changes nothing): the vocabulary's skills, however often named,
    and the words and pairs of words it repeats, each weighted by how it is named:
    kind (skill 1, pair 0.75, word 0.5) x where (requirements 2, responsibilities 1.5,
    bullets 1.5, elsewhere 1, nice-to-have 1, what the company offers 0.5; the best place it
    is named) x (1 + log2(times named)). The title's words count once each, as requirements."""
    skills: dict[str, _Tally] = {}
    pairs: dict[str, _Tally] = {}
    words: dict[str, _Tally] = {}

    def tally(line: str, factor: float, is_title: bool) -> None:
        for key in line_skills(line, strict=not is_title):
            skills.setdefault(key, _Tally()).add(factor, is_title)
        for run in runs(line):
            in_skill = set()
            for start, end, _ in skill_spans(run):
                in_skill.update(range(start, end))
            content = [singular(token) if index not in in_skill and _is_content_word(token)
                       and token not in _AD_WORD_SET else None
                       for index, token in enumerate(run)]
            for word in content:
                if word:
                    words.setdefault(word, _Tally()).add(factor, is_title)
            for first, second in pairwise(content):
                if first and second:
                    pairs.setdefault(f"{first} {second}", _Tally()).add(factor, is_title)

    if title.strip():
        tally(title, _REQUIRED_FACTOR, True)
    context = "none"
    for raw in text.splitlines():
        kind, line = _heading(raw.strip())
        if kind:
            context = kind
        elif line and _starts_unknown_part(raw, line):
            context = "none"
        if not line:
            continue
        factor = _CONTEXT_FACTOR[context]
        if context == "none" and _BULLET.match(raw):
            factor = _BULLET_FACTOR
        folded = fold(line)
        # "X is a plus" is a wish under any heading; "must" or "experience with" is a
        # requirement under any heading but the wishes and what the company offers.
        if _BONUS_WORDS.search(folded):
            factor = min(factor, _CONTEXT_FACTOR["bonus"])
        elif _REQUIRED_WORDS.search(folded) and context not in ("bonus", "offer"):
            factor = max(factor, _REQUIRED_FACTOR)
        tally(line, factor, False)

    def term(key: str, tallied: _Tally, kind: str, count: int) -> Term:
        weight = _KIND_FACTOR[kind] * tallied.factor * (1 + math.log2(max(count, 1)))
        return Term(key, skill_name(key) if kind == "skill" else key, round(weight, 3),
                    kind == "skill", tallied.factor >= _REQUIRED_FACTOR)

    def heaviest(terms: list[Term], limit: int) -> list[Term]:
        return sorted(terms, key=lambda t: (-t.weight, t.key))[:limit]

    chosen_pairs = {key: tallied for key, tallied in pairs.items() if tallied.count >= 2}
    # A word repeated only inside the pairs chosen is already counted by them.
    in_pairs: Counter[str] = Counter()
    for key, tallied in chosen_pairs.items():
        for word in set(key.split(" ")):
            in_pairs[word] += tallied.count
    others = [term(key, tallied, "pair", tallied.count) for key, tallied in chosen_pairs.items()]
    for key, tallied in words.items():
        alone = tallied.count - in_pairs[key]
        if alone >= 2 or tallied.title:
            others.append(term(key, tallied, "word", alone))
    chosen = heaviest([term(key, tallied, "skill", tallied.count)
                       for key, tallied in skills.items()], _MAX_SKILL_TERMS)
    chosen += heaviest(others, _MAX_OTHER_TERMS)
    return tuple(sorted(chosen, key=lambda t: (-t.weight, t.key)))
