/* dp-personalizer.c: DpPersonalizer (see the header). The worker owns copies of everything it
 * reads (the current model, the samples) and the refcounted, immutable MNIST; the UI sees only
 * the latest progress (two numbers under a mutex, drained by one idle) and the outcome. */
#include "dp-personalizer.h"

#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "dp-worker.h"
#include "engine/engine.h"
#include "engine/fp-mode.h"

struct _DpPersonalizer
{
  GObject parent_instance;

  GMainContext *context;     /* the UI's */
  DpWorker worker;           /* the run in flight: its thread, cancellable, application hold */
  gboolean running;

  /* shared with the worker, under lock */
  GMutex lock;
  double fraction;
  const char *what;          /* static string from the engine */
  GSource *idle;             /* the pending progress drain, or NULL */
};

G_DEFINE_FINAL_TYPE (DpPersonalizer, dp_personalizer, G_TYPE_OBJECT)

enum { PROP_0, PROP_RUNNING, N_PROPS };
static GParamSpec *properties[N_PROPS];

enum { SIGNAL_PROGRESS, N_SIGNALS };
static guint signals[N_SIGNALS];

void
dp_personalize_outcome_free (DpPersonalizeOutcome *outcome)
{
  if (outcome == NULL)
    return;
  g_clear_pointer (&outcome->network, dp_network_free);
  g_free (outcome->path);
  g_free (outcome->base_name);
  g_clear_error (&outcome->refusal);
  g_free (outcome);
}

/* --- the worker ---------------------------------------------------------------------------- */

typedef struct
{
  DpPersonalizer *self;   /* kept alive by the GTask's source reference */
  DpNetwork *current;
  char *current_name;
  GPtrArray *samples;     /* of DpStrokesRecord, owned */
  GBytes *builtin;
  DpMnistData *data;
} Job;

static void
job_free (Job *job)
{
  g_clear_pointer (&job->current, dp_network_free);
  g_free (job->current_name);
  g_clear_pointer (&job->samples, g_ptr_array_unref);
  g_clear_pointer (&job->builtin, g_bytes_unref);
  g_clear_pointer (&job->data, dp_mnist_data_unref);
  g_free (job);
}

static char *
base_copy_path (void)
{
  g_autofree char *model = dp_personal_model_path ();
  g_autofree char *dir = g_path_get_dirname (model);
  return g_build_filename (dir, DP_PERSONAL_BASE_NAME, NULL);
}

/* The model to start from: the current one, unless it is personal; then the one it was made
 * from, found by its id among the built-in model and the copy kept beside it. */
static DpNetwork *
find_base (Job *job, DpNetwork *builtin, char **name, gboolean *is_builtin, GError **error)
{
  g_autofree char *builtin_id = dp_personalize_model_id (builtin);
  const char *want;

  if (!dp_personalize_is_personal (job->current))
    {
      g_autofree char *id = dp_personalize_model_id (job->current);
      *is_builtin = g_str_equal (id, builtin_id);
      *name = g_strdup (job->current_name);
      return dp_network_copy (job->current);
    }
  want = dp_network_get_meta (job->current, DP_META_PERSONAL_BASE);
  if (g_strcmp0 (want, builtin_id) == 0)
    {
      *is_builtin = TRUE;
      *name = g_strdup (_("Built-in model"));
      return dp_network_copy (builtin);
    }
  {
    g_autofree char *path = base_copy_path ();
    g_autoptr (GError) local = NULL;
    g_autoptr (DpNetwork) copy = dp_model_load (path, &local);
    g_autofree char *id = copy ? dp_personalize_model_id (copy) : NULL;

    if (copy != NULL && g_strcmp0 (id, want) == 0)
      {
        *is_builtin = FALSE;
        *name = g_strdup (_("the model you chose before personalizing"));
        return g_steal_pointer (&copy);
      }
    g_set_error (error, DP_ERROR, DP_ERROR_INVALID,
                 _("The model this personal model was made from is not there any more (%s). "
                   "Reset to the built-in model, or load the model you want, then personalize "
                   "again."), local ? local->message : path);
    return NULL;
  }
}

static void
on_progress (const DpPersonalizeProgress *p, gpointer user_data);

