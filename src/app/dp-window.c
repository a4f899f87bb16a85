/* dp-window.c: the shell around the two pages: the header bar with the view switcher, the Model
 * menu (load a file, back to the built-in model), toasts, the window's size across runs, and
 * the Draw page's plain keys. It listens to the model store and shows what happened; it loads
 * nothing itself. */
#include "dp-window.h"

#include <glib/gi18n.h>

#include "dp-debug.h"
#include "dp-draw-page.h"
#include "dp-file-chooser.h"
#include "dp-notify.h"
#include "dp-personalize-window.h"
#include "dp-samples-window.h"
#include "dp-teach-window.h"
#include "dp-train-page.h"

struct _DpWindow
{
  AdwApplicationWindow parent_instance;

  /* template */
  AdwViewStack *stack;
  DpDrawPage *draw_page;
  AdwToastOverlay *toast_overlay;
  GtkMenuButton *model_button;
  GtkLabel *model_button_label;

  GSettings *settings;  /* nullable */
  DpModelStore *models;
  DpSamples *samples;
  char *model_name;     /* the one before the last change, for "the current model stays" */
  GtkWindow *samples_window; /* weak: the open "Your Samples" window, or NULL */
};

G_DEFINE_FINAL_TYPE (DpWindow, dp_window, ADW_TYPE_APPLICATION_WINDOW)

void
dp_window_open_image (DpWindow *self, GFile *file)
{
  g_return_if_fail (DP_IS_WINDOW (self));

  adw_view_stack_set_visible_child_name (self->stack, "draw");
  dp_draw_page_open_image (self->draw_page, file);
}

/* --- the model ----------------------------------------------------------------------------- */

static void
on_model_changed_cb (DpModelStore *models, DpWindow *self)
{
  g_autofree char *description = dp_model_store_describe (models);
  const char *name = dp_model_store_get_name (models);
  g_autofree char *tooltip = g_strdup_printf (_("Model: %s\n%s"), name, description);
  gboolean first = self->model_name == NULL;

  gtk_label_set_label (self->model_button_label, name);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->model_button), tooltip);
  /* the model the window opened with needs no notice */
  if (!first && g_strcmp0 (name, self->model_name) != 0)
    {
      g_autofree char *text = g_strdup_printf (_("Now using %s"), name);
      dp_show_toast (GTK_WIDGET (self), text);
    }
  g_free (self->model_name);
  self->model_name = g_strdup (name);
}

static void
on_load_failed_cb (DpModelStore *models, GError *error, gboolean remembered, DpWindow *self)
{
  if (remembered)
    {
      /* at start-up: no dialog in the user's face, but a visible notice; the store keeps the
       * setting, so the model is back once its drive is */
      g_autofree char *text = g_strdup_printf (_("The last model could not be loaded, so the "
                                                 "built-in model is used. %s"), error->message);
      dp_show_toast (GTK_WIDGET (self), text);
    }
  else
    {
      g_autofree char *detail = g_strdup_printf (_("%s\n\nThe current model (%s) stays in use."),
                                                 error->message,
                                                 dp_model_store_get_name (models));
      dp_show_error (GTK_WIDGET (self), _("Could not load the model"), detail);
    }
}

static void
on_load_model_chosen_cb (GObject *owner, GFile *file, GListModel *files, gpointer user_data)
{
  DpWindow *self = DP_WINDOW (owner);
  guint n = g_list_model_get_n_items (files);
  g_autoptr (GPtrArray) paths = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; i < n; i++)
    {
      g_autoptr (GFile) item = g_list_model_get_item (files, i);
      char *path = g_file_get_path (item);
      if (path != NULL)
        g_ptr_array_add (paths, path);
    }
  g_ptr_array_add (paths, NULL);
  if (paths->len > 1 && self->models != NULL)
    dp_model_store_load (self->models, (const char *const *) paths->pdata);
}

static void
load_model_action (GSimpleAction *action, GVariant *param, gpointer user_data)
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

/* "win.toast" (s): any widget in the window shows a notice without knowing the window */
static void
toast_action (GSimpleAction *action, GVariant *param, gpointer user_data)
{
  DpWindow *self = DP_WINDOW (user_data);
  AdwToast *toast = adw_toast_new (g_variant_get_string (param, NULL));

  adw_toast_set_timeout (toast, 6);
  adw_toast_overlay_add_toast (self->toast_overlay, toast);
}

/* "win.toast-button" (sss): text, button label, detailed action of the button */
static void
toast_button_action (GSimpleAction *action, GVariant *param, gpointer user_data)
{
  DpWindow *self = DP_WINDOW (user_data);
  const char *text, *label, *detailed;
  AdwToast *toast;

  g_variant_get (param, "(&s&s&s)", &text, &label, &detailed);
  toast = adw_toast_new (text);
  adw_toast_set_button_label (toast, label);
  adw_toast_set_detailed_action_name (toast, detailed);
  adw_toast_set_timeout (toast, 8);
  adw_toast_overlay_add_toast (self->toast_overlay, toast);
}

