/* dp-draw-page.c: the Draw page (see the header). Predictions run on the UI thread: one drawing
 * is preprocessed and classified in well under a millisecond.
 *
 * Whatever asks for a prediction (the pen moving, a stroke's end, undo, the Predict action, an
 * opened image, another model) calls one entry point, want_prediction(), with its reason; the
 * reasons' table says which of them only count in live mode, and want_prediction() decides the
 * rest (an empty pad, a stroke under way, the live-mode throttle, the pen-down dot). The reason's
 * word is the "trigger=" of the prediction log line the GUI tests read (dp-debug.c). */
#include "dp-draw-page.h"

#include <glib/gi18n.h>

#include "dp-canvas.h"
#include "dp-debug.h"
#include "dp-file-chooser.h"
#include "dp-notify.h"
#include "dp-result-view.h"
#include "engine/engine.h"
#include "engine/file-util.h"
#include "engine/strokes-file.h"

#define LIVE_INTERVAL_US (100 * 1000) /* predictions while drawing: at most one per 100 ms, */
#define LIVE_COST_FACTOR 4             /* and never more than a quarter of the time */
/* Live predictions wait for real ink: the stroke under way must be at least this long, in
 * sides of the pad. A pen-down dot (or a hand's jitter) is not a digit yet, and reading one
 * flashed a "5" at every pen-down. */
#define LIVE_MIN_INK 0.04
#define SAVE_SIDE    560              /* a saved drawing is 560 × 560, 20× MNIST */

typedef enum
{
  WANT_DRAWING,       /* the pen moved (live mode, throttled) */
  WANT_STROKE_END,    /* a stroke was finished (live mode) */
  WANT_UNDO,          /* a stroke was undone (live mode) */
  WANT_PREDICT,       /* the Predict action */
  WANT_IMAGE,         /* an image was opened */
  WANT_STROKES_FILE,  /* a drawing was opened from a strokes file */
  WANT_MODEL_CHANGED, /* another model reads the pad */
} Want;

static const struct
{
  const char *trigger; /* the log line's word */
  gboolean live_only;
} wants[] = {
  [WANT_DRAWING] = { "drawing", TRUE },
  [WANT_STROKE_END] = { "stroke-end", TRUE },
  [WANT_UNDO] = { "undo", TRUE },
  [WANT_PREDICT] = { "predict", FALSE },
  [WANT_IMAGE] = { "image", FALSE },
  [WANT_STROKES_FILE] = { "strokes-file", FALSE },
  [WANT_MODEL_CHANGED] = { "model-changed", FALSE },
};

/* An opened image lives with its texture: the network's 28×28 input rides on the texture the
 * canvas shows, so it goes when the canvas drops the image (a stroke, Clear, another image). */
typedef struct
{
  float input[DP_INPUT_SIZE]; /* (28, 28) preprocessed */
  double preprocess_ms;       /* what reading and preprocessing it took */
  gint64 t_opened;            /* when opening began: its prediction is timed from there */
} OpenedImage;

#define OPENED_IMAGE_KEY "dp-opened-image"

struct _DpDrawPage
{
  AdwBin parent_instance;

  /* template */
  DpCanvas *canvas;
  DpResultView *result_view;
  GtkAdjustment *pen_adjustment;
  GtkScale *pen_scale;
  GtkLabel *model_label;
  GtkWidget *predict_button;
  GtkWidget *undo_button;
  GtkWidget *clear_button;
  GtkWidget *live_switch;

  GSimpleActionGroup *actions;
  DpModelStore *models; /* nullable until bound */
  DpSamples *samples;   /* nullable until bound */
  DpPredictionTimer *timer;

  guint live_timeout_id;
  gint64 last_live_us;
  gint64 last_cost_us;  /* what the last prediction took */
  guint stroke_end_id;  /* the idle that predicts after strokes end */
  gint64 stroke_end_us; /* when the first of them ended */
};

G_DEFINE_FINAL_TYPE (DpDrawPage, dp_draw_page, ADW_TYPE_BIN)

gboolean
dp_draw_page_get_live_mode (DpDrawPage *self)
{
  g_autoptr (GVariant) state = NULL;

  g_return_val_if_fail (DP_IS_DRAW_PAGE (self), FALSE);
  state = g_action_group_get_action_state (G_ACTION_GROUP (self->actions), "live-mode");
  return state != NULL && g_variant_get_boolean (state);
}

double
dp_draw_page_get_pen_width (DpDrawPage *self)
{
  g_return_val_if_fail (DP_IS_DRAW_PAGE (self), 0.0);
  return gtk_adjustment_get_value (self->pen_adjustment);
}

GActionGroup *
dp_draw_page_get_actions (DpDrawPage *self)
{
  g_return_val_if_fail (DP_IS_DRAW_PAGE (self), NULL);
  return G_ACTION_GROUP (self->actions);
}

