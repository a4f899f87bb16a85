/* dp-debug.c: test scaffolding (see the header). */
#include "dp-debug.h"

#include "dp-confusion-view.h"

/* --- the Train page --- */

/* the widgets the GUI tests click or look at, by their widget names, in the order logged */
static const char * const train_targets[] = {
  "preset", "hidden", "lr", "epochs", "limit", "start", "stop", "use", "save", "export",
  "download", "choose", "details", "progress", "chart", "confusion",
};

typedef struct
{
  GtkWidget *page;        /* not a reference: the watch lives as long as the page */
  GdkFrameClock *clock;   /* while mapped */
  gulong after_paint_id;
  char *last;             /* the last line logged */
} TrainWatch;

static gboolean
debug_wanted (void)
{
  return !g_log_writer_default_would_drop (G_LOG_LEVEL_DEBUG, G_LOG_DOMAIN);
}

static void
append_bounds (GString *s, GtkWidget *root, const char *name, GtkWidget *widget)
{
  graphene_rect_t b;
  double sx, sy;
  if (!gtk_widget_get_mapped (widget) || !gtk_widget_compute_bounds (widget, root, &b))
    return;
  gtk_native_get_surface_transform (GTK_NATIVE (root), &sx, &sy);
  g_string_append_printf (s, " %s=%d,%d,%d,%d", name, (int) (b.origin.x + sx),
                          (int) (b.origin.y + sy), (int) b.size.width, (int) b.size.height);
}

/* the first widget called name under widget, depth first */
static GtkWidget *
find_named (GtkWidget *widget, const char *name)
{
  if (g_strcmp0 (gtk_widget_get_name (widget), name) == 0)
    return widget;
  for (GtkWidget *c = gtk_widget_get_first_child (widget); c; c = gtk_widget_get_next_sibling (c))
    {
      GtkWidget *found = find_named (c, name);
      if (found != NULL)
        return found;
    }
  return NULL;
}

static void
train_log_layout (TrainWatch *w)
{
  GtkWidget *root = GTK_WIDGET (gtk_widget_get_root (w->page));
  if (root == NULL || !GTK_IS_NATIVE (root) || !gtk_widget_get_mapped (w->page))
    return;
  g_autoptr (GString) s = g_string_new (NULL);
  append_bounds (s, root, "page", w->page);
  GtkWidget *confusion = NULL;
  for (guint i = 0; i < G_N_ELEMENTS (train_targets); i++)
    {
      GtkWidget *target = find_named (w->page, train_targets[i]);
      if (target == NULL)
        continue;
      append_bounds (s, root, train_targets[i], target);
      if (DP_IS_CONFUSION_VIEW (target))
        confusion = target;
    }
  /* the cell "true 4, predicted 9" for tests that open the gallery */
  double cx, cy, sx, sy;
  graphene_point_t q;
  gtk_native_get_surface_transform (GTK_NATIVE (root), &sx, &sy);
  if (confusion != NULL && gtk_widget_get_mapped (confusion)
      && dp_confusion_view_cell_center (DP_CONFUSION_VIEW (confusion), 4, 9, &cx, &cy)
      && gtk_widget_compute_point (confusion, root, &GRAPHENE_POINT_INIT (cx, cy), &q))
    g_string_append_printf (s, " cell49=%d,%d", (int) (q.x + sx), (int) (q.y + sy));
  if (g_strcmp0 (s->str, w->last) != 0)
    {
      g_debug ("train-bounds:%s", s->str);
      g_free (w->last);
      w->last = g_strdup (s->str);
    }
}

/* after each frame that was laid out: what moved (a row added, a button swapped, the page
 * scrolled) is logged once it is on screen */
static void
on_train_after_paint_cb (GdkFrameClock *clock, TrainWatch *w)
{
  train_log_layout (w);
}

static void
on_train_map_cb (GtkWidget *page, TrainWatch *w)
{
  GdkFrameClock *clock = gtk_widget_get_frame_clock (page);
  if (clock == NULL || w->after_paint_id != 0)
    return;
  w->clock = g_object_ref (clock);
  w->after_paint_id = g_signal_connect (clock, "after-paint",
                                        G_CALLBACK (on_train_after_paint_cb), w);
}

static void
on_train_unmap_cb (GtkWidget *page, TrainWatch *w)
{
  if (w->after_paint_id != 0)
    g_clear_signal_handler (&w->after_paint_id, w->clock);
  g_clear_object (&w->clock);
}

static void
train_watch_free (gpointer data)
{
  TrainWatch *w = data;
  on_train_unmap_cb (w->page, w);
  g_free (w->last);
  g_free (w);
}

void
dp_debug_train_layout_watch (GtkWidget *page)
{
  g_return_if_fail (GTK_IS_WIDGET (page));
  if (!debug_wanted ())
    return;
  TrainWatch *w = g_new0 (TrainWatch, 1);
  w->page = page;
  g_object_set_data_full (G_OBJECT (page), "dp-debug-train-watch", w, train_watch_free);
  g_signal_connect (page, "map", G_CALLBACK (on_train_map_cb), w);
  g_signal_connect (page, "unmap", G_CALLBACK (on_train_unmap_cb), w);
}
