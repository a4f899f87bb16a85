/* dp-result-view.c: shows one prediction. The verdict, the bars and the preview change together
 * in set_result(); the preview is drawn with nearest-neighbour sampling so each of the 28×28
 * pixels stays a crisp square (GtkPicture would smooth it). A row of the bars (a label, a bar, a
 * percentage) per output: the ten digits, and "Not a digit", shown only with a model that has
 * that output. */
#include "dp-result-view.h"

#include <glib/gi18n.h>

#include "dp-gallery.h"
#include "engine/network.h"

struct _DpResultView
{
  GtkWidget parent_instance;

  GtkStack *state_stack;
  GtkLabel *digit_label;
  GtkLabel *verdict_label;
  GtkLabel *detail_label;
  GtkGrid *bars_grid;
  GtkDrawingArea *preview;
  GtkWidget *teach_box;

  /* one row per output: [DP_CLASS_NOT_A_DIGIT] is "Not a digit", hidden with 10 outputs */
  GtkLevelBar *bars[DP_MAX_CLASSES];
  GtkLabel *digits[DP_MAX_CLASSES];
  GtkLabel *percents[DP_MAX_CLASSES];

  DpResultState state;
  float input[DP_INPUT_SIZE]; /* (28, 28) */
  DpRecognition result;
};

G_DEFINE_FINAL_TYPE (DpResultView, dp_result_view, GTK_TYPE_WIDGET)

enum { LABEL_CHOSEN, N_SIGNALS };
static guint signals[N_SIGNALS];

/* DpResultState → the word the debug line uses */
static const char *const state_names[] = { "empty", "digit", "unsure", "not-a-digit" };

gboolean
dp_result_is_unsure (const float *probs, int n, int *best, int *runner_up)
{
  int b = 0, r = 1;

  if (probs[1] > probs[0])
    b = 1, r = 0;
  for (int i = 2; i < n; i++)
    if (probs[i] > probs[b])
      r = b, b = i;
    else if (probs[i] > probs[r])
      r = i;
  if (best)
    *best = b;
  if (runner_up)
    *runner_up = r;
  return probs[b] < DP_UNSURE_THRESHOLD || probs[b] - probs[r] < DP_UNSURE_MARGIN;
}

int
dp_result_runner_up_digit (const DpRecognition *r)
{
  int best = -1;

  for (int i = 0; i < DP_N_CLASSES; i++)
    if (i != r->answer && (best < 0 || r->probs[i] > r->probs[best]))
      best = i;
  return best;
}

/* "4", or "not a digit" for the eleventh output */
static char *
output_name (int k)
{
  return k == DP_CLASS_NOT_A_DIGIT ? g_strdup (_("not a digit")) : g_strdup_printf ("%d", k);
}

static void
set_classes (GtkWidget *widget, const char *name, gboolean on)
{
  if (on)
    gtk_widget_add_css_class (widget, name);
  else
    gtk_widget_remove_css_class (widget, name);
}

static void
preview_draw (GtkDrawingArea *area, cairo_t *cr, int width, int height, gpointer user_data)
{
  DpResultView *self = DP_RESULT_VIEW (user_data);
  /* as MNIST stores it: white ink (1.0) on black */
  cairo_surface_t *surface = dp_digit_surface_new (self->state != DP_RESULT_EMPTY ? self->input
                                                                                 : NULL);
  int side = MIN (width, height);

  cairo_save (cr);
  cairo_scale (cr, (double) side / DP_IMAGE_SIDE, (double) side / DP_IMAGE_SIDE);
  cairo_set_source_surface (cr, surface, 0, 0);
  cairo_pattern_set_filter (cairo_get_source (cr), CAIRO_FILTER_NEAREST);
  cairo_paint (cr);
  cairo_restore (cr);
  cairo_surface_destroy (surface);
}

