/* dp-confusion-view.c: DpConfusionView draws the confusion matrix in snapshot() with Cairo.
 *
 * Rows are the true digit, columns the prediction. The diagonal is shaded in blue by recall
 * (the share of that row it holds); the off-diagonal cells in red by their count relative to
 * the largest error, on a square-root scale so that a handful of mistakes still shows. Each
 * cell prints its count in a colour picked from the fill's luminance over the theme's
 * background, so it reads in light and dark styles. Clicking a cell emits "cell-activated".
 * With a model that can say "not a digit" the matrix has an eleventh row and column, marked
 * "×" (DP_CLASS_NOT_A_DIGIT). */
#include "dp-confusion-view.h"

#include <math.h>

#include <glib/gi18n.h>

struct _DpConfusionView
{
  GtkWidget parent_instance;

  gboolean has_data;
  int n;                                    /* classes: 10, or 11 with "not a digit" */
  guint m[DP_MAX_CLASSES][DP_MAX_CLASSES]; /* [true][predicted], n × n */
  int sel_truth, sel_pred;
  int hover_truth, hover_pred;
};

G_DEFINE_FINAL_TYPE (DpConfusionView, dp_confusion_view, GTK_TYPE_WIDGET)

enum { SIGNAL_CELL_ACTIVATED, N_SIGNALS };
static guint signals[N_SIGNALS];

#define LABEL_SPACE 44 /* room for the axis title and the digits, left and top */

static const GdkRGBA diag_color = { 0.208, 0.518, 0.894, 1.0 };  /* GNOME Blue 3 */
static const GdkRGBA error_color = { 0.878, 0.106, 0.141, 1.0 }; /* GNOME Red 3 */

typedef struct
{
  double x0, y0, cell;
} Geometry;

static Geometry
geometry (DpConfusionView *self)
{
  int w = gtk_widget_get_width (GTK_WIDGET (self));
  int h = gtk_widget_get_height (GTK_WIDGET (self));
  double cell = floor (MIN (w - LABEL_SPACE, h - LABEL_SPACE) / (double) self->n);
  cell = MAX (cell, 8);
  /* centred horizontally, flush top */
  double x0 = floor ((w - (LABEL_SPACE + self->n * cell)) / 2) + LABEL_SPACE;
  return (Geometry) { x0, LABEL_SPACE, cell };
}

static gboolean
cell_at (DpConfusionView *self, double x, double y, int *truth, int *pred)
{
  Geometry g = geometry (self);
  int c = (int) floor ((x - g.x0) / g.cell);
  int r = (int) floor ((y - g.y0) / g.cell);
  if (x < g.x0 || y < g.y0 || c < 0 || c >= self->n || r < 0 || r >= self->n)
    return FALSE;
  *truth = r;
  *pred = c;
  return TRUE;
}

