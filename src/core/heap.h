/*
 * Neighbour heaps for float and double values, from one typed definition
 * (heap_template.h): umapc_heap_* for float (the searches' single-precision
 * distances), umapc_dheap_* for double (precomputed distances). A bounded
 * max-heap of size k per row, ordered by (value, index) so that ties are
 * broken by the lower index; empty slots hold (+inf, INT_MAX). Also a
 * min-queue for best-first search.
 */
#ifndef UMAPC_HEAP_H
#define UMAPC_HEAP_H

#include <limits.h>
#include <math.h>
#include <stddef.h>

#define HEAP_T float
#define HEAP_NAME(x) umapc_heap_##x
#include "heap_template.h"

#define HEAP_T double
#define HEAP_NAME(x) umapc_dheap_##x
#include "heap_template.h"

/* (da, ia) comes after (db, ib), for float values */
static inline int umapc_after(float da, int ia, float db, int ib) {
  return umapc_heap_after(da, ia, db, ib);
}

#endif
