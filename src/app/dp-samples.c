/* dp-samples.c: DpSamples (see the header). The records in memory are the file's: every change
 * is written first and applied to memory only when the write succeeded, so what the window shows
 * is always what is on disk. */
#include "dp-samples.h"

#include <glib/gi18n.h>

#include "engine/error.h"
#include "engine/file-util.h"
#include "engine/network.h"

#define DAMAGED_SUFFIX ".damaged"
#define MAX_FILE_BYTES ((gsize) 256 << 20)

struct _DpSamples
{
  GObject parent_instance;

  char *path;
  GPtrArray *records;   /* of DpStrokesRecord, owned, oldest first */
  gboolean readable;    /* the last load succeeded (or there was no file): writes are allowed */
  gboolean damaged;     /* it had lines that did not read, not yet copied aside */
  char *load_problem;   /* nullable */
};

G_DEFINE_FINAL_TYPE (DpSamples, dp_samples, G_TYPE_OBJECT)

enum { CHANGED, N_SIGNALS };
static guint signals[N_SIGNALS];

const char *
dp_samples_get_path (DpSamples *self)
{
  g_return_val_if_fail (DP_IS_SAMPLES (self), NULL);
  return self->path;
}

const char *
dp_samples_get_load_problem (DpSamples *self)
{
  g_return_val_if_fail (DP_IS_SAMPLES (self), NULL);
  return self->load_problem;
}

GPtrArray *
dp_samples_get_records (DpSamples *self)
{
  g_return_val_if_fail (DP_IS_SAMPLES (self), NULL);
  return self->records;
}

guint
dp_samples_get_n (DpSamples *self)
{
  g_return_val_if_fail (DP_IS_SAMPLES (self), 0);
  return self->records->len;
}

guint
dp_samples_count (DpSamples *self, int label)
{
  guint n = 0;

  g_return_val_if_fail (DP_IS_SAMPLES (self), 0);
  for (guint i = 0; i < self->records->len; i++)
    n += ((DpStrokesRecord *) g_ptr_array_index (self->records, i))->label == label;
  return n;
}

static int
find_index (DpSamples *self, const char *id)
{
  for (guint i = 0; id != NULL && i < self->records->len; i++)
    {
      const DpStrokesRecord *r = g_ptr_array_index (self->records, i);
      if (g_strcmp0 (r->id, id) == 0)
        return (int) i;
    }
  return -1;
}

const DpStrokesRecord *
dp_samples_find (DpSamples *self, const char *id)
{
  int i;

  g_return_val_if_fail (DP_IS_SAMPLES (self), NULL);
  i = find_index (self, id);
  return i < 0 ? NULL : g_ptr_array_index (self->records, i);
}

static gboolean
is_sample_label (int label)
{
  return label >= 0 && label <= DP_CLASS_NOT_A_DIGIT;
}

static void
emit_changed (DpSamples *self)
{
  g_signal_emit (self, signals[CHANGED], 0);
}

/* --- reading ------------------------------------------------------------------------------- */

gboolean
dp_samples_load (DpSamples *self, GPtrArray **bad, GError **error)
{
  g_autoptr (GPtrArray) found_bad = NULL;
  g_autoptr (GError) local = NULL;
  GPtrArray *records;

  g_return_val_if_fail (DP_IS_SAMPLES (self), FALSE);

  g_ptr_array_set_size (self->records, 0);
  g_clear_pointer (&self->load_problem, g_free);
  self->readable = FALSE;
  self->damaged = FALSE;
  if (!g_file_test (self->path, G_FILE_TEST_EXISTS))
    {
      self->readable = TRUE;
      g_debug ("samples: none yet (%s)", self->path);
      emit_changed (self);
      return TRUE;
    }
  records = dp_strokes_file_load (self->path, &found_bad, &local);
  if (records == NULL)
    {
      self->load_problem = g_strdup (local->message);
      g_propagate_error (error, g_steal_pointer (&local));
      emit_changed (self);
      return FALSE;
    }
  for (guint i = 0; i < records->len; i++)
    {
      DpStrokesRecord *r = g_ptr_array_index (records, i);
      /* a record without a label (written by hand, or by another program) is no sample; it is
       * still the user's: kept in the file, as a damaged line would be */
      if (!is_sample_label (r->label))
        {
          self->damaged = TRUE;
          continue;
        }
      if (r->id == NULL || find_index (self, r->id) >= 0)
        {
          g_free (r->id);
          r->id = g_uuid_string_random ();
        }
      g_ptr_array_add (self->records, g_ptr_array_steal_index (records, i--));
    }
  g_ptr_array_unref (records);
  if (found_bad != NULL && found_bad->len > 0)
    {
      self->damaged = TRUE;
      self->load_problem =
        g_strdup_printf (ngettext ("%u line of the samples could not be read: %s",
                                      "%u lines of the samples could not be read; the first: %s",
                                      found_bad->len),
                         found_bad->len, (const char *) g_ptr_array_index (found_bad, 0));
    }
  self->readable = TRUE;
  g_debug ("samples: %u read from %s (%u bad lines)", self->records->len, self->path,
           found_bad ? found_bad->len : 0);
  if (bad != NULL)
    *bad = g_steal_pointer (&found_bad);
  emit_changed (self);
  return TRUE;
}

