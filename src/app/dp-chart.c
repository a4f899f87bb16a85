/* dp-chart.c: DpChart draws the training curves in snapshot() with Cairo.
 *
 * Two series share the x axis (epochs): the running training loss, one point per progress
 * report, on the left axis; the train and test accuracy, one point per epoch, on the right
 * axis in percent. The loss axis turns logarithmic once the loss spans more than a factor of 20
 * (it falls from 2.3 to 0.003 in a typical run: on a linear axis all but the first batches
 * would lie on the floor). Each loss report is the mean of the few batches since the last one
 * (fewer still just after an epoch starts), so the curve is drawn through an exponential moving
 * average (α = 0.3) rather than jumping with every report. The accuracy axis zooms to the data (a run that starts at 90 % shows the
 * last few percent, where the interesting part is). Points are kept in plain arrays; past
 * MAX_LOSS_POINTS the loss series is halved by averaging neighbours, so a long run costs the
 * same to draw as a short one. Colours: the theme's foreground for ink, GNOME palette hues for
 * the series, legible on light and dark backgrounds alike. */
#include "dp-chart.h"

#include <math.h>

#define MAX_LOSS_POINTS 2000

typedef struct
{
  double x, y;
} Point;

struct _DpChart
{
  GtkWidget parent_instance;

  int n_epochs;
  double loss_ema;   /* the smoothed loss, < 0 before the first point */
  GArray *loss;      /* of Point: (epoch position, smoothed loss) */
  GArray *train_acc; /* of Point: (epoch, 0..1) */
  GArray *test_acc;  /* of Point: (epoch, 0..1) */
};

G_DEFINE_FINAL_TYPE (DpChart, dp_chart, GTK_TYPE_WIDGET)

/* GNOME palette: Blue 3, Green 4, Orange 3 */
static const GdkRGBA loss_color = { 0.208, 0.518, 0.894, 1.0 };
static const GdkRGBA train_color = { 0.180, 0.761, 0.494, 1.0 };
static const GdkRGBA test_color = { 0.902, 0.380, 0.0, 1.0 };

#define MARGIN_LEFT   56
#define MARGIN_RIGHT  56
#define MARGIN_TOP    34
#define MARGIN_BOTTOM 40

/* a step of 1, 2 or 5 × 10^k giving about n ticks over span */
static double
nice_step (double span, int n)
{
  double raw = span / MAX (1, n);
  double mag = pow (10, floor (log10 (raw)));
  double f = raw / mag;
  return (f < 1.5 ? 1 : f < 3.5 ? 2 : f < 7.5 ? 5 : 10) * mag;
}

static void
show_text (cairo_t *cr, PangoLayout *layout, const char *text, double x, double y, double ax,
           double ay)
{
  int w, h;
  pango_layout_set_text (layout, text, -1);
  pango_layout_get_pixel_size (layout, &w, &h);
  cairo_move_to (cr, round (x - ax * w), round (y - ay * h));
  pango_cairo_show_layout (cr, layout);
}

static void
set_color (cairo_t *cr, const GdkRGBA *c, double alpha)
{
  cairo_set_source_rgba (cr, c->red, c->green, c->blue, c->alpha * alpha);
}

