"""Import couples (and their historical ratings) from CSV: templates, a preview with
every problem by row and column, then one all-or-nothing import."""

import streamlit as st

from core import importing
from core.domain import Role
from core.formatting import plural
from core.services import accounts
from core.services import importing as import_service
from pages import ui

db = ui.database()
user = ui.current_user()
today = ui.local_today()
st.title("Import couples")
ui.show_flash()
st.markdown(
    "Bring couples from another system in one go. Fill in the templates (one row per "
    "couple; optionally one row per past rating), upload them, check the preview, then "
    "import. **A file with any problem imports nothing**: correct the rows listed and "
    'upload it again. The columns are described in the README ("Import: columns").'
)
FILES = (importing.COUPLES_FILE, importing.RATINGS_FILE)
for column, kind in zip(st.columns(2), FILES, strict=True):
    column.download_button(
        f"{kind.title()} template (CSV)",
        data=importing.template(kind),
        file_name=f"mend-{kind}-template.csv",
        mime="text/csv",
        icon=":material/download:",
        on_click="ignore",
    )

counsellor_id = user.id
if user.role is Role.ADMIN:
    directory = accounts.counsellor_names(db)
    if not directory:
        st.info("There is no active counsellor to import couples for. Create one first.")
        st.stop()
    counsellor_id = st.selectbox(
        "Onto the caseload of", list(directory), format_func=directory.__getitem__
    )

# A new pair of uploaders after each import, so the imported files do not linger.
batch = st.session_state.setdefault("import_batch", 0)
couples_file = st.file_uploader("Couples (CSV, UTF-8)", type=["csv"], key=f"couples_{batch}")
ratings_file = st.file_uploader(
    "Historical ratings (CSV, UTF-8, optional)", type=["csv"], key=f"ratings_{batch}"
)
if couples_file is None:
    st.info("Upload a couples file to see its preview.", icon=":material/upload_file:")
    st.stop()

couples_csv = couples_file.getvalue()
ratings_csv = ratings_file.getvalue() if ratings_file is not None else None
checked = ui.attempt(
    lambda: import_service.check(
        db, user, couples_csv, ratings_csv, counsellor_id=counsellor_id, today=today
    )
)
if checked is None:
    st.stop()

st.subheader("Preview")
st.dataframe(checked.preview(), hide_index=True, key="import_preview")
if checked.problems:
    st.error(
        f"{plural(len(checked.problems), 'problem')}: nothing can be imported until they are "
        "corrected in the file.",
        icon=":material/error:",
    )
    st.dataframe(checked.messages(), hide_index=True, key="import_problems")
    st.stop()

if st.button(
    f"Import {plural(len(checked.couples), 'couple')} and {plural(len(checked.ratings), 'rating')}",
    type="primary",
    key="import_now",
):
    done = ui.attempt(
        lambda: import_service.import_couples(
            db, user, couples_csv, ratings_csv, counsellor_id=counsellor_id, today=today
        )
    )
    if done is not None:
        st.session_state["import_batch"] = batch + 1
        ui.flash(
            f"Imported {plural(len(done.case_codes), 'couple')} ({', '.join(done.case_codes)}) "
            f"and {plural(done.ratings, 'rating')}."
        )
        st.rerun()
