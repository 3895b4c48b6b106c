// Reads translation catalogues (.po files) with GNU gettext's libgettextpo.
// libgettextpo reports problems through a handler that must not return on a fatal error; this shim
// turns that into a NULL result plus the first message, so a broken catalogue never ends Kinga.
#ifndef KINGA_GETTEXTPO_SHIM_H
#define KINGA_GETTEXTPO_SHIM_H
#include <gettext-po.h>
#include <stddef.h>

/// Reads a .po file. Returns NULL when it is missing or has any error; `error` then holds the first message.
po_file_t kinga_po_read(const char *path, char *error, size_t error_size);
#endif
