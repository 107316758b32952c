"""Settings (admins): points per action, community limits and fair-play thresholds, each
change with a reason for the audit trail."""

import streamlit as st

from components import forms
from components.auth import require_role
from components.data import database
from db import app_settings

actor = require_role("admin")
db = database()
st.title("Settings")
st.caption("Values that shape how people take part. A change holds from the next post or vote "
           "on; it is kept in the audit trail with who made it and why.")

with db.read() as s:
    now = app_settings.in_force(s, actor=actor)



def area_form(area: app_settings.Area, now: dict[str, float]) -> None:
    form = f"set-{area.key}"
    with st.form(form):
        st.caption(area.about)
        values = {}
        cols = st.columns(2)
        for i, f in enumerate(area.fields):
            with cols[i % 2]:
                value = now[f.key]
                # A value set outside this page may lie outside the range: show it as it is
                # (the widget would refuse to draw), and saving asks for one in range.
                values[f.key] = st.number_input(
                    f.label, min_value=min(f.low, value), max_value=max(f.high, value),
                    value=value, step=1 if f.whole else 0.05, key=f"{form}-{f.key}",
                    help=f"Default: {f.default:g}; allowed: {f.low:g} to {f.high:g}")
                if not f.low <= value <= f.high:
                    st.warning(f"Now {value:g}, outside the allowed {f.low:g} to {f.high:g} "
                               "(set outside this page). Saving asks for a value in range.",
                               icon=":material/warning:")
                forms.field_error(form, f.key)
        reason = st.text_input("Why (kept in the audit trail)", key=f"{form}-reason")
        forms.field_error(form, "reason")
        bar = st.container(horizontal=True)
        save = bar.form_submit_button("Save", type="primary", key=f"{form}-save")
        reset = bar.form_submit_button("Back to the defaults", key=f"{form}-reset")
    if not (save or reset):
        return

    def write() -> bool:
        with db.write() as s:
            if reset:
                return app_settings.reset(s, actor=actor, area=area.key, reason=reason)
            return app_settings.save(s, actor=actor, area=area.key, values=values,
                                     reason=reason)

    changed = forms.submit(form, write)
    if changed:
        st.toast(f"{area.title}: saved.", icon=":material/check_circle:")
        st.rerun()
    elif changed is False:
        st.info("Nothing changed: these are the values in force.")


areas = list(app_settings.AREAS.values())
for tab, area in zip(st.tabs([a.title for a in areas]), areas, strict=True):
    with tab:
        area_form(area, now[area.key])
