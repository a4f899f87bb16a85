/* blas-threads.h: running our own work on OpenBLAS's pool threads, the training run's compute
 * threads (train.c sets their count), between two BLAS calls, so that the engine never starts
 * compute threads of its own that would compete with them for the cores. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Runs fn (items + k·stride) for k in [0, n): item 0 on the calling thread, each other one on an
 * idle OpenBLAS pool thread, and returns when all are done. Where OpenBLAS is not its pthreads
 * build (or n ≤ 1), runs them one after the other here. Results must not depend on which thread
 * runs which item. n ≤ the pool's size (dp_blas_threads_pool_size) keeps every item running at
 * once; more wait for a free thread. */
void dp_blas_threads_run       (int n, void (*fn) (void *item), void *items, gsize stride);

/* threads an item may run on at once: OpenBLAS's current thread count where dp_blas_threads_run
 * shares work, else 1 */
int  dp_blas_threads_available (void);

/* OpenBLAS's pool, the calling thread included (its server threads + 1); 1 without a pool */
int  dp_blas_threads_pool_size (void);

G_END_DECLS
