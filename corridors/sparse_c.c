/*
 * corridors.sparse_c: the compiled searches of the query path (see corridors/sparse.py, which is the
 * interface: nothing else calls this module).
 *
 * Five functions over a CSR graph (indptr, indices: int32 or int64; data: float64), written for
 * corridors (Apache-2.0), with a binary heap ordered by (distance, state):
 *
 *   distances(indptr, wp, indices, wi, data, n, sources, limit, dist)
 *       shortest distances from the nearest of ``sources`` (int64) into ``dist`` (float64, n; inf where
 *       not reached). An edge is relaxed when its end is not a source and ``d + w <= limit``.
 *       Distances do not depend on the order in which equal keys leave a heap, so these are the
 *       values any Dijkstra gives, bit for bit.
 *
 *   seeded(indptr, wp, indices, wi, data, n, seeds, start, limit, dist)
 *       the same with each seed starting at its own distance ``start[i]`` (float64; a seed may be
 *       reached shorter from another): the distances from a virtual source joined to each seed by an
 *       edge of weight ``start[i]``, bit for bit (0 + w is w). Both run on a radix heap over the bits
 *       of the keys when no weight or start is negative or NaN (the keys then never go down), on the
 *       binary heap otherwise: the same distances either way.
 *
 *   search(indptr, wp, indices, wi, data, n, sources, targets, limit, dist, pred, order)
 *       the same search stopped at the first target settled, with each reached state's predecessor
 *       (int32, -9999 where none) and the settled states in order (int64). Returns
 *       (status, best, settled): status 0 = a target found (``best``), 1 = no target within ``limit``
 *       (every state within it settled), 2 = undecided: a state offered its distance twice, or another
 *       state left at the target's distance (the predecessors would then depend on the order of equal
 *       keys: corridors.sparse leaves such a query to scipy).
 *
 *   trees(indptr, wp, indices, wi, data, n, sources, limit, stop, targets, tptr, dist, pred, tied)
 *       one search per source (row i of ``dist`` float64, ``pred`` int32 and ``tied`` uint8, each
 *       len(sources) x n, is source i's), as scipy's ``dijkstra(..., indices=sources,
 *       return_predecessors=True, limit=limit)`` runs them: an edge is relaxed when ``d + w <= limit``
 *       and taken when strictly shorter than the state's distance so far (so a state's predecessor is
 *       the first settled of those that offer it its distance). ``tied`` marks the states whose
 *       predecessor could depend on the order of equal keys: another state at the predecessor's very
 *       distance also offers its distance (any Dijkstra settles states in order of distance, so only
 *       such a pair can be settled in another order). A state not marked has the predecessor every
 *       such search gives it. With ``stop`` (nonzero), search i stops once its targets
 *       ``targets[tptr[i]:tptr[i + 1]]`` (int64) are settled and every state as near as the farthest
 *       of them (the heap's least key is farther): the states farther are left at inf, -9999 and 0, the
 *       others have what the whole search gives them (their distance, predecessor and tie: the states
 *       that could offer them their distance are all nearer or as near, so all settled).
 *
 *   reaching(indptr, wp, indices, wi, n, targets, seen)
 *       marks in ``seen`` (uint8, n) every state with a path to one of ``targets`` over the stored
 *       entries (whatever their values), the targets included.
 *
 * Buffers are passed as contiguous bytes-like objects; ``wp`` and ``wi`` are the byte widths (4 or 8)
 * of the index arrays. corridors/sparse.py checks shapes and dtypes before calling.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    const void *indptr;
    const void *indices;
    const double *data;
    int wp, wi;
    int64_t n, nnz;
} graph_t;

static inline int64_t row_start(const graph_t *g, int64_t u) {
    return g->wp == 4 ? (int64_t)((const int32_t *)g->indptr)[u] : ((const int64_t *)g->indptr)[u];
}

static inline int64_t col(const graph_t *g, int64_t j) {
    return g->wi == 4 ? (int64_t)((const int32_t *)g->indices)[j] : ((const int64_t *)g->indices)[j];
}

typedef struct {
    double d;
    int64_t v;
} item_t;

typedef struct {
    item_t *a;
    Py_ssize_t size, cap;
} heap_t;

static inline int before(double d1, int64_t v1, double d2, int64_t v2) { return d1 < d2 || (d1 == d2 && v1 < v2); }

static int heap_push(heap_t *h, double d, int64_t v) {
    if (h->size == h->cap) {
        Py_ssize_t cap = h->cap ? 2 * h->cap : 256;
        item_t *a = (item_t *)realloc(h->a, (size_t)cap * sizeof(item_t));
        if (a == NULL) return -1;
        h->a = a;
        h->cap = cap;
    }
    Py_ssize_t i = h->size++;
    while (i > 0) {
        Py_ssize_t p = (i - 1) / 2;
        if (!before(d, v, h->a[p].d, h->a[p].v)) break;
        h->a[i] = h->a[p];
        i = p;
    }
    h->a[i].d = d;
    h->a[i].v = v;
    return 0;
}

static item_t heap_pop(heap_t *h) {
    item_t top = h->a[0];
    item_t last = h->a[--h->size];
    Py_ssize_t i = 0, n = h->size;
    for (;;) {
        Py_ssize_t c = 2 * i + 1;
        if (c >= n) break;
        if (c + 1 < n && before(h->a[c + 1].d, h->a[c + 1].v, h->a[c].d, h->a[c].v)) c++;
        if (!before(h->a[c].d, h->a[c].v, last.d, last.v)) break;
        h->a[i] = h->a[c];
        i = c;
    }
    if (n) h->a[i] = last;
    return top;
}

enum { UNSEEN = 0, SOURCE = 1, SETTLED = 2 };

/* parse the graph part of the arguments; the buffers stay held until release_all */
typedef struct {
    Py_buffer b[9];
    int used;
} bufs_t;

