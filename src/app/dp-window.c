/* dp-window.c: the main window and its Draw page. It owns the window actions (undo, clear,
 * predict, live mode, pen width, open image, save drawing, load model), keeps the model labels
 * in step with the application's current model, and runs predictions on the UI thread: one
 * drawing is preprocessed and classified in well under a millisecond.
 *
 * Timing: every prediction is logged with g_debug once its result has reached the screen: the
 * frame clock's "after-paint" closes the measurement started at the trigger (the stroke's end,
 * the Predict action, an opened image). The GUI tests read these lines. */
#include "dp-window.h"

#include <glib/gi18n.h>

#include "dp-canvas.h"
#include "dp-file-chooser.h"
#include "dp-result-view.h"
#include "dp-train-page.h"
#include "engine/engine.h"

#define LIVE_INTERVAL_US (100 * 1000) /* predictions while drawing: at most one per 100 ms */
#define SAVE_SIDE        560          /* a saved drawing is 560 × 560, 20× MNIST */

typedef struct
{
  gboolean pending;
  guint seq;
  const char *trigger; /* static string */
  gint64 t_trigger;    /* µs, monotonic */
  gint64 t_shown;      /* when the result was handed to the widgets */
  double preprocess_ms, inference_ms;
  int digit, runner_up;
  float confidence, runner_up_p;
  gboolean unsure;
  guint n_strokes;
} Measure;

struct _DpWindow
{
  GtkApplicationWindow parent_instance;

  /* template */
  GtkStack *stack;
  DpCanvas *canvas;
  DpResultView *result_view;
  GtkAdjustment *pen_adjustment;
  GtkScale *pen_scale;
  GtkMenuButton *model_button;
  GtkLabel *model_button_label;
  GtkLabel *model_label;
  GtkWidget *predict_button;
  GtkWidget *undo_button;
  GtkWidget *clear_button;
  GtkWidget *live_switch;

  GSettings *settings; /* nullable */
  GCancellable *cancellable;

  guint live_timeout_id;
  gint64 last_live_us;

  float image_input[DP_INPUT_SIZE]; /* (28, 28) the opened image, preprocessed */
  double image_preprocess_ms;       /* what reading and preprocessing it took */

  Measure measure;
  guint n_predictions;
  GdkFrameClock *frame_clock;
  gulong after_paint_id;
  char *last_layout;
};

G_DEFINE_FINAL_TYPE (DpWindow, dp_window, GTK_TYPE_APPLICATION_WINDOW)

static DpApplication *
dp_window_get_app (DpWindow *self)
{
  return DP_APPLICATION (gtk_window_get_application (GTK_WINDOW (self)));
}

void
dp_window_show_error (DpWindow *self, const char *primary, const char *secondary)
{
  GtkWidget *dialog;

  g_return_if_fail (DP_IS_WINDOW (self));

  g_debug ("error dialog: %s: %s", primary, secondary ? secondary : "");
  /* GTK 4.8 has no GtkAlertDialog */
  G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  dialog = gtk_message_dialog_new (GTK_WINDOW (self),
                                   GTK_DIALOG_MODAL | GTK_DIALOG_DESTROY_WITH_PARENT,
                                   GTK_MESSAGE_ERROR, GTK_BUTTONS_CLOSE, "%s", primary);
  if (secondary != NULL)
    gtk_message_dialog_format_secondary_text (GTK_MESSAGE_DIALOG (dialog), "%s", secondary);
  G_GNUC_END_IGNORE_DEPRECATIONS
  gtk_window_set_title (GTK_WINDOW (dialog), primary);
  g_signal_connect (dialog, "response", G_CALLBACK (gtk_window_destroy), NULL);
  gtk_window_present (GTK_WINDOW (dialog));
}

/* --- predictions --------------------------------------------------------------------------- */

