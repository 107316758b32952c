"""Who helps whom (leaders): help across sites and functions, and the people who bridge them."""

import pandas as pd
import streamlit as st

from components import analytics_widgets as aw
from components import charts
from components.auth import require_role
from components.tabs import tab_pages
from db import analytics

actor = require_role("leader", "admin")
st.title("Who helps whom")
st.caption("Help is an answer to someone's question (an accepted answer counts three times), a "
           "comment on their post, or writing a lesson together.")
SMALL = ("No help between {} to show: either there was none in this period, or fewer than "
         "5 people gave it (such small groups are hidden).")
f = aw.page_filters("network")
names = aw.site_names()  # every site, so each keeps its colour in every chart

sites = aw.load(analytics.help_matrix, actor, f, by="site")
functions = aw.load(analytics.help_matrix, actor, f, by="function")
never_sites = aw.load(analytics.never_exchanging, actor, f, by="site")
never_functions = aw.load(analytics.never_exchanging, actor, f, by="function")

across = sites[sites["helper_group"] != sites["helped_group"]]["acts"].sum()
aw.kpis([
    ("People helping others", f"{aw.load(analytics.helpers, actor, f):,}",
     "People who helped at least one other person"),
    ("Help across sites", aw.pct(across, sites["acts"].sum()),
     "Share of acts of help that crossed from one site to another"),
    ("Site gaps", f"{len(never_sites)}", "Pairs of sites with no help either way in the "
     "period (listed under Bridges and gaps)"),
    ("Function gaps", f"{len(never_functions)}", "Pairs of functions with no help either way "
     "in the period (listed under Bridges and gaps)"),
])


def matrices() -> None:
    aw.show_chart(charts.help_matrix_chart, sites, name="help-site-by-site", by="site",
                  caption="Read across a row: where that site's helpers helped. The diagonal is "
                          "help within a site.", empty=SMALL.format("sites"))
    aw.show_chart(charts.help_matrix_chart, functions, name="help-function-by-function",
                  by="function", empty=SMALL.format("functions"))


def pictures() -> None:
    net = aw.load(analytics.help_network, actor, f)  # the layout: only for the pictures
    site_nodes, site_links = analytics.site_network(sites)
    aw.show_chart(charts.site_network_chart, site_nodes, links=site_links, sites=names,
                  name="help-between-sites", caption="Sites placed on a circle (networkx). "
                  "Hover a line for the help each way; pairs with under 5 helpers are hidden.",
                  empty=SMALL.format("sites"))
    aw.show_chart(charts.network_chart, net.nodes, links=net.links, sites=names,
                  name="help-network-people",
                  caption="Layout computed on the server (spring layout): people who help each "
                          "other are drawn close together. Hover a dot for the person.")


def bridges_and_gaps() -> None:
    net = aw.load(analytics.help_network, actor, f)
    aw.show_chart(charts.bridges_chart, net.bridges, sites=names, name="bridging-people",
                  caption="Bridging score: how often a person lies on the shortest path between "
                          "two others in the help network (betweenness centrality).")
    c1, c2 = st.columns(2)
    for col, pairs, noun in ((c1, never_sites, "Sites"), (c2, never_functions, "Functions")):
        with col:
            st.subheader(f"{noun} that never exchange help")
            if pairs:
                gaps = pd.DataFrame(pairs, columns=[noun[:-1], f"and {noun[:-1].lower()}"])
                st.dataframe(gaps, hide_index=True, width="stretch")
                aw.csv_button(gaps, f"{noun.lower()}-never-exchanging")
            else:
                st.success(f"Every pair of {noun.lower()} exchanged help in this period.",
                           icon=":material/check_circle:")


tab_pages("network", {"Site by site": matrices, "Network picture": pictures,
                         "Bridges and gaps": bridges_and_gaps})