static void release_all(bufs_t *bs) {
    for (int i = 0; i < bs->used; i++) PyBuffer_Release(&bs->b[i]);
    bs->used = 0;
}

static int check_graph(graph_t *g, Py_buffer *ip, Py_buffer *ix, Py_buffer *dt) {
    if ((g->wp != 4 && g->wp != 8) || (g->wi != 4 && g->wi != 8)) {
        PyErr_SetString(PyExc_ValueError, "index widths must be 4 or 8 bytes");
        return -1;
    }
    if (g->n < 0 || ip->len != (g->n + 1) * g->wp || ix->len % g->wi != 0 ||
        (dt != NULL && ix->len / g->wi != dt->len / (Py_ssize_t)sizeof(double)) ||
        (dt != NULL && dt->len % (Py_ssize_t)sizeof(double) != 0)) {
        PyErr_SetString(PyExc_ValueError, "inconsistent CSR arrays");
        return -1;
    }
    g->indptr = ip->buf;
    g->indices = ix->buf;
    g->data = dt != NULL ? (const double *)dt->buf : NULL;
    g->nnz = (int64_t)(ix->len / g->wi);
    return 0;
}

/* a row's entries [*a, *b), or 0 when indptr does not describe rows within the entries (each row is
   checked when it is read, so a search costs what it reads, not the size of the graph) */
static inline int row(const graph_t *g, int64_t u, int64_t *a, int64_t *b) {
    *a = row_start(g, u);
    *b = row_start(g, u + 1);
    return 0 <= *a && *a <= *b && *b <= g->nnz;
}

static void raise_for(int err) {
    if (err == 1)
        PyErr_NoMemory();
    else
        PyErr_SetString(PyExc_ValueError, "malformed CSR graph: indptr out of order or a column index out of range");
}

static int check_states(const Py_buffer *b, int64_t n, const char *what) {
    const int64_t *s = (const int64_t *)b->buf;
    if (b->len % (Py_ssize_t)sizeof(int64_t) != 0) {
        PyErr_Format(PyExc_ValueError, "%s must be int64", what);
        return -1;
    }
    for (Py_ssize_t i = 0; i < b->len / (Py_ssize_t)sizeof(int64_t); i++) {
        if (s[i] < 0 || s[i] >= n) {
            PyErr_Format(PyExc_ValueError, "%s: state %lld out of range", what, (long long)s[i]);
            return -1;
        }
    }
    return 0;
}