static void
dp_window_log_measure (DpWindow *self, double redraw_ms, gint64 t_end)
{
  Measure *m = &self->measure;

  g_debug ("prediction #%u: digit=%d confidence=%.4f runner_up=%d (%.4f) unsure=%s "
           "trigger=%s strokes=%u preprocess_ms=%.3f inference_ms=%.3f redraw_ms=%.3f "
           "total_ms=%.3f",
           m->seq, m->digit, m->confidence, m->runner_up, m->runner_up_p,
           m->unsure ? "yes" : "no", m->trigger, m->n_strokes, m->preprocess_ms, m->inference_ms,
           redraw_ms, t_end > 0 ? (t_end - m->t_trigger) / 1000.0 : -1.0);
  m->pending = FALSE;
}

static void
on_after_paint_cb (GdkFrameClock *clock, DpWindow *self)
{
  if (self->measure.pending)
    {
      gint64 now = g_get_monotonic_time ();
      dp_window_log_measure (self, (now - self->measure.t_shown) / 1000.0, now);
    }
}

static void
dp_window_predict (DpWindow *self, const char *trigger, gint64 t_trigger)
{
  const DpNetwork *model = dp_application_get_model (dp_window_get_app (self));
  const DpStrokes *strokes = dp_canvas_get_strokes (self->canvas);
  /* an opened image stands until the pad is cleared or drawn on, which drops it */
  gboolean showing_image = dp_canvas_get_image (self->canvas) != NULL;
  g_autoptr (GError) error = NULL;
  float input[DP_INPUT_SIZE]; /* (28, 28) */
  float probs[DP_N_CLASSES];
  gint64 t1, t2, t3;
  Measure *m = &self->measure;

  if (dp_canvas_is_empty (self->canvas))
    {
      dp_result_view_clear (self->result_view);
      g_debug ("nothing to predict: the pad is empty (trigger=%s)", trigger);
      return;
    }
  if (model == NULL)
    {
      g_debug ("nothing to predict with: no model");
      return;
    }

  t1 = g_get_monotonic_time ();
  if (showing_image)
    memcpy (input, self->image_input, sizeof input);
  else if (!dp_preprocess_strokes (strokes, input, &error))
    {
      /* e.g. strokes too small to leave ink: the same as an empty pad */
      dp_result_view_clear (self->result_view);
      g_debug ("nothing to predict: %s (trigger=%s)", error->message, trigger);
      return;
    }
  t2 = g_get_monotonic_time ();
  dp_network_predict (model, input, probs);
  t3 = g_get_monotonic_time ();

  dp_result_view_set_result (self->result_view, input, probs);

  /* a result replaced before it was painted is logged without a redraw time */
  if (m->pending)
    dp_window_log_measure (self, -1.0, -1);
  m->pending = TRUE;
  m->seq = ++self->n_predictions;
  m->trigger = trigger;
  m->t_trigger = t_trigger;
  m->t_shown = g_get_monotonic_time ();
  m->preprocess_ms = showing_image ? self->image_preprocess_ms : (t2 - t1) / 1000.0;
  m->inference_ms = (t3 - t2) / 1000.0;
  m->unsure = dp_result_is_unsure (probs, &m->digit, &m->runner_up);
  m->confidence = probs[m->digit];
  m->runner_up_p = probs[m->runner_up];
  m->n_strokes = showing_image ? 0 : dp_strokes_get_n_strokes (strokes);

  /* without a frame clock (not yet mapped) nothing will paint: log now */
  if (self->frame_clock == NULL)
    dp_window_log_measure (self, -1.0, -1);
}

static gboolean
dp_window_live_mode (DpWindow *self)
{
  g_autoptr (GVariant) state = g_action_group_get_action_state (G_ACTION_GROUP (self), "live-mode");
  return state != NULL && g_variant_get_boolean (state);
}

static gboolean
on_live_timeout_cb (gpointer user_data)
{
  DpWindow *self = DP_WINDOW (user_data);

  self->live_timeout_id = 0;
  self->last_live_us = g_get_monotonic_time ();
  if (dp_canvas_is_drawing (self->canvas) && dp_window_live_mode (self))
    dp_window_predict (self, "drawing", self->last_live_us);
  return G_SOURCE_REMOVE;
}

