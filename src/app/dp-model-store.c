/* dp-model-store.c: DpModelStore (see the header). Every request (a load, a restore, a model set
 * directly) takes the next generation number; a load's result is applied only if no request
 * came after it, so the newest request wins whatever order the worker threads finish in. */
#include "dp-model-store.h"

#include <glib/gi18n.h>

#include "engine/engine.h"
#include "engine/personalize.h"

struct _DpModelStore
{
  GObject parent_instance;

  GSettings *settings; /* nullable */
  DpNetwork *model;    /* owned, nullable */
  char *name;
  guint generation;    /* of the newest request */
  guint n_loading;
};

G_DEFINE_FINAL_TYPE (DpModelStore, dp_model_store, G_TYPE_OBJECT)

enum { MODEL_CHANGED, LOAD_FAILED, N_SIGNALS };
static guint signals[N_SIGNALS];

const DpNetwork *
dp_model_store_get_model (DpModelStore *self)
{
  g_return_val_if_fail (DP_IS_MODEL_STORE (self), NULL);
  return self->model;
}

const char *
dp_model_store_get_name (DpModelStore *self)
{
  g_return_val_if_fail (DP_IS_MODEL_STORE (self), NULL);
  return self->name;
}

gboolean
dp_model_store_is_loading (DpModelStore *self)
{
  g_return_val_if_fail (DP_IS_MODEL_STORE (self), FALSE);
  return self->n_loading > 0;
}

char *
dp_model_store_describe (DpModelStore *self)
{
  g_return_val_if_fail (DP_IS_MODEL_STORE (self), NULL);

  if (self->model == NULL)
    return g_strdup (_("No model"));

  g_autofree char *sizes = dp_network_describe_sizes (self->model);
  const char *acc = dp_network_get_meta (self->model, DP_META_TEST_ACCURACY);
  char *end = NULL;
  double value = acc ? g_ascii_strtod (acc, &end) : -1.0;

  if (acc != NULL && end != acc && value >= 0.0 && value <= 1.0)
    return g_strdup_printf (_("%s · %.2f %% test accuracy"), sizes, 100.0 * value);
  return g_strdup_printf (_("%s · test accuracy unknown"), sizes);
}

char *
dp_personal_model_title (const DpNetwork *net)
{
  int n;

  if (net == NULL || !dp_personalize_is_personal (net))
    return NULL;
  n = dp_personalize_sample_count (net);
  return g_strdup_printf (ngettext ("Personal model · %d sample", "Personal model · %d samples", n),
                          n);
}

static void
replace_model (DpModelStore *self, DpNetwork *model, const char *name, const char *source)
{
  g_clear_pointer (&self->model, dp_network_free);
  self->model = model;
  g_free (self->name);
  self->name = g_strdup (name);

  g_autofree char *sizes = dp_network_describe_sizes (model);
  const char *acc = dp_network_get_meta (model, DP_META_TEST_ACCURACY);
  g_debug ("model loaded: name=\"%s\" sizes=%s test_accuracy=%s source=%s", name, sizes,
           acc ? acc : "unknown", source);
  g_signal_emit (self, signals[MODEL_CHANGED], 0);
}

void
dp_model_store_set_model (DpModelStore *self, DpNetwork *model, const char *name,
                          const char *const *paths)
{
  static const char *const none[] = { NULL };

  g_return_if_fail (DP_IS_MODEL_STORE (self));
  g_return_if_fail (model != NULL && name != NULL);

  self->generation++;
  if (self->settings != NULL)
    g_settings_set_strv (self->settings, "last-model", paths ? paths : none);
  replace_model (self, model, name, paths && paths[0] ? paths[0] : "memory");
}

void
dp_model_store_set_fallback (DpModelStore *self, DpNetwork *model, const char *name)
{
  g_return_if_fail (DP_IS_MODEL_STORE (self));
  g_return_if_fail (model != NULL && name != NULL);

  self->generation++;
  replace_model (self, model, name, "memory");
}

/* --- loading model files ------------------------------------------------------------------- */

typedef struct
{
  char **paths;    /* as given */
  char **resolved; /* the file(s) actually read: 1 safetensors, or Theta1 + Theta2 */
  char *name;
  guint generation;
  gboolean remembered;
} LoadData;

static void
load_data_free (LoadData *data)
{
  g_strfreev (data->paths);
  g_strfreev (data->resolved);
  g_free (data->name);
  g_free (data);
}

static gboolean
is_theta_path (const char *path)
{
  g_autofree char *base = g_path_get_basename (path);
  g_autofree char *lower = g_ascii_strdown (base, -1);
  return g_str_has_suffix (lower, ".txt");
}

/* Theta1.txt ↔ Theta2.txt in the same folder (the digit after "theta", any case). */
static char *
theta_sibling (const char *path)
{
  g_autofree char *dir = g_path_get_dirname (path);
  g_autofree char *base = g_path_get_basename (path);
  g_autofree char *lower = g_ascii_strdown (base, -1);
  const char *at = strstr (lower, "theta");

  if (at == NULL || (at[5] != '1' && at[5] != '2'))
    return NULL;
  base[at - lower + 5] = at[5] == '1' ? '2' : '1';
  return g_build_filename (dir, base, NULL);
}

static DpNetwork *
load_theta_pair (const char *a, const char *b, GError **error)
{
  g_autoptr (GError) first = NULL;
  DpNetwork *net = dp_theta_import (a, b, &first);

  /* the user may have picked them in either order */
  if (net == NULL)
    net = dp_theta_import (b, a, NULL);
  if (net == NULL)
    g_propagate_error (error, g_steal_pointer (&first));
  return net;
}

