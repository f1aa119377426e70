"""Safety guarantees (SECURITY.md): one regression test per attack class, named after it."""
