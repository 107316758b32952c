"""Questions: the list (search, sort, tag filter), one question at ?q=ID, and the ask form."""

import streamlit as st

from components import post_widgets as w
from components.auth import require_role
from components.data import database

actor = require_role()
db = database()
w.apply_resets()
w.show_flash()

question_id = w.query_int("q")
if st.query_params.get("ask"):
    w.ask_view(db, actor)
elif question_id is not None:
    w.question_view(db, actor, question_id)
else:
    w.list_view(db, actor)
