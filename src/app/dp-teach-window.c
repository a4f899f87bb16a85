/* dp-teach-window.c: DpTeachWindow, the guided collection (see the header). It asks for each
 * digit in turn, 0 to 9, three of each; the user may draw them in any order (a click on a digit)
 * or skip one (Skip goes on to the next digit that still wants drawings). Each Keep appends the
 * drawing to the personal samples at once, so closing the window midway loses nothing. When
 * every digit has its three, or on Finish, the last page offers to personalize. */
#include "dp-teach-window.h"

#include <glib/gi18n.h>

#include "dp-canvas.h"
#include "dp-debug.h"
#include "dp-notify.h"
#include "engine/network.h"

struct _DpTeachWindow
{
  AdwWindow parent_instance;

  /* template */
  AdwWindowTitle *title;
  GtkStack *stack;
  DpCanvas *canvas;
  GtkLabel *prompt_label;
  GtkGrid *digits_grid;
  GtkProgressBar *progress;
  AdwStatusPage *done_page;

  GtkButton *digit_buttons[DP_N_CLASSES];
  GtkLabel *digit_marks[DP_N_CLASSES];

  DpSamples *samples;
  int current;                 /* the digit asked for */
  guint kept[DP_N_CLASSES];    /* kept in this window, per digit */
  guint n_kept;
};

G_DEFINE_FINAL_TYPE (DpTeachWindow, dp_teach_window, ADW_TYPE_WINDOW)

static void
update_actions (DpTeachWindow *self)
{
  gboolean ready = !dp_canvas_is_empty (self->canvas) && !dp_canvas_is_drawing (self->canvas);

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "teach.keep", ready);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "teach.clear", ready);
}

static void
update (DpTeachWindow *self)
{
  g_autofree char *prompt = g_strdup_printf (_("Draw a %d"), self->current);
  g_autofree char *subtitle = g_strdup_printf (_("%u of %u drawn"), self->n_kept,
                                               DP_TEACH_PER_DIGIT * DP_N_CLASSES);
  gtk_label_set_label (self->prompt_label, prompt);
  adw_window_title_set_subtitle (self->title, subtitle);
  gtk_progress_bar_set_fraction (self->progress,
                                 (double) self->n_kept / (DP_TEACH_PER_DIGIT * DP_N_CLASSES));
  gtk_progress_bar_set_text (self->progress, subtitle);
  for (int d = 0; d < DP_N_CLASSES; d++)
    {
      GString *marks = g_string_new (NULL);
      for (guint k = 0; k < DP_TEACH_PER_DIGIT; k++)
        g_string_append (marks, k < self->kept[d] ? "●" : "○");
      gtk_label_set_label (self->digit_marks[d], marks->str);
      g_string_free (marks, TRUE);
      if (d == self->current)
        gtk_widget_add_css_class (GTK_WIDGET (self->digit_buttons[d]), "suggested-action");
      else
        gtk_widget_remove_css_class (GTK_WIDGET (self->digit_buttons[d]), "suggested-action");
    }
  update_actions (self);
}

/* the next digit after `from` (cyclically) that still wants drawings; -1 when none does */
static int
next_wanted (DpTeachWindow *self, int from)
{
  for (int i = 1; i <= DP_N_CLASSES; i++)
    {
      int d = (from + i) % DP_N_CLASSES;
      if (self->kept[d] < DP_TEACH_PER_DIGIT)
        return d;
    }
  return -1;
}

static void
show_done (DpTeachWindow *self)
{
  g_autofree char *text = NULL;

  if (self->n_kept == 0)
    {
      gtk_window_close (GTK_WINDOW (self));
      return;
    }
  text = g_strdup_printf (ngettext ("You drew %u sample, kept with your others (%u in all). "
                                    "Make a model that reads your handwriting from them? It "
                                    "takes a few seconds, and the model you use now stays "
                                    "until the new one is better.",
                                    "You drew %u samples, kept with your others (%u in all). "
                                    "Make a model that reads your handwriting from them? It "
                                    "takes a few seconds, and the model you use now stays "
                                    "until the new one is better.", self->n_kept),
                          self->n_kept, dp_samples_get_n (self->samples));
  adw_status_page_set_description (self->done_page, text);
  gtk_stack_set_visible_child_name (self->stack, "done");
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "teach.finish", FALSE);
  g_debug ("teach: done, %u kept", self->n_kept);
}