static gboolean
save_outcome (DpNetwork *base, gboolean base_is_builtin, DpPersonalizeOutcome *outcome,
              GError **error)
{
  g_autofree char *dir = NULL;

  outcome->path = dp_personal_model_path ();
  dir = g_path_get_dirname (outcome->path);
  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      int saved = errno;
      g_set_error (error, DP_ERROR, DP_ERROR_IO, _("%s: cannot create the folder: %s"), dir,
                   g_strerror (saved));
      return FALSE;
    }
  /* the base first: a personal model on disk always has its base beside it */
  if (!base_is_builtin)
    {
      g_autofree char *base_path = base_copy_path ();
      if (!dp_model_save (base, base_path, error))
        return FALSE;
    }
  return dp_model_save (outcome->network, outcome->path, error);
}

static void
personalize_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  Job *job = task_data;
  DpPersonalizer *self = job->self;
  GError *error = NULL;
  g_autoptr (DpNetwork) builtin = NULL;
  g_autoptr (DpNetwork) base = NULL;
  DpPersonalizeOutcome *outcome = g_new0 (DpPersonalizeOutcome, 1);
  gboolean base_is_builtin = FALSE;

  dp_fp_mode_set_thread ();
  builtin = dp_model_load_bytes (job->builtin, "built-in model", &error);
  if (builtin != NULL)
    base = find_base (job, builtin, &outcome->base_name, &base_is_builtin, &error);
  if (base != NULL)
    {
      outcome->network = dp_personalize_run (base, job->samples, job->data->train,
                                             job->data->test, NULL, on_progress, job, cancellable,
                                             &outcome->report, &error);
      if (outcome->network == NULL && g_error_matches (error, DP_ERROR, DP_ERROR_REFUSED))
        outcome->refusal = g_steal_pointer (&error);
    }
  /* Stop pressed as the run returned: nothing is written */
  if (outcome->network != NULL && g_cancellable_set_error_if_cancelled (cancellable, &error))
    g_clear_pointer (&outcome->network, dp_network_free);
  if (outcome->network != NULL && !save_outcome (base, base_is_builtin, outcome, &error))
    g_clear_pointer (&outcome->network, dp_network_free);

  dp_worker_idle (&self->worker);

  if (error != NULL)
    {
      dp_personalize_outcome_free (outcome);
      g_task_return_error (task, error);
    }
  else
    g_task_return_pointer (task, outcome, (GDestroyNotify) dp_personalize_outcome_free);
}

/* --- progress: the latest only ------------------------------------------------------------- */

static gboolean
drain_idle_cb (gpointer user_data)
{
  DpPersonalizer *self = DP_PERSONALIZER (user_data);
  double fraction;
  const char *what;

  g_mutex_lock (&self->lock);
  fraction = self->fraction;
  what = self->what;
  g_clear_pointer (&self->idle, g_source_unref);
  g_mutex_unlock (&self->lock);
  g_signal_emit (self, signals[SIGNAL_PROGRESS], 0, fraction, what ? what : "");
  return G_SOURCE_REMOVE;
}

/* worker thread */
static void
on_progress (const DpPersonalizeProgress *p, gpointer user_data)
{
  Job *job = user_data;
  DpPersonalizer *self = job->self;

  g_mutex_lock (&self->lock);
  self->fraction = p->fraction;
  self->what = p->what;
  if (self->idle == NULL)
    {
      self->idle = g_idle_source_new ();
      g_source_set_priority (self->idle, G_PRIORITY_DEFAULT);
      g_source_set_callback (self->idle, drain_idle_cb, g_object_ref (self), g_object_unref);
      g_source_set_static_name (self->idle, "[digitpad] personalize progress");
      g_source_attach (self->idle, self->context);
    }
  g_mutex_unlock (&self->lock);
}

/* --- runs ---------------------------------------------------------------------------------- */

static void
set_running (DpPersonalizer *self, gboolean running)
{
  if (self->running == running)
    return;
  self->running = running;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RUNNING]);
}

static void
on_worker_done_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  DpPersonalizer *self = DP_PERSONALIZER (source);
  g_autoptr (GTask) outer = user_data;
  GError *error = NULL;
  DpPersonalizeOutcome *outcome = g_task_propagate_pointer (G_TASK (res), &error);

  dp_worker_finished (&self->worker);
  if (outcome != NULL && outcome->network != NULL)
    g_debug ("personalize: finished in %.2f s: %d samples used, held out %.4f -> %.4f, "
             "MNIST %.4f -> %.4f, saved %s", outcome->report.seconds, outcome->report.n_used,
             outcome->report.heldout_before, outcome->report.heldout_after,
             outcome->report.anchor_before, outcome->report.anchor_after, outcome->path);
  else if (outcome != NULL)
    g_debug ("personalize: refused: %s", outcome->refusal->message);
  else if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_debug ("personalize: cancelled");
  else
    g_debug ("personalize: failed: %s", error->message);

  set_running (self, FALSE);
  if (outcome != NULL)
    g_task_return_pointer (outer, outcome, (GDestroyNotify) dp_personalize_outcome_free);
  else
    g_task_return_error (outer, error);
  dp_worker_release (&self->worker);
}

