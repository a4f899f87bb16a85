/* dp-trainer.c: DpTrainer, the bridge between dp_train_run() on a worker thread and the UI.
 *
 * The worker trains its own network: nothing it touches is shared with the UI except the
 * immutable DpMnistData (refcounted) and a small queue of progress events. The engine's
 * callbacks (on the worker) copy their few numbers into that queue under a mutex and schedule
 * one idle on the UI's main context if none is pending; the idle drains the whole queue and
 * emits signals (Sysprof's document loader does the same). So the worker never waits on the
 * UI, and a slow frame merges many updates into one. The finished network, with its test-set
 * evaluation (done on the worker too), comes back through g_task_return_pointer().
 *
 * While a run is in flight a 10 ms stall probe (dp-debug.c) on the main context records how late
 * it fires: the main loop's stalls, reported (p50/p99/max) with g_debug when the run ends. */
#include "dp-trainer.h"

#include "dp-debug.h"
#include "dp-worker.h"

#include "engine/fp-mode.h"
#include "engine/network.h"
#include "engine/synth.h"

#define STALL_TICK_MS 10

/* ---------- DpMnistData ---------- */

static void
mnist_data_clear (gpointer p)
{
  DpMnistData *data = p;
  g_free (data->dir);
  g_clear_pointer (&data->train, dp_dataset_free);
  g_clear_pointer (&data->test, dp_dataset_free);
}

DpMnistData *
dp_mnist_data_ref (DpMnistData *data)
{
  return g_atomic_rc_box_acquire (data);
}

void
dp_mnist_data_unref (DpMnistData *data)
{
  g_atomic_rc_box_release_full (data, mnist_data_clear);
}

char *
dp_mnist_data_default_dir (void)
{
  return g_build_filename (g_get_user_data_dir (), "digitpad", "mnist", NULL);
}

char *
dp_mnist_data_find_dir (GSettings *settings, const char **why)
{
  const char *env = g_getenv ("DIGITPAD_MNIST_DIR");
  g_autofree char *remembered = NULL;
  const char *from = "default";
  char *dir = NULL;

  if (settings != NULL)
    {
      g_autoptr (GSettingsSchema) schema = NULL;
      g_object_get (settings, "settings-schema", &schema, NULL);
      if (schema != NULL && g_settings_schema_has_key (schema, "mnist-directory"))
        remembered = g_settings_get_string (settings, "mnist-directory");
    }
  if (env != NULL && *env != '\0')
    dir = g_strdup (env), from = "DIGITPAD_MNIST_DIR";
  else if (remembered != NULL && *remembered != '\0')
    dir = g_steal_pointer (&remembered), from = "settings";
  else
    dir = dp_mnist_data_default_dir ();
  if (why != NULL)
    *why = from;
  return dir;
}

static void
mnist_data_load_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *c)
{
  const char *dir = task_data;
  GError *error = NULL;
  gint64 t0 = g_get_monotonic_time ();

  DpMnistData *data = g_atomic_rc_box_new0 (DpMnistData);
  data->dir = g_strdup (dir);
  data->train = dp_dataset_load_mnist (dir, TRUE, &error);
  if (data->train != NULL)
    data->test = dp_dataset_load_mnist (dir, FALSE, &error);
  if (error != NULL)
    {
      dp_mnist_data_unref (data);
      g_task_return_error (task, error);
      return;
    }
  g_debug ("mnist: loaded %s: %d train, %d test images in %.2f s", dir, data->train->n,
           data->test->n, (g_get_monotonic_time () - t0) / 1e6);
  g_task_return_pointer (task, data, (GDestroyNotify) dp_mnist_data_unref);
}

void
dp_mnist_data_load_async (const char *dir, GCancellable *cancellable,
                          GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr (GTask) task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, dp_mnist_data_load_async);
  g_task_set_task_data (task, g_strdup (dir), g_free);
  g_task_run_in_thread (task, mnist_data_load_thread);
}

