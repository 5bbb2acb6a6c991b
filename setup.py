"""The compiled searches of corridors (corridors/_sparse.c; see corridors/sparse.py).

Everything else about the package is in pyproject.toml. The extension is optional: where it cannot be
built (no C compiler), the package installs without it and every search runs on scipy, with the same
answers.
"""

from setuptools import Extension, setup

setup(ext_modules=[Extension("corridors._sparse", ["corridors/_sparse.c"], optional=True)])
