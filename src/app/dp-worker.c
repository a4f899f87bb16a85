/* dp-worker.c: DpWorker (see the header). */
#include "dp-worker.h"

void
dp_worker_init (DpWorker *worker)
{
  *worker = (DpWorker) { 0 };
  g_mutex_init (&worker->lock);
  g_cond_init (&worker->cond);
}

void
dp_worker_clear (DpWorker *worker)
{
  g_clear_object (&worker->cancellable);
  g_mutex_clear (&worker->lock);
  g_cond_clear (&worker->cond);
}

gboolean
dp_worker_is_running (DpWorker *worker)
{
  return worker->cancellable != NULL;
}

void
dp_worker_start (DpWorker *worker, gpointer source, const char *name, GTaskThreadFunc func,
                 gpointer task_data, GDestroyNotify free_data, GAsyncReadyCallback done,
                 gpointer done_data)
{
  g_autoptr (GTask) task = NULL;

  g_return_if_fail (worker->cancellable == NULL);

  worker->cancellable = g_cancellable_new ();
  worker->busy = TRUE;
  worker->held_app = g_application_get_default ();
  if (worker->held_app != NULL)
    g_application_hold (worker->held_app);
  task = g_task_new (source, worker->cancellable, done, done_data);
  g_task_set_source_tag (task, func);
  g_task_set_name (task, name);
  g_task_set_check_cancellable (task, FALSE);
  g_task_set_task_data (task, task_data, free_data);
  g_task_run_in_thread (task, func);
}

void
dp_worker_idle (DpWorker *worker)
{
  g_mutex_lock (&worker->lock);
  worker->busy = FALSE;
  g_cond_broadcast (&worker->cond);
  g_mutex_unlock (&worker->lock);
}

void
dp_worker_finished (DpWorker *worker)
{
  g_clear_object (&worker->cancellable);
}

void
dp_worker_release (DpWorker *worker)
{
  if (worker->held_app != NULL)
    g_application_release (g_steal_pointer (&worker->held_app));
}

gboolean
dp_worker_stop (DpWorker *worker)
{
  if (worker->cancellable == NULL || g_cancellable_is_cancelled (worker->cancellable))
    return FALSE;
  g_cancellable_cancel (worker->cancellable);
  return TRUE;
}

void
dp_worker_stop_and_wait (DpWorker *worker)
{
  dp_worker_stop (worker);
  g_mutex_lock (&worker->lock);
  while (worker->busy)
    g_cond_wait (&worker->cond, &worker->lock);
  g_mutex_unlock (&worker->lock);
}
