/* dp-debug.c: the test scaffolding (see the header): the layout log, the prediction timer and
 * the stall probe. Widgets hand over what they know (their children's names, a result shown);
 * the when and how of logging lives here. */
#include "dp-debug.h"

#include "dp-confusion-view.h"
#include "engine/network.h"

static gboolean
dp_debug_enabled (void)
{
  return !g_log_writer_default_would_drop (G_LOG_LEVEL_DEBUG, G_LOG_DOMAIN);
}

/* --- following a widget's frames ---------------------------------------------------------- */

/* Calls func (clock, data) after every frame painted for widget, from its realize to its
 * unrealize (a widget may be realized again, on another frame clock). */
typedef struct
{
  GCallback func;
  gpointer data;
  GdkFrameClock *clock;
  gulong after_paint_id;
} FrameHook;

static void
frame_hook_detach (FrameHook *hook)
{
  if (hook->clock != NULL)
    {
      g_clear_signal_handler (&hook->after_paint_id, hook->clock);
      g_clear_object (&hook->clock);
    }
}

static void
frame_hook_attach (FrameHook *hook, GtkWidget *widget)
{
  frame_hook_detach (hook);
  hook->clock = g_object_ref (gtk_widget_get_frame_clock (widget));
  hook->after_paint_id = g_signal_connect (hook->clock, "after-paint", hook->func, hook->data);
}

