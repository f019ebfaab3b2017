"""When a CV counts as complete (cv.completed, the seed's Zapier trigger "cv-completed"):
a name, a way to reach the person (e-mail or phone), a summary, at least one work or education
entry with a title, and at least one skill. What a recruiter needs to act on it, no more."""


def is_complete(content: dict) -> bool:
    basics = content.get("basics") or {}
    reachable = bool(basics.get("email") or basics.get("phone"))
    experience = any(entry.get("position") or entry.get("name")
                     for entry in content.get("work") or ()) or any(
        entry.get("institution") for entry in content.get("education") or ())
    skills = any(skill.get("name") for skill in content.get("skills") or ())
    return bool(basics.get("name") and reachable and basics.get("summary") and experience
                and skills)