/* --- predictions --------------------------------------------------------------------------- */

static const OpenedImage *
shown_image (DpDrawPage *self)
{
  GdkTexture *texture = dp_canvas_get_image (self->canvas);
  return texture ? g_object_get_data (G_OBJECT (texture), OPENED_IMAGE_KEY) : NULL;
}

static void
predict (DpDrawPage *self, Want why, gint64 t_trigger)
{
  const DpNetwork *model = self->models ? dp_model_store_get_model (self->models) : NULL;
  const DpStrokes *strokes = dp_canvas_get_strokes (self->canvas);
  /* an opened image stands until the pad is cleared or drawn on, which drops it */
  const OpenedImage *image = shown_image (self);
  g_autoptr (GError) error = NULL;
  float input[DP_INPUT_SIZE]; /* (28, 28) */
  DpRecognition r;
  DpPrediction p = { .trigger = wants[why].trigger, .t_trigger = t_trigger };
  gint64 t1, t2, t3;

  if (why == WANT_IMAGE && image != NULL)
    p.t_trigger = image->t_opened;

  if (model == NULL)
    {
      g_debug ("nothing to predict with: no model");
      return;
    }
  t1 = g_get_monotonic_time ();
  if (image != NULL)
    memcpy (input, image->input, sizeof input);
  else if (!dp_preprocess_strokes (strokes, input, &error))
    {
      /* e.g. strokes too small to leave ink: the same as an empty pad */
      dp_result_view_clear (self->result_view);
      g_debug ("nothing to predict: %s (trigger=%s)", error->message, p.trigger);
      return;
    }
  t2 = g_get_monotonic_time ();
  dp_network_recognise (model, input, &r);
  t3 = g_get_monotonic_time ();
  self->last_cost_us = t3 - t1;

  dp_result_view_set_result (self->result_view, input, &r);

  p.preprocess_ms = image ? image->preprocess_ms : (t2 - t1) / 1000.0;
  p.inference_ms = (t3 - t2) / 1000.0;
  p.unsure = dp_result_view_get_state (self->result_view) == DP_RESULT_UNSURE;
  p.digit = r.answer;
  p.confidence = r.confidence;
  p.runner_up = dp_result_runner_up_digit (&r);
  p.runner_up_p = r.probs[p.runner_up];
  p.closest_digit = r.closest_digit;
  p.not_a_digit_p = r.n_outputs > DP_N_CLASSES ? r.probs[DP_CLASS_NOT_A_DIGIT] : -1.0f;
  p.n_strokes = image ? 0 : dp_strokes_get_n_strokes (strokes);
  dp_prediction_timer_shown (self->timer, &p);
}

static gboolean
on_live_timeout_cb (gpointer user_data)
{
  DpDrawPage *self = DP_DRAW_PAGE (user_data);

  self->live_timeout_id = 0;
  self->last_live_us = g_get_monotonic_time ();
  if (dp_canvas_is_drawing (self->canvas) && dp_draw_page_get_live_mode (self))
    predict (self, WANT_DRAWING, self->last_live_us);
  return G_SOURCE_REMOVE;
}

static gboolean
on_stroke_end_idle_cb (gpointer user_data)
{
  DpDrawPage *self = DP_DRAW_PAGE (user_data);

  self->stroke_end_id = 0;
  /* a stroke begun meanwhile is read when it ends */
  if (!dp_canvas_is_drawing (self->canvas) && !dp_canvas_is_empty (self->canvas))
    predict (self, WANT_STROKE_END, self->stroke_end_us);
  return G_SOURCE_REMOVE;
}

/* The path length of the stroke under way, in sides of the pad (the strokes keep it as points
 * arrive). */
static double
ink_of_stroke_under_way (DpDrawPage *self)
{
  const DpStrokes *strokes = dp_canvas_get_strokes (self->canvas);
  guint n_strokes = dp_strokes_get_n_strokes (strokes);

  return n_strokes > 0 ? dp_strokes_get_length (strokes, n_strokes - 1) : 0;
}