DpMnistData *
dp_mnist_data_load_finish (GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

void
dp_train_result_free (DpTrainResult *result)
{
  if (result == NULL)
    return;
  g_clear_pointer (&result->network, dp_network_free);
  g_clear_pointer (&result->data, dp_mnist_data_unref);
  g_free (result->predictions);
  g_free (result);
}

/* ---------- DpTrainer ---------- */

typedef enum { EVENT_PROGRESS, EVENT_EPOCH, EVENT_DATA } EventKind;

typedef struct
{
  EventKind kind;
  union
  {
    DpTrainProgress progress;
    DpEpochResult epoch;
    struct { int done, total; } data; /* the mix being generated (engine/synth.h) */
  };
} Event;

struct _DpTrainer
{
  GObject parent_instance;

  GMainContext *context;     /* the UI's, where signals are emitted */
  DpWorker worker;           /* the run in flight: its thread, cancellable, application hold */
  gboolean running;

  /* shared with the worker, under lock */
  GMutex lock;
  GArray *events;            /* of Event, not yet seen by the UI */
  GSource *idle;             /* the pending drain, or NULL */

  /* stall measurement, main thread only */
  DpStallProbe *stall_probe; /* while a run is in flight */
  DpStallStats stalls;       /* of the last run */
};

G_DEFINE_FINAL_TYPE (DpTrainer, dp_trainer, G_TYPE_OBJECT)

enum { PROP_0, PROP_RUNNING, N_PROPS };
static GParamSpec *properties[N_PROPS];

enum { SIGNAL_PROGRESS, SIGNAL_EPOCH_DONE, SIGNAL_DATA_PROGRESS, N_SIGNALS };
static guint signals[N_SIGNALS];

/* What the worker needs, owned by the worker's GTask. */
typedef struct
{
  DpTrainer *self;       /* kept alive by the GTask's source reference */
  DpTrainConfig config;  /* a copy */
  DpMnistData *data;
  gint64 t_start;
} Job;

static void
job_free (Job *job)
{
  g_clear_pointer (&job->data, dp_mnist_data_unref);
  g_free (job);
}

/* UI thread: hand every queued event to the signal handlers. */
static void
drain_events (DpTrainer *self)
{
  g_mutex_lock (&self->lock);
  GArray *events = self->events;
  self->events = g_array_new (FALSE, FALSE, sizeof (Event));
  if (self->idle != NULL)
    {
      g_source_destroy (self->idle);
      g_clear_pointer (&self->idle, g_source_unref);
    }
  g_mutex_unlock (&self->lock);

  for (guint i = 0; i < events->len; i++)
    {
      const Event *ev = &g_array_index (events, Event, i);
      if (ev->kind == EVENT_PROGRESS)
        g_signal_emit (self, signals[SIGNAL_PROGRESS], 0, &ev->progress);
      else if (ev->kind == EVENT_DATA)
        {
          g_debug ("train: making the data mix %d/%d", ev->data.done, ev->data.total);
          g_signal_emit (self, signals[SIGNAL_DATA_PROGRESS], 0, ev->data.done, ev->data.total);
        }
      else
        {
          const DpEpochResult *r = &ev->epoch;
          g_debug ("train: epoch %d/%d loss %.4f train %.2f %% test %.2f %% (%.1f s)", r->epoch,
                   r->n_epochs, r->train_loss, 100.0 * r->train_accuracy,
                   100.0 * r->test_accuracy, r->seconds);
          g_signal_emit (self, signals[SIGNAL_EPOCH_DONE], 0, r);
        }
    }
  g_array_unref (events);
}

static gboolean
drain_idle_cb (gpointer user_data)
{
  drain_events (DP_TRAINER (user_data));
  return G_SOURCE_REMOVE;
}

/* Worker thread: queue one event, and one idle to drain the queue if none is pending. */
static void
push_event (DpTrainer *self, const Event *ev)
{
  g_mutex_lock (&self->lock);
  /* progress replaces a progress not seen yet: the UI only shows the latest */
  if (ev->kind != EVENT_EPOCH && self->events->len > 0
      && g_array_index (self->events, Event, self->events->len - 1).kind == ev->kind)
    g_array_index (self->events, Event, self->events->len - 1) = *ev;
  else
    g_array_append_val (self->events, *ev);
  if (self->idle == NULL)
    {
      self->idle = g_idle_source_new ();
      g_source_set_priority (self->idle, G_PRIORITY_DEFAULT);
      g_source_set_callback (self->idle, drain_idle_cb, g_object_ref (self), g_object_unref);
      g_source_set_static_name (self->idle, "[digitpad] training progress");
      g_source_attach (self->idle, self->context);
    }
  g_mutex_unlock (&self->lock);
}

static void
on_progress (const DpTrainProgress *p, gpointer user_data)
{
  Job *job = user_data;
  Event ev = { .kind = EVENT_PROGRESS, .progress = *p };
  push_event (job->self, &ev);
}

static void
on_epoch_done (const DpEpochResult *r, gpointer user_data)
{
  Job *job = user_data;
  Event ev = { .kind = EVENT_EPOCH, .epoch = *r };
  push_event (job->self, &ev);
}

static void
on_data_progress (int done, int total, gpointer user_data)
{
  Job *job = user_data;
  Event ev = { .kind = EVENT_DATA, .data = { done, total } };
  push_event (job->self, &ev);
}

/* The MIX training set (MNIST + the generated examples, cached), or NULL with error. */
static DpDataset *
build_mix (Job *job, GCancellable *cancellable, GError **error)
{
  DpSynthReport report = { 0 };
  DpDataset *mix = dp_synth_build_mix (job->data->train, NULL, job->config.seed, NULL,
                                       on_data_progress, job, cancellable, &report, error);
  if (mix != NULL && report.from_cache)
    g_debug ("train: data mix: %d images, the generated ones from %s", mix->n,
             report.cache_path);
  else if (mix != NULL)
    g_debug ("train: data mix: %d images, %d generated in %.1f s on %d threads", mix->n,
             mix->n - job->data->train->n, report.seconds, report.threads);
  dp_synth_report_clear (&report);
  return mix;
}

static void
train_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  Job *job = task_data;
  GError *error = NULL;
  DpTrainCallbacks callbacks = { on_progress, on_epoch_done, job };

  DpTrainer *self = job->self;
  DpTrainResult *result = NULL;

  /* GLib's pool threads need not descend from the main thread: set the mode here (fp-mode.h) */
  dp_fp_mode_set_thread ();
  g_autoptr (DpDataset) mix = NULL;
  if (job->config.data == DP_TRAIN_SET_MIX)
    mix = build_mix (job, cancellable, &error);
  DpNetwork *net = NULL;
  if (job->config.data != DP_TRAIN_SET_MIX || mix != NULL)
    net = dp_train_run (&job->config, mix != NULL ? mix : job->data->train, job->data->test,
                        &callbacks, cancellable, &error);
  /* Stop pressed as training returned: the evaluation below is a full pass over the test set
   * that cannot be cancelled, and stop_and_wait() (window close) would wait for it */
  if (net != NULL && g_cancellable_set_error_if_cancelled (cancellable, &error))
    g_clear_pointer (&net, dp_network_free);
  if (net != NULL)
    {
      /* the evaluation the results panel shows, here so the UI thread never runs it */
      result = g_new0 (DpTrainResult, 1);
      result->config = job->config;
      result->data = dp_mnist_data_ref (job->data);
      result->network = net;
      result->predictions = g_new0 (guint8, job->data->test->n);
      dp_metrics_evaluate (&result->metrics, net, job->data->test, result->predictions);
      result->seconds = (g_get_monotonic_time () - job->t_start) / 1e6;
    }

  /* from here on the worker computes nothing: dp_trainer_stop_and_wait() may return */
  dp_worker_idle (&self->worker);

  if (result != NULL)
    g_task_return_pointer (task, result, (GDestroyNotify) dp_train_result_free);
  else
    g_task_return_error (task, error);
}

