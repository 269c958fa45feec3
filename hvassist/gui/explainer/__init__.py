"""How a backup works: the visual stage-by-stage explainer (``BackupExplainerPage``)."""

from hvassist.gui.explainer.page import BackupExplainerPage

__all__ = ["BackupExplainerPage"]