/* The one entry point: something happened that may want a prediction. */
static void
want_prediction (DpDrawPage *self, Want why)
{
  gint64 now = g_get_monotonic_time ();

  /* a live prediction is already due: another pen move changes nothing (and costs no settings
   * look-up on every motion event) */
  if (why == WANT_DRAWING && self->live_timeout_id != 0)
    return;
  if (wants[why].live_only && !dp_draw_page_get_live_mode (self))
    return;
  /* a result on its way replaces the throttled one (another model leaves it be) */
  if (why != WANT_DRAWING && why != WANT_MODEL_CHANGED)
    g_clear_handle_id (&self->live_timeout_id, g_source_remove);
  /* and one asked for now replaces the one waiting for the input to settle */
  if (why != WANT_DRAWING && why != WANT_MODEL_CHANGED && why != WANT_STROKE_END)
    g_clear_handle_id (&self->stroke_end_id, g_source_remove);
  if (dp_canvas_is_empty (self->canvas))
    {
      dp_result_view_clear (self->result_view);
      /* only a request that is not the pad's own change is told so */
      if (why == WANT_PREDICT)
        g_debug ("nothing to predict: the pad is empty (trigger=%s)", wants[why].trigger);
      return;
    }

  if (why == WANT_DRAWING)
    {
      /* not the pen-down dot; then at most every LIVE_INTERVAL_US, or less often when a
       * prediction costs more (a huge drawing), rounded up to whole ms so that the period is
       * never under it; at idle priority, after the input and frames that are waiting */
      gint64 interval = MAX (LIVE_INTERVAL_US, LIVE_COST_FACTOR * self->last_cost_us);
      gint64 wait = interval - (now - self->last_live_us);

      if (ink_of_stroke_under_way (self) >= LIVE_MIN_INK && self->live_timeout_id == 0)
        self->live_timeout_id = g_timeout_add_full (G_PRIORITY_DEFAULT_IDLE,
                                                    (MAX (0, wait) + 999) / 1000,
                                                    on_live_timeout_cb, self, NULL);
      return;
    }
  if (why == WANT_STROKE_END)
    {
      /* once the input that is waiting has been handled: strokes that come in a quick run get
       * one prediction, not one each */
      if (self->stroke_end_id == 0)
        {
          self->stroke_end_us = now;
          self->stroke_end_id = g_idle_add (on_stroke_end_idle_cb, self);
        }
      return;
    }
  /* another model: a stroke under way is read when it ends */
  if (why == WANT_MODEL_CHANGED && dp_canvas_is_drawing (self->canvas))
    return;
  predict (self, why, now);
}

/* --- the pad ------------------------------------------------------------------------------- */

static void
update_actions (DpDrawPage *self)
{
  gboolean empty = dp_canvas_is_empty (self->canvas);
  gboolean drawing = dp_canvas_is_drawing (self->canvas);
  guint n = dp_strokes_get_n_strokes (dp_canvas_get_strokes (self->canvas));
  GActionMap *map = G_ACTION_MAP (self->actions);

  g_simple_action_set_enabled (G_SIMPLE_ACTION (g_action_map_lookup_action (map, "undo")),
                               n > 0 && !drawing);
  g_simple_action_set_enabled (G_SIMPLE_ACTION (g_action_map_lookup_action (map, "clear")),
                               !empty && !drawing);
  g_simple_action_set_enabled (G_SIMPLE_ACTION (g_action_map_lookup_action (map, "save-drawing")),
                               !empty && !drawing);
  /* a sample is strokes: an opened image is not one */
  g_simple_action_set_enabled (G_SIMPLE_ACTION (g_action_map_lookup_action (map, "keep")),
                               n > 0 && !drawing && dp_canvas_get_image (self->canvas) == NULL);
}

static void
on_canvas_changed_cb (DpCanvas *canvas, DpDrawPage *self)
{
  update_actions (self);
  if (dp_canvas_is_empty (canvas))
    {
      g_clear_handle_id (&self->live_timeout_id, g_source_remove);
      g_clear_handle_id (&self->stroke_end_id, g_source_remove);
      dp_result_view_clear (self->result_view);
    }
  else if (dp_canvas_is_drawing (canvas))
    want_prediction (self, WANT_DRAWING);
}

static void
on_canvas_stroke_finished_cb (DpCanvas *canvas, DpDrawPage *self)
{
  g_debug ("stroke finished: strokes=%u", dp_strokes_get_n_strokes (dp_canvas_get_strokes (canvas)));
  want_prediction (self, WANT_STROKE_END);
}

static void
on_canvas_file_dropped_cb (DpCanvas *canvas, GFile *file, DpDrawPage *self)
{
  dp_draw_page_open_image (self, file);
}

/* --- the model ----------------------------------------------------------------------------- */

static void
on_model_changed_cb (DpModelStore *models, DpDrawPage *self)
{
  g_autofree char *description = dp_model_store_describe (models);
  g_autofree char *label = g_strdup_printf ("%s\n%s", dp_model_store_get_name (models),
                                            description);

  gtk_label_set_label (self->model_label, label);
  /* what is on the pad is now read by another network: show its answer */
  want_prediction (self, WANT_MODEL_CHANGED);
}

/* --- files --------------------------------------------------------------------------------- */

static gboolean   is_disposed (DpDrawPage *self);
static GtkWindow *page_window (DpDrawPage *self);