void
dp_result_view_set_result (DpResultView *self, const float *input, const DpRecognition *r)
{
  int best, runner_up;
  char text[64];

  g_return_if_fail (DP_IS_RESULT_VIEW (self));
  g_return_if_fail (input != NULL && r != NULL);
  g_return_if_fail (r->n_outputs == DP_N_CLASSES || r->n_outputs == DP_MAX_CLASSES);

  memcpy (self->input, input, sizeof self->input);
  self->result = *r;
  const float *probs = r->probs;
  gboolean unsure = dp_result_is_unsure (probs, r->n_outputs, &best, &runner_up);

  if (r->answer == DP_CLASS_NOT_A_DIGIT)
    {
      /* not a hesitation between digits but an answer: its own look, the closest digit a hint */
      g_autofree char *detail = g_strdup_printf (_("Closest: %d (%.0f %%)"), r->closest_digit,
                                                 100.0 * probs[r->closest_digit]);
      self->state = DP_RESULT_NOT_A_DIGIT;
      gtk_label_set_label (self->digit_label, "×");
      gtk_label_set_label (self->verdict_label, _("Not a Digit"));
      gtk_label_set_label (self->detail_label, detail);
    }
  else if (unsure)
    {
      g_autofree char *other = output_name (runner_up);
      g_autofree char *detail = g_strdup_printf (_("Maybe %d (%.0f %%), or %s (%.0f %%)"), best,
                                                 100.0 * probs[best], other,
                                                 100.0 * probs[runner_up]);
      self->state = DP_RESULT_UNSURE;
      g_snprintf (text, sizeof text, "%d", best);
      gtk_label_set_label (self->digit_label, text);
      gtk_label_set_label (self->verdict_label, _("Not sure"));
      gtk_label_set_label (self->detail_label, detail);
    }
  else
    {
      /* "100.0 %" would claim certainty the rounding made up */
      g_autofree char *verdict = probs[best] >= 0.9995f
                                   ? g_strdup (_("Over 99.9 % confident"))
                                   : g_strdup_printf (_("%.1f %% confident"), 100.0 * probs[best]);
      g_autofree char *other = output_name (runner_up);
      g_autofree char *detail = g_strdup_printf (_("Next best: %s (%.1f %%)"), other,
                                                 100.0 * probs[runner_up]);
      self->state = DP_RESULT_DIGIT;
      g_snprintf (text, sizeof text, "%d", best);
      gtk_label_set_label (self->digit_label, text);
      gtk_label_set_label (self->verdict_label, verdict);
      gtk_label_set_label (self->detail_label, detail);
    }
  set_classes (GTK_WIDGET (self->digit_label), "unsure", self->state == DP_RESULT_UNSURE);
  set_classes (GTK_WIDGET (self->verdict_label), "warning", self->state == DP_RESULT_UNSURE);
  set_classes (GTK_WIDGET (self->digit_label), "not-a-digit",
               self->state == DP_RESULT_NOT_A_DIGIT);

  for (int i = 0; i < DP_MAX_CLASSES; i++)
    {
      gboolean shown = i < r->n_outputs;
      gtk_widget_set_visible (GTK_WIDGET (self->digits[i]), shown);
      gtk_widget_set_visible (GTK_WIDGET (self->bars[i]), shown);
      gtk_widget_set_visible (GTK_WIDGET (self->percents[i]), shown);
      if (!shown)
        continue;
      g_snprintf (text, sizeof text, "%.1f %%", 100.0 * probs[i]);
      gtk_level_bar_set_value (self->bars[i], CLAMP (probs[i], 0.f, 1.f));
      gtk_label_set_label (self->percents[i], text);
      set_classes (GTK_WIDGET (self->bars[i]), "winner", i == best);
      set_classes (GTK_WIDGET (self->digits[i]), "winner", i == best);
      set_classes (GTK_WIDGET (self->percents[i]), "winner", i == best);
    }

  gtk_stack_set_visible_child_name (self->state_stack, "result");
  gtk_widget_set_visible (self->teach_box, TRUE);
  gtk_widget_queue_draw (GTK_WIDGET (self->preview));
  /* for the GUI tests (dp-debug.h): what the panel says, in words */
  g_debug ("result view: state=%s bars=%d verdict=\"%s\" detail=\"%s\"",
           state_names[self->state], r->n_outputs, gtk_label_get_label (self->verdict_label),
           gtk_label_get_label (self->detail_label));
}

