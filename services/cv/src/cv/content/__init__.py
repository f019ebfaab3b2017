"""What a CV says, apart from how it looks: the content model and its validation (`schema`,
JSON Resume v1.0.0 widened with custom sections, ordering, visibility and a photo) and the
one way its text becomes HTML or plain text (`text`). Pure code: no database, no network."""
