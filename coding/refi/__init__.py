"""REFI-QDA project exchange (.qdpx) with NVivo, ATLAS.ti, MAXQDA and QualCoder."""
from .qdpx_export import QdpxExport, build_project_xml, export_qdpx
from .qdpx_import import QdpxImport, import_qdpx
from .safe_zip import SafeZip

__all__ = ["QdpxExport", "QdpxImport", "SafeZip", "build_project_xml", "export_qdpx", "import_qdpx"]