static void
dp_chart_snapshot (GtkWidget *widget, GtkSnapshot *snapshot)
{
  DpChart *self = DP_CHART (widget);
  int width = gtk_widget_get_width (widget);
  int height = gtk_widget_get_height (widget);
  GdkRGBA fg;
  G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  gtk_style_context_get_color (gtk_widget_get_style_context (widget), &fg);
  G_GNUC_END_IGNORE_DEPRECATIONS

  cairo_t *cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (0, 0, width, height));
  PangoLayout *layout = gtk_widget_create_pango_layout (widget, NULL);
  PangoAttrList *attrs = pango_attr_list_new ();
  pango_attr_list_insert (attrs, pango_attr_scale_new (0.85));
  pango_attr_list_insert (attrs, pango_attr_font_features_new ("tnum"));
  pango_layout_set_attributes (layout, attrs);
  pango_attr_list_unref (attrs);

  double x0 = MARGIN_LEFT, x1 = width - MARGIN_RIGHT;
  double y0 = MARGIN_TOP, y1 = height - MARGIN_BOTTOM;
  if (x1 - x0 < 40 || y1 - y0 < 40)
    goto out;

  /* ranges */
  double xmax = MAX (1, self->n_epochs);
  double lmax = 0, lpos_min = INFINITY;
  for (guint i = 0; i < self->loss->len; i++)
    {
      double v = g_array_index (self->loss, Point, i).y;
      lmax = MAX (lmax, v);
      if (v > 0)
        lpos_min = MIN (lpos_min, v);
    }
  if (lmax <= 0)
    lmax = 1;
  gboolean logy = isfinite (lpos_min) && lmax / lpos_min > 20;
  double lstep = nice_step (lmax, 5);
  lmax = ceil (lmax / lstep - 1e-9) * lstep;
  /* log axis: whole decades */
  double dlo = logy ? floor (log10 (lpos_min)) : 0, dhi = logy ? ceil (log10 (lmax)) : 1;
  if (dhi <= dlo)
    dhi = dlo + 1;

  double amin = 1.0;
  GArray *accs[] = { self->train_acc, self->test_acc };
  for (guint s = 0; s < G_N_ELEMENTS (accs); s++)
    for (guint i = 0; i < accs[s]->len; i++)
      amin = MIN (amin, g_array_index (accs[s], Point, i).y);
  /* zoom to the data in steps of 5 %, leaving room below the lowest point */
  amin = amin >= 1.0 ? 0.0 : MAX (0.0, floor ((amin - 0.01) * 20) / 20);
  double amax = 1.0;
  double astep = nice_step ((amax - amin) * 100, 5) / 100;

#define X(v)  (x0 + (v) / xmax * (x1 - x0))
#define YL(v) (logy ? y1 - (log10 (MAX ((v), 1e-12)) - dlo) / (dhi - dlo) * (y1 - y0) \
                      : y1 - (v) / lmax * (y1 - y0))
