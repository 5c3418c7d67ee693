"""SQLite storage on aiosqlite: audit history, findings, inventory, the APK cache."""