/* A strokes file (one JSON record a line, engine/strokes-file.h) is known by its name: .ndjson
 * (or .jsonl); anything else is an image. */
static gboolean
is_strokes_path (const char *path)
{
  const char *dot = strrchr (path, '.');
  return dot != NULL && (g_ascii_strcasecmp (dot, ".ndjson") == 0
                         || g_ascii_strcasecmp (dot, ".jsonl") == 0);
}

/* One drawing of a strokes file onto the pad, as strokes: the user may draw on, and the
 * prediction takes the pad's path. */
static void
put_record_on_pad (DpDrawPage *self, const char *path, const DpStrokesRecord *record)
{
  g_autoptr (DpStrokes) square = dp_strokes_copy_square (record->strokes);

  dp_canvas_set_strokes (self->canvas, square);
  g_debug ("strokes opened: %s line %u", path, record->line);
  want_prediction (self, WANT_STROKES_FILE);
}

/* A file of several drawings asks which one, by id (or line) */
typedef struct
{
  DpDrawPage *self; /* owned reference */
  GPtrArray *records;
  GtkDropDown *choice;
  char *path;
} PickRecord;

static void
pick_record_free (gpointer data, GClosure *closure)
{
  PickRecord *pick = data;

  g_object_unref (pick->self);
  g_ptr_array_unref (pick->records);
  g_free (pick->path);
  g_free (pick);
}

static void
on_pick_record_response_cb (AdwMessageDialog *dialog, const char *response, PickRecord *pick)
{
  guint i = gtk_drop_down_get_selected (pick->choice);

  g_debug ("strokes file: %s, record %u", response, i + 1);
  if (g_str_equal (response, "open") && !is_disposed (pick->self) && i < pick->records->len)
    put_record_on_pad (pick->self, pick->path, pick->records->pdata[i]);
}

static void
pick_record (DpDrawPage *self, const char *path, GPtrArray *records)
{
  g_autofree char *base = g_filename_display_basename (path);
  g_autofree char *body = g_strdup_printf (_("%s holds %u drawings. Which one goes on the pad?"),
                                           base, records->len);
  g_autoptr (GPtrArray) labels = g_ptr_array_new_with_free_func (g_free);
  GtkWindow *parent = page_window (self);
  AdwMessageDialog *dialog;
  PickRecord *pick;

  for (guint i = 0; i < records->len; i++)
    {
      const DpStrokesRecord *r = records->pdata[i];
      g_ptr_array_add (labels, r->id ? g_strdup_printf (_("%s (line %u)"), r->id, r->line)
                                     : g_strdup_printf (_("Line %u"), r->line));
    }
  g_ptr_array_add (labels, NULL);
  pick = g_new0 (PickRecord, 1);
  pick->self = g_object_ref (self);
  pick->records = g_ptr_array_ref (records);
  pick->path = g_strdup (path);
  pick->choice = GTK_DROP_DOWN (gtk_drop_down_new_from_strings ((const char *const *) labels->pdata));
  dialog = ADW_MESSAGE_DIALOG (adw_message_dialog_new (parent, _("Open a Drawing"), body));
  adw_message_dialog_set_extra_child (dialog, GTK_WIDGET (pick->choice));
  adw_message_dialog_add_responses (dialog, "cancel", _("_Cancel"), "open", _("_Open"), NULL);
  adw_message_dialog_set_response_appearance (dialog, "open", ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (dialog, "open");
  adw_message_dialog_set_close_response (dialog, "cancel");
  g_signal_connect_data (dialog, "response", G_CALLBACK (on_pick_record_response_cb), pick,
                         pick_record_free, 0);
  g_debug ("strokes file: %s holds %u records: asking which", path, records->len);
  gtk_window_present (GTK_WINDOW (dialog));
}

/* A strokes file: its drawing goes onto the pad, or the user picks one of its drawings. A file
 * with no good record gets an error naming its bad lines; bad lines besides good ones are said
 * in a toast. */
static void
open_strokes_file (DpDrawPage *self, const char *path)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) bad = NULL;
  g_autoptr (GPtrArray) records = dp_strokes_file_load (path, &bad, &error);
  g_autofree char *name = g_filename_display_name (path);

  if (records == NULL)
    {
      g_debug ("drawing not opened: %s", error->message);
      dp_show_error (GTK_WIDGET (self), _("Could not open the drawing"), error->message);
      return;
    }
  if (records->len == 0)
    {
      g_autoptr (GString) msg = g_string_new (NULL);
      if (bad->len == 0)
        g_string_printf (msg, _("%s: no drawing in it (the file is empty)"), name);
      for (guint i = 0; i < MIN (bad->len, 5); i++)
        g_string_append_printf (msg, "%s%s", i ? "\n" : "", (const char *) bad->pdata[i]);
      if (bad->len > 5)
        g_string_append_printf (msg, "\n%s", _("…"));
      g_debug ("drawing not opened: %s", msg->str);
      dp_show_error (GTK_WIDGET (self), _("Could not open the drawing"), msg->str);
      return;
    }
  for (guint i = 0; i < bad->len; i++)
    g_debug ("strokes file: %s", (const char *) bad->pdata[i]);
  if (bad->len > 0)
    {
      g_autofree char *base = g_path_get_basename (name);
      g_autofree char *text = g_strdup_printf (
          g_dngettext (NULL, "%s: %u bad line skipped", "%s: %u bad lines skipped", bad->len),
          base, bad->len);
      dp_show_toast (GTK_WIDGET (self), text);
    }
  if (records->len == 1)
    put_record_on_pad (self, path, records->pdata[0]);
  else
    pick_record (self, path, records);
}