#define YA(v) (y1 - ((v) - amin) / (amax - amin) * (y1 - y0))

  /* grid on the loss ticks, and the frame */
  cairo_set_line_width (cr, 1);
  if (logy)
    for (double d = dlo; d <= dhi + 1e-9; d++)
      {
        double v = pow (10, d);
        set_color (cr, &fg, d == dlo ? 0.45 : 0.12);
        cairo_move_to (cr, x0, round (YL (v)) + 0.5);
        cairo_line_to (cr, x1, round (YL (v)) + 0.5);
        cairo_stroke (cr);
        /* faint lines at 2…9 × 10^d */
        set_color (cr, &fg, 0.05);
        for (int k = 2; k < 10 && d < dhi; k++)
          {
            cairo_move_to (cr, x0, round (YL (k * v)) + 0.5);
            cairo_line_to (cr, x1, round (YL (k * v)) + 0.5);
          }
        cairo_stroke (cr);
        set_color (cr, &loss_color, 1.0);
        char buf[32];
        g_snprintf (buf, sizeof buf, "%g", v);
        show_text (cr, layout, buf, x0 - 6, YL (v), 1.0, 0.5);
      }
  else
    for (double v = 0; v <= lmax + 1e-9; v += lstep)
      {
        set_color (cr, &fg, v == 0 ? 0.45 : 0.10);
        cairo_move_to (cr, x0, round (YL (v)) + 0.5);
        cairo_line_to (cr, x1, round (YL (v)) + 0.5);
        cairo_stroke (cr);
        set_color (cr, &loss_color, 1.0);
        char buf[32];
        g_snprintf (buf, sizeof buf, lstep < 0.1 ? "%.2f" : lstep < 1 ? "%.1f" : "%.0f", v);
        show_text (cr, layout, buf, x0 - 6, YL (v), 1.0, 0.5);
      }
  for (double v = amin; v <= amax + 1e-9; v += astep)
    {
      set_color (cr, &fg, 0.75);
      char buf[32];
      g_snprintf (buf, sizeof buf, astep < 0.01 ? "%.1f %%" : "%.0f %%", v * 100);
      show_text (cr, layout, buf, x1 + 6, YA (v), 0.0, 0.5);
    }
  set_color (cr, &fg, 0.45);
  cairo_move_to (cr, x0 + 0.5, y0);
  cairo_line_to (cr, x0 + 0.5, y1);
  cairo_move_to (cr, x1 - 0.5, y0);
  cairo_line_to (cr, x1 - 0.5, y1);
  cairo_stroke (cr);

  /* epoch ticks: about one label per 60 px */
  double estep = MAX (1, nice_step (xmax, MAX (1, (int) ((x1 - x0) / 60))));
  for (double e = 0; e <= xmax + 1e-9; e += estep)
    {
      set_color (cr, &fg, 0.45);
      cairo_move_to (cr, round (X (e)) + 0.5, y1);
      cairo_line_to (cr, round (X (e)) + 0.5, y1 + 4);
      cairo_stroke (cr);
      set_color (cr, &fg, 0.75);
      char buf[16];
      g_snprintf (buf, sizeof buf, "%.0f", e);
      show_text (cr, layout, buf, X (e), y1 + 6, 0.5, 0.0);
    }
  set_color (cr, &fg, 0.75);
  show_text (cr, layout, "Epoch", (x0 + x1) / 2, height - 2, 0.5, 1.0);

  /* axis titles, rotated */
  cairo_save (cr);
  cairo_translate (cr, 4, (y0 + y1) / 2);
  cairo_rotate (cr, -G_PI / 2);
  set_color (cr, &loss_color, 1.0);
  show_text (cr, layout, logy ? "Training loss (log)" : "Training loss", 0, 0, 0.5, 0.0);
  cairo_restore (cr);
  cairo_save (cr);
  cairo_translate (cr, width - 4, (y0 + y1) / 2);
  cairo_rotate (cr, G_PI / 2);
  set_color (cr, &fg, 0.75);
  show_text (cr, layout, "Accuracy", 0, 0, 0.5, 0.0);
  cairo_restore (cr);

  cairo_save (cr);
  cairo_rectangle (cr, x0, y0 - 4, x1 - x0, y1 - y0 + 8);
  cairo_clip (cr);

  /* loss */
  if (self->loss->len > 0)
    {
      cairo_set_line_width (cr, 1.5);
      cairo_set_line_join (cr, CAIRO_LINE_JOIN_ROUND);
      set_color (cr, &loss_color, 1.0);
      for (guint i = 0; i < self->loss->len; i++)
        {
          Point p = g_array_index (self->loss, Point, i);
          if (i == 0)
            cairo_move_to (cr, X (p.x), YL (p.y));
          else
            cairo_line_to (cr, X (p.x), YL (p.y));
        }
      cairo_stroke (cr);
    }

  /* accuracies: lines through dots */
  const GdkRGBA *colors[] = { &train_color, &test_color };
  for (guint s = 0; s < G_N_ELEMENTS (accs); s++)
    {
      GArray *a = accs[s];
      if (a->len == 0)
        continue;
      set_color (cr, colors[s], 1.0);
      cairo_set_line_width (cr, 2);
      for (guint i = 0; i < a->len; i++)
        {
          Point p = g_array_index (a, Point, i);
          if (i == 0)
            cairo_move_to (cr, X (p.x), YA (p.y));
          else
            cairo_line_to (cr, X (p.x), YA (p.y));
        }
      cairo_stroke (cr);
      for (guint i = 0; i < a->len; i++)
        {
          Point p = g_array_index (a, Point, i);
          cairo_arc (cr, X (p.x), YA (p.y), 3.5, 0, 2 * G_PI);
          cairo_fill (cr);
        }
    }
  cairo_restore (cr);

  /* legend, above the plot */
  {
    const char *names[] = { "Training loss", "Train accuracy", "Test accuracy" };
    const GdkRGBA *lc[] = { &loss_color, &train_color, &test_color };
    double x = x0;
    for (guint i = 0; i < G_N_ELEMENTS (names); i++)
      {
        int w, h;
        set_color (cr, lc[i], 1.0);
        cairo_rectangle (cr, x, y0 - 20, 14, 4);
        cairo_fill (cr);
        set_color (cr, &fg, 0.85);
        pango_layout_set_text (layout, names[i], -1);
        pango_layout_get_pixel_size (layout, &w, &h);
        cairo_move_to (cr, x + 20, y0 - 18 - h / 2.0);
        pango_cairo_show_layout (cr, layout);
        x += 20 + w + 22;
      }
  }

  if (self->loss->len == 0 && self->train_acc->len == 0)
    {
      set_color (cr, &fg, 0.55);
      show_text (cr, layout, "The loss and accuracy curves appear here during training",
                 (x0 + x1) / 2, (y0 + y1) / 2, 0.5, 0.5);
    }