/* a radix heap of the bits of non-negative float64 keys (ordered as the keys are), for searches whose
   keys never go below the last one taken (non-negative weights): each item moves down between at most
   64 buckets, with no comparison of keys but to find the least of a bucket emptied, and equal keys
   leave in any order (the distances do not depend on it) */
typedef struct {
    uint64_t k;
    int64_t v;
} ritem_t;

typedef struct {
    ritem_t *a;
    Py_ssize_t size, cap;
} bucket_t;

typedef struct {
    bucket_t b[65];
    uint64_t last;
    uint64_t full; /* bit i - 1: bucket i (1..64) holds items */
    Py_ssize_t size;
} radix_t;

static inline uint64_t key_bits(double d) {
    uint64_t k;
    d += 0.0; /* -0.0 as 0.0 */
    memcpy(&k, &d, sizeof k);
    return k;
}

static inline int bucket_of(uint64_t k, uint64_t last) { return k == last ? 0 : 64 - __builtin_clzll(k ^ last); }

static inline int bucket_add(bucket_t *b, uint64_t k, int64_t v) {
    if (b->size == b->cap) {
        Py_ssize_t cap = b->cap ? 2 * b->cap : 64;
        ritem_t *a = (ritem_t *)realloc(b->a, (size_t)cap * sizeof(ritem_t));
        if (a == NULL) return -1;
        b->a = a;
        b->cap = cap;
    }
    b->a[b->size].k = k;
    b->a[b->size++].v = v;
    return 0;
}

static inline int radix_push(radix_t *r, double d, int64_t v) {
    uint64_t k = key_bits(d);
    int i = bucket_of(k, r->last);
    if (bucket_add(&r->b[i], k, v) < 0) return -1;
    if (i) r->full |= (uint64_t)1 << (i - 1);
    r->size++;
    return 0;
}

/* takes a state of the least key (r->size > 0) into *v */
static inline int radix_pop(radix_t *r, int64_t *v) {
    if (!r->b[0].size) {
        int i = 1 + __builtin_ctzll(r->full); /* the first bucket holding items */
        r->full &= ~((uint64_t)1 << (i - 1));
        bucket_t *b = &r->b[i];
        uint64_t m = b->a[0].k;
        for (Py_ssize_t j = 1; j < b->size; j++)
            if (b->a[j].k < m) m = b->a[j].k;
        r->last = m;
        Py_ssize_t nb = b->size;
        b->size = 0;
        for (Py_ssize_t j = 0; j < nb; j++) { /* each to a lower bucket (never b itself) */
            int to = bucket_of(b->a[j].k, m);
            if (bucket_add(&r->b[to], b->a[j].k, b->a[j].v) < 0) return -1;
            if (to) r->full |= (uint64_t)1 << (to - 1);
        }
    }
    *v = r->b[0].a[--r->b[0].size].v;
    r->size--;
    return 0;
}

static void radix_free(radix_t *r) {
    for (int i = 0; i < 65; i++) free(r->b[i].a);
}

/* shortest distances into dist from the states s (ns of them), each starting at start[i] (NULL: at 0,
   and then never relaxed, as scipy's sources) over the edges with d + w <= limit; 0, or 1 (no memory)
   or 2 (malformed graph). A radix heap when no weight or start is negative or NaN (keys never go down),
   the binary heap otherwise. */
