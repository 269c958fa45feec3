"""The Qt (PySide6) user interface. Qt is imported only under this package."""