static void
frame_hook_init (FrameHook *hook, GtkWidget *widget, GCallback func, gpointer data,
                 GCallback on_unrealize)
{
  hook->func = func;
  hook->data = data;
  g_signal_connect_swapped (widget, "realize", G_CALLBACK (frame_hook_attach), hook);
  g_signal_connect (widget, "unrealize", on_unrealize, data);
  if (gtk_widget_get_realized (widget))
    frame_hook_attach (hook, widget);
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
  FrameHook hook;
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
on_layout_unrealize_cb (GtkWidget *widget, LayoutWatch *watch)
{
  frame_hook_detach (&watch->hook);
}

static void
layout_watch_free (LayoutWatch *watch)
{
  frame_hook_detach (&watch->hook);
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
  frame_hook_init (&watch->hook, widget, G_CALLBACK (on_layout_after_paint_cb), watch,
                   G_CALLBACK (on_layout_unrealize_cb));
}

/* every widget under widget with a name of its own, depth first */
void
dp_debug_append_named (GString *line, GtkWidget *widget)
{
  const char *name;

  g_return_if_fail (GTK_IS_WIDGET (widget));

  if (!gtk_widget_get_mapped (widget))
    return;
  name = gtk_widget_get_name (widget);
  if (name != NULL && g_ascii_islower (name[0]))
    dp_debug_append_bounds (line, name, widget);
  for (GtkWidget *c = gtk_widget_get_first_child (widget); c; c = gtk_widget_get_next_sibling (c))
    dp_debug_append_named (line, c);
}

static void
named_layout (GtkWidget *window, GString *line, gpointer user_data)
{
  g_string_append_printf (line, "window=%d,%d", gtk_widget_get_width (window),
                          gtk_widget_get_height (window));
  dp_debug_append_named (line, window);
}

void
dp_debug_watch_named (GtkWidget *window, const char *prefix)
{
  g_return_if_fail (GTK_IS_WIDGET (window));
  dp_debug_watch_layout (window, prefix, named_layout, NULL);
}

/* --- the prediction timer ------------------------------------------------------------------ */

struct _DpPredictionTimer
{
  FrameHook hook;
  gboolean pending;
  DpPrediction shown;
  gint64 t_shown; /* when the result was handed to the widgets */
  guint seq;
};

static void
timer_log (DpPredictionTimer *timer, double redraw_ms, gint64 t_end)
{
  const DpPrediction *p = &timer->shown;
  /* "digit=4", or "digit=none closest=4" when the answer is "not a digit" */
  g_autofree char *answer = p->digit == DP_CLASS_NOT_A_DIGIT
                              ? g_strdup_printf ("none closest=%d", p->closest_digit)
                              : g_strdup_printf ("%d", p->digit);
  char refuse[48] = "";

  if (p->not_a_digit_p >= 0.0f)
    g_snprintf (refuse, sizeof refuse, " not_a_digit=%.4f", p->not_a_digit_p);
  g_debug ("prediction #%u: digit=%s confidence=%.4f runner_up=%d (%.4f) unsure=%s "
           "trigger=%s strokes=%u preprocess_ms=%.3f inference_ms=%.3f redraw_ms=%.3f "
           "total_ms=%.3f%s",
           timer->seq, answer, p->confidence, p->runner_up, p->runner_up_p,
           p->unsure ? "yes" : "no", p->trigger, p->n_strokes, p->preprocess_ms, p->inference_ms,
           redraw_ms, t_end > 0 ? (t_end - p->t_trigger) / 1000.0 : -1.0, refuse);
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
on_timer_unrealize_cb (GtkWidget *widget, DpPredictionTimer *timer)
{
  /* a result that will not be painted any more is logged without a redraw time */
  if (timer->pending)
    timer_log (timer, -1.0, -1);
  frame_hook_detach (&timer->hook);
}

static void
timer_free (DpPredictionTimer *timer)
{
  frame_hook_detach (&timer->hook);
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
  frame_hook_init (&timer->hook, widget, G_CALLBACK (on_timer_after_paint_cb), timer,
                   G_CALLBACK (on_timer_unrealize_cb));
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
  if (timer->hook.clock == NULL)
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
  DpStallProbe *probe;

  g_return_val_if_fail (tick_ms > 0, NULL);

  probe = g_new0 (DpStallProbe, 1);
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

/* --- the Train page ------------------------------------------------------------------------ */

/* the widgets the GUI tests click or look at, by their widget names, in the order logged */
static const char * const train_targets[] = {
  "preset", "data", "hidden", "lr", "epochs", "limit", "start", "stop", "use", "save", "export",
  "download", "choose", "details", "progress", "chart", "confusion",
};

/* found[i]: the first widget called train_targets[i] under widget, depth first; one walk */
static void
find_targets (GtkWidget *widget, GtkWidget **found)
{
  const char *name = gtk_widget_get_name (widget);
  for (guint i = 0; i < G_N_ELEMENTS (train_targets); i++)
    if (found[i] == NULL && g_strcmp0 (name, train_targets[i]) == 0)
      found[i] = widget;
  for (GtkWidget *c = gtk_widget_get_first_child (widget); c; c = gtk_widget_get_next_sibling (c))
    find_targets (c, found);
}

static void
train_layout (GtkWidget *page, GString *line, gpointer user_data)
{
  GtkWidget *found[G_N_ELEMENTS (train_targets)] = { NULL };
  GtkWidget *confusion = NULL;
  double cx, cy;

  dp_debug_append_bounds (line, "page", page);
  find_targets (page, found);
  for (guint i = 0; i < G_N_ELEMENTS (train_targets); i++)
    {
      GtkWidget *target = found[i];
      if (target == NULL)
        continue;
      dp_debug_append_bounds (line, train_targets[i], target);
      if (DP_IS_CONFUSION_VIEW (target))
        confusion = target;
    }
  /* the cell "true 4, predicted 9" for tests that open the gallery */
  if (confusion != NULL && gtk_widget_get_mapped (confusion)
      && dp_confusion_view_cell_center (DP_CONFUSION_VIEW (confusion), 4, 9, &cx, &cy))
    dp_debug_append_point (line, "cell49", confusion, &GRAPHENE_POINT_INIT (cx, cy));
}

void
dp_debug_train_layout_watch (GtkWidget *page)
{
  g_return_if_fail (GTK_IS_WIDGET (page));
  dp_debug_watch_layout (page, "train-bounds:", train_layout, NULL);
}
