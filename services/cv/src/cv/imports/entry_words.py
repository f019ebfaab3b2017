"""Words that tell the parts of a CV entry apart, in English, Spanish, German and French: a
job title from an employer, a degree from a school. Each `*_score` counts the clues in a text;
the parser compares the scores of two candidates rather than trusting either alone."""

import re

# Job titles: whole words, or word endings for German compounds ("Softwareentwickler").
_ROLE_WORDS = """
    engineer engineering developer programmer architect manager director lead head chief
    officer consultant analyst designer scientist researcher intern trainee apprentice
    specialist coordinator administrator assistant associate founder co-founder cofounder
    owner partner advisor adviser president vp cto ceo cfo coo cio teacher lecturer professor
    tutor coach mentor editor writer journalist accountant nurse technician operator
    representative agent support staff senior junior principal freelance freelancer
    contractor student maintainer sre devops
    ingeniero ingeniera desarrollador desarrolladora programador programadora jefe jefa
    gerente director directora consultor consultora analista becario becaria responsable
    técnico técnica diseñador diseñadora coordinador coordinadora profesor profesora
    entwickler entwicklerin ingenieur ingenieurin leiter leiterin berater beraterin
    werkstudent werkstudentin praktikant praktikantin geschäftsführer geschäftsführerin
    mitarbeiter mitarbeiterin referent referentin sachbearbeiter architekt architektin
    ingénieur ingénieure développeur développeuse chef directeur directrice stagiaire
    chargé chargée alternant alternante chercheur chercheuse enseignant enseignante
"""
_ROLE_ENDINGS = ("entwickler", "ingenieur", "leiter", "berater", "manager", "engineer",
                 "architekt", "developer")
_COMPANY_WORDS = """
    gmbh ag kg ohg ug inc inc. ltd ltd. llc llp plc corp corp. corporation company co co.
    group holding holdings sa s.a. sl s.l. sas sarl s.a.r.l. srl bv b.v. nv ab oy as a/s
    spa s.p.a. kk pty labs technologies solutions systems consulting services
    bank studio agency partners foundation e.v.
"""
_COMPANY_MARKS = ("株式会社", "有限会社", "合同会社", "公司", "شركة")
_DEGREE_WORDS = """
    bachelor bachelors bachelor's master masters master's mba phd ph.d. ph.d doctorate
    doctor dr. diploma diplom dipl. dipl.-ing. degree bsc b.sc. b.sc msc m.sc. m.sc ba b.a.
    ma m.a. bs b.s. ms m.s. beng b.eng. meng m.eng. llb ll.b. llm ll.m. md associate
    certificate exchange erasmus semester abitur matura magister staatsexamen promotion
    licenciatura licenciado licenciada grado máster maestría doctorado bachillerato
    técnico diplomatura ingeniería
    licence baccalauréat bac bts dut but doctorat mastère ingénieur dea dess
    high school gcse a-levels
"""
_INSTITUTION_WORDS = """
    university universität universidad université universitat università universiteit
    uniwersytet univ. college school institute institut instituto istituto hochschule
    fachhochschule polytechnic politechnika politecnico polytechnique academy akademie
    academia académie école escuela escola lycée gymnasium conservatory seminary campus
    faculty fakultät facultad faculté ecole
"""
_INSTITUTION_MARKS = ("جامعة", "大学", "学院", "universit", "hochschule", "école", "tu ", "eth ")

_WORD = re.compile(r"[\w.'’/-]+")


def _words(text: str) -> list[str]:
    return [word.casefold().strip("'’") for word in _WORD.findall(text)]


_ROLE = frozenset(_ROLE_WORDS.split())
_COMPANY = frozenset(_COMPANY_WORDS.split())
_DEGREE = frozenset(_DEGREE_WORDS.split())
_INSTITUTION = frozenset(_INSTITUTION_WORDS.split())


def role_score(text: str) -> int:
    """Clues that the text is a job title ("Staff Software Engineer", "Werkstudent")."""
    words = _words(text)
    return sum(word in _ROLE or word.endswith(_ROLE_ENDINGS) for word in words)


def company_score(text: str) -> int:
    """Clues that the text is an organisation ("Findly GmbH", "東京データ株式会社")."""
    words = _words(text)
    score = sum(word in _COMPANY or word.rstrip(".,") in _COMPANY for word in words)
    return score + sum(mark in text for mark in _COMPANY_MARKS)


def degree_score(text: str) -> int:
    """Clues that the text names a degree ("Master of Science", "B.Sc.", "Licence")."""
    return sum(word in _DEGREE or word.rstrip(",") in _DEGREE for word in _words(text))


def institution_score(text: str) -> int:
    """Clues that the text names a school ("Politechnika Warszawska", "جامعة القاهرة")."""
    folded = text.casefold() + " "
    score = sum(word in _INSTITUTION for word in _words(text))
    return score + sum(mark in folded for mark in _INSTITUTION_MARKS)


# Leading abbreviations that stand for a degree in "MSc Computer Science", "B.Sc. Informatik".
DEGREE_ABBREVIATION = re.compile(
    r"(?P<degree>(?:B|M)\.?\s?(?:Sc|A|S|Eng|Ed|Phil|F\.?A)\.?|MBA|Ph\.?\s?D\.?|LL\.?\s?[BM]\.?"
    r"|Dipl\.-[\w]+\.?|Dr\.)\s+(?P<area>\S.*)",
)
