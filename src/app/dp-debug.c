/* dp-debug.c: the test scaffolding (see the header): the layout log, the prediction timer and
 * the stall probe. Widgets hand over what they know (their children's names, a result shown);
 * the when and how of logging lives here. */
#include "dp-debug.h"

gboolean
dp_debug_enabled (void)
{
  return !g_log_writer_default_would_drop (G_LOG_LEVEL_DEBUG, G_LOG_DOMAIN);
}

/* --- the layout log ------------------------------------------------------------------------ */

/* widget's origin in its window's surface: the root's coordinates plus the surface transform
 * (the client-side decorations' shadow) */
static gboolean
to_surface (GtkWidget *widget, const graphene_point_t *p, graphene_point_t *out)
{
  GtkRoot *root = gtk_widget_get_root (widget);
  double sx, sy;

  if (root == NULL || !GTK_IS_NATIVE (root) || !gtk_widget_get_mapped (widget))
    return FALSE;
  if (!gtk_widget_compute_point (widget, GTK_WIDGET (root), p, out))
    return FALSE;
  gtk_native_get_surface_transform (GTK_NATIVE (root), &sx, &sy);
  out->x += sx;
  out->y += sy;
  return TRUE;
}

void
dp_debug_append_bounds (GString *line, const char *name, GtkWidget *widget)
{
  graphene_point_t origin;

  if (widget == NULL || !to_surface (widget, &GRAPHENE_POINT_INIT (0, 0), &origin))
    return;
  g_string_append_printf (line, " %s=%d,%d,%d,%d", name, (int) origin.x, (int) origin.y,
                          gtk_widget_get_width (widget), gtk_widget_get_height (widget));
}

void
dp_debug_append_point (GString *line, const char *name, GtkWidget *widget,
                       const graphene_point_t *point)
{
  graphene_point_t q;

  if (widget != NULL && to_surface (widget, point, &q))
    g_string_append_printf (line, " %s=%d,%d", name, (int) q.x, (int) q.y);
}

typedef struct
{
  GtkWidget *widget; /* not owned: the watch lives as the widget's data */
  const char *prefix;
  DpDebugLayoutFunc func;
  gpointer user_data;
  GdkFrameClock *clock;
  gulong after_paint_id;
  char *last;
} LayoutWatch;

static void
layout_watch_log (LayoutWatch *watch)
{
  g_autoptr (GString) line = NULL;

  if (!gtk_widget_get_mapped (watch->widget))
    return;
  line = g_string_new (NULL);
  watch->func (watch->widget, line, watch->user_data);
  if (g_strcmp0 (line->str, watch->last) != 0)
    {
      g_debug ("%s%s", watch->prefix, line->str);
      g_free (watch->last);
      watch->last = g_strdup (line->str);
    }
}

static void
on_layout_after_paint_cb (GdkFrameClock *clock, LayoutWatch *watch)
{
  layout_watch_log (watch);
}

static void
layout_watch_detach (LayoutWatch *watch)
{
  if (watch->clock != NULL)
    {
      g_clear_signal_handler (&watch->after_paint_id, watch->clock);
      g_clear_object (&watch->clock);
    }
}

static void
on_layout_realize_cb (GtkWidget *widget, LayoutWatch *watch)
{
  layout_watch_detach (watch);
  watch->clock = g_object_ref (gtk_widget_get_frame_clock (widget));
  watch->after_paint_id = g_signal_connect (watch->clock, "after-paint",
                                            G_CALLBACK (on_layout_after_paint_cb), watch);
}

static void
on_layout_unrealize_cb (GtkWidget *widget, LayoutWatch *watch)
{
  layout_watch_detach (watch);
}

static void
layout_watch_free (LayoutWatch *watch)
{
  layout_watch_detach (watch);
  g_free (watch->last);
  g_free (watch);
}

void
dp_debug_watch_layout (GtkWidget *widget, const char *prefix, DpDebugLayoutFunc func,
                       gpointer user_data)
{
  LayoutWatch *watch;

  g_return_if_fail (GTK_IS_WIDGET (widget));
  g_return_if_fail (prefix != NULL && func != NULL);

  /* nobody reads it: no bounds computed after every frame */
  if (!dp_debug_enabled ())
    return;
  watch = g_new0 (LayoutWatch, 1);
  watch->widget = widget;
  watch->prefix = prefix;
  watch->func = func;
  watch->user_data = user_data;
  {
    g_autofree char *key = g_strdup_printf ("dp-layout-watch-%s", prefix);
    g_object_set_data_full (G_OBJECT (widget), g_intern_string (key), watch,
                            (GDestroyNotify) layout_watch_free);
  }
  g_signal_connect (widget, "realize", G_CALLBACK (on_layout_realize_cb), watch);
  g_signal_connect (widget, "unrealize", G_CALLBACK (on_layout_unrealize_cb), watch);
  if (gtk_widget_get_realized (widget))
    on_layout_realize_cb (widget, watch);
}

/* --- the prediction timer ------------------------------------------------------------------ */

struct _DpPredictionTimer
{
  GdkFrameClock *clock;
  gulong after_paint_id;
  gboolean pending;
  DpPrediction shown;
  gint64 t_shown; /* when the result was handed to the widgets */
  guint seq;
};