/* "win.undo-sample" (s): the toast's Undo after a drawing was kept: that sample goes */
static void
undo_sample_action (GSimpleAction *action, GVariant *param, gpointer user_data)
{
  DpWindow *self = DP_WINDOW (user_data);
  g_autoptr (GError) error = NULL;

  if (!dp_samples_remove (self->samples, g_variant_get_string (param, NULL), &error))
    dp_show_error (GTK_WIDGET (self), _("Could not remove the sample"), error->message);
  else
    dp_show_toast (GTK_WIDGET (self), _("Sample removed"));
}

/* "win.samples": the samples window, one per main window */
static void
samples_action (GSimpleAction *action, GVariant *param, gpointer user_data)
{
  DpWindow *self = DP_WINDOW (user_data);

  if (self->samples_window == NULL)
    {
      self->samples_window = GTK_WINDOW (dp_samples_window_new (GTK_WINDOW (self), self->samples));
      g_object_add_weak_pointer (G_OBJECT (self->samples_window),
                                 (gpointer *) &self->samples_window);
    }
  gtk_window_present (self->samples_window);
}

/* "win.teach": the guided collection, over this window */
static void
teach_action (GSimpleAction *action, GVariant *param, gpointer user_data)
{
  DpWindow *self = DP_WINDOW (user_data);

  gtk_window_present (GTK_WINDOW (dp_teach_window_new (GTK_WINDOW (self), self->samples)));
}

/* "win.personalize": the personalization window, over this window */
static void
personalize_action (GSimpleAction *action, GVariant *param, gpointer user_data)
{
  DpWindow *self = DP_WINDOW (user_data);

  gtk_window_present (GTK_WINDOW (dp_personalize_window_new (GTK_WINDOW (self), self->models,
                                                             self->samples, self->settings)));
}

static const GActionEntry win_actions[] = {
  { "load-model", load_model_action },
  { "toast", toast_action, "s" },
  { "toast-button", toast_button_action, "(sss)" },
  { "undo-sample", undo_sample_action, "s" },
  { "samples", samples_action },
  { "teach", teach_action },
  { "personalize", personalize_action },
};

/* The Draw page's plain keys. They live in a bubble-phase controller on the window rather than
 * among the application's accelerators (which run first, in the capture phase), so a focused
 * entry or button keeps its own Enter, Delete and Ctrl+Z, and they do nothing on another page. */
static gboolean
on_draw_shortcut_cb (GtkWidget *widget, GVariant *args, gpointer user_data)
{
  DpWindow *self = DP_WINDOW (widget);
  GActionGroup *actions = dp_draw_page_get_actions (self->draw_page);
  const char *action = user_data;

  if (g_strcmp0 (adw_view_stack_get_visible_child_name (self->stack), "draw") != 0)
    return FALSE;
  if (g_action_group_get_action_enabled (actions, action))
    g_action_group_activate_action (actions, action, NULL);
  return TRUE;
}

/* a digit key: the drawing is that digit (draw.keep) */
static gboolean
on_digit_key_cb (GtkWidget *widget, GVariant *args, gpointer user_data)
{
  DpWindow *self = DP_WINDOW (widget);
  GActionGroup *actions = dp_draw_page_get_actions (self->draw_page);

  if (g_strcmp0 (adw_view_stack_get_visible_child_name (self->stack), "draw") != 0
      || !g_action_group_get_action_enabled (actions, "keep"))
    return FALSE;
  g_action_group_activate_action (actions, "keep", g_variant_new_int32 (GPOINTER_TO_INT (user_data)));
  return TRUE;
}

static void
add_draw_shortcuts (DpWindow *self)
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
  for (int d = 0; d <= 9; d++)
    {
      g_autofree char *trigger = g_strdup_printf ("%d|KP_%d", d, d);
      gtk_shortcut_controller_add_shortcut (
        GTK_SHORTCUT_CONTROLLER (controller),
        gtk_shortcut_new (gtk_shortcut_trigger_parse_string (trigger),
                          gtk_callback_action_new (on_digit_key_cb, GINT_TO_POINTER (d), NULL)));
    }
  gtk_widget_add_controller (GTK_WIDGET (self), controller);
}

/* the first button with a text label under widget: a toast's (its close button is an icon) */
static GtkWidget *
find_labelled_button (GtkWidget *widget)
{
  if (GTK_IS_BUTTON (widget) && gtk_button_get_label (GTK_BUTTON (widget)) != NULL)
    return widget;
  for (GtkWidget *c = gtk_widget_get_first_child (widget); c; c = gtk_widget_get_next_sibling (c))
    {
      GtkWidget *found = find_labelled_button (c);
      if (found != NULL)
        return found;
    }
  return NULL;
}