/* The drawing as a strokes record, written atomically. An opened image has no strokes. */
static gboolean
save_strokes_file (DpDrawPage *self, const char *path, GError **error)
{
  if (dp_canvas_get_image (self->canvas) != NULL)
    {
      g_set_error_literal (error, DP_ERROR, DP_ERROR_INVALID,
                           _("The pad shows an opened image, not strokes: save it as a PNG "
                             "image instead."));
      return FALSE;
    }
  g_autoptr (GPtrArray) records = g_ptr_array_new_with_free_func (
      (GDestroyNotify) dp_strokes_record_free);
  g_ptr_array_add (records, dp_strokes_record_new (dp_canvas_get_strokes (self->canvas),
                                                   DP_LABEL_UNKNOWN, NULL,
                                                   g_get_real_time () / G_USEC_PER_SEC));
  return dp_strokes_file_save (path, records, error);
}

/* Choosing the strokes filter in the save dialog turns "digit.png" into "digit.ndjson", and back */
static void
on_save_filter_changed_cb (GtkFileChooser *chooser, GParamSpec *pspec, GtkFileFilter *strokes)
{
  g_autofree char *name = gtk_file_chooser_get_current_name (chooser);
  gboolean want_strokes = gtk_file_chooser_get_filter (chooser) == strokes;
  char *dot;

  if (name == NULL || (dot = strrchr (name, '.')) == NULL || dot == name
      || is_strokes_path (name) == want_strokes)
    return;
  *dot = '\0';
  g_autofree char *renamed = g_strconcat (name, want_strokes ? ".ndjson" : ".png", NULL);
  gtk_file_chooser_set_current_name (chooser, renamed);
}

void
dp_draw_page_open_image (DpDrawPage *self, GFile *file)
{
  g_autofree char *path = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GdkPixbuf) pixbuf = NULL;
  g_autoptr (GdkTexture) texture = NULL;
  g_autofree OpenedImage *image = NULL;
  gint64 t0 = g_get_monotonic_time ();

  g_return_if_fail (DP_IS_DRAW_PAGE (self));
  g_return_if_fail (G_IS_FILE (file));

  path = g_file_get_path (file);
  if (path == NULL)
    {
      g_autofree char *uri = g_file_get_uri (file);
      g_autofree char *msg = g_strdup_printf (_("%s: only local files can be opened"), uri);
      dp_show_error (GTK_WIDGET (self), _("Could not open the image"), msg);
      return;
    }
  if (is_strokes_path (path))
    {
      open_strokes_file (self, path);
      return;
    }
  image = g_new0 (OpenedImage, 1);
  if (!dp_preprocess_image (path, image->input, &error))
    {
      g_debug ("image not recognised: %s", error->message);
      dp_show_error (GTK_WIDGET (self), _("Could not read the image"), error->message);
      return;
    }
  /* for the pad: at most 1024 px, never decoded at full size, upright as the network read it.
   * The network's input was read, but an image the pad cannot show would be a prediction of
   * nothing visible: the drawing stays, and the user hears why. */
  pixbuf = dp_preprocess_load_image (path, 1024, &error);
  if (pixbuf == NULL)
    {
      g_debug ("image not shown: %s", error->message);
      dp_show_error (GTK_WIDGET (self), _("Could not show the image"), error->message);
      return;
    }
  texture = gdk_texture_new_for_pixbuf (pixbuf);
  image->preprocess_ms = (g_get_monotonic_time () - t0) / 1000.0;
  image->t_opened = t0;
  g_object_set_data_full (G_OBJECT (texture), OPENED_IMAGE_KEY, g_steal_pointer (&image), g_free);
  dp_canvas_set_image (self->canvas, texture);
  /* set_image() cleared the strokes */
  g_debug ("image opened: %s", path);
  want_prediction (self, WANT_IMAGE);
}

/* A file chooser may answer after the page was closed: dispose has then cleared the template
 * children, and there is nothing left to show the answer in. */