static void
dp_window_update_actions (DpWindow *self)
{
  gboolean empty = dp_canvas_is_empty (self->canvas);
  gboolean drawing = dp_canvas_is_drawing (self->canvas);
  guint n = dp_strokes_get_n_strokes (dp_canvas_get_strokes (self->canvas));
  GAction *action;

  action = g_action_map_lookup_action (G_ACTION_MAP (self), "undo");
  g_simple_action_set_enabled (G_SIMPLE_ACTION (action), n > 0 && !drawing);
  action = g_action_map_lookup_action (G_ACTION_MAP (self), "clear");
  g_simple_action_set_enabled (G_SIMPLE_ACTION (action), !empty && !drawing);
  action = g_action_map_lookup_action (G_ACTION_MAP (self), "save-drawing");
  g_simple_action_set_enabled (G_SIMPLE_ACTION (action), !empty && !drawing);
}

static void
on_canvas_changed_cb (DpCanvas *canvas, DpWindow *self)
{
  g_assert (DP_IS_WINDOW (self));

  dp_window_update_actions (self);

  if (dp_canvas_is_empty (canvas))
    {
      g_clear_handle_id (&self->live_timeout_id, g_source_remove);
      dp_result_view_clear (self->result_view);
      return;
    }

  /* while drawing, live mode predicts at most every LIVE_INTERVAL_US */
  if (dp_canvas_is_drawing (canvas) && dp_window_live_mode (self) && self->live_timeout_id == 0)
    {
      gint64 wait = LIVE_INTERVAL_US - (g_get_monotonic_time () - self->last_live_us);
      /* rounded up to whole ms, so the period is never under LIVE_INTERVAL_US */
      self->live_timeout_id = g_timeout_add ((MAX (0, wait) + 999) / 1000, on_live_timeout_cb,
                                             self);
    }
}

static void
on_canvas_stroke_finished_cb (DpCanvas *canvas, DpWindow *self)
{
  gint64 now = g_get_monotonic_time ();

  g_assert (DP_IS_WINDOW (self));

  g_clear_handle_id (&self->live_timeout_id, g_source_remove);
  g_debug ("stroke finished: strokes=%u", dp_strokes_get_n_strokes (dp_canvas_get_strokes (canvas)));
  if (dp_window_live_mode (self))
    dp_window_predict (self, "stroke-end", now);
}

static void
on_canvas_file_dropped_cb (DpCanvas *canvas, GFile *file, DpWindow *self)
{
  g_assert (DP_IS_WINDOW (self));
  dp_window_open_image (self, file);
}

/* --- model --------------------------------------------------------------------------------- */

static void
on_model_changed_cb (DpApplication *app, DpWindow *self)
{
  g_autofree char *description = dp_application_describe_model (app);
  const char *name = dp_application_get_model_name (app);
  g_autofree char *tooltip = g_strdup_printf (_("Model: %s\n%s"), name, description);
  g_autofree char *label = g_strdup_printf ("%s\n%s", name, description);

  gtk_label_set_label (self->model_button_label, name);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->model_button), tooltip);
  gtk_label_set_label (self->model_label, label);

  /* what is on the pad is now read by another network: show its answer */
  if (!dp_canvas_is_empty (self->canvas) && !dp_canvas_is_drawing (self->canvas))
    dp_window_predict (self, "model-changed", g_get_monotonic_time ());
}

typedef struct
{
  DpWindow *self;
  char *previous; /* the model name in use when loading started */
} LoadModelData;

static void
on_model_loaded_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  LoadModelData *data = user_data;
  DpWindow *self = data->self;
  g_autoptr (GError) error = NULL;

  if (!dp_application_load_model_finish (DP_APPLICATION (source), result, &error)
      && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_autofree char *detail = g_strdup_printf (_("%s\n\nThe current model (%s) stays in use."),
                                                 error->message, data->previous);
      dp_window_show_error (self, _("Could not load the model"), detail);
    }
  g_object_unref (data->self);
  g_free (data->previous);
  g_free (data);
}

void
dp_window_load_model (DpWindow *self, const char * const *paths)
{
  LoadModelData *data;

  g_return_if_fail (DP_IS_WINDOW (self));
  g_return_if_fail (paths != NULL && paths[0] != NULL);

  data = g_new0 (LoadModelData, 1);
  data->self = g_object_ref (self);
  data->previous = g_strdup (dp_application_get_model_name (dp_window_get_app (self)));
  g_debug ("loading model: %s%s%s", paths[0], paths[1] ? " + " : "", paths[1] ? paths[1] : "");
  dp_application_load_model_async (dp_window_get_app (self), paths, self->cancellable,
                                   on_model_loaded_cb, data);
}