/* the layout log (dp-debug.h): the window's size, the Model button, the button of the toast
 * shown (its Undo), and the Draw page's part */
static void
append_layout (GtkWidget *widget, GString *line, gpointer user_data)
{
  DpWindow *self = DP_WINDOW (widget);
  GtkWidget *content = adw_toast_overlay_get_child (self->toast_overlay);

  g_string_append_printf (line, "window=%d,%d", gtk_widget_get_width (widget),
                          gtk_widget_get_height (widget));
  dp_debug_append_bounds (line, "model", GTK_WIDGET (self->model_button));
  /* the toasts are the overlay's other children */
  for (GtkWidget *c = gtk_widget_get_first_child (GTK_WIDGET (self->toast_overlay)); c;
       c = gtk_widget_get_next_sibling (c))
    {
      GtkWidget *button = c != content ? find_labelled_button (c) : NULL;
      if (button != NULL)
        {
          dp_debug_append_bounds (line, "toast-button", button);
          break;
        }
    }
  dp_draw_page_append_layout (self->draw_page, line);
}

/* --- GObject ------------------------------------------------------------------------------- */

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
  int w, h;

  self->settings = dp_application_get_settings (app);
  if (self->settings != NULL)
    {
      g_object_ref (self->settings);
      gtk_window_set_default_size (GTK_WINDOW (self),
                                   g_settings_get_int (self->settings, "window-width"),
                                   g_settings_get_int (self->settings, "window-height"));
      if (g_settings_get_boolean (self->settings, "window-maximized"))
        gtk_window_maximize (GTK_WINDOW (self));
    }
  else
    gtk_window_set_default_size (GTK_WINDOW (self), 980, 660);

  self->models = g_object_ref (dp_application_get_model_store (app));
  self->samples = g_object_ref (dp_application_get_samples (app));
  dp_draw_page_bind (self->draw_page, self->settings, self->models, self->samples);
  if (dp_samples_get_load_problem (self->samples) != NULL)
    dp_show_toast (GTK_WIDGET (self), dp_samples_get_load_problem (self->samples));

  gtk_window_get_default_size (GTK_WINDOW (self), &w, &h);
  g_debug ("window settings: size=%dx%d pen-width=%.0f live-mode=%s%s", w, h,
           dp_draw_page_get_pen_width (self->draw_page),
           dp_draw_page_get_live_mode (self->draw_page) ? "on" : "off",
           self->settings ? "" : " (defaults: no schema)");

  /* the store outlives the window: disconnected when the window goes */
  g_signal_connect_object (self->models, "model-changed", G_CALLBACK (on_model_changed_cb), self,
                           0);
  g_signal_connect_object (self->models, "load-failed", G_CALLBACK (on_load_failed_cb), self, 0);
  on_model_changed_cb (self->models, self);
}

static void
dp_window_dispose (GObject *object)
{
  DpWindow *self = DP_WINDOW (object);

  if (self->samples_window != NULL)
    {
      g_object_remove_weak_pointer (G_OBJECT (self->samples_window),
                                    (gpointer *) &self->samples_window);
      gtk_window_destroy (g_steal_pointer (&self->samples_window));
    }
  gtk_widget_dispose_template (GTK_WIDGET (object), DP_TYPE_WINDOW);
  G_OBJECT_CLASS (dp_window_parent_class)->dispose (object);
}

static void
dp_window_finalize (GObject *object)
{
  DpWindow *self = DP_WINDOW (object);

  g_clear_object (&self->settings);
  g_clear_object (&self->models);
  g_clear_object (&self->samples);
  g_free (self->model_name);
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
  window_class->close_request = dp_window_close_request;

  g_type_ensure (DP_TYPE_DRAW_PAGE);
  g_type_ensure (DP_TYPE_TRAIN_PAGE);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/digitpad/Digitpad/ui/dp-window.ui");
  gtk_widget_class_bind_template_child (widget_class, DpWindow, stack);
  gtk_widget_class_bind_template_child (widget_class, DpWindow, draw_page);
  gtk_widget_class_bind_template_child (widget_class, DpWindow, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, DpWindow, model_button);
  gtk_widget_class_bind_template_child (widget_class, DpWindow, model_button_label);
}

static void
dp_window_init (DpWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  g_action_map_add_action_entries (G_ACTION_MAP (self), win_actions, G_N_ELEMENTS (win_actions),
                                   self);
  /* the Draw page's actions, for the header's buttons, the menus and the accelerators */
  gtk_widget_insert_action_group (GTK_WIDGET (self), "draw",
                                  dp_draw_page_get_actions (self->draw_page));
  add_draw_shortcuts (self);
  dp_debug_watch_layout (GTK_WIDGET (self), "layout: ", append_layout, NULL);
}

DpWindow *
dp_window_new (DpApplication *app)
{
  DpWindow *self = g_object_new (DP_TYPE_WINDOW, "application", app, NULL);

  dp_window_setup (self, app);
  return self;
}