static gboolean
is_disposed (DpDrawPage *self)
{
  return self->canvas == NULL;
}

static void
on_open_image_chosen_cb (GObject *owner, GFile *file, GListModel *files, gpointer user_data)
{
  DpDrawPage *self = DP_DRAW_PAGE (owner);

  if (!is_disposed (self))
    dp_draw_page_open_image (self, file);
}

static GtkWindow *
page_window (DpDrawPage *self)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  return GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL;
}

static void
open_image_action (GSimpleAction *action, GVariant *param, gpointer user_data)
{
  DpDrawPage *self = DP_DRAW_PAGE (user_data);
  g_autoptr (GtkFileFilter) images = gtk_file_filter_new ();

  g_autoptr (GtkFileFilter) both = gtk_file_filter_new ();
  g_autoptr (GtkFileFilter) strokes = dp_file_chooser_strokes_filter ();
  GtkFileChooser *chooser;

  gtk_file_filter_set_name (images, _("Images"));
  gtk_file_filter_add_pixbuf_formats (images);
  gtk_file_filter_set_name (both, _("Images and drawings"));
  gtk_file_filter_add_pixbuf_formats (both);
  gtk_file_filter_add_suffix (both, "ndjson");
  gtk_file_filter_add_suffix (both, "jsonl");
  chooser = dp_file_chooser_new (page_window (self), _("Open an Image or a Drawing"),
                                 GTK_FILE_CHOOSER_ACTION_OPEN, _("_Open"), both, NULL);
  gtk_file_chooser_add_filter (chooser, images);
  gtk_file_chooser_add_filter (chooser, strokes);
  dp_file_chooser_run (chooser, G_OBJECT (self), on_open_image_chosen_cb, NULL);
}

/* The drawing as a PNG, written atomically: a full disk or a crash leaves the old file whole. */
static gboolean
save_png (DpDrawPage *self, const char *path, GError **error)
{
  cairo_surface_t *surface = dp_canvas_render (self->canvas, SAVE_SIDE);
  gboolean ok = dp_file_save_png (surface, path, error);

  cairo_surface_destroy (surface);
  return ok;
}

static void
on_save_drawing_chosen_cb (GObject *owner, GFile *file, GListModel *files, gpointer user_data)
{
  DpDrawPage *self = DP_DRAW_PAGE (owner);
  g_autofree char *path = g_file_get_path (file);
  g_autoptr (GError) error = NULL;

  if (is_disposed (self))
    return;
  if (path == NULL)
    dp_show_error (GTK_WIDGET (self), _("Could not save the drawing"),
                   _("Only local files can be written."));
  else if (!(is_strokes_path (path) ? save_strokes_file : save_png) (self, path, &error))
    dp_show_error (GTK_WIDGET (self), _("Could not save the drawing"), error->message);
  else
    {
      g_autofree char *base = g_path_get_basename (path);
      g_autofree char *text = g_strdup_printf (_("Drawing saved as %s"), base);
      g_debug ("drawing saved: %s", path);
      dp_show_toast (GTK_WIDGET (self), text);
    }
}

static void
save_drawing_action (GSimpleAction *action, GVariant *param, gpointer user_data)
{
  DpDrawPage *self = DP_DRAW_PAGE (user_data);
  g_autoptr (GtkFileFilter) png = gtk_file_filter_new ();
  g_autoptr (GtkFileFilter) strokes = dp_file_chooser_strokes_filter ();
  GtkFileChooser *chooser;

  gtk_file_filter_set_name (png, _("PNG images"));
  gtk_file_filter_add_mime_type (png, "image/png");
  /* the name chooses the format: .ndjson saves the strokes, anything else a PNG */
  chooser = dp_file_chooser_new (page_window (self), _("Save the Drawing"),
                                 GTK_FILE_CHOOSER_ACTION_SAVE, _("_Save"), png, _("digit.png"));
  gtk_file_chooser_add_filter (chooser, strokes);
  g_signal_connect_object (chooser, "notify::filter", G_CALLBACK (on_save_filter_changed_cb),
                           strokes, 0);
  dp_file_chooser_run (chooser, G_OBJECT (self), on_save_drawing_chosen_cb, NULL);
}

/* --- actions ------------------------------------------------------------------------------- */

static void
undo_action (GSimpleAction *action, GVariant *param, gpointer user_data)
{
  DpDrawPage *self = DP_DRAW_PAGE (user_data);

  dp_canvas_undo (self->canvas);
  g_debug ("undo: strokes=%u", dp_strokes_get_n_strokes (dp_canvas_get_strokes (self->canvas)));
  want_prediction (self, WANT_UNDO);
}

static void
clear_action (GSimpleAction *action, GVariant *param, gpointer user_data)
{
  DpDrawPage *self = DP_DRAW_PAGE (user_data);

  dp_canvas_clear (self->canvas);
  g_debug ("cleared");
}