static int dist_core(const graph_t *g, const int64_t *s, const double *start, Py_ssize_t ns, double limit, double *dist,
                     unsigned char *state) {
    int radix = 1, err = 0;
    for (int64_t j = 0; j < g->nnz && radix; j++) radix = g->data[j] >= 0;
    for (Py_ssize_t i = 0; start != NULL && i < ns && radix; i++) radix = start[i] >= 0;
    for (int64_t i = 0; i < g->n; i++) dist[i] = INFINITY;
    heap_t h = {NULL, 0, 0};
    radix_t r;
    memset(&r, 0, sizeof r);
    for (Py_ssize_t i = 0; i < ns && !err; i++) {
        double d0 = start == NULL ? 0.0 : start[i];
        if (start == NULL) {
            if (state[s[i]] != UNSEEN) continue;
            state[s[i]] = SOURCE;
        } else if (!(d0 < dist[s[i]])) {
            continue;
        }
        dist[s[i]] = d0;
        if ((radix ? radix_push(&r, d0, s[i]) : heap_push(&h, d0, s[i])) < 0) err = 1;
    }
    while ((radix ? r.size : h.size) && !err) {
        int64_t u, a, b;
        if (radix) {
            if (radix_pop(&r, &u) < 0) {
                err = 1;
                break;
            }
        } else {
            u = heap_pop(&h).v;
        }
        if (state[u] == SETTLED) continue;
        state[u] = SETTLED;
        double du = dist[u]; /* the least key of u: its first time out */
        if (!row(g, u, &a, &b)) {
            err = 2;
            break;
        }
        for (int64_t j = a; j < b; j++) {
            int64_t v = col(g, j);
            if (v < 0 || v >= g->n) {
                err = 2;
                break;
            }
            if (state[v] != UNSEEN) continue; /* a source or settled: never relaxed */
            double nd = du + g->data[j];
            if (!(nd <= limit) || !(nd < dist[v])) continue;
            dist[v] = nd;
            if ((radix ? radix_push(&r, nd, v) : heap_push(&h, nd, v)) < 0) {
                err = 1;
                break;
            }
        }
    }
    radix_free(&r);
    free(h.a);
    return err;
}

static PyObject *py_distances(PyObject *self, PyObject *args) {
    bufs_t bs = {.used = 0};
    graph_t g;
    long long n;
    double limit;
    Py_buffer *ip = &bs.b[0], *ix = &bs.b[1], *dt = &bs.b[2], *src = &bs.b[3], *out = &bs.b[4];
    if (!PyArg_ParseTuple(args, "y*iy*iy*Ly*dw*", ip, &g.wp, ix, &g.wi, dt, &n, src, &limit, out)) return NULL;
    bs.used = 5;
    g.n = (int64_t)n;
    if (check_graph(&g, ip, ix, dt) < 0 || check_states(src, g.n, "sources") < 0) goto fail;
    if (out->len != g.n * (Py_ssize_t)sizeof(double)) {
        PyErr_SetString(PyExc_ValueError, "dist must hold n float64");
        goto fail;
    }
    double *dist = (double *)out->buf;
    const int64_t *s = (const int64_t *)src->buf;
    Py_ssize_t ns = src->len / (Py_ssize_t)sizeof(int64_t);
    unsigned char *state = (unsigned char *)calloc((size_t)(g.n ? g.n : 1), 1);
    if (state == NULL) {
        PyErr_NoMemory();
        goto fail;
    }
    int err = 0;
    Py_BEGIN_ALLOW_THREADS;
    err = dist_core(&g, s, NULL, ns, limit, dist, state);
    Py_END_ALLOW_THREADS;
    free(state);
    if (err) {
        raise_for(err);
        goto fail;
    }
    release_all(&bs);
    Py_RETURN_NONE;
fail:
    release_all(&bs);
    return NULL;
}

