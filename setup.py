"""The compiled searches of corridors (corridors/sparse_c.c; see corridors/sparse.py).

Everything else about the package is in pyproject.toml. The extension is optional: where it cannot be
built (no C compiler), the package installs without it and every search runs on scipy, with the same
answers.
"""

from setuptools import Extension, setup

setup(ext_modules=[Extension("corridors.sparse_c", ["corridors/sparse_c.c"], optional=True)])