/* --- writing ------------------------------------------------------------------------------- */

static gboolean
check_writable (DpSamples *self, GError **error)
{
  if (self->readable)
    return TRUE;
  g_set_error (error, DP_ERROR, DP_ERROR_IO,
               _("%s could not be read, so nothing is written to it (it is kept as it is); "
                 "move it away to start a new one"), self->path);
  return FALSE;
}

/* Replaces the file with records. Lines the last load could not read are copied aside first,
 * once, so a rewrite never loses them. */
static gboolean
rewrite (DpSamples *self, GPtrArray *records, GError **error)
{
  if (!check_writable (self, error))
    return FALSE;
  if (self->damaged && g_file_test (self->path, G_FILE_TEST_EXISTS))
    {
      g_autofree char *aside = g_strconcat (self->path, DAMAGED_SUFFIX, NULL);
      g_autoptr (GBytes) bytes = dp_file_read_all (self->path, "the samples", MAX_FILE_BYTES,
                                                   error);
      gsize len;
      const void *data = bytes ? g_bytes_get_data (bytes, &len) : NULL;

      if (bytes == NULL || !dp_file_save_atomic (aside, data, len, "the samples", error))
        return FALSE;
      g_debug ("samples: the file as it was, with lines that do not read, kept as %s", aside);
    }
  if (!dp_strokes_file_save (self->path, records, error))
    return FALSE;
  self->damaged = FALSE;
  return TRUE;
}

const char *
dp_samples_add (DpSamples *self, const DpStrokes *strokes, int label, GError **error)
{
  g_autofree char *id = NULL;
  DpStrokesRecord *record;

  g_return_val_if_fail (DP_IS_SAMPLES (self), NULL);
  g_return_val_if_fail (strokes != NULL, NULL);
  g_return_val_if_fail (is_sample_label (label), NULL);

  if (!check_writable (self, error))
    return NULL;
  id = g_uuid_string_random ();
  record = dp_strokes_record_new (strokes, label, id, g_get_real_time () / G_USEC_PER_SEC);
  if (!dp_strokes_file_append (self->path, record, error))
    {
      dp_strokes_record_free (record);
      return NULL;
    }
  g_ptr_array_add (self->records, record);
  g_debug ("samples: added %s label=%d n=%u", record->id, label, self->records->len);
  emit_changed (self);
  return record->id;
}

gboolean
dp_samples_remove (DpSamples *self, const char *id, GError **error)
{
  g_autoptr (GPtrArray) rest = NULL;
  int at;

  g_return_val_if_fail (DP_IS_SAMPLES (self), FALSE);

  at = find_index (self, id);
  if (at < 0)
    {
      g_set_error (error, DP_ERROR, DP_ERROR_INVALID, _("No sample %s in %s"), id, self->path);
      return FALSE;
    }
  rest = g_ptr_array_new ();
  for (guint i = 0; i < self->records->len; i++)
    if ((int) i != at)
      g_ptr_array_add (rest, g_ptr_array_index (self->records, i));
  if (!rewrite (self, rest, error))
    return FALSE;
  g_ptr_array_remove_index (self->records, at);
  g_debug ("samples: removed %s n=%u", id, self->records->len);
  emit_changed (self);
  return TRUE;
}

