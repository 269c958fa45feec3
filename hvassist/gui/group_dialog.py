"""Add or edit a customer or site, and the credentials everything under it inherits."""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from hvassist.appcontext import AppContext
from hvassist.connections import Group
from hvassist.gui.style import banner


def group_choices(ctx: AppContext, exclude: set[str] | None = None) -> list[tuple[str, str | None]]:
    """(label, id) for a combo box: every group by its path, sorted, plus "(none)"."""
    store = ctx.connections
    out: list[tuple[str, str | None]] = [("(none)", None)]
    for g in sorted(store.groups, key=lambda g: store.group_path(g.id).lower()):
        if exclude and g.id in exclude:
            continue
        out.append((store.group_path(g.id), g.id))
    return out


class GroupDialog(QDialog):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None, group: Group | None = None,
                 parent_id: str | None = None, focus_credentials: bool = False) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.group = group
        store = ctx.connections
        self.setWindowTitle("Edit customer or site" if group else "Add customer or site")
        self.setMinimumWidth(560)
        v = QVBoxLayout(self)
        intro = QLabel("A customer or site holds hosts and clusters. Credentials set here are used by "
                       "everything under it, unless a cluster or host has its own.")
        intro.setWordWrap(True)
        v.addWidget(intro)
        form = QFormLayout()
        self.name = QLineEdit(group.name if group else "")
        self.name.setPlaceholderText("Contoso, or Contoso Berlin")
        self.name.setAccessibleName("Name of the customer or site")
        form.addRow("&Name:", self.name)
        self.parent_combo = QComboBox()
        self.parent_combo.setAccessibleName("Part of")
        exclude = ({group.id} | set(store.descendant_groups(group.id))) if group else set()
        for label, gid in group_choices(ctx, exclude):
            self.parent_combo.addItem(label, gid)
        current = group.parent if group else parent_id
        self.parent_combo.setCurrentIndex(max(0, self.parent_combo.findData(current)))
        form.addRow("&Part of:", self.parent_combo)
        v.addLayout(form)

        box = QGroupBox("Credentials for everything under it")
        box_form = QFormLayout(box)
        self.user = QLineEdit(group.username if group else "")
        self.user.setPlaceholderText("CONTOSO\\admin or admin@contoso.local (optional)")
        self.user.setAccessibleName("User name")
        box_form.addRow("&User name:", self.user)
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setAccessibleName("Password")
        saved = bool(group and group.username and store.has_password(group.id))
        self.password.setPlaceholderText("saved — leave empty to keep it" if saved else "")
        box_form.addRow("Pass&word:", self.password)
        self.clear = QCheckBox("&No credentials here (inherit from above, or set them per host)")
        self.clear.setAccessibleName("No credentials on this customer or site")
        self.clear.toggled.connect(self._clear_toggled)
        box_form.addRow(self.clear)
        inherited_user, inherited_from = store.inherited_credentials(self.parent_combo.currentData())
        self.inherited = QLabel()
        self.inherited.setWordWrap(True)
        if inherited_user:
            self.inherited.setText("Without credentials here, %s from %s is used." % (inherited_user, inherited_from))
        box_form.addRow(self.inherited)
        v.addWidget(box)
        self.keyring_note = banner(ctx.credentials.backend_description, "info" if ctx.credentials.persistent
                                   else "warning")
        self.keyring_note.setAccessibleName("Where passwords are kept")
        v.addWidget(self.keyring_note)
        self.problem = QLabel()
        self.problem.setWordWrap(True)
        self.problem.setAccessibleName("Problem")
        v.addWidget(self.problem)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self._save)
        buttons.rejected.connect(self.reject)
        v.addWidget(buttons)
        (self.user if focus_credentials else self.name).setFocus()

    def _clear_toggled(self, on: bool) -> None:
        self.user.setEnabled(not on)
        self.password.setEnabled(not on)

    def _save(self) -> None:
        name = self.name.text().strip()
        user = "" if self.clear.isChecked() else self.user.text().strip()
        password = self.password.text()
        store = self.ctx.connections
        if not name:
            self.problem.setText("Enter a name.")
            self.name.setFocus()
            return
        if user and not password and not (self.group and self.group.username == user
                                          and store.has_password(self.group.id)):
            self.problem.setText("Enter the password for %s." % user)
            self.password.setFocus()
            return
        parent_id = self.parent_combo.currentData()
        try:
            if self.group is None:
                self.group = store.add_group(name, parent_id, user, password or None)
            else:
                store.update_group(replace(self.group, name=name, parent=parent_id))
                store.set_group_credentials(self.group.id, user, password or None)
        except ValueError as e:
            self.problem.setText(str(e))
            return
        self.accept()
