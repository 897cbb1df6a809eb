"""Export page: theme tables and analysis tables in every format, the bundle zip, the .qdpx project and
the codebook. Files are produced by the engine when a button is clicked, never kept on disk."""
from __future__ import annotations

from functools import partial

import streamlit as st

from coding.exports import FORMATS
from coding.exports.bundle import human_coders
from coding.project import cases
from ui import state
from ui.views import view_picker
from ui.downloads import MIME, bundle_bytes, codebook_bytes, qdpx_bytes, table_bytes, themes_bytes, themes_preview

FORMAT_LABELS = {"md": "Markdown", "tex": "LaTeX", "docx": "Word", "csv": "CSV", "xlsx": "Excel"}
TABLES = {"frequencies": "Frequencies", "top_three": "Top-three ranking", "split_by_side": "Supplier vs client split",
          "cooccurrence": "Co-occurrence", "agreement": "Agreement (two or more coders)"}


def main() -> None:
    st.title("Export")
    view = view_picker("export_view")
    coder, consensus = view.get("coder"), bool(view.get("consensus"))
    url = state.db_url()

    st.subheader("Theme tables")
    st.caption("For each factor: Processes, Tools/Devices and Behaviours/Attitudes, then attributed quotes "
               "(starred quotes first). Item labels written on the Code page are used as items.")
    if st.toggle("Preview the theme tables", key="themes_preview"):
        preview = state.query(themes_preview, coder, consensus)
        if preview.empty:
            st.info("No theme has a confirmed coding yet in this view.")
        else:
            st.dataframe(preview, hide_index=True, width="stretch", height=260)
    cols = st.columns(len(FORMATS))
    for col, fmt in zip(cols, FORMATS):
        col.download_button(f"⬇ Themes ({FORMAT_LABELS.get(fmt, fmt)})", partial(themes_bytes, url, fmt, coder, consensus),
                            file_name=f"themes.{fmt}", mime=MIME[fmt], key=f"dl_themes_{fmt}", on_click="ignore",
                            width="stretch")

    st.subheader("Analysis tables")
    has_side = any("side" in row for row in state.query(cases))
    coders = state.query(human_coders)
    if not has_side:
        st.info("No respondent has a **side** attribute yet, so the supplier vs client split is left out: "
                "import respondent attributes on the **Project** page to add it.")
    fmt = st.segmented_control("Format", list(FORMATS), format_func=FORMAT_LABELS.get, default="xlsx",
                               key="table_fmt") or "xlsx"
    cols = st.columns(len(TABLES))
    for col, (stem, label) in zip(cols, TABLES.items()):
        ready = (stem != "split_by_side" or has_side) and (stem != "agreement" or len(coders) >= 2)
        col.download_button(f"⬇ {label}", partial(table_bytes, url, stem, fmt, coder, consensus),
                            file_name=f"{stem}.{fmt}", mime=MIME[fmt], key=f"dl_{stem}", on_click="ignore",
                            width="stretch", disabled=not ready)

    st.subheader("Everything")
    c1, c2 = st.columns(2)
    c1.download_button("⬇ All tables, every format (.zip)", partial(bundle_bytes, url, coder, consensus),
                       file_name="cocode-tables.zip", mime=MIME["zip"], key="dl_bundle", on_click="ignore",
                       type="primary", width="stretch")
    c2.download_button("⬇ Project for NVivo / ATLAS.ti / MAXQDA (.qdpx)", partial(qdpx_bytes, url),
                       file_name="cocode-project.qdpx", mime=MIME["qdpx"], key="dl_qdpx", on_click="ignore",
                       width="stretch")
    st.subheader("Codebook")
    cols = st.columns(3)
    for col, suffix in zip(cols, (".yaml", ".csv", ".qdc")):
        col.download_button(f"⬇ Codebook ({suffix})", partial(codebook_bytes, url, suffix), file_name=f"codebook{suffix}",
                            mime=MIME[suffix.lstrip(".")], key=f"dl_cb{suffix}", on_click="ignore", width="stretch")


main()
