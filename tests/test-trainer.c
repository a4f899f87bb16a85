/* test-trainer.c: DpTrainer without a display: a run on real MNIST (a small subset) reports its
 * progress and epochs as signals on the main thread, in order, and hands back a network with its
 * test-set evaluation; Stop lands within a fraction of a second and returns G_IO_ERROR_CANCELLED;
 * dp_trainer_stop_and_wait() returns once the worker has stopped, without running the main
 * loop; a second run while one is in flight is refused; a missing folder fails to load with the
 * engine's message. */
#include <gio/gio.h>
#include <math.h>
#include <string.h>

#include "dp-trainer.h"
#include "engine/error.h"
#include "engine/model-file.h"
#include "test-util.h"

static DpMnistData *mnist;
static GThread *main_thread;

typedef struct
{
  gboolean done;
  DpTrainResult *result;
  GError *error;
  guint n_progress, n_epochs;
  int last_epoch;
  double last_pos;
  gboolean off_thread;     /* a signal arrived on another thread */
  gboolean went_back;      /* progress moved backwards */
  gint64 stop_at;          /* stop after the first progress (when set to -1) */
  DpTrainer *trainer;
} Run;

static void
on_progress_cb (DpTrainer *trainer, const DpTrainProgress *p, Run *run)
{
  run->off_thread |= g_thread_self () != main_thread;
  double pos = (p->epoch - 1) + (double) p->batch / MAX (1, p->n_batches);
  run->went_back |= pos < run->last_pos;
  run->last_pos = pos;
  run->n_progress++;
  if (run->stop_at == -1)
    {
      run->stop_at = g_get_monotonic_time ();
      dp_trainer_stop (trainer);
    }
}

static void
on_epoch_cb (DpTrainer *trainer, const DpEpochResult *r, Run *run)
{
  run->off_thread |= g_thread_self () != main_thread;
  g_assert_cmpint (r->epoch, ==, run->last_epoch + 1);
  run->last_epoch = r->epoch;
  run->n_epochs++;
}

static void
on_done_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  Run *run = user_data;
  run->off_thread |= g_thread_self () != main_thread;
  run->result = dp_trainer_run_finish (DP_TRAINER (source), res, &run->error);
  run->done = TRUE;
}

static void
quick_config (DpTrainConfig *c, int epochs, int limit)
{
  g_assert_true (dp_train_preset ("quick", c, NULL));
  c->epochs = epochs;
  c->limit = limit;
  c->threads = 1;
}

static void
start (DpTrainer *trainer, const DpTrainConfig *c, Run *run)
{
  run->trainer = trainer;
  g_signal_connect (trainer, "progress", G_CALLBACK (on_progress_cb), run);
  g_signal_connect (trainer, "epoch-done", G_CALLBACK (on_epoch_cb), run);
  dp_trainer_run_async (trainer, c, mnist, on_done_cb, run);
}

static void
wait_done (Run *run)
{
  while (!run->done)
    g_main_context_iteration (NULL, TRUE);
}

static void
test_run (void)
{
  g_autoptr (DpTrainer) trainer = dp_trainer_new ();
  DpTrainConfig c;
  Run run = { 0 };

  quick_config (&c, 3, 3000);
  start (trainer, &c, &run);
  g_assert_true (dp_trainer_get_running (trainer));
  wait_done (&run);

  g_assert_no_error (run.error);
  g_assert_nonnull (run.result);
  g_assert_false (dp_trainer_get_running (trainer));
  g_assert_false (run.off_thread);
  g_assert_false (run.went_back);
  g_assert_cmpuint (run.n_epochs, ==, 3);
  g_assert_cmpuint (run.n_progress, >, 0);
  /* the evaluation is the worker's, on the whole test set */
  g_assert_cmpint (run.result->metrics.n, ==, mnist->test->n);
  g_assert_cmpfloat (run.result->metrics.accuracy, >, 0.85);
  guint correct = 0;
  for (int i = 0; i < mnist->test->n; i++)
    correct += run.result->predictions[i] == mnist->test->labels[i];
  g_assert_cmpfloat (fabs ((double) correct / mnist->test->n - run.result->metrics.accuracy), <,
                     1e-9);
  g_assert_cmpstr (dp_network_get_meta (run.result->network, DP_META_TEST_ACCURACY), !=, NULL);

  double p50, p99, max;
  guint n;
  g_assert_true (dp_trainer_get_stall_stats (trainer, &p50, &p99, &max, &n));
  g_assert_cmpfloat (p50, <=, p99);
  g_assert_cmpfloat (p99, <=, max);
  g_test_message ("stalls: p50 %.2f p99 %.2f max %.2f ms over %u ticks", p50, p99, max, n);
  dp_train_result_free (run.result);
}

