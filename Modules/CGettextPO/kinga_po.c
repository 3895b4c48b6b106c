// See include/kinga_po.h.
#include "kinga_po.h"
#include <setjmp.h>
#include <stdio.h>
#include <string.h>

static __thread jmp_buf kinga_po_jump;
static __thread char kinga_po_message[512];
static __thread int kinga_po_errors;

static void kinga_po_xerror(int severity, po_message_t message, const char *filename, size_t lineno,
                            size_t column, int multiline, const char *text) {
    (void)message; (void)column; (void)multiline;
    if (severity >= PO_SEVERITY_ERROR) {
        if (kinga_po_errors++ == 0) {
            if (filename && lineno != (size_t)-1)
                snprintf(kinga_po_message, sizeof kinga_po_message, "%s:%zu: %s", filename, lineno, text ? text : "");
            else
                snprintf(kinga_po_message, sizeof kinga_po_message, "%s", text ? text : "");
        }
    }
    if (severity == PO_SEVERITY_FATAL_ERROR) longjmp(kinga_po_jump, 1);
}

static void kinga_po_xerror2(int severity, po_message_t m1, const char *f1, size_t l1, size_t c1, int ml1, const char *t1,
                             po_message_t m2, const char *f2, size_t l2, size_t c2, int ml2, const char *t2) {
    (void)m2; (void)f2; (void)l2; (void)c2; (void)ml2; (void)t2;
    kinga_po_xerror(severity, m1, f1, l1, c1, ml1, t1);
}

/// Reads a .po file. Returns NULL when it is missing or has any error; `error` then holds the first message.
po_file_t kinga_po_read(const char *path, char *error, size_t error_size) {
    static const struct po_xerror_handler handler = { kinga_po_xerror, kinga_po_xerror2 };
    kinga_po_errors = 0;
    kinga_po_message[0] = 0;
    po_file_t file = NULL;
    if (setjmp(kinga_po_jump) == 0) {
        file = po_file_read(path, &handler);
    } else {
        file = NULL;
        if (kinga_po_errors == 0) kinga_po_errors = 1;
    }
    if (kinga_po_errors > 0 || file == NULL) {
        if (file) po_file_free(file);
        snprintf(error, error_size, "%s", kinga_po_message[0] ? kinga_po_message : "the file could not be read");
        return NULL;
    }
    return file;
}
