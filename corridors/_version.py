"""The package version, in a module of its own so any module can read it without importing the
package's ``__init__`` (which re-exports the public verbs: importing it from a submodule is a cycle)."""

__version__ = "0.1.0"