static void
test_stop (void)
{
  g_autoptr (DpTrainer) trainer = dp_trainer_new ();
  DpTrainConfig c;
  Run run = { 0 };

  quick_config (&c, 50, 0); /* long: it must be the stop that ends it */
  run.stop_at = -1;
  start (trainer, &c, &run);
  wait_done (&run);
  gint64 took = g_get_monotonic_time () - run.stop_at;

  g_assert_error (run.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_null (run.result);
  g_assert_cmpuint (run.n_epochs, <, 50);
  g_test_message ("stop landed in %.1f ms", took / 1e3);
  g_assert_cmpint (took, <, 500000);
  g_clear_error (&run.error);
}

static void
test_stop_and_wait (void)
{
  g_autoptr (DpTrainer) trainer = dp_trainer_new ();
  DpTrainConfig c;
  Run run = { 0 };

  quick_config (&c, 50, 0);
  start (trainer, &c, &run);
  while (run.n_progress == 0)
    g_main_context_iteration (NULL, TRUE);

  gint64 t0 = g_get_monotonic_time ();
  dp_trainer_stop_and_wait (trainer);
  gint64 took = g_get_monotonic_time () - t0;
  g_test_message ("stop_and_wait returned in %.1f ms", took / 1e3);
  g_assert_cmpint (took, <, 500000);
  /* the completion is still dispatched afterwards, with the cancellation */
  g_assert_false (run.done);
  wait_done (&run);
  g_assert_error (run.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_false (dp_trainer_get_running (trainer));
  g_clear_error (&run.error);
}

static void
test_busy (void)
{
  g_autoptr (DpTrainer) trainer = dp_trainer_new ();
  DpTrainConfig c;
  Run run = { 0 }, second = { 0 };

  quick_config (&c, 50, 0);
  start (trainer, &c, &run);
  dp_trainer_run_async (trainer, &c, mnist, on_done_cb, &second);
  while (!second.done)
    g_main_context_iteration (NULL, TRUE);
  g_assert_error (second.error, G_IO_ERROR, G_IO_ERROR_PENDING);
  g_assert_true (dp_trainer_get_running (trainer));
  dp_trainer_stop (trainer);
  wait_done (&run);
  g_assert_error (run.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&run.error);
  g_clear_error (&second.error);
}

static void
on_loaded_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  GError **error = user_data;
  DpMnistData *data = dp_mnist_data_load_finish (res, error);
  g_assert_null (data);
  g_assert_nonnull (*error);
}

static void
test_load_missing (void)
{
  g_autofree char *dir = dp_test_tmpdir ();
  GError *error = NULL;

  dp_mnist_data_load_async (dir, NULL, on_loaded_cb, &error);
  while (error == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_error (error, DP_ERROR, DP_ERROR_IO);
  g_assert_nonnull (strstr (error->message, dir));
  g_clear_error (&error);
  dp_test_rmdir (dir);
}

static void
on_mnist_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  GError *error = NULL;
  mnist = dp_mnist_data_load_finish (res, &error);
  g_assert_no_error (error);
}

static void
test_no_data (void)
{
  g_test_skip ("no MNIST copy (set DIGITPAD_MNIST_DIR)");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  main_thread = g_thread_self ();

  g_test_add_func ("/app/trainer/load-missing", test_load_missing);
  const char *dir = dp_test_mnist_dir ();
  if (dir == NULL)
    {
      g_test_add_func ("/app/trainer/run", test_no_data);
      return g_test_run ();
    }
  dp_mnist_data_load_async (dir, NULL, on_mnist_cb, NULL);
  while (mnist == NULL)
    g_main_context_iteration (NULL, TRUE);

  g_test_add_func ("/app/trainer/run", test_run);
  g_test_add_func ("/app/trainer/stop", test_stop);
  g_test_add_func ("/app/trainer/stop-and-wait", test_stop_and_wait);
  g_test_add_func ("/app/trainer/busy", test_busy);
  int status = g_test_run ();
  dp_mnist_data_unref (mnist);
  return status;
}