void
dp_personalizer_run_async (DpPersonalizer *self, const DpNetwork *current,
                           const char *current_name, GPtrArray *samples, GBytes *builtin,
                           DpMnistData *data, GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr (GTask) outer = NULL;
  Job *job;

  g_return_if_fail (DP_IS_PERSONALIZER (self));
  g_return_if_fail (current != NULL && samples != NULL && builtin != NULL && data != NULL);

  outer = g_task_new (self, NULL, callback, user_data);
  g_task_set_source_tag (outer, dp_personalizer_run_async);
  if (self->running)
    {
      g_task_return_new_error (outer, G_IO_ERROR, G_IO_ERROR_PENDING,
                               "A personalization is already in progress");
      return;
    }

  job = g_new0 (Job, 1);
  job->self = self;
  job->current = dp_network_copy (current);
  job->current_name = g_strdup (current_name);
  job->samples = g_ptr_array_new_full (samples->len, (GDestroyNotify) dp_strokes_record_free);
  for (guint i = 0; i < samples->len; i++)
    {
      const DpStrokesRecord *r = g_ptr_array_index (samples, i);
      g_ptr_array_add (job->samples, dp_strokes_record_new (r->strokes, r->label, r->id, r->time));
    }
  job->builtin = g_bytes_ref (builtin);
  job->data = dp_mnist_data_ref (data);
  g_debug ("personalize: start from \"%s\" with %u samples, MNIST %s", current_name,
           samples->len, data->dir);

  g_main_context_unref (self->context);
  self->context = g_main_context_ref_thread_default ();
  set_running (self, TRUE);
  dp_worker_start (&self->worker, self, "[digitpad] personalize", personalize_thread, job,
                   (GDestroyNotify) job_free, on_worker_done_cb, g_steal_pointer (&outer));
}

DpPersonalizeOutcome *
dp_personalizer_run_finish (DpPersonalizer *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

gboolean
dp_personalizer_get_running (DpPersonalizer *self)
{
  g_return_val_if_fail (DP_IS_PERSONALIZER (self), FALSE);
  return self->running;
}

void
dp_personalizer_stop (DpPersonalizer *self)
{
  g_return_if_fail (DP_IS_PERSONALIZER (self));
  if (dp_worker_stop (&self->worker))
    g_debug ("personalize: stop requested");
}

void
dp_personalizer_stop_and_wait (DpPersonalizer *self)
{
  g_return_if_fail (DP_IS_PERSONALIZER (self));
  if (self->running)
    dp_worker_stop_and_wait (&self->worker);
}

/* --- GObject ------------------------------------------------------------------------------- */

static void
dp_personalizer_finalize (GObject *object)
{
  DpPersonalizer *self = DP_PERSONALIZER (object);

  if (self->idle != NULL)
    {
      g_source_destroy (self->idle);
      g_source_unref (self->idle);
    }
  g_mutex_clear (&self->lock);
  dp_worker_clear (&self->worker);
  g_main_context_unref (self->context);
  G_OBJECT_CLASS (dp_personalizer_parent_class)->finalize (object);
}

static void
dp_personalizer_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  switch (prop_id)
    {
    case PROP_RUNNING: g_value_set_boolean (value, DP_PERSONALIZER (object)->running); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
dp_personalizer_class_init (DpPersonalizerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = dp_personalizer_finalize;
  object_class->get_property = dp_personalizer_get_property;

  properties[PROP_RUNNING] =
    g_param_spec_boolean ("running", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
  signals[SIGNAL_PROGRESS] = g_signal_new ("progress", G_TYPE_FROM_CLASS (klass),
                                           G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 2,
                                           G_TYPE_DOUBLE, G_TYPE_STRING);
}

static void
dp_personalizer_init (DpPersonalizer *self)
{
  g_mutex_init (&self->lock);
  dp_worker_init (&self->worker);
  self->context = g_main_context_ref_thread_default ();
}

DpPersonalizer *
dp_personalizer_new (void)
{
  return g_object_new (DP_TYPE_PERSONALIZER, NULL);
}