/* --- files --------------------------------------------------------------------------------- */

void
dp_window_open_image (DpWindow *self, GFile *file)
{
  g_autofree char *path = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GdkPixbuf) pixbuf = NULL;
  g_autoptr (GdkTexture) texture = NULL;
  float input[DP_INPUT_SIZE]; /* (28, 28) */
  gint64 t0 = g_get_monotonic_time ();

  g_return_if_fail (DP_IS_WINDOW (self));
  g_return_if_fail (G_IS_FILE (file));

  path = g_file_get_path (file);
  if (path == NULL)
    {
      g_autofree char *uri = g_file_get_uri (file);
      g_autofree char *msg = g_strdup_printf (_("%s: only local files can be opened"), uri);
      dp_window_show_error (self, _("Could not open the image"), msg);
      return;
    }
  if (!dp_preprocess_image (path, input, &error))
    {
      g_debug ("image not recognised: %s", error->message);
      dp_window_show_error (self, _("Could not read the image"), error->message);
      return;
    }
  /* for the pad: at most 1024 px, never decoded at full size, upright as the network read it.
   * The network's input was read, but an image the pad cannot show would be a prediction of
   * nothing visible: the drawing stays, and the user hears why. */
  pixbuf = dp_preprocess_load_image (path, 1024, &error);
  if (pixbuf == NULL)
    {
      g_debug ("image not shown: %s", error->message);
      dp_window_show_error (self, _("Could not show the image"), error->message);
      return;
    }
  texture = gdk_texture_new_for_pixbuf (pixbuf);

  memcpy (self->image_input, input, sizeof input);
  self->image_preprocess_ms = (g_get_monotonic_time () - t0) / 1000.0;
  dp_canvas_set_image (self->canvas, texture);
  /* set_image() cleared the strokes */
  g_debug ("image opened: %s", path);
  dp_window_predict (self, "image", t0);
}

/* A file chooser may answer after the window was closed: dispose_template has then cleared the
 * template children, and there is nothing left to show the answer in. */
static gboolean
dp_window_is_disposed (DpWindow *self)
{
  return self->canvas == NULL;
}

static void
on_open_image_chosen_cb (GObject *owner, GFile *file, GListModel *files, gpointer user_data)
{
  DpWindow *self = DP_WINDOW (owner);

  if (!dp_window_is_disposed (self))
    dp_window_open_image (self, file);
}

static void
dp_window_open_image_action (GSimpleAction *action, GVariant *param, gpointer user_data)
{
  DpWindow *self = DP_WINDOW (user_data);
  g_autoptr (GtkFileFilter) images = gtk_file_filter_new ();

  gtk_file_filter_set_name (images, _("Images"));
  gtk_file_filter_add_pixbuf_formats (images);
  dp_file_chooser_run (dp_file_chooser_new (GTK_WINDOW (self), _("Open an Image"),
                                            GTK_FILE_CHOOSER_ACTION_OPEN, _("_Open"), images,
                                            NULL),
                       G_OBJECT (self), on_open_image_chosen_cb, NULL);
}

static gboolean
dp_window_save_png (DpWindow *self, const char *path, GError **error)
{
  cairo_surface_t *surface = dp_canvas_render (self->canvas, SAVE_SIDE);
  cairo_status_t status = cairo_surface_write_to_png (surface, path);

  cairo_surface_destroy (surface);
  if (status != CAIRO_STATUS_SUCCESS)
    {
      g_set_error (error, DP_ERROR, DP_ERROR_IO, _("%s: cannot write the PNG (%s)"), path,
                   cairo_status_to_string (status));
      return FALSE;
    }
  return TRUE;
}

