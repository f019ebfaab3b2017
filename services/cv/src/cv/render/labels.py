"""What a rendered CV says in the CV's language besides the user's own text: section headings,
"Present" and month names. English, Spanish, German and French."""

LANGUAGES = ("en", "es", "de", "fr")

_HEADINGS = {
    "summary": ("Profile", "Perfil", "Profil", "Profil"),
    "work": ("Experience", "Experiencia", "Berufserfahrung", "Expérience professionnelle"),
    "volunteer": ("Volunteering", "Voluntariado", "Ehrenamt", "Bénévolat"),
    "education": ("Education", "Formación", "Ausbildung", "Formation"),
    "awards": ("Awards", "Premios", "Auszeichnungen", "Distinctions"),
    "certificates": ("Certificates", "Certificados", "Zertifikate", "Certifications"),
    "publications": ("Publications", "Publicaciones", "Publikationen", "Publications"),
    "skills": ("Skills", "Habilidades", "Kenntnisse", "Compétences"),
    "languages": ("Languages", "Idiomas", "Sprachen", "Langues"),
    "interests": ("Interests", "Intereses", "Interessen", "Centres d'intérêt"),
    "references": ("References", "Referencias", "Referenzen", "Références"),
    "projects": ("Projects", "Proyectos", "Projekte", "Projets"),
}

_PRESENT = ("Present", "Actualidad", "heute", "aujourd'hui")

_MONTHS = (
    ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"),
    ("ene", "feb", "mar", "abr", "may", "jun", "jul", "ago", "sept", "oct", "nov", "dic"),
    ("Jan.", "Feb.", "März", "Apr.", "Mai", "Juni", "Juli", "Aug.", "Sept.", "Okt.", "Nov.",
     "Dez."),
    ("janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.", "nov.",
     "déc."),
)


def heading(section: str, language: str) -> str:
    """The heading of a built-in section ("work", ...) or "summary"."""
    return _HEADINGS[section][LANGUAGES.index(language)]


def present(language: str) -> str:
    return _PRESENT[LANGUAGES.index(language)]


def month(number: int, language: str) -> str:
    """The short name of month 1..12."""
    return _MONTHS[LANGUAGES.index(language)][number - 1]
