/* dp-worker.h: DpWorker, what DpTrainer and DpPersonalizer share: one run at a time of a
 * function in a GTask worker thread, with a cancellable (Stop), the default GApplication held
 * while the run is in flight (so that its completion is dispatched even when the last window is
 * gone), and a way to wait, in dispose, until the worker computes no more. GIO only.
 *
 * The worker decides whether a run that returned a result was stopped (the task does not check
 * its cancellable), so a result that is finished is never thrown away by a late Stop. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef struct
{
  GCancellable *cancellable; /* of the run in flight, or NULL */
  GApplication *held_app;    /* held while a run is in flight */
  GMutex lock;
  GCond cond;
  gboolean busy;             /* the worker is computing */
} DpWorker;

void     dp_worker_init          (DpWorker *worker);
void     dp_worker_clear         (DpWorker *worker);
/* a run is in flight (from start until finished) */
gboolean dp_worker_is_running    (DpWorker *worker);
/* UI thread: runs func (task_data, freed with free_data) in a thread; done is called on the
 * thread-default main context with a GTask whose source is source. */
void     dp_worker_start         (DpWorker *worker, gpointer source, const char *name,
                                  GTaskThreadFunc func, gpointer task_data,
                                  GDestroyNotify free_data, GAsyncReadyCallback done,
                                  gpointer done_data);
/* worker thread: from here on the worker computes nothing (stop_and_wait may return) */
void     dp_worker_idle          (DpWorker *worker);
/* UI thread, in done: the run is over (another may start), then, once its outcome is handed
 * on, the application hold is released */
void     dp_worker_finished      (DpWorker *worker);
void     dp_worker_release       (DpWorker *worker);
/* cancels the run in flight; TRUE when this call cancelled it */
gboolean dp_worker_stop          (DpWorker *worker);
/* cancels and blocks until the worker computes no more (for dispose: no main-loop iteration) */
void     dp_worker_stop_and_wait (DpWorker *worker);

G_END_DECLS