static void
predict_action (GSimpleAction *action, GVariant *param, gpointer user_data)
{
  want_prediction (DP_DRAW_PAGE (user_data), WANT_PREDICT);
}

static void
pen_action (GSimpleAction *action, GVariant *param, gpointer user_data)
{
  DpDrawPage *self = DP_DRAW_PAGE (user_data);
  double step = gtk_adjustment_get_step_increment (self->pen_adjustment);

  if (g_str_equal (g_action_get_name (G_ACTION (action)), "pen-thinner"))
    step = -step;
  gtk_adjustment_set_value (self->pen_adjustment,
                            gtk_adjustment_get_value (self->pen_adjustment) + step);
}

/* --- personal samples --------------------------------------------------------------------- */

/* "draw.keep" (i): the drawing on the pad is a LABEL (a digit, or DP_CLASS_NOT_A_DIGIT): kept as
 * a personal sample, told in a toast with Undo, and the pad is cleared for the next one */
static void
keep_action (GSimpleAction *action, GVariant *param, gpointer user_data)
{
  DpDrawPage *self = DP_DRAW_PAGE (user_data);
  const DpNetwork *model = self->models ? dp_model_store_get_model (self->models) : NULL;
  int label = g_variant_get_int32 (param);
  g_autoptr (GError) error = NULL;
  g_autofree char *text = NULL;
  g_autofree char *undo = NULL;
  const char *id;

  if (self->samples == NULL || label < 0 || label > DP_CLASS_NOT_A_DIGIT)
    return;
  /* "not a digit" is a label only for a model that can answer it */
  if (label == DP_CLASS_NOT_A_DIGIT && (model == NULL || !dp_network_can_refuse (model)))
    return;
  id = dp_samples_add (self->samples, dp_canvas_get_strokes (self->canvas), label, &error);
  if (id == NULL)
    {
      dp_show_error (GTK_WIDGET (self), _("Could not keep the drawing"), error->message);
      return;
    }
  text = label == DP_CLASS_NOT_A_DIGIT ? g_strdup (_("Saved as not a digit"))
                                       : g_strdup_printf (_("Saved as a %d"), label);
  undo = g_strdup_printf ("win.undo-sample('%s')", id);
  dp_show_toast_with_button (GTK_WIDGET (self), text, _("_Undo"), undo);
  dp_canvas_clear (self->canvas);
}

static void
on_label_chosen_cb (DpResultView *view, int label, DpDrawPage *self)
{
  g_action_group_activate_action (G_ACTION_GROUP (self->actions), "keep",
                                  g_variant_new_int32 (label));
}

static const GActionEntry draw_actions[] = {
  { "undo", undo_action },
  { "clear", clear_action },
  { "predict", predict_action },
  { "pen-thinner", pen_action },
  { "pen-thicker", pen_action },
  { "open-image", open_image_action },
  { "save-drawing", save_drawing_action },
  { "keep", keep_action, "i" },
};

static void
on_live_mode_state_cb (GActionGroup *group, const char *name, GVariant *state, DpDrawPage *self)
{
  g_debug ("live mode: %s", g_variant_get_boolean (state) ? "on" : "off");
}

/* --- layout log ---------------------------------------------------------------------------- */

void
dp_draw_page_append_layout (DpDrawPage *self, GString *line)
{
  graphene_rect_t pad;
  size_t before;

  g_return_if_fail (DP_IS_DRAW_PAGE (self));

  dp_canvas_get_pad_bounds (self->canvas, &pad);
  before = line->len;
  dp_debug_append_point (line, "pad", GTK_WIDGET (self->canvas), &pad.origin);
  if (line->len > before)
    g_string_append_printf (line, ",%d", (int) pad.size.width);
  dp_debug_append_bounds (line, "predict", self->predict_button);
  dp_debug_append_bounds (line, "undo", self->undo_button);
  dp_debug_append_bounds (line, "clear", self->clear_button);
  dp_debug_append_bounds (line, "live", self->live_switch);
  dp_debug_append_named (line, GTK_WIDGET (self->result_view));
  g_string_append_printf (line, " strokes=%u",
                          dp_strokes_get_n_strokes (dp_canvas_get_strokes (self->canvas)));
}

/* --- GObject ------------------------------------------------------------------------------- */