void
dp_result_view_clear (DpResultView *self)
{
  g_return_if_fail (DP_IS_RESULT_VIEW (self));

  self->state = DP_RESULT_EMPTY;
  for (int i = 0; i < DP_MAX_CLASSES; i++)
    {
      gtk_level_bar_set_value (self->bars[i], 0.0);
      gtk_label_set_label (self->percents[i], "–");
      set_classes (GTK_WIDGET (self->bars[i]), "winner", FALSE);
      set_classes (GTK_WIDGET (self->digits[i]), "winner", FALSE);
      set_classes (GTK_WIDGET (self->percents[i]), "winner", FALSE);
    }
  gtk_stack_set_visible_child_name (self->state_stack, "empty");
  gtk_widget_set_visible (self->teach_box, FALSE);
  gtk_widget_queue_draw (GTK_WIDGET (self->preview));
}

/* --- saying what it really was ------------------------------------------------------------ */

/* A click anywhere on a row of the bars (its digit, bar or percentage) chooses that row's label:
 * the grid's row is the label, however many rows the model has. */
static void
on_bars_pressed_cb (GtkGestureClick *gesture, int n_press, double x, double y,
                    DpResultView *self)
{
  GtkWidget *grid = GTK_WIDGET (self->bars_grid);
  GtkWidget *child = gtk_widget_pick (grid, x, y, GTK_PICK_DEFAULT);
  int column, row, width, height;

  if (self->state == DP_RESULT_EMPTY)
    return;
  while (child != NULL && gtk_widget_get_parent (child) != grid)
    child = gtk_widget_get_parent (child);
  if (child == NULL)
    return;
  gtk_grid_query_child (self->bars_grid, child, &column, &row, &width, &height);
  gtk_gesture_set_state (GTK_GESTURE (gesture), GTK_EVENT_SEQUENCE_CLAIMED);
  g_debug ("result: row %d chosen", row);
  g_signal_emit (self, signals[LABEL_CHOSEN], 0, row);
}

static void
on_thats_right_clicked_cb (GtkButton *button, DpResultView *self)
{
  if (self->state == DP_RESULT_EMPTY)
    return;
  g_signal_emit (self, signals[LABEL_CHOSEN], 0, self->result.answer);
}

DpResultState
dp_result_view_get_state (DpResultView *self)
{
  g_return_val_if_fail (DP_IS_RESULT_VIEW (self), DP_RESULT_EMPTY);
  return self->state;
}

static void
dp_result_view_dispose (GObject *object)
{
  GtkWidget *child;

  gtk_widget_dispose_template (GTK_WIDGET (object), DP_TYPE_RESULT_VIEW);
  /* dispose_template unparents only the children bound by id; the template's two unnamed
   * boxes (bars, preview) are ours to unparent, or GTK warns as they leak at quit */
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (object))) != NULL)
    gtk_widget_unparent (child);
  G_OBJECT_CLASS (dp_result_view_parent_class)->dispose (object);
}

static void
dp_result_view_class_init (DpResultViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = dp_result_view_dispose;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/digitpad/Digitpad/ui/dp-result-view.ui");
  gtk_widget_class_bind_template_child (widget_class, DpResultView, state_stack);
  gtk_widget_class_bind_template_child (widget_class, DpResultView, digit_label);
  gtk_widget_class_bind_template_child (widget_class, DpResultView, verdict_label);
  gtk_widget_class_bind_template_child (widget_class, DpResultView, detail_label);
  gtk_widget_class_bind_template_child (widget_class, DpResultView, bars_grid);
  gtk_widget_class_bind_template_child (widget_class, DpResultView, preview);
  gtk_widget_class_bind_template_child (widget_class, DpResultView, teach_box);
  gtk_widget_class_bind_template_callback (widget_class, on_thats_right_clicked_cb);
  signals[LABEL_CHOSEN] = g_signal_new ("label-chosen", G_TYPE_FROM_CLASS (klass),
                                        G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 1,
                                        G_TYPE_INT);
  gtk_widget_class_set_css_name (widget_class, "dpresultview");
}