static void
ask_for (DpTeachWindow *self, int digit)
{
  self->current = digit;
  dp_canvas_clear (self->canvas);
  g_debug ("teach: asking for %d (%u/%d of it)", digit, self->kept[digit], DP_TEACH_PER_DIGIT);
  update (self);
}

/* --- actions ------------------------------------------------------------------------------- */

static void
keep_action (GtkWidget *widget, const char *name, GVariant *param)
{
  DpTeachWindow *self = DP_TEACH_WINDOW (widget);
  g_autoptr (GError) error = NULL;
  int next;

  if (dp_canvas_is_empty (self->canvas) || dp_canvas_is_drawing (self->canvas))
    return;
  if (dp_samples_add (self->samples, dp_canvas_get_strokes (self->canvas), self->current,
                      &error) == NULL)
    {
      dp_show_error (widget, _("Could not keep the drawing"), error->message);
      return;
    }
  self->kept[self->current]++;
  self->n_kept++;
  g_debug ("teach: kept a %d (%u/%d), %u in all", self->current, self->kept[self->current],
           DP_TEACH_PER_DIGIT, self->n_kept);
  /* the same digit again until it has its three, then the next that wants some */
  next = self->kept[self->current] < DP_TEACH_PER_DIGIT ? self->current
                                                         : next_wanted (self, self->current);
  if (next < 0)
    {
      dp_canvas_clear (self->canvas);
      show_done (self);
      return;
    }
  ask_for (self, next);
}

static void
skip_action (GtkWidget *widget, const char *name, GVariant *param)
{
  DpTeachWindow *self = DP_TEACH_WINDOW (widget);
  int next = next_wanted (self, self->current);

  g_debug ("teach: skipped %d", self->current);
  ask_for (self, next < 0 ? (self->current + 1) % DP_N_CLASSES : next);
}

static void
clear_action (GtkWidget *widget, const char *name, GVariant *param)
{
  dp_canvas_clear (DP_TEACH_WINDOW (widget)->canvas);
}

static void
digit_action (GtkWidget *widget, const char *name, GVariant *param)
{
  ask_for (DP_TEACH_WINDOW (widget), g_variant_get_int32 (param));
}

static void
finish_action (GtkWidget *widget, const char *name, GVariant *param)
{
  show_done (DP_TEACH_WINDOW (widget));
}

static void
personalize_action (GtkWidget *widget, const char *name, GVariant *param)
{
  GtkWindow *parent = gtk_window_get_transient_for (GTK_WINDOW (widget));

  if (parent != NULL)
    gtk_widget_activate_action (GTK_WIDGET (parent), "win.personalize", NULL);
  gtk_window_close (GTK_WINDOW (widget));
}

static void
on_canvas_changed_cb (DpCanvas *canvas, DpTeachWindow *self)
{
  update_actions (self);
}

/* the layout log: the pad's square (as the main window's "pad=X,Y,SIDE") and the named widgets */
static void
append_layout (GtkWidget *widget, GString *line, gpointer user_data)
{
  DpTeachWindow *self = DP_TEACH_WINDOW (widget);
  graphene_rect_t pad;
  size_t before;

  g_string_append_printf (line, "window=%d,%d", gtk_widget_get_width (widget),
                          gtk_widget_get_height (widget));
  dp_canvas_get_pad_bounds (self->canvas, &pad);
  before = line->len;
  dp_debug_append_point (line, "pad", GTK_WIDGET (self->canvas), &pad.origin);
  if (line->len > before)
    g_string_append_printf (line, ",%d", (int) pad.size.width);
  dp_debug_append_named (line, widget);
}