static PyObject *py_seeded(PyObject *self, PyObject *args) {
    bufs_t bs = {.used = 0};
    graph_t g;
    long long n;
    double limit;
    Py_buffer *ip = &bs.b[0], *ix = &bs.b[1], *dt = &bs.b[2], *src = &bs.b[3], *st = &bs.b[4], *out = &bs.b[5];
    if (!PyArg_ParseTuple(args, "y*iy*iy*Ly*y*dw*", ip, &g.wp, ix, &g.wi, dt, &n, src, st, &limit, out)) return NULL;
    bs.used = 6;
    g.n = (int64_t)n;
    if (check_graph(&g, ip, ix, dt) < 0 || check_states(src, g.n, "seeds") < 0) goto fail;
    Py_ssize_t ns = src->len / (Py_ssize_t)sizeof(int64_t);
    if (out->len != g.n * (Py_ssize_t)sizeof(double) || st->len != ns * (Py_ssize_t)sizeof(double)) {
        PyErr_SetString(PyExc_ValueError, "dist must hold n float64 and start one float64 per seed");
        goto fail;
    }
    unsigned char *state = (unsigned char *)calloc((size_t)(g.n ? g.n : 1), 1);
    if (state == NULL) {
        PyErr_NoMemory();
        goto fail;
    }
    int err = 0;
    Py_BEGIN_ALLOW_THREADS;
    err = dist_core(&g, (const int64_t *)src->buf, (const double *)st->buf, ns, limit, (double *)out->buf, state);
    Py_END_ALLOW_THREADS;
    free(state);
    if (err) {
        raise_for(err);
        goto fail;
    }
    release_all(&bs);
    Py_RETURN_NONE;
fail:
    release_all(&bs);
    return NULL;
}

static PyObject *py_search(PyObject *self, PyObject *args) {
    bufs_t bs = {.used = 0};
    graph_t g;
    long long n;
    double limit;
    Py_buffer *ip = &bs.b[0], *ix = &bs.b[1], *dt = &bs.b[2], *src = &bs.b[3], *tgt = &bs.b[4];
    Py_buffer *bd = &bs.b[5], *bp = &bs.b[6], *bo = &bs.b[7];
    if (!PyArg_ParseTuple(args, "y*iy*iy*Ly*y*dw*w*w*", ip, &g.wp, ix, &g.wi, dt, &n, src, tgt, &limit, bd, bp, bo)) return NULL;
    bs.used = 8;
    g.n = (int64_t)n;
    if (check_graph(&g, ip, ix, dt) < 0 || check_states(src, g.n, "sources") < 0 || check_states(tgt, g.n, "targets") < 0) goto fail;
    if (bd->len != g.n * (Py_ssize_t)sizeof(double) || bp->len != g.n * (Py_ssize_t)sizeof(int32_t) ||
        bo->len != g.n * (Py_ssize_t)sizeof(int64_t)) {
        PyErr_SetString(PyExc_ValueError, "dist, pred and order must hold n float64, int32 and int64");
        goto fail;
    }
    double *dist = (double *)bd->buf;
    int32_t *pred = (int32_t *)bp->buf;
    int64_t *order = (int64_t *)bo->buf;
    const int64_t *s = (const int64_t *)src->buf;
    const int64_t *t = (const int64_t *)tgt->buf;
    Py_ssize_t ns = src->len / (Py_ssize_t)sizeof(int64_t), nt = tgt->len / (Py_ssize_t)sizeof(int64_t);
    if (g.n >= INT32_MAX) {
        PyErr_SetString(PyExc_ValueError, "too many states for int32 predecessors");
        goto fail;
    }
    /* bit 0-1: UNSEEN / SOURCE / SETTLED; bit 2: a target */
    unsigned char *state = (unsigned char *)calloc((size_t)(g.n ? g.n : 1), 1);
    heap_t h = {NULL, 0, 0};
    if (state == NULL) {
        PyErr_NoMemory();
        goto fail;
    }
    int err = 0, status = 1;
    int64_t best = -1, settled = 0;
    Py_BEGIN_ALLOW_THREADS;
    for (int64_t i = 0; i < g.n; i++) {
        dist[i] = INFINITY;
        pred[i] = -9999;
    }
    for (Py_ssize_t i = 0; i < nt; i++) state[t[i]] |= 4;
    for (Py_ssize_t i = 0; i < ns && !err; i++) {
        if ((state[s[i]] & 3) == UNSEEN) {
            state[s[i]] |= SOURCE;
            dist[s[i]] = 0.0;
            if (heap_push(&h, 0.0, s[i]) < 0) err = 1;
        }
    }
    while (h.size && !err) {
        item_t it = heap_pop(&h);
        int64_t u = it.v, a, b;
        if ((state[u] & 3) == SETTLED) continue;
        double du = it.d;
        if (du > limit) {
            status = 2;
            break;
        }
        state[u] = (unsigned char)((state[u] & 4) | SETTLED);
        order[settled++] = u;
        if (!row(&g, u, &a, &b)) {
            err = 2;
            break;
        }
        if (state[u] & 4) {
            /* another state at this distance (in the heap, or one step on at no cost) may be another
               target, or offer a state on the way its distance again: undecided */
            status = 0;
            best = u;
            if (h.size && h.a[0].d <= du) status = 2;
            for (int64_t j = a; j < b && status == 0; j++) {
                int64_t v = col(&g, j);
                if (v < 0 || v >= g.n) {
                    err = 2;
                    break;
                }
                if (g.data[j] <= limit && du + g.data[j] == du && (state[v] & 3) == UNSEEN) status = 2;
            }
            break;
        }
        for (int64_t j = a; j < b; j++) {
            int64_t v = col(&g, j);
            if (v < 0 || v >= g.n) {
                err = 2;
                break;
            }
            if ((state[v] & 3) == SOURCE) continue; /* never relaxed into */
            double nd = du + g.data[j];
            if (!(nd <= limit) || nd == INFINITY) continue;
            double old = dist[v];
            if (nd < old) {
                if ((state[v] & 3) == SETTLED) continue;
                dist[v] = nd;
                pred[v] = (int32_t)u;
                if (heap_push(&h, nd, v) < 0) {
                    err = 1;
                    break;
                }
            } else if (nd == old) {
                status = 2; /* offered twice at its distance: the order of equal keys decides */
                break;
            }
        }
        if (status == 2) break;
    }
    Py_END_ALLOW_THREADS;
    free(state);
    free(h.a);
    if (err) {
        raise_for(err);
        goto fail;
    }
    release_all(&bs);
    return Py_BuildValue("iLL", status, (long long)best, (long long)settled);
fail:
    release_all(&bs);
    return NULL;
}