/* ---- stall measurement ---- */

static void
stall_stop (DpTrainer *self)
{
  if (self->stall_probe == NULL)
    return;
  dp_stall_probe_stop (g_steal_pointer (&self->stall_probe), &self->stalls);
  if (self->stalls.n > 0)
    g_debug ("train: main-loop stall p50 %.2f ms p99 %.2f ms max %.2f ms (%u ticks of %d ms)",
             self->stalls.p50, self->stalls.p99, self->stalls.max, self->stalls.n, STALL_TICK_MS);
}

gboolean
dp_trainer_get_stall_stats (DpTrainer *self, double *p50, double *p99, double *max, guint *n)
{
  g_return_val_if_fail (DP_IS_TRAINER (self), FALSE);
  if (p50) *p50 = self->stalls.p50;
  if (p99) *p99 = self->stalls.p99;
  if (max) *max = self->stalls.max;
  if (n) *n = self->stalls.n;
  return self->stalls.n > 0;
}

/* ---- runs ---- */

static void
set_running (DpTrainer *self, gboolean running)
{
  if (self->running == running)
    return;
  self->running = running;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RUNNING]);
}

static void
on_worker_done_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  DpTrainer *self = DP_TRAINER (source);
  g_autoptr (GTask) outer = user_data;
  GError *error = NULL;

  /* the last epochs first, so the UI has every row before it hears the end */
  drain_events (self);
  DpTrainResult *result = g_task_propagate_pointer (G_TASK (res), &error);
  stall_stop (self);
  dp_worker_finished (&self->worker);

  if (result != NULL)
    g_debug ("train: finished, test accuracy %.2f %% in %.1f s", 100.0 * result->metrics.accuracy,
             result->seconds);
  else if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_debug ("train: cancelled");
  else
    g_debug ("train: failed: %s", error->message);

  set_running (self, FALSE);
  if (result != NULL)
    g_task_return_pointer (outer, result, (GDestroyNotify) dp_train_result_free);
  else
    g_task_return_error (outer, error);
  dp_worker_release (&self->worker);
}