static void
on_save_drawing_chosen_cb (GObject *owner, GFile *file, GListModel *files, gpointer user_data)
{
  DpWindow *self = DP_WINDOW (owner);
  g_autofree char *path = g_file_get_path (file);
  g_autoptr (GError) error = NULL;

  if (dp_window_is_disposed (self))
    return;
  if (path == NULL)
    dp_window_show_error (self, _("Could not save the drawing"),
                          _("Only local files can be written"));
  else if (!dp_window_save_png (self, path, &error))
    dp_window_show_error (self, _("Could not save the drawing"), error->message);
  else
    g_debug ("drawing saved: %s", path);
}

static void
dp_window_save_drawing_action (GSimpleAction *action, GVariant *param, gpointer user_data)
{
  DpWindow *self = DP_WINDOW (user_data);
  g_autoptr (GtkFileFilter) png = gtk_file_filter_new ();

  gtk_file_filter_set_name (png, _("PNG images"));
  gtk_file_filter_add_mime_type (png, "image/png");
  dp_file_chooser_run (dp_file_chooser_new (GTK_WINDOW (self), _("Save Drawing"),
                                            GTK_FILE_CHOOSER_ACTION_SAVE, _("_Save"), png,
                                            _("digit.png")),
                       G_OBJECT (self), on_save_drawing_chosen_cb, NULL);
}

static void
on_load_model_chosen_cb (GObject *owner, GFile *file, GListModel *files, gpointer user_data)
{
  DpWindow *self = DP_WINDOW (owner);
  guint n = g_list_model_get_n_items (files);
  g_autoptr (GPtrArray) paths = g_ptr_array_new_with_free_func (g_free);

  if (dp_window_is_disposed (self))
    return;
  for (guint i = 0; i < n; i++)
    {
      g_autoptr (GFile) item = g_list_model_get_item (files, i);
      char *path = g_file_get_path (item);
      if (path != NULL)
        g_ptr_array_add (paths, path);
    }
  g_ptr_array_add (paths, NULL);
  if (paths->len > 1)
    dp_window_load_model (self, (const char *const *) paths->pdata);
}

static void
dp_window_load_model_action (GSimpleAction *action, GVariant *param, gpointer user_data)
{
  DpWindow *self = DP_WINDOW (user_data);
  GtkFileChooser *chooser;
  g_autoptr (GtkFileFilter) models = gtk_file_filter_new ();
  g_autoptr (GtkFileFilter) all = gtk_file_filter_new ();

  gtk_file_filter_set_name (models, _("Models (.safetensors, Theta1.txt + Theta2.txt)"));
  gtk_file_filter_add_suffix (models, "safetensors");
  gtk_file_filter_add_suffix (models, "txt");
  gtk_file_filter_set_name (all, _("All files"));
  gtk_file_filter_add_pattern (all, "*");
  chooser = dp_file_chooser_new (GTK_WINDOW (self), _("Load a Model"),
                                 GTK_FILE_CHOOSER_ACTION_OPEN, _("_Load"), models, NULL);
  gtk_file_chooser_add_filter (chooser, all);
  /* a classic model is two files: either one finds the other, or pick both */
  gtk_file_chooser_set_select_multiple (chooser, TRUE);
  dp_file_chooser_run (chooser, G_OBJECT (self), on_load_model_chosen_cb, NULL);
}

/* --- actions ------------------------------------------------------------------------------- */

static void
dp_window_undo_action (GSimpleAction *action, GVariant *param, gpointer user_data)
{
  DpWindow *self = DP_WINDOW (user_data);
  gint64 now = g_get_monotonic_time ();

  dp_canvas_undo (self->canvas);
  g_debug ("undo: strokes=%u", dp_strokes_get_n_strokes (dp_canvas_get_strokes (self->canvas)));
  if (!dp_canvas_is_empty (self->canvas) && dp_window_live_mode (self))
    dp_window_predict (self, "undo", now);
}

static void
dp_window_clear_action (GSimpleAction *action, GVariant *param, gpointer user_data)
{
  DpWindow *self = DP_WINDOW (user_data);

  dp_canvas_clear (self->canvas);
  g_debug ("cleared");
}

static void
dp_window_predict_action (GSimpleAction *action, GVariant *param, gpointer user_data)
{
  DpWindow *self = DP_WINDOW (user_data);
  dp_window_predict (self, "predict", g_get_monotonic_time ());
}