static PyObject *py_trees(PyObject *self, PyObject *args) {
    bufs_t bs = {.used = 0};
    graph_t g;
    long long n;
    double limit;
    int stop;
    Py_buffer *ip = &bs.b[0], *ix = &bs.b[1], *dt = &bs.b[2], *src = &bs.b[3], *tgt = &bs.b[4], *tp = &bs.b[5];
    Py_buffer *bd = &bs.b[6], *bp = &bs.b[7], *bt = &bs.b[8];
    if (!PyArg_ParseTuple(args, "y*iy*iy*Ly*dpy*y*w*w*w*", ip, &g.wp, ix, &g.wi, dt, &n, src, &limit, &stop, tgt, tp, bd, bp, bt))
        return NULL;
    bs.used = 9;
    g.n = (int64_t)n;
    if (check_graph(&g, ip, ix, dt) < 0 || check_states(src, g.n, "sources") < 0 || check_states(tgt, g.n, "targets") < 0) goto fail;
    if (g.n >= INT32_MAX) {
        PyErr_SetString(PyExc_ValueError, "too many states for int32 predecessors");
        goto fail;
    }
    Py_ssize_t ns = src->len / (Py_ssize_t)sizeof(int64_t), nt = tgt->len / (Py_ssize_t)sizeof(int64_t);
    const int64_t *t = (const int64_t *)tgt->buf, *tptr = (const int64_t *)tp->buf;
    if (tp->len != (ns + 1) * (Py_ssize_t)sizeof(int64_t)) {
        PyErr_SetString(PyExc_ValueError, "tptr must hold len(sources) + 1 int64");
        goto fail;
    }
    int rises = tptr[0] == 0 && tptr[ns] == nt;
    for (Py_ssize_t k = 0; k < ns; k++) rises = rises && tptr[k] <= tptr[k + 1];
    if (!rises) {
        PyErr_SetString(PyExc_ValueError, "tptr must rise from 0 to len(targets)");
        goto fail;
    }
    if (bd->len != ns * g.n * (Py_ssize_t)sizeof(double) || bp->len != ns * g.n * (Py_ssize_t)sizeof(int32_t) ||
        bt->len != ns * g.n) {
        PyErr_SetString(PyExc_ValueError, "dist, pred and tied must hold len(sources) x n float64, int32 and uint8");
        goto fail;
    }
    const int64_t *s = (const int64_t *)src->buf;
    heap_t h = {NULL, 0, 0};
    unsigned char *want = stop ? (unsigned char *)calloc((size_t)(g.n ? g.n : 1), 1) : NULL;
    if (stop && want == NULL) {
        PyErr_NoMemory();
        goto fail;
    }
    int err = 0;
    Py_BEGIN_ALLOW_THREADS;
    for (Py_ssize_t k = 0; k < ns && !err; k++) {
        double *dist = (double *)bd->buf + k * g.n;
        int32_t *pred = (int32_t *)bp->buf + k * g.n;
        unsigned char *tied = (unsigned char *)bt->buf + k * g.n;
        for (int64_t i = 0; i < g.n; i++) {
            dist[i] = INFINITY;
            pred[i] = -9999;
        }
        memset(tied, 0, (size_t)g.n);
        dist[s[k]] = 0.0;
        h.size = 0;
        if (heap_push(&h, 0.0, s[k]) < 0) err = 1;
        int64_t left = 0; /* targets not yet settled */
        double far = INFINITY; /* once they are: the farthest one's distance */
        if (stop) {
            for (int64_t i = tptr[k]; i < tptr[k + 1]; i++) {
                if (!want[t[i]]) {
                    want[t[i]] = 1;
                    left++;
                }
            }
            if (left == 0) far = -1.0;
        }
        while (h.size && !err) {
            item_t it = heap_pop(&h);
            int64_t u = it.v, a, b;
            double du = it.d;
            if (du > far) break; /* every state as near as the farthest target is settled */
            if (dist[u] < du) continue; /* a stale entry: the state was offered less since */
            if (stop && want[u]) {
                want[u] = 0;
                if (--left == 0) far = du;
            }
            if (!row(&g, u, &a, &b)) {
                err = 2;
                break;
            }
            for (int64_t j = a; j < b; j++) {
                int64_t v = col(&g, j);
                if (v < 0 || v >= g.n) {
                    err = 2;
                    break;
                }
                double nd = du + g.data[j];
                if (!(nd <= limit)) continue;
                double old = dist[v];
                if (old > nd) {
                    dist[v] = nd;
                    pred[v] = (int32_t)u;
                    tied[v] = 0;
                    if (heap_push(&h, nd, v) < 0) {
                        err = 1;
                        break;
                    }
                } else if (old == nd && v != u && pred[v] >= 0 && pred[v] != u && dist[pred[v]] == du) {
                    tied[v] = 1; /* two states at one distance offer it its distance: their order decides */
                }
            }
        }
        if (stop) {
            for (int64_t i = tptr[k]; i < tptr[k + 1]; i++) want[t[i]] = 0;
            if (far < INFINITY) {
                for (int64_t i = 0; i < g.n; i++) {
                    if (dist[i] > far) { /* not settled: offered a distance, maybe not its own */
                        dist[i] = INFINITY;
                        pred[i] = -9999;
                        tied[i] = 0;
                    }
                }
            }
        }
    }
    Py_END_ALLOW_THREADS;
    free(h.a);
    free(want);
    if (err) {
        raise_for(err);
        goto fail;
    }
    release_all(&bs);
    Py_RETURN_NONE;
fail:
    release_all(&bs);
    return NULL;
}