void
dp_draw_page_bind (DpDrawPage *self, GSettings *settings, DpModelStore *models,
                   DpSamples *samples)
{
  GAction *live;

  g_return_if_fail (DP_IS_DRAW_PAGE (self));
  g_return_if_fail (DP_IS_MODEL_STORE (models));
  g_return_if_fail (DP_IS_SAMPLES (samples));
  g_return_if_fail (self->models == NULL);

  self->samples = g_object_ref (samples);
  if (settings != NULL)
    {
      g_settings_bind (settings, "pen-width", self->pen_adjustment, "value",
                       G_SETTINGS_BIND_DEFAULT);
      live = g_settings_create_action (settings, "live-mode");
    }
  else
    {
      /* with no change-state handler, GSimpleAction sets the state it is asked for */
      live = G_ACTION (g_simple_action_new_stateful ("live-mode", NULL,
                                                     g_variant_new_boolean (TRUE)));
    }
  g_action_map_add_action (G_ACTION_MAP (self->actions), live);
  g_object_unref (live);

  self->models = g_object_ref (models);
  /* the store outlives the page: disconnected when the page goes */
  g_signal_connect_object (models, "model-changed", G_CALLBACK (on_model_changed_cb), self, 0);
  on_model_changed_cb (models, self);
}

static void
dp_draw_page_dispose (GObject *object)
{
  DpDrawPage *self = DP_DRAW_PAGE (object);

  g_clear_handle_id (&self->live_timeout_id, g_source_remove);
  g_clear_handle_id (&self->stroke_end_id, g_source_remove);
  /* the bin lets go of its child first: dispose_template unparents a bound child, and
   * AdwBin would then unparent it again */
  adw_bin_set_child (ADW_BIN (self), NULL);
  gtk_widget_dispose_template (GTK_WIDGET (self), DP_TYPE_DRAW_PAGE);
  G_OBJECT_CLASS (dp_draw_page_parent_class)->dispose (object);
}

static void
dp_draw_page_finalize (GObject *object)
{
  DpDrawPage *self = DP_DRAW_PAGE (object);

  g_clear_object (&self->actions);
  g_clear_object (&self->models);
  g_clear_object (&self->samples);
  G_OBJECT_CLASS (dp_draw_page_parent_class)->finalize (object);
}

static void
dp_draw_page_class_init (DpDrawPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = dp_draw_page_dispose;
  object_class->finalize = dp_draw_page_finalize;

  g_type_ensure (DP_TYPE_CANVAS);
  g_type_ensure (DP_TYPE_RESULT_VIEW);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/digitpad/Digitpad/ui/dp-draw-page.ui");
  gtk_widget_class_bind_template_child (widget_class, DpDrawPage, canvas);
  gtk_widget_class_bind_template_child (widget_class, DpDrawPage, result_view);
  gtk_widget_class_bind_template_child (widget_class, DpDrawPage, pen_adjustment);
  gtk_widget_class_bind_template_child (widget_class, DpDrawPage, pen_scale);
  gtk_widget_class_bind_template_child (widget_class, DpDrawPage, model_label);
  gtk_widget_class_bind_template_child (widget_class, DpDrawPage, predict_button);
  gtk_widget_class_bind_template_child (widget_class, DpDrawPage, undo_button);
  gtk_widget_class_bind_template_child (widget_class, DpDrawPage, clear_button);
  gtk_widget_class_bind_template_child (widget_class, DpDrawPage, live_switch);
}

static void
dp_draw_page_init (DpDrawPage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->actions = g_simple_action_group_new ();
  g_action_map_add_action_entries (G_ACTION_MAP (self->actions), draw_actions,
                                   G_N_ELEMENTS (draw_actions), self);
  gtk_widget_insert_action_group (GTK_WIDGET (self), "draw", G_ACTION_GROUP (self->actions));
  g_signal_connect (self->actions, "action-state-changed::live-mode",
                    G_CALLBACK (on_live_mode_state_cb), self);
  self->timer = dp_prediction_timer_new (GTK_WIDGET (self));

  g_object_bind_property (self->pen_adjustment, "value", self->canvas, "pen-width",
                          G_BINDING_SYNC_CREATE);
  /* the tools keep the keyboard focus where it was (on nothing, usually), so Enter predicts */
  gtk_widget_set_focus_on_click (self->predict_button, FALSE);
  gtk_widget_set_focus_on_click (self->undo_button, FALSE);
  gtk_widget_set_focus_on_click (self->clear_button, FALSE);
  gtk_widget_set_focus_on_click (self->live_switch, FALSE);
  gtk_widget_set_focus_on_click (GTK_WIDGET (self->pen_scale), FALSE);

  g_signal_connect (self->canvas, "changed", G_CALLBACK (on_canvas_changed_cb), self);
  g_signal_connect (self->canvas, "stroke-finished", G_CALLBACK (on_canvas_stroke_finished_cb),
                    self);
  g_signal_connect (self->canvas, "file-dropped", G_CALLBACK (on_canvas_file_dropped_cb), self);
  g_signal_connect (self->result_view, "label-chosen", G_CALLBACK (on_label_chosen_cb), self);

  update_actions (self);
}
