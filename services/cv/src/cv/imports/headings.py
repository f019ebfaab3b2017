"""The headings CVs give their sections, in English, Spanish, German and French, and the
content section each one names ("summary" is basics.summary, "contact" the rest of basics)."""

import re
import unicodedata

_HEADINGS: dict[str, str] = {
    "summary": """
        summary | professional summary | career summary | executive summary | profile |
        professional profile | personal profile | about | about me | objective |
        career objective | personal statement | overview |
        resumen | resumen profesional | perfil | perfil profesional | sobre mí | acerca de mí |
        extracto | objetivo | presentación |
        zusammenfassung | profil | kurzprofil | über mich | persönliches profil | berufsprofil |
        résumé | profil professionnel | à propos | à propos de moi | objectif | présentation |
        synthèse
    """,
    "work": """
        experience | work experience | professional experience | relevant experience |
        employment | employment history | work history | career | career history |
        professional background | experiences |
        experiencia | experiencia laboral | experiencia profesional | historial laboral |
        trayectoria profesional |
        berufserfahrung | berufliche erfahrung | erfahrung | beruflicher werdegang |
        werdegang | berufspraxis | praxiserfahrung | berufliche laufbahn |
        expérience | expériences | expérience professionnelle | expériences professionnelles |
        parcours professionnel
    """,
    "education": """
        education | academic background | education and training | academic history |
        academic qualifications | qualifications | studies |
        educación | formación | formación académica | estudios | educación y formación |
        ausbildung | bildung | bildungsweg | akademische ausbildung | studium | schulbildung |
        aus- und weiterbildung | ausbildung und studium |
        formation | formations | éducation | études | parcours académique | diplômes |
        formation académique | diplômes et formations
    """,
    "skills": """
        skills | technical skills | core skills | key skills | competencies | core competencies |
        expertise | skills and expertise | tech stack | technologies | tools and technologies |
        habilidades | competencias | aptitudes | conocimientos | habilidades técnicas |
        conocimientos técnicos |
        kenntnisse | fähigkeiten | kompetenzen | fachkenntnisse | it-kenntnisse |
        technische kenntnisse | fähigkeiten und kenntnisse |
        compétences | compétences techniques | savoir-faire | connaissances
    """,
    "languages": """
        languages | language skills | idiomas | lenguas | sprachen | sprachkenntnisse |
        langues | compétences linguistiques
    """,
    "projects": """
        projects | personal projects | selected projects | side projects | key projects |
        open source | proyectos | projekte | projets | projets personnels
    """,
    "certificates": """
        certificates | certifications | licenses and certifications |
        licences and certifications | certifications and licenses | courses and certifications |
        certificados | certificaciones | zertifikate | zertifizierungen | weiterbildung |
        certificats | certifications professionnelles
    """,
    "awards": """
        awards | honors | honours | honors and awards | honours and awards | awards and honors |
        achievements | premios | reconocimientos | distinciones | premios y reconocimientos |
        auszeichnungen | preise | ehrungen | prix | distinctions | récompenses |
        prix et distinctions
    """,
    "publications": """
        publications | papers | talks | publications and talks | talks and publications |
        publicaciones | publikationen | veröffentlichungen | vorträge |
        publications et conférences
    """,
    "volunteer": """
        volunteer | volunteering | volunteer experience | volunteer work | community |
        voluntariado | ehrenamt | ehrenamtliches engagement | ehrenamtliche tätigkeit |
        ehrenamtliche tätigkeiten | freiwilligenarbeit | engagement | soziales engagement |
        bénévolat | engagement associatif | engagements | vie associative
    """,
    "interests": """
        interests | hobbies | hobbies and interests | interests and hobbies |
        personal interests | intereses | aficiones | pasatiempos | interessen | hobbys |
        freizeit | freizeitinteressen | centres d'intérêt | centres d'intérêts | loisirs |
        intérêts | passions
    """,
    "references": """
        references | referees | referencias | referenzen | références
    """,
    # Headings over what belongs in basics (the CV's header), wherever they are.
    "contact": """
        contact | contact details | contact information | personal details |
        personal information | personal data | kontakt | kontaktdaten | persönliche daten |
        persönliche angaben | contacto | datos personales | datos de contacto |
        coordonnées | informations personnelles | contact et informations
    """,
}


def heading_key(text: str) -> str:
    """A heading as compared: case, "&", curly quotes, marks around it ("# Skills:") and letter
    spacing ("E X P E R I E N C E") do not matter."""
    text = unicodedata.normalize("NFC", text).casefold().replace("’", "'")
    # Decorations around a heading ("# Experience", "// Skills", "— Education —", "Skills:").
    text = re.sub(r"^[\W_]+|[\W_]+$", "", text)
    letters = text.split(" ")
    if len(letters) > 3 and all(len(letter) <= 1 for letter in letters):
        text = re.sub(r" {2,}", "\0", text).replace(" ", "").replace("\0", " ")
    text = re.sub(r"\s*(?:&|\+|/| and | und | y | et )\s*", " and ", text)
    return re.sub(r"\s+", " ", text)


_SECTION_OF = {
    heading_key(heading): section
    for section, headings in _HEADINGS.items()
    for heading in headings.split("|")
}


def section_of_heading(text: str) -> str | None:
    """The content section a heading names ("Berufserfahrung" -> "work"), or None."""
    if len(text) > 60:
        return None
    return _SECTION_OF.get(heading_key(text))
