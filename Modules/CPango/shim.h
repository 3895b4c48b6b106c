/*
 * shim.h — Pango and Cairo for Kinga's printouts (referral slips, case summaries) as PDF.
 * Pango lays out text in any script (shaping with HarfBuzz, fonts through fontconfig); Cairo writes the PDF.
 * Wrappers give Swift plain functions instead of macros.
 */
#ifndef KINGA_CPANGO_SHIM_H
#define KINGA_CPANGO_SHIM_H
#include <cairo.h>
#include <cairo-pdf.h>
#include <pango/pangocairo.h>

static inline int kinga_pango_scale(void) { return PANGO_SCALE; }
static inline void kinga_g_object_unref(void *o) { if (o) g_object_unref(o); }
#endif
