"""Baseline for rows 3 and 4: the least a PySide6 tray app can be (one QSystemTrayIcon)."""

import sys

from PySide6.QtGui import QIcon, QPixmap
from PySide6.QtWidgets import QApplication, QSystemTrayIcon

app = QApplication(["bare-tray"])
pixmap = QPixmap(22, 22)
pixmap.fill()
icon = QSystemTrayIcon(QIcon(pixmap))
icon.show()
print("shown", flush=True)
sys.exit(app.exec())