/* --- GObject ------------------------------------------------------------------------------- */

static void
dp_teach_window_dispose (GObject *object)
{
  DpTeachWindow *self = DP_TEACH_WINDOW (object);

  g_clear_object (&self->samples);
  gtk_widget_dispose_template (GTK_WIDGET (object), DP_TYPE_TEACH_WINDOW);
  G_OBJECT_CLASS (dp_teach_window_parent_class)->dispose (object);
}

static void
dp_teach_window_class_init (DpTeachWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = dp_teach_window_dispose;

  g_type_ensure (DP_TYPE_CANVAS);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/digitpad/Digitpad/ui/dp-teach-window.ui");
  gtk_widget_class_bind_template_child (widget_class, DpTeachWindow, title);
  gtk_widget_class_bind_template_child (widget_class, DpTeachWindow, stack);
  gtk_widget_class_bind_template_child (widget_class, DpTeachWindow, canvas);
  gtk_widget_class_bind_template_child (widget_class, DpTeachWindow, prompt_label);
  gtk_widget_class_bind_template_child (widget_class, DpTeachWindow, digits_grid);
  gtk_widget_class_bind_template_child (widget_class, DpTeachWindow, progress);
  gtk_widget_class_bind_template_child (widget_class, DpTeachWindow, done_page);

  gtk_widget_class_install_action (widget_class, "teach.keep", NULL, keep_action);
  gtk_widget_class_install_action (widget_class, "teach.skip", NULL, skip_action);
  gtk_widget_class_install_action (widget_class, "teach.clear", NULL, clear_action);
  gtk_widget_class_install_action (widget_class, "teach.digit", "i", digit_action);
  gtk_widget_class_install_action (widget_class, "teach.finish", NULL, finish_action);
  gtk_widget_class_install_action (widget_class, "teach.personalize", NULL, personalize_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Delete, 0, "teach.clear", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
dp_teach_window_init (DpTeachWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  /* ten alike buttons: built here rather than spelled out in the template */
  for (int d = 0; d < DP_N_CLASSES; d++)
    {
      GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
      g_autofree char *digit = g_strdup_printf ("%d", d);
      g_autofree char *name = g_strdup_printf ("digit-%d", d);
      GtkWidget *label = gtk_label_new (digit);
      GtkWidget *button = gtk_button_new ();

      gtk_widget_add_css_class (label, "title-2");
      self->digit_marks[d] = GTK_LABEL (gtk_label_new (NULL));
      gtk_widget_add_css_class (GTK_WIDGET (self->digit_marks[d]), "caption");
      gtk_box_append (GTK_BOX (box), label);
      gtk_box_append (GTK_BOX (box), GTK_WIDGET (self->digit_marks[d]));
      gtk_button_set_child (GTK_BUTTON (button), box);
      gtk_widget_set_name (button, name);
      gtk_widget_set_focus_on_click (button, FALSE);
      gtk_widget_set_size_request (button, 52, -1);
      gtk_actionable_set_action_name (GTK_ACTIONABLE (button), "teach.digit");
      gtk_actionable_set_action_target_value (GTK_ACTIONABLE (button), g_variant_new_int32 (d));
      self->digit_buttons[d] = GTK_BUTTON (button);
      gtk_grid_attach (self->digits_grid, button, d % 5, d / 5, 1, 1);
    }
  g_signal_connect (self->canvas, "changed", G_CALLBACK (on_canvas_changed_cb), self);
  dp_debug_watch_layout (GTK_WIDGET (self), "teach-bounds: ", append_layout, NULL);
}

DpTeachWindow *
dp_teach_window_new (GtkWindow *parent, DpSamples *samples)
{
  DpTeachWindow *self;

  g_return_val_if_fail (DP_IS_SAMPLES (samples), NULL);

  self = g_object_new (DP_TYPE_TEACH_WINDOW, "transient-for", parent, "destroy-with-parent", TRUE,
                       NULL);
  self->samples = g_object_ref (samples);
  ask_for (self, 0);
  return self;
}