static double
luminance (double r, double g, double b)
{
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

static void
show_text (cairo_t *cr, PangoLayout *layout, const char *text, double x, double y)
{
  int w, h;
  pango_layout_set_text (layout, text, -1);
  pango_layout_get_pixel_size (layout, &w, &h);
  cairo_move_to (cr, round (x - w / 2.0), round (y - h / 2.0));
  pango_cairo_show_layout (cr, layout);
}

static void
dp_confusion_view_snapshot (GtkWidget *widget, GtkSnapshot *snapshot)
{
  DpConfusionView *self = DP_CONFUSION_VIEW (widget);
  int width = gtk_widget_get_width (widget);
  int height = gtk_widget_get_height (widget);
  Geometry g = geometry (self);
  GdkRGBA fg;
  G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  gtk_style_context_get_color (gtk_widget_get_style_context (widget), &fg);
  G_GNUC_END_IGNORE_DEPRECATIONS
  /* light text means a dark theme: the background under our fills is dark */
  gboolean dark = luminance (fg.red, fg.green, fg.blue) > 0.5;
  double bg = dark ? 0.14 : 1.0;

  cairo_t *cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (0, 0, width, height));
  PangoLayout *layout = gtk_widget_create_pango_layout (widget, NULL);
  PangoAttrList *attrs = pango_attr_list_new ();
  pango_attr_list_insert (attrs, pango_attr_font_features_new ("tnum"));
  double scale = g.cell >= 34 ? 0.85 : g.cell >= 26 ? 0.72 : 0.6;
  pango_attr_list_insert (attrs, pango_attr_scale_new (scale));
  pango_layout_set_attributes (layout, attrs);

  const int n_classes = self->n;
  guint row_sum[DP_MAX_CLASSES] = { 0 };
  guint max_err = 0;
  for (int t = 0; t < n_classes; t++)
    for (int p = 0; p < n_classes; p++)
      {
        row_sum[t] += self->m[t][p];
        if (t != p)
          max_err = MAX (max_err, self->m[t][p]);
      }

  for (int t = 0; t < n_classes; t++)
    for (int p = 0; p < n_classes; p++)
      {
        double x = g.x0 + p * g.cell, y = g.y0 + t * g.cell;
        guint n = self->m[t][p];
        double a = 0;
        const GdkRGBA *c = t == p ? &diag_color : &error_color;
        if (self->has_data && n > 0)
          a = t == p ? 0.15 + 0.85 * (row_sum[t] ? (double) n / row_sum[t] : 0)
                     : 0.12 + 0.78 * sqrt ((double) n / MAX (1, max_err));
        /* the empty grid: a faint tile of the foreground */
        if (a == 0)
          cairo_set_source_rgba (cr, fg.red, fg.green, fg.blue, 0.05);
        else
          cairo_set_source_rgba (cr, c->red, c->green, c->blue, a);
        cairo_rectangle (cr, x + 1, y + 1, g.cell - 2, g.cell - 2);
        cairo_fill (cr);

        if (!self->has_data)
          continue;
        /* the colour the eye sees: fill over the background; pick black or white text */
        double r = c->red * a + bg * (1 - a), gg = c->green * a + bg * (1 - a),
               b = c->blue * a + bg * (1 - a);
        double lum = luminance (r, gg, b);
        if (n == 0)
          cairo_set_source_rgba (cr, fg.red, fg.green, fg.blue, 0.35);
        else if (lum < 0.5)
          cairo_set_source_rgb (cr, 1, 1, 1);
        else
          cairo_set_source_rgb (cr, 0.1, 0.1, 0.1);
        char buf[16];
        g_snprintf (buf, sizeof buf, "%u", n);
        show_text (cr, layout, buf, x + g.cell / 2, y + g.cell / 2);
      }

  /* hover and selection outlines */
  int outl[2][2] = { { self->hover_truth, self->hover_pred }, { self->sel_truth, self->sel_pred } };
  for (int i = 0; i < 2; i++)
    if (outl[i][0] >= 0 && self->has_data)
      {
        cairo_set_source_rgba (cr, fg.red, fg.green, fg.blue, i == 1 ? 0.9 : 0.4);
        cairo_set_line_width (cr, 2);
        cairo_rectangle (cr, g.x0 + outl[i][1] * g.cell + 1, g.y0 + outl[i][0] * g.cell + 1,
                         g.cell - 2, g.cell - 2);
        cairo_stroke (cr);
      }

  /* digits along both axes, and the axis titles */
  pango_attr_list_insert (attrs, pango_attr_scale_new (0.85));
  pango_layout_set_attributes (layout, attrs);
  cairo_set_source_rgba (cr, fg.red, fg.green, fg.blue, 0.75);
  for (int i = 0; i < n_classes; i++)
    {
      char buf[4] = { '0' + i, 0 };
      const char *label = i == DP_CLASS_NOT_A_DIGIT ? "×" : buf;
      show_text (cr, layout, label, g.x0 + (i + 0.5) * g.cell, g.y0 - 10);
      show_text (cr, layout, label, g.x0 - 12, g.y0 + (i + 0.5) * g.cell);
    }
  cairo_set_source_rgba (cr, fg.red, fg.green, fg.blue, 0.6);
  show_text (cr, layout, _("Predicted"), g.x0 + n_classes / 2.0 * g.cell, 10);
  cairo_save (cr);
  cairo_translate (cr, g.x0 - 34, g.y0 + n_classes / 2.0 * g.cell);
  cairo_rotate (cr, -G_PI / 2);
  show_text (cr, layout, _("True"), 0, 0);
  cairo_restore (cr);

  pango_attr_list_unref (attrs);
  g_object_unref (layout);
  cairo_destroy (cr);
}

static void
dp_confusion_view_measure (GtkWidget *widget, GtkOrientation orientation, int for_size,
                           int *minimum, int *natural, int *minimum_baseline,
                           int *natural_baseline)
{
  DpConfusionView *self = DP_CONFUSION_VIEW (widget);
  *minimum = LABEL_SPACE + self->n * 24;
  *natural = LABEL_SPACE + self->n * 32;
}

static void
on_click_released_cb (GtkGestureClick *gesture, int n_press, double x, double y,
                      DpConfusionView *self)
{
  int t, p;
  if (!self->has_data || !cell_at (self, x, y, &t, &p))
    return;
  dp_confusion_view_select (self, t, p);
  g_signal_emit (self, signals[SIGNAL_CELL_ACTIVATED], 0, t, p);
}