static void
dp_window_pen_action (GSimpleAction *action, GVariant *param, gpointer user_data)
{
  DpWindow *self = DP_WINDOW (user_data);
  double step = gtk_adjustment_get_step_increment (self->pen_adjustment);

  if (g_str_equal (g_action_get_name (G_ACTION (action)), "pen-thinner"))
    step = -step;
  gtk_adjustment_set_value (self->pen_adjustment,
                            gtk_adjustment_get_value (self->pen_adjustment) + step);
}

static const GActionEntry win_actions[] = {
  { "undo", dp_window_undo_action },
  { "clear", dp_window_clear_action },
  { "predict", dp_window_predict_action },
  { "pen-thinner", dp_window_pen_action },
  { "pen-thicker", dp_window_pen_action },
  { "open-image", dp_window_open_image_action },
  { "save-drawing", dp_window_save_drawing_action },
  { "load-model", dp_window_load_model_action },
};

static void
on_live_mode_state_cb (GActionGroup *group, const char *name, GVariant *state, DpWindow *self)
{
  g_debug ("live mode: %s", g_variant_get_boolean (state) ? "on" : "off");
}

/* The Draw page's plain keys. They live in a bubble-phase controller on the window rather than
 * among the application's accelerators (which run first, in the capture phase), so a focused
 * entry or button keeps its own Enter, Delete and Ctrl+Z, and they do nothing on another page. */
static gboolean
on_draw_shortcut_cb (GtkWidget *widget, GVariant *args, gpointer user_data)
{
  DpWindow *self = DP_WINDOW (widget);
  const char *action = user_data;

  if (g_strcmp0 (gtk_stack_get_visible_child_name (self->stack), "draw") != 0)
    return FALSE;
  if (!g_action_group_get_action_enabled (G_ACTION_GROUP (self), action))
    return TRUE;
  g_action_group_activate_action (G_ACTION_GROUP (self), action, NULL);
  return TRUE;
}

static void
dp_window_add_draw_shortcuts (DpWindow *self)
{
  static const struct { const char *trigger; const char *action; } keys[] = {
    { "Return|KP_Enter", "predict" },
    { "<Control>z", "undo" },
    { "Delete|Escape", "clear" },
    { "bracketleft", "pen-thinner" },
    { "bracketright", "pen-thicker" },
  };
  GtkEventController *controller = gtk_shortcut_controller_new ();

  gtk_event_controller_set_propagation_phase (controller, GTK_PHASE_BUBBLE);
  for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
    gtk_shortcut_controller_add_shortcut (
      GTK_SHORTCUT_CONTROLLER (controller),
      gtk_shortcut_new (gtk_shortcut_trigger_parse_string (keys[i].trigger),
                        gtk_callback_action_new (on_draw_shortcut_cb, (gpointer) keys[i].action,
                                                 NULL)));
  gtk_widget_add_controller (GTK_WIDGET (self), controller);
}

/* --- layout log ---------------------------------------------------------------------------- */

/* x,y,w,h of a widget in the window's surface, for the GUI tests to click on */
static void
append_bounds (GString *s, DpWindow *self, const char *name, GtkWidget *widget)
{
  graphene_rect_t b;
  double sx, sy;

  gtk_native_get_surface_transform (GTK_NATIVE (self), &sx, &sy);
  if (!gtk_widget_compute_bounds (widget, GTK_WIDGET (self), &b))
    return;
  g_string_append_printf (s, " %s=%d,%d,%d,%d", name, (int) (b.origin.x + sx),
                          (int) (b.origin.y + sy), (int) b.size.width, (int) b.size.height);
}

