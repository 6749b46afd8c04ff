"""The couple page's tabs; each `render(db, user, couple)` draws one tab's contents
(pages/couple.py runs only the open tab's)."""
