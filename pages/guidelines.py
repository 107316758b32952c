"""Community guidelines: what belongs in questions, answers, comments and suggestions."""

import streamlit as st

from components import post_widgets as w
from components.auth import require_role
from components.data import database
from db import moderation

actor = require_role()
with database().read() as s:
    limits = moderation.settings(s)

st.title("Community guidelines")
st.markdown(f"""
This is where colleagues at every site learn from each other. What you write here stays: the
next new hire in Shanghai or Boston finds your answer instead of writing the same e-mail again.
These rules apply to questions, answers, comments, suggestions and lesson comments.

### What valuable information looks like
- **Specific and checkable**: name the regulation, guideline, SOP or lesson you rely on, with
  its version or date where it matters.
- **Context first**: the product type, the agency or market, what you tried and what happened.
- **Correct, and honest about doubt**: say "I think" when you are not sure. Correct your own
  post (edit it) when you learn more; the history keeps earlier versions.
- **One question per question**, with a title that says what you want to know.

### What does not belong here
- **Irrelevant content**: off-topic posts, advertising, chain messages.
- **False or misleading information**, including outdated guidance presented as current.
- **Inflammatory or derogatory content**: no insults, mockery, or remarks about anyone's
  origin, gender, religion, age, disability or role. Criticise ideas, not people.
- **Confidential data**: no patient data, personal data of colleagues, open investigation
  details, batch numbers under investigation, or commercially confidential information.

### Flags and moderation
- Use **Flag** on any post that breaks these rules and say why. Each person can flag an item
  once; you cannot flag your own posts.
- An item with **{limits['flag_threshold']} open flags** is hidden until a moderator (a leader or
  administrator) reviews it. The author can still see it.
- Moderators **keep**, **hide** or **delete** it, always with a reason; every decision is kept
  in the audit trail, and the author is told.

### Posting limits
- At most **{limits['questions_per_hour']} questions** and **{limits['posts_per_hour']} answers
  and comments** per person per hour, and **{limits['suggestions_per_hour']} suggestions**.
- The same text cannot be posted twice by the same person: edit your earlier post instead.

### Votes and accepted answers
- Vote up what is useful and correct, down what is wrong; one vote per person, which you can
  change or take back. You cannot vote on your own posts.
- The person who asked (or a trainer) accepts the answer that solved the problem.
""")
w.link("pages/questions.py", "Go to the questions", icon=":material/forum:")
