"""Types of the compiled module corridors.sparse_c (corridors/sparse_c.c); corridors/sparse.py is its interface."""

Buffer = object  # any contiguous buffer (numpy arrays); collections.abc.Buffer is Python 3.12+

def distances(
    indptr: Buffer, wp: int, indices: Buffer, wi: int, data: Buffer, n: int, sources: Buffer, limit: float, dist: Buffer, /
) -> None: ...
def seeded(
    indptr: Buffer, wp: int, indices: Buffer, wi: int, data: Buffer, n: int, seeds: Buffer, start: Buffer, limit: float, dist: Buffer, /
) -> None: ...
def search(
    indptr: Buffer,
    wp: int,
    indices: Buffer,
    wi: int,
    data: Buffer,
    n: int,
    sources: Buffer,
    targets: Buffer,
    limit: float,
    dist: Buffer,
    pred: Buffer,
    order: Buffer,
    /,
) -> tuple[int, int, int]: ...
def trees(
    indptr: Buffer,
    wp: int,
    indices: Buffer,
    wi: int,
    data: Buffer,
    n: int,
    sources: Buffer,
    limit: float,
    stop: bool,
    targets: Buffer,
    tptr: Buffer,
    dist: Buffer,
    pred: Buffer,
    tied: Buffer,
    /,
) -> None: ...
def reaching(indptr: Buffer, wp: int, indices: Buffer, wi: int, n: int, targets: Buffer, seen: Buffer, /) -> None: ...