static void
timer_log (DpPredictionTimer *timer, double redraw_ms, gint64 t_end)
{
  const DpPrediction *p = &timer->shown;

  g_debug ("prediction #%u: digit=%d confidence=%.4f runner_up=%d (%.4f) unsure=%s "
           "trigger=%s strokes=%u preprocess_ms=%.3f inference_ms=%.3f redraw_ms=%.3f "
           "total_ms=%.3f",
           timer->seq, p->digit, p->confidence, p->runner_up, p->runner_up_p,
           p->unsure ? "yes" : "no", p->trigger, p->n_strokes, p->preprocess_ms, p->inference_ms,
           redraw_ms, t_end > 0 ? (t_end - p->t_trigger) / 1000.0 : -1.0);
  timer->pending = FALSE;
}

static void
on_timer_after_paint_cb (GdkFrameClock *clock, DpPredictionTimer *timer)
{
  if (timer->pending)
    {
      gint64 now = g_get_monotonic_time ();
      timer_log (timer, (now - timer->t_shown) / 1000.0, now);
    }
}

static void
timer_detach (DpPredictionTimer *timer)
{
  if (timer->clock != NULL)
    {
      g_clear_signal_handler (&timer->after_paint_id, timer->clock);
      g_clear_object (&timer->clock);
    }
}

static void
on_timer_realize_cb (GtkWidget *widget, DpPredictionTimer *timer)
{
  timer_detach (timer);
  timer->clock = g_object_ref (gtk_widget_get_frame_clock (widget));
  timer->after_paint_id = g_signal_connect (timer->clock, "after-paint",
                                            G_CALLBACK (on_timer_after_paint_cb), timer);
}

static void
on_timer_unrealize_cb (GtkWidget *widget, DpPredictionTimer *timer)
{
  /* a result that will not be painted any more is logged without a redraw time */
  if (timer->pending)
    timer_log (timer, -1.0, -1);
  timer_detach (timer);
}

static void
timer_free (DpPredictionTimer *timer)
{
  timer_detach (timer);
  g_free (timer);
}

DpPredictionTimer *
dp_prediction_timer_new (GtkWidget *widget)
{
  DpPredictionTimer *timer;

  g_return_val_if_fail (GTK_IS_WIDGET (widget), NULL);

  timer = g_new0 (DpPredictionTimer, 1);
  g_object_set_data_full (G_OBJECT (widget), "dp-prediction-timer", timer,
                          (GDestroyNotify) timer_free);
  g_signal_connect (widget, "realize", G_CALLBACK (on_timer_realize_cb), timer);
  g_signal_connect (widget, "unrealize", G_CALLBACK (on_timer_unrealize_cb), timer);
  if (gtk_widget_get_realized (widget))
    on_timer_realize_cb (widget, timer);
  return timer;
}

void
dp_prediction_timer_shown (DpPredictionTimer *timer, const DpPrediction *prediction)
{
  g_return_if_fail (timer != NULL && prediction != NULL);

  /* a result replaced before it was painted is logged without a redraw time */
  if (timer->pending)
    timer_log (timer, -1.0, -1);
  timer->shown = *prediction;
  timer->seq++;
  timer->t_shown = g_get_monotonic_time ();
  timer->pending = TRUE;
  /* without a frame clock (not yet realized) nothing will paint: log now */
  if (timer->clock == NULL)
    timer_log (timer, -1.0, -1);
}

/* --- the stall probe ----------------------------------------------------------------------- */

struct _DpStallProbe
{
  GSource *source;
  guint tick_ms;
  gint64 last;
  GArray *late; /* of double, ms late per tick */
};

static gboolean
stall_tick_cb (gpointer user_data)
{
  DpStallProbe *probe = user_data;
  gint64 now = g_get_monotonic_time ();
  /* a GLib timeout is due tick_ms after its last dispatch; anything more is a stall */
  double late = MAX (0.0, (now - probe->last) / 1000.0 - probe->tick_ms);

  g_array_append_val (probe->late, late);
  probe->last = now;
  return G_SOURCE_CONTINUE;
}

DpStallProbe *
dp_stall_probe_start (GMainContext *context, guint tick_ms)
{
  DpStallProbe *probe = g_new0 (DpStallProbe, 1);

  g_return_val_if_fail (tick_ms > 0, NULL);

  probe->tick_ms = tick_ms;
  probe->late = g_array_new (FALSE, FALSE, sizeof (double));
  probe->last = g_get_monotonic_time ();
  probe->source = g_timeout_source_new (tick_ms);
  g_source_set_callback (probe->source, stall_tick_cb, probe, NULL);
  g_source_set_static_name (probe->source, "[digitpad] main-loop stall probe");
  g_source_attach (probe->source, context);
  return probe;
}

static int
compare_double (gconstpointer a, gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return x < y ? -1 : x > y;
}

void
dp_stall_probe_stop (DpStallProbe *probe, DpStallStats *stats)
{
  guint n;

  g_return_if_fail (probe != NULL && stats != NULL);

  g_source_destroy (probe->source);
  g_source_unref (probe->source);
  n = probe->late->len;
  *stats = (DpStallStats) { .n = n };
  if (n > 0)
    {
      double *v = (double *) probe->late->data;
      g_array_sort (probe->late, compare_double);
      stats->p50 = v[(n - 1) / 2];
      stats->p99 = v[(guint) ((n - 1) * 0.99)];
      stats->max = v[n - 1];
    }
  g_array_unref (probe->late);
  g_free (probe);
}