static void
dp_result_view_init (DpResultView *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  /* the rows are alike: built here rather than spelled out eleven times in the template; the
   * "Not a digit" row stays hidden until a model with that output answers */
  for (int i = 0; i < DP_MAX_CLASSES; i++)
    {
      char digit[2] = { (char) ('0' + i), 0 };

      self->digits[i] = GTK_LABEL (gtk_label_new (i == DP_CLASS_NOT_A_DIGIT ? _("Not a digit")
                                                                               : digit));
      gtk_label_set_xalign (self->digits[i], 0.0);
      gtk_widget_add_css_class (GTK_WIDGET (self->digits[i]), "numeric");
      /* "row-N" in the layout log, where the GUI tests click to choose a label */
      {
        g_autofree char *name = g_strdup_printf ("row-%d", i);
        gtk_widget_set_name (GTK_WIDGET (self->digits[i]), name);
      }
      gtk_grid_attach (self->bars_grid, GTK_WIDGET (self->digits[i]), 0, i, 1, 1);

      self->bars[i] = GTK_LEVEL_BAR (gtk_level_bar_new_for_interval (0.0, 1.0));
      /* one colour for every bar, the winner's apart: drop the low/high/full offsets */
      gtk_level_bar_remove_offset_value (self->bars[i], GTK_LEVEL_BAR_OFFSET_LOW);
      gtk_level_bar_remove_offset_value (self->bars[i], GTK_LEVEL_BAR_OFFSET_HIGH);
      gtk_level_bar_remove_offset_value (self->bars[i], GTK_LEVEL_BAR_OFFSET_FULL);
      gtk_widget_set_hexpand (GTK_WIDGET (self->bars[i]), TRUE);
      gtk_widget_set_valign (GTK_WIDGET (self->bars[i]), GTK_ALIGN_CENTER);
      gtk_grid_attach (self->bars_grid, GTK_WIDGET (self->bars[i]), 1, i, 1, 1);
      /* a screen reader names the bar by its digit rather than as one of ten unnamed bars.
       * add_mnemonic_label() sets the LABELLED_BY relation (the label has no mnemonic, so
       * nothing else changes) without the raw relation call, whose reference-list argument
       * changed from a GList to varargs between GTK 4.8 and 4.14. */
      gtk_widget_add_mnemonic_label (GTK_WIDGET (self->bars[i]), GTK_WIDGET (self->digits[i]));

      self->percents[i] = GTK_LABEL (gtk_label_new ("–"));
      gtk_label_set_xalign (self->percents[i], 1.0);
      gtk_label_set_width_chars (self->percents[i], 7);
      gtk_widget_add_css_class (GTK_WIDGET (self->percents[i]), "numeric");
      gtk_widget_add_css_class (GTK_WIDGET (self->percents[i]), "caption");
      gtk_grid_attach (self->bars_grid, GTK_WIDGET (self->percents[i]), 2, i, 1, 1);
      if (i == DP_CLASS_NOT_A_DIGIT)
        {
          gtk_widget_set_visible (GTK_WIDGET (self->digits[i]), FALSE);
          gtk_widget_set_visible (GTK_WIDGET (self->bars[i]), FALSE);
          gtk_widget_set_visible (GTK_WIDGET (self->percents[i]), FALSE);
        }
    }

  gtk_drawing_area_set_draw_func (self->preview, preview_draw, self, NULL);
  GtkGesture *click = gtk_gesture_click_new ();
  g_signal_connect (click, "pressed", G_CALLBACK (on_bars_pressed_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self->bars_grid), GTK_EVENT_CONTROLLER (click));
  gtk_widget_set_cursor_from_name (GTK_WIDGET (self->bars_grid), "pointer");
  dp_result_view_clear (self);
}

GtkWidget *
dp_result_view_new (void)
{
  return g_object_new (DP_TYPE_RESULT_VIEW, NULL);
}
