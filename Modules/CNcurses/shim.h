/*
 * shim.h — the only C that knows ncurses macros and C globals (see DESIGN.md §3).
 *
 * _XOPEN_SOURCE_EXTENDED must come before curses.h, or the wide-character API
 * (wget_wch, setcchar, mvwadd_wch, cchar_t) is not declared.
 */
#ifndef KINGA_CNCURSES_SHIM_H
#define KINGA_CNCURSES_SHIM_H

#define _XOPEN_SOURCE_EXTENDED 1
#include <errno.h>
#include <locale.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <wchar.h>
#include <sys/ioctl.h>
#include <ncursesw/curses.h>

/* glibc hides wcwidth from Swift's importer; declare it ourselves. */
extern int wcwidth(wchar_t c);

/* Attributes and keys that are expression macros in curses.h. */
static inline attr_t kinga_a_normal(void) { return A_NORMAL; }
static inline attr_t kinga_a_bold(void) { return A_BOLD; }
static inline attr_t kinga_a_reverse(void) { return A_REVERSE; }
static inline attr_t kinga_a_underline(void) { return A_UNDERLINE; }
static inline attr_t kinga_color_pair(short n) { return (attr_t)COLOR_PAIR(n); }
static inline int kinga_key_f(int n) { return KEY_F(n); }

/* C globals Swift 6 rejects as unsafe shared state. */
static inline WINDOW *kinga_stdscr(void) { return stdscr; }
static inline int kinga_lines(void) { return LINES; }
static inline int kinga_cols(void) { return COLS; }
static inline int kinga_colors(void) { return COLORS; }
static inline FILE *kinga_stdout(void) { return stdout; }
static inline FILE *kinga_stdin(void) { return stdin; }
/* Writes bytes straight to the terminal (mode switches that curses does not know, like bracketed paste). */
static inline void kinga_write_out(const char *s) { fputs(s, stdout); fflush(stdout); }

/* Pending-signal flag, set from async-signal context, read by the event loop. */
static volatile sig_atomic_t kinga_signal_flag = 0;
static inline void kinga_on_signal(int sig) { kinga_signal_flag = sig; }

/* Install handlers for SIGINT, SIGTERM, SIGHUP, SIGQUIT; ignore SIGPIPE. */
static inline void kinga_install_signal_handlers(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = kinga_on_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = 0; /* no SA_RESTART: a blocking read returns so the loop sees the flag */
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    sigaction(SIGQUIT, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    /* A blocked signal would never reach the handlers: a parent's mask is inherited across exec (a thread
       pool that blocks signals, a launcher), and then a hang-up or a kill would be ignored for ever. */
    sigset_t ours;
    sigemptyset(&ours);
    sigaddset(&ours, SIGINT);
    sigaddset(&ours, SIGTERM);
    sigaddset(&ours, SIGHUP);
    sigaddset(&ours, SIGQUIT);
    sigaddset(&ours, SIGTSTP);
    sigaddset(&ours, SIGCONT);
    sigaddset(&ours, SIGWINCH);
    sigprocmask(SIG_UNBLOCK, &ours, NULL);
}

/* Returns the last signal received (0 if none) and clears it. */
static inline int kinga_take_signal(void) {
    int s = kinga_signal_flag;
    kinga_signal_flag = 0;
    return s;
}

/* Reads one wide key: returns OK (a character in *wch), KEY_CODE_YES (a key code in *wch) or ERR. */
static inline int kinga_get_wch(WINDOW *w, unsigned int *out) {
    wint_t c = 0;
    int r = wget_wch(w, &c);
    *out = (unsigned int)c;
    return r;
}

/* Puts one grapheme (up to 8 wide chars) at y,x with attributes and colour pair. */
static inline int kinga_put_cell(WINDOW *w, int y, int x, const wchar_t *wcs, attr_t attrs, short pair) {
    cchar_t cc;
    if (setcchar(&cc, wcs, attrs, pair, NULL) != OK) return ERR;
    return mvwadd_wch(w, y, x, &cc);
}

/* True when the terminal can move the cursor (terminfo "cup"); a dumb terminal cannot show a full screen. */
static inline int kinga_can_address_cursor(void) {
    char *cup = tigetstr("cup");
    return cup != NULL && cup != (char *)-1;
}

/*
 * 1 when the terminal on standard input is gone: hung up (the pty's other end closed, an SSH connection
 * dropped), in error, or at end of file (poll says readable while nothing is waiting to be read, so read(2)
 * would return 0 or fail with EIO for ever). 0 while it is there. Called after wget_wch returned ERR: a
 * terminal that is gone makes wget_wch return ERR at once, every time, and a loop that only waits on it
 * spins at full CPU. Only `poll` with no wait and `ioctl(FIONREAD)`: nothing is consumed.
 */
static inline int kinga_terminal_gone(void) {
    struct pollfd p;
    p.fd = 0;
    p.events = POLLIN;
    p.revents = 0;
    int r = poll(&p, 1, 0);
    if (r < 0) return errno == EINTR ? 0 : 1;
    if (r == 0) return 0;
    if (p.revents & (POLLHUP | POLLERR | POLLNVAL)) return 1;
    if (p.revents & POLLIN) {
        int waiting = 0;
        if (ioctl(0, FIONREAD, &waiting) == 0 && waiting == 0) return 1;
    }
    return 0;
}

static inline int kinga_key_code_yes(void) { return KEY_CODE_YES; }
static inline int kinga_err(void) { return ERR; }
static inline int kinga_ok(void) { return OK; }
#endif