gboolean
dp_samples_relabel (DpSamples *self, const char *id, int label, GError **error)
{
  DpStrokesRecord *record;
  int at, old;

  g_return_val_if_fail (DP_IS_SAMPLES (self), FALSE);
  g_return_val_if_fail (is_sample_label (label), FALSE);

  at = find_index (self, id);
  if (at < 0)
    {
      g_set_error (error, DP_ERROR, DP_ERROR_INVALID, _("No sample %s in %s"), id, self->path);
      return FALSE;
    }
  record = g_ptr_array_index (self->records, at);
  old = record->label;
  record->label = label;
  if (!rewrite (self, self->records, error))
    {
      record->label = old;
      return FALSE;
    }
  g_debug ("samples: relabelled %s %d -> %d", id, old, label);
  emit_changed (self);
  return TRUE;
}

gboolean
dp_samples_import (DpSamples *self, const char *path, guint *n_added, guint *n_unlabelled,
                   GPtrArray **bad, GError **error)
{
  g_autoptr (GPtrArray) incoming = NULL;
  g_autoptr (GPtrArray) all = NULL;
  guint added = 0, unlabelled = 0, first;

  g_return_val_if_fail (DP_IS_SAMPLES (self), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);

  if (!check_writable (self, error))
    return FALSE;
  incoming = dp_strokes_file_load (path, bad, error);
  if (incoming == NULL)
    return FALSE;

  /* the new list is written first; memory follows only once it is on disk */
  all = g_ptr_array_new ();
  for (guint i = 0; i < self->records->len; i++)
    g_ptr_array_add (all, g_ptr_array_index (self->records, i));
  first = all->len;
  for (guint i = 0; i < incoming->len; i++)
    {
      DpStrokesRecord *r = g_ptr_array_index (incoming, i);
      if (!is_sample_label (r->label))
        {
          unlabelled++;
          continue;
        }
      if (r->id == NULL || find_index (self, r->id) >= 0)
        {
          g_free (r->id);
          r->id = g_uuid_string_random ();
        }
      g_ptr_array_add (all, r);
      added++;
    }
  if (added > 0 && !rewrite (self, all, error))
    return FALSE;
  /* hand the imported records over from incoming to the samples */
  g_ptr_array_set_free_func (incoming, NULL);
  for (guint i = first; i < all->len; i++)
    g_ptr_array_add (self->records, g_ptr_array_index (all, i));
  for (guint i = 0; i < incoming->len; i++)
    {
      DpStrokesRecord *r = g_ptr_array_index (incoming, i);
      if (!is_sample_label (r->label))
        dp_strokes_record_free (r);
    }
  if (n_added != NULL)
    *n_added = added;
  if (n_unlabelled != NULL)
    *n_unlabelled = unlabelled;
  g_debug ("samples: imported %u from %s (%u without a label) n=%u", added, path, unlabelled,
           self->records->len);
  if (added > 0)
    emit_changed (self);
  return TRUE;
}

gboolean
dp_samples_export (DpSamples *self, const char *path, GError **error)
{
  g_return_val_if_fail (DP_IS_SAMPLES (self), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);

  if (!dp_strokes_file_save (path, self->records, error))
    return FALSE;
  g_debug ("samples: exported %u to %s", self->records->len, path);
  return TRUE;
}

/* --- GObject ------------------------------------------------------------------------------- */

static void
dp_samples_finalize (GObject *object)
{
  DpSamples *self = DP_SAMPLES (object);

  g_free (self->path);
  g_free (self->load_problem);
  g_ptr_array_unref (self->records);
  G_OBJECT_CLASS (dp_samples_parent_class)->finalize (object);
}

static void
dp_samples_class_init (DpSamplesClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = dp_samples_finalize;
  signals[CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                   NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
dp_samples_init (DpSamples *self)
{
  self->records = g_ptr_array_new_with_free_func ((GDestroyNotify) dp_strokes_record_free);
}

DpSamples *
dp_samples_new (const char *path)
{
  DpSamples *self = g_object_new (DP_TYPE_SAMPLES, NULL);

  g_return_val_if_fail (path != NULL, self);
  self->path = g_strdup (path);
  return self;
}