static void
on_motion_cb (GtkEventControllerMotion *motion, double x, double y, DpConfusionView *self)
{
  int t = -1, p = -1;
  if (!cell_at (self, x, y, &t, &p))
    t = p = -1;
  if (t != self->hover_truth || p != self->hover_pred)
    {
      self->hover_truth = t;
      self->hover_pred = p;
      gtk_widget_set_cursor_from_name (GTK_WIDGET (self),
                                       t >= 0 && self->has_data ? "pointer" : NULL);
      gtk_widget_queue_draw (GTK_WIDGET (self));
    }
}

static void
on_leave_cb (GtkEventControllerMotion *motion, DpConfusionView *self)
{
  on_motion_cb (motion, -1, -1, self);
}

static gboolean
dp_confusion_view_query_tooltip (GtkWidget *widget, int x, int y, gboolean keyboard,
                                 GtkTooltip *tooltip)
{
  DpConfusionView *self = DP_CONFUSION_VIEW (widget);
  int t, p;
  if (!self->has_data || !cell_at (self, x, y, &t, &p))
    return FALSE;
  guint n = self->m[t][p];
  g_autofree char *text = NULL;
  if (t == p && t == DP_CLASS_NOT_A_DIGIT)
    text = g_strdup_printf (_("%u non-digits answered “not a digit”"), n);
  else if (t == p)
    text = g_strdup_printf (_("%u images of %d recognised correctly"), n, t);
  else if (p == DP_CLASS_NOT_A_DIGIT)
    text = g_strdup_printf (_("%u images of %d taken for “not a digit”"), n, t);
  else if (t == DP_CLASS_NOT_A_DIGIT)
    text = g_strdup_printf (_("%u non-digits taken for %d"), n, p);
  else
    text = g_strdup_printf (_("%u images of %d taken for %d"), n, t, p);
  gtk_tooltip_set_text (tooltip, text);
  return TRUE;
}

static void
dp_confusion_view_class_init (DpConfusionViewClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  widget_class->snapshot = dp_confusion_view_snapshot;
  widget_class->measure = dp_confusion_view_measure;
  widget_class->query_tooltip = dp_confusion_view_query_tooltip;
  gtk_widget_class_set_css_name (widget_class, "dpconfusionview");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);

  signals[SIGNAL_CELL_ACTIVATED] =
    g_signal_new ("cell-activated", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
                  NULL, NULL, G_TYPE_NONE, 2, G_TYPE_INT, G_TYPE_INT);
}

static void
dp_confusion_view_init (DpConfusionView *self)
{
  self->sel_truth = self->sel_pred = -1;
  self->hover_truth = self->hover_pred = -1;
  self->n = DP_N_CLASSES;

  GtkGesture *click = gtk_gesture_click_new ();
  g_signal_connect (click, "released", G_CALLBACK (on_click_released_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (click));

  GtkEventController *motion = gtk_event_controller_motion_new ();
  g_signal_connect (motion, "motion", G_CALLBACK (on_motion_cb), self);
  g_signal_connect (motion, "leave", G_CALLBACK (on_leave_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), motion);

  gtk_widget_set_has_tooltip (GTK_WIDGET (self), TRUE);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  "Confusion matrix", -1);
}

GtkWidget *
dp_confusion_view_new (void)
{
  return g_object_new (DP_TYPE_CONFUSION_VIEW, NULL);
}

void
dp_confusion_view_set_metrics (DpConfusionView *self, const DpMetrics *metrics)
{
  g_return_if_fail (DP_IS_CONFUSION_VIEW (self));
  self->has_data = metrics != NULL;
  int n = metrics != NULL && metrics->n_classes == DP_MAX_CLASSES ? DP_MAX_CLASSES
                                                                  : DP_N_CLASSES;
  if (metrics != NULL)
    memcpy (self->m, metrics->confusion, sizeof self->m);
  else
    memset (self->m, 0, sizeof self->m);
  self->sel_truth = self->sel_pred = -1;
  if (n != self->n)
    {
      self->n = n;
      gtk_widget_queue_resize (GTK_WIDGET (self));
    }
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
dp_confusion_view_select (DpConfusionView *self, int truth, int predicted)
{
  g_return_if_fail (DP_IS_CONFUSION_VIEW (self));
  self->sel_truth = truth >= 0 && truth < self->n ? truth : -1;
  self->sel_pred = predicted >= 0 && predicted < self->n ? predicted : -1;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

gboolean
dp_confusion_view_cell_center (DpConfusionView *self, int truth, int predicted, double *x,
                               double *y)
{
  g_return_val_if_fail (DP_IS_CONFUSION_VIEW (self), FALSE);
  if (truth < 0 || truth >= self->n || predicted < 0 || predicted >= self->n)
    return FALSE;
  Geometry g = geometry (self);
  *x = g.x0 + (predicted + 0.5) * g.cell;
  *y = g.y0 + (truth + 0.5) * g.cell;
  return TRUE;
}