void
dp_trainer_run_async (DpTrainer *self, const DpTrainConfig *config, DpMnistData *data,
                      GAsyncReadyCallback callback, gpointer user_data)
{
  g_return_if_fail (DP_IS_TRAINER (self));
  g_return_if_fail (config != NULL && data != NULL);

  g_autoptr (GTask) outer = g_task_new (self, NULL, callback, user_data);
  g_task_set_source_tag (outer, dp_trainer_run_async);
  if (self->running)
    {
      g_task_return_new_error (outer, G_IO_ERROR, G_IO_ERROR_PENDING,
                               "A training run is already in progress");
      return;
    }

  Job *job = g_new0 (Job, 1);
  job->self = self;
  job->config = *config;
  job->data = dp_mnist_data_ref (data);
  job->t_start = g_get_monotonic_time ();

  g_autofree char *recipe = dp_train_config_describe (config);
  int n = config->limit > 0 ? MIN (config->limit, data->train->n) : data->train->n;
  g_debug ("train: start %s on %d images (%d threads)", recipe, n, config->threads);

  g_main_context_unref (self->context);
  self->context = g_main_context_ref_thread_default ();
  set_running (self, TRUE);
  self->stall_probe = dp_stall_probe_start (self->context, STALL_TICK_MS);
  /* Quitting mid-run closes the window at once (its dispose stops the worker), but the run's
   * completion still has to be dispatched, freeing its network and task: the worker holds the
   * application until then. A run it returned a result for is finished, even if Stop was
   * pressed as it returned (train_thread decides). */
  dp_worker_start (&self->worker, self, "[digitpad] training", train_thread, job,
                   (GDestroyNotify) job_free, on_worker_done_cb, g_steal_pointer (&outer));
}

DpTrainResult *
dp_trainer_run_finish (DpTrainer *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

gboolean
dp_trainer_get_running (DpTrainer *self)
{
  g_return_val_if_fail (DP_IS_TRAINER (self), FALSE);
  return self->running;
}

void
dp_trainer_stop (DpTrainer *self)
{
  g_return_if_fail (DP_IS_TRAINER (self));
  if (dp_worker_stop (&self->worker))
    g_debug ("train: stop requested");
}

void
dp_trainer_stop_and_wait (DpTrainer *self)
{
  g_return_if_fail (DP_IS_TRAINER (self));
  if (!self->running)
    return;
  gint64 t0 = g_get_monotonic_time ();
  /* The engine checks the cancellable every batch. No main-loop iteration here: this runs in
   * dispose, with half the window torn down; the completion is dispatched later (see the hold). */
  dp_worker_stop_and_wait (&self->worker);
  g_debug ("train: stopped for shutdown in %.0f ms", (g_get_monotonic_time () - t0) / 1e3);
}

static void
dp_trainer_dispose (GObject *object)
{
  DpTrainer *self = DP_TRAINER (object);
  /* a run holds a reference on us through its GTask, so there is none in flight here */
  g_assert (!self->running);
  stall_stop (self);
  G_OBJECT_CLASS (dp_trainer_parent_class)->dispose (object);
}

static void
dp_trainer_finalize (GObject *object)
{
  DpTrainer *self = DP_TRAINER (object);
  g_array_unref (self->events);
  g_mutex_clear (&self->lock);
  dp_worker_clear (&self->worker);
  g_main_context_unref (self->context);
  G_OBJECT_CLASS (dp_trainer_parent_class)->finalize (object);
}

static void
dp_trainer_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  DpTrainer *self = DP_TRAINER (object);
  switch (prop_id)
    {
    case PROP_RUNNING: g_value_set_boolean (value, self->running); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
dp_trainer_class_init (DpTrainerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = dp_trainer_dispose;
  object_class->finalize = dp_trainer_finalize;
  object_class->get_property = dp_trainer_get_property;

  properties[PROP_RUNNING] =
    g_param_spec_boolean ("running", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[SIGNAL_PROGRESS] =
    g_signal_new ("progress", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, G_TYPE_POINTER);
  signals[SIGNAL_EPOCH_DONE] =
    g_signal_new ("epoch-done", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, G_TYPE_POINTER);
  /* (done, total): the MIX training set being generated, before the first "progress" */
  signals[SIGNAL_DATA_PROGRESS] =
    g_signal_new ("data-progress", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 2, G_TYPE_INT, G_TYPE_INT);
}

static void
dp_trainer_init (DpTrainer *self)
{
  g_mutex_init (&self->lock);
  dp_worker_init (&self->worker);
  self->events = g_array_new (FALSE, FALSE, sizeof (Event));
  self->context = g_main_context_ref_thread_default ();
}

DpTrainer *
dp_trainer_new (void)
{
  return g_object_new (DP_TYPE_TRAINER, NULL);
}