static void
dp_window_log_layout (DpWindow *self)
{
  g_autoptr (GString) s = NULL;
  graphene_rect_t pad;
  graphene_point_t origin;
  double sx, sy;

  /* test scaffolding (the GUI tests run with G_MESSAGES_DEBUG=Digitpad and click by these
   * lines): no bounds computed on every layout when nobody reads them */
  if (g_log_writer_default_would_drop (G_LOG_LEVEL_DEBUG, G_LOG_DOMAIN))
    return;
  if (!gtk_widget_get_mapped (GTK_WIDGET (self)))
    return;
  dp_canvas_get_pad_bounds (self->canvas, &pad);
  if (!gtk_widget_compute_point (GTK_WIDGET (self->canvas), GTK_WIDGET (self), &pad.origin,
                                 &origin))
    return;
  s = g_string_new (NULL);
  gtk_native_get_surface_transform (GTK_NATIVE (self), &sx, &sy);
  g_string_append_printf (s, "window=%d,%d pad=%d,%d,%d",
                          gtk_widget_get_width (GTK_WIDGET (self)),
                          gtk_widget_get_height (GTK_WIDGET (self)), (int) (origin.x + sx),
                          (int) (origin.y + sy), (int) pad.size.width);
  append_bounds (s, self, "predict", self->predict_button);
  append_bounds (s, self, "undo", self->undo_button);
  append_bounds (s, self, "clear", self->clear_button);
  append_bounds (s, self, "live", self->live_switch);
  append_bounds (s, self, "model", GTK_WIDGET (self->model_button));
  g_string_append_printf (s, " strokes=%u",
                          dp_strokes_get_n_strokes (dp_canvas_get_strokes (self->canvas)));
  if (g_strcmp0 (s->str, self->last_layout) != 0)
    {
      g_debug ("layout: %s", s->str);
      g_free (self->last_layout);
      self->last_layout = g_strdup (s->str);
    }
}

static void
dp_window_size_allocate (GtkWidget *widget, int width, int height, int baseline)
{
  GTK_WIDGET_CLASS (dp_window_parent_class)->size_allocate (widget, width, height, baseline);
  dp_window_log_layout (DP_WINDOW (widget));
}

/* --- GObject ------------------------------------------------------------------------------- */

static void
dp_window_realize (GtkWidget *widget)
{
  DpWindow *self = DP_WINDOW (widget);

  GTK_WIDGET_CLASS (dp_window_parent_class)->realize (widget);
  self->frame_clock = g_object_ref (gtk_widget_get_frame_clock (widget));
  self->after_paint_id = g_signal_connect (self->frame_clock, "after-paint",
                                           G_CALLBACK (on_after_paint_cb), self);
}

static void
dp_window_unrealize (GtkWidget *widget)
{
  DpWindow *self = DP_WINDOW (widget);

  if (self->frame_clock != NULL)
    {
      g_clear_signal_handler (&self->after_paint_id, self->frame_clock);
      g_clear_object (&self->frame_clock);
    }
  GTK_WIDGET_CLASS (dp_window_parent_class)->unrealize (widget);
}

static gboolean
dp_window_close_request (GtkWindow *window)
{
  DpWindow *self = DP_WINDOW (window);

  if (self->settings != NULL)
    {
      int width, height;
      gtk_window_get_default_size (window, &width, &height);
      g_settings_delay (self->settings);
      g_settings_set_boolean (self->settings, "window-maximized", gtk_window_is_maximized (window));
      if (!gtk_window_is_maximized (window))
        {
          g_settings_set_int (self->settings, "window-width", width);
          g_settings_set_int (self->settings, "window-height", height);
        }
      g_settings_apply (self->settings);
    }
  return GTK_WINDOW_CLASS (dp_window_parent_class)->close_request (window);
}

/* after g_object_new(): "application" is not a construct property, so it is not yet set in
 * constructed() */