static void
load_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  LoadData *data = task_data;
  guint n = g_strv_length (data->paths);
  GError *error = NULL;
  DpNetwork *net = NULL;

  if (n == 1 && !is_theta_path (data->paths[0]))
    {
      net = dp_model_load (data->paths[0], &error);
      data->resolved = g_strdupv (data->paths);
      /* a personal model is named by what it is, not by its file */
      data->name = dp_personal_model_title (net);
      if (data->name == NULL)
        data->name = g_path_get_basename (data->paths[0]);
    }
  else if (n == 1 || n == 2)
    {
      g_autofree char *other = n == 2 ? g_strdup (data->paths[1]) : theta_sibling (data->paths[0]);
      if (other == NULL)
        {
          g_set_error (&error, DP_ERROR, DP_ERROR_INVALID,
                       _("%s: a classic model needs both Theta1.txt and Theta2.txt; "
                         "select both files, or name them Theta1.txt and Theta2.txt"),
                       data->paths[0]);
        }
      else
        {
          net = load_theta_pair (data->paths[0], other, &error);
          g_autofree char *dir = g_path_get_dirname (data->paths[0]);
          g_autofree char *dir_base = g_path_get_basename (dir);
          const char *const pair[] = { data->paths[0], other, NULL };
          data->resolved = g_strdupv ((char **) pair);
          data->name = g_strdup_printf (_("Theta1/Theta2 in %s"), dir_base);
        }
    }
  else
    {
      g_set_error (&error, DP_ERROR, DP_ERROR_INVALID,
                   _("Choose one safetensors model, or the two Theta text files"));
    }

  if (net == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, net, (GDestroyNotify) dp_network_free);
}

static void
on_loaded_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  DpModelStore *self = DP_MODEL_STORE (source);
  LoadData *data = g_task_get_task_data (G_TASK (result));
  g_autoptr (GError) error = NULL;
  DpNetwork *net = g_task_propagate_pointer (G_TASK (result), &error);

  self->n_loading--;
  if (data->generation != self->generation)
    {
      /* a newer request was made while this one loaded: it wins */
      g_debug ("model load dropped: %s (superseded by a newer choice)", data->paths[0]);
      g_clear_pointer (&net, dp_network_free);
      return;
    }
  if (net == NULL)
    {
      g_debug ("model load failed: %s", error->message);
      g_signal_emit (self, signals[LOAD_FAILED], 0, error, data->remembered);
      return;
    }
  if (self->settings != NULL)
    g_settings_set_strv (self->settings, "last-model", (const char *const *) data->resolved);
  replace_model (self, net, data->name, data->resolved[0]);
}

static void
start_load (DpModelStore *self, const char *const *paths, gboolean remembered)
{
  g_autoptr (GTask) task = g_task_new (self, NULL, on_loaded_cb, NULL);
  LoadData *data = g_new0 (LoadData, 1);

  data->paths = g_strdupv ((char **) paths);
  data->generation = ++self->generation;
  data->remembered = remembered;
  self->n_loading++;
  g_debug ("loading model%s: %s%s%s", remembered ? " (remembered)" : "", paths[0],
           paths[1] ? " + " : "", paths[1] ? paths[1] : "");
  g_task_set_source_tag (task, start_load);
  g_task_set_task_data (task, data, (GDestroyNotify) load_data_free);
  g_task_run_in_thread (task, load_thread);
}

void
dp_model_store_load (DpModelStore *self, const char *const *paths)
{
  g_return_if_fail (DP_IS_MODEL_STORE (self));
  g_return_if_fail (paths != NULL && paths[0] != NULL);

  start_load (self, paths, FALSE);
}

void
dp_model_store_restore (DpModelStore *self)
{
  g_auto (GStrv) last = NULL;

  g_return_if_fail (DP_IS_MODEL_STORE (self));

  if (self->settings == NULL)
    return;
  last = g_settings_get_strv (self->settings, "last-model");
  if (last[0] != NULL)
    start_load (self, (const char *const *) last, TRUE);
}

/* --- GObject ------------------------------------------------------------------------------- */

static void
dp_model_store_finalize (GObject *object)
{
  DpModelStore *self = DP_MODEL_STORE (object);

  g_clear_object (&self->settings);
  g_clear_pointer (&self->model, dp_network_free);
  g_free (self->name);
  G_OBJECT_CLASS (dp_model_store_parent_class)->finalize (object);
}

static void
dp_model_store_class_init (DpModelStoreClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = dp_model_store_finalize;

  signals[MODEL_CHANGED] = g_signal_new ("model-changed", G_TYPE_FROM_CLASS (klass),
                                         G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  signals[LOAD_FAILED] = g_signal_new ("load-failed", G_TYPE_FROM_CLASS (klass),
                                       G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 2,
                                       G_TYPE_ERROR, G_TYPE_BOOLEAN);
}

static void
dp_model_store_init (DpModelStore *self)
{
  self->name = g_strdup ("");
}

DpModelStore *
dp_model_store_new (GSettings *settings)
{
  DpModelStore *self = g_object_new (DP_TYPE_MODEL_STORE, NULL);

  g_return_val_if_fail (settings == NULL || G_IS_SETTINGS (settings), self);
  if (settings != NULL)
    self->settings = g_object_ref (settings);
  return self;
}