#undef X
#undef YL
#undef YA

out:
  g_object_unref (layout);
  cairo_destroy (cr);
}

static void
dp_chart_measure (GtkWidget *widget, GtkOrientation orientation, int for_size, int *minimum,
                  int *natural, int *minimum_baseline, int *natural_baseline)
{
  if (orientation == GTK_ORIENTATION_HORIZONTAL)
    *minimum = 320, *natural = 640;
  else
    *minimum = 200, *natural = 280;
}

static void
dp_chart_finalize (GObject *object)
{
  DpChart *self = DP_CHART (object);
  g_array_unref (self->loss);
  g_array_unref (self->train_acc);
  g_array_unref (self->test_acc);
  G_OBJECT_CLASS (dp_chart_parent_class)->finalize (object);
}

static void
dp_chart_class_init (DpChartClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->finalize = dp_chart_finalize;
  widget_class->snapshot = dp_chart_snapshot;
  widget_class->measure = dp_chart_measure;
  gtk_widget_class_set_css_name (widget_class, "dpchart");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
dp_chart_init (DpChart *self)
{
  self->loss = g_array_new (FALSE, FALSE, sizeof (Point));
  self->train_acc = g_array_new (FALSE, FALSE, sizeof (Point));
  self->test_acc = g_array_new (FALSE, FALSE, sizeof (Point));
  self->n_epochs = 1;
  self->loss_ema = -1;
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  "Training loss and accuracy chart", -1);
}

GtkWidget *
dp_chart_new (void)
{
  return g_object_new (DP_TYPE_CHART, NULL);
}

void
dp_chart_reset (DpChart *self, int n_epochs)
{
  g_return_if_fail (DP_IS_CHART (self));
  g_array_set_size (self->loss, 0);
  g_array_set_size (self->train_acc, 0);
  g_array_set_size (self->test_acc, 0);
  self->n_epochs = MAX (1, n_epochs);
  self->loss_ema = -1;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
dp_chart_add_loss (DpChart *self, double epoch_pos, double loss)
{
  g_return_if_fail (DP_IS_CHART (self));
  if (!isfinite (loss) || !isfinite (epoch_pos))
    return;
  self->loss_ema = self->loss_ema < 0 ? loss : 0.7 * self->loss_ema + 0.3 * loss;
  Point p = { epoch_pos, self->loss_ema };
  g_array_append_val (self->loss, p);
  if (self->loss->len > MAX_LOSS_POINTS)
    {
      /* halve the series by averaging pairs: the curve keeps its shape at constant cost */
      Point *v = (Point *) self->loss->data;
      guint n = self->loss->len / 2;
      for (guint i = 0; i < n; i++)
        v[i] = (Point) { (v[2 * i].x + v[2 * i + 1].x) / 2, (v[2 * i].y + v[2 * i + 1].y) / 2 };
      if (self->loss->len % 2)
        v[n++] = v[self->loss->len - 1];
      g_array_set_size (self->loss, n);
    }
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
dp_chart_add_epoch (DpChart *self, int epoch, double train_accuracy, double test_accuracy)
{
  g_return_if_fail (DP_IS_CHART (self));
  Point p = { epoch, train_accuracy };
  if (isfinite (train_accuracy) && train_accuracy >= 0)
    g_array_append_val (self->train_acc, p);
  p.y = test_accuracy;
  if (isfinite (test_accuracy) && test_accuracy >= 0)
    g_array_append_val (self->test_acc, p);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

guint
dp_chart_get_n_loss_points (DpChart *self)
{
  g_return_val_if_fail (DP_IS_CHART (self), 0);
  return self->loss->len;
}