static void
dp_window_setup (DpWindow *self, DpApplication *app)
{
  GAction *live;

  self->settings = dp_application_get_settings (app);
  if (self->settings != NULL)
    {
      g_object_ref (self->settings);
      gtk_window_set_default_size (GTK_WINDOW (self),
                                   g_settings_get_int (self->settings, "window-width"),
                                   g_settings_get_int (self->settings, "window-height"));
      if (g_settings_get_boolean (self->settings, "window-maximized"))
        gtk_window_maximize (GTK_WINDOW (self));
      g_settings_bind (self->settings, "pen-width", self->pen_adjustment, "value",
                       G_SETTINGS_BIND_DEFAULT);
      live = g_settings_create_action (self->settings, "live-mode");
    }
  else
    {
      gtk_window_set_default_size (GTK_WINDOW (self), 980, 660);
      /* with no change-state handler, GSimpleAction sets the state it is asked for */
      live = G_ACTION (g_simple_action_new_stateful ("live-mode", NULL,
                                                     g_variant_new_boolean (TRUE)));
    }
  g_action_map_add_action (G_ACTION_MAP (self), live);
  g_object_unref (live);
  g_signal_connect (self, "action-state-changed::live-mode", G_CALLBACK (on_live_mode_state_cb),
                    self);

  {
    int w, h;
    gtk_window_get_default_size (GTK_WINDOW (self), &w, &h);
    g_debug ("window settings: size=%dx%d pen-width=%.0f live-mode=%s%s", w, h,
             gtk_adjustment_get_value (self->pen_adjustment),
             dp_window_live_mode (self) ? "on" : "off",
             self->settings ? "" : " (defaults: no schema)");
  }

  /* the application outlives the window: disconnected when the window goes */
  g_signal_connect_object (app, "model-changed", G_CALLBACK (on_model_changed_cb), self, 0);
  on_model_changed_cb (app, self);
}

static void
dp_window_dispose (GObject *object)
{
  DpWindow *self = DP_WINDOW (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_handle_id (&self->live_timeout_id, g_source_remove);
  gtk_widget_dispose_template (GTK_WIDGET (self), DP_TYPE_WINDOW);
  G_OBJECT_CLASS (dp_window_parent_class)->dispose (object);
}

static void
dp_window_finalize (GObject *object)
{
  DpWindow *self = DP_WINDOW (object);

  g_clear_object (&self->settings);
  g_clear_object (&self->cancellable);
  g_free (self->last_layout);
  G_OBJECT_CLASS (dp_window_parent_class)->finalize (object);
}

static void
dp_window_class_init (DpWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);

  object_class->dispose = dp_window_dispose;
  object_class->finalize = dp_window_finalize;
  widget_class->size_allocate = dp_window_size_allocate;
  widget_class->realize = dp_window_realize;
  widget_class->unrealize = dp_window_unrealize;
  window_class->close_request = dp_window_close_request;

  g_type_ensure (DP_TYPE_CANVAS);
  g_type_ensure (DP_TYPE_RESULT_VIEW);
  g_type_ensure (DP_TYPE_TRAIN_PAGE);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/digitpad/Digitpad/ui/dp-window.ui");
  gtk_widget_class_bind_template_child (widget_class, DpWindow, stack);
  gtk_widget_class_bind_template_child (widget_class, DpWindow, canvas);
  gtk_widget_class_bind_template_child (widget_class, DpWindow, result_view);
  gtk_widget_class_bind_template_child (widget_class, DpWindow, pen_adjustment);
  gtk_widget_class_bind_template_child (widget_class, DpWindow, pen_scale);
  gtk_widget_class_bind_template_child (widget_class, DpWindow, model_button);
  gtk_widget_class_bind_template_child (widget_class, DpWindow, model_button_label);
  gtk_widget_class_bind_template_child (widget_class, DpWindow, model_label);
  gtk_widget_class_bind_template_child (widget_class, DpWindow, predict_button);
  gtk_widget_class_bind_template_child (widget_class, DpWindow, undo_button);
  gtk_widget_class_bind_template_child (widget_class, DpWindow, clear_button);
  gtk_widget_class_bind_template_child (widget_class, DpWindow, live_switch);
}

static void
dp_window_init (DpWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->cancellable = g_cancellable_new ();

  g_action_map_add_action_entries (G_ACTION_MAP (self), win_actions, G_N_ELEMENTS (win_actions),
                                   self);
  g_object_bind_property (self->pen_adjustment, "value", self->canvas, "pen-width",
                          G_BINDING_SYNC_CREATE);
  dp_window_add_draw_shortcuts (self);
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

  dp_window_update_actions (self);
}

DpWindow *
dp_window_new (DpApplication *app)
{
  DpWindow *self = g_object_new (DP_TYPE_WINDOW, "application", app, NULL);

  dp_window_setup (self, app);
  return self;
}