static PyObject *py_reaching(PyObject *self, PyObject *args) {
    bufs_t bs = {.used = 0};
    graph_t g;
    long long n;
    Py_buffer *ip = &bs.b[0], *ix = &bs.b[1], *tgt = &bs.b[2], *out = &bs.b[3];
    if (!PyArg_ParseTuple(args, "y*iy*iLy*w*", ip, &g.wp, ix, &g.wi, &n, tgt, out)) return NULL;
    bs.used = 4;
    g.n = (int64_t)n;
    if (out->len != g.n) {
        PyErr_SetString(PyExc_ValueError, "seen must hold n uint8");
        goto fail;
    }
    if (check_graph(&g, ip, ix, NULL) < 0) goto fail;
    int64_t nnz = g.nnz;
    for (int64_t u = 0; u < g.n; u++) {
        int64_t a, b;
        if (!row(&g, u, &a, &b)) {
            raise_for(2);
            goto fail;
        }
        for (int64_t j = a; j < b; j++) {
            int64_t v = col(&g, j);
            if (v < 0 || v >= g.n) {
                raise_for(2);
                goto fail;
            }
        }
    }
    if (check_states(tgt, g.n, "targets") < 0) goto fail;
    unsigned char *seen = (unsigned char *)out->buf;
    const int64_t *t = (const int64_t *)tgt->buf;
    Py_ssize_t nt = tgt->len / (Py_ssize_t)sizeof(int64_t);
    /* the reversed graph by counting: rptr[v]..rptr[v+1] lists the states with an entry into v */
    int64_t *rptr = (int64_t *)calloc((size_t)g.n + 1, sizeof(int64_t));
    int64_t *rsrc = (int64_t *)malloc((size_t)(nnz ? nnz : 1) * sizeof(int64_t));
    int64_t *fill = (int64_t *)malloc((size_t)(g.n ? g.n : 1) * sizeof(int64_t));
    int64_t *queue = (int64_t *)malloc((size_t)(g.n ? g.n : 1) * sizeof(int64_t));
    if (!rptr || !rsrc || !fill || !queue) {
        free(rptr);
        free(rsrc);
        free(fill);
        free(queue);
        PyErr_NoMemory();
        goto fail;
    }
    Py_BEGIN_ALLOW_THREADS;
    memset(seen, 0, (size_t)g.n);
    for (int64_t j = 0; j < nnz; j++) rptr[col(&g, j) + 1]++;
    for (int64_t v = 0; v < g.n; v++) rptr[v + 1] += rptr[v];
    memcpy(fill, rptr, (size_t)g.n * sizeof(int64_t));
    for (int64_t u = 0; u < g.n; u++)
        for (int64_t j = row_start(&g, u), e = row_start(&g, u + 1); j < e; j++) rsrc[fill[col(&g, j)]++] = u;
    int64_t head = 0, tail = 0;
    for (Py_ssize_t i = 0; i < nt; i++) {
        if (!seen[t[i]]) {
            seen[t[i]] = 1;
            queue[tail++] = t[i];
        }
    }
    while (head < tail) {
        int64_t v = queue[head++];
        for (int64_t k = rptr[v]; k < rptr[v + 1]; k++) {
            int64_t u = rsrc[k];
            if (!seen[u]) {
                seen[u] = 1;
                queue[tail++] = u;
            }
        }
    }
    Py_END_ALLOW_THREADS;
    free(rptr);
    free(rsrc);
    free(fill);
    free(queue);
    release_all(&bs);
    Py_RETURN_NONE;
fail:
    release_all(&bs);
    return NULL;
}

static PyMethodDef methods[] = {
    {"distances", py_distances, METH_VARARGS, "Shortest distances from the nearest source (see corridors/sparse.py)."},
    {"seeded", py_seeded, METH_VARARGS, "Shortest distances from seeds with starting distances (see corridors/sparse.py)."},
    {"search", py_search, METH_VARARGS, "A search stopped at the first target, or undecided on ties (see corridors/sparse.py)."},
    {"trees", py_trees, METH_VARARGS, "One search per source with predecessors, ties marked (see corridors/sparse.py)."},
    {"reaching", py_reaching, METH_VARARGS, "The states with a path to a target (see corridors/sparse.py)."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "sparse_c",
    .m_doc = "The compiled searches of corridors.sparse.",
    .m_size = -1,
    .m_methods = methods,
};

PyMODINIT_FUNC PyInit_sparse_c(void) { return PyModule_Create(&module); }
